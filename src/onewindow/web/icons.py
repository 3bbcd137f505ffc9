"""The platform's icons, drawn for it: 24 × 24 strokes in the text's colour, written into the
page as inline SVG (no request, no icon font, no CSP exception: the attributes are SVG
presentation attributes, not styles). Each is decoration beside a word that names it."""

from __future__ import annotations

# Each icon: its shapes, one element a line.
_SHAPES: dict[str, tuple[str, ...]] = {
    "emblem": (
        '<rect x="3" y="3" width="18" height="18" rx="4"/>',
        '<path d="M12 3v18M3 12h18"/>',
    ),
    "search": (
        '<circle cx="11" cy="11" r="6.5"/>',
        '<path d="M16 16l5 5"/>',
    ),
    "home": (
        '<path d="M3 11l9-7 9 7"/>',
        '<path d="M5.5 9.5V20h13V9.5"/>',
        '<path d="M10 20v-5h4v5"/>',
    ),
    "services": (
        '<rect x="3" y="3" width="7.5" height="7.5" rx="1.5"/>',
        '<rect x="13.5" y="3" width="7.5" height="7.5" rx="1.5"/>',
        '<rect x="3" y="13.5" width="7.5" height="7.5" rx="1.5"/>',
        '<rect x="13.5" y="13.5" width="7.5" height="7.5" rx="1.5"/>',
    ),
    "mine": (
        '<circle cx="12" cy="8" r="4"/>',
        '<path d="M4 21c0-4.4 3.6-8 8-8s8 3.6 8 8"/>',
    ),
    "birth": (
        '<path d="M3.5 9h15a7.5 7.5 0 0 1-15 0z"/>',
        '<path d="M11 9V2.5A7.5 7.5 0 0 1 18.5 9"/>',
        '<circle cx="7" cy="20.5" r="1.5"/>',
        '<circle cx="15" cy="20.5" r="1.5"/>',
    ),
    "school": (
        '<path d="M1.5 9L12 4l10.5 5L12 14z"/>',
        '<path d="M6 11.2V16c2.5 2.5 9.5 2.5 12 0v-4.8"/>',
        '<path d="M22.5 9v6"/>',
    ),
    "marriage": (
        '<circle cx="8.5" cy="14" r="5.5"/>',
        '<circle cx="15.5" cy="14" r="5.5"/>',
        '<path d="M6.5 3.5l2 2.5 2-2.5M13.5 3.5l2 2.5 2-2.5"/>',
    ),
    "business": (
        '<path d="M3 9l1.5-5h15L21 9"/>',
        '<path d="M3 9c0 1.7 1.3 3 3 3s3-1.3 3-3c0 1.7 1.3 3 3 3s3-1.3 3-3'
        'c0 1.7 1.3 3 3 3s3-1.3 3-3"/>',
        '<path d="M4.5 12v8.5h15V12"/>',
        '<path d="M10 20.5v-5h4v5"/>',
    ),
    "work": (
        '<rect x="3" y="7" width="18" height="13" rx="2"/>',
        '<path d="M9 7V5.5A1.5 1.5 0 0 1 10.5 4h3A1.5 1.5 0 0 1 15 5.5V7"/>',
        '<path d="M3 12.5h18"/>',
    ),
    "retiring": (
        '<path d="M5 11V6a2 2 0 0 1 2-2h10a2 2 0 0 1 2 2v5"/>',
        '<path d="M2.5 11h4v4h11v-4h4v6h-19z"/>',
        '<path d="M5 17v3M19 17v3"/>',
    ),
    "moving": (
        '<path d="M1.5 6h12v10h-12z"/>',
        '<path d="M13.5 9.5h4l3 3.5v3h-7"/>',
        '<circle cx="5.5" cy="18" r="2"/>',
        '<circle cx="17" cy="18" r="2"/>',
    ),
    "end_of_life": (
        '<path d="M12 2.5c1.8 2.3 2.5 3.5 2.5 4.8a2.5 2.5 0 0 1-5 0c0-1.3.7-2.5 2.5-4.8z"/>',
        '<rect x="8.5" y="12" width="7" height="9.5" rx="1"/>',
        '<path d="M5 21.5h14"/>',
    ),
    "housing": (
        '<path d="M3 11l9-7 9 7"/>',
        '<path d="M5.5 9.5V20h13V9.5"/>',
        '<path d="M10 20v-5h4v5"/>',
    ),
    "elderly": (
        '<circle cx="10" cy="4.5" r="2.5"/>',
        '<path d="M10 8v6l-3 7.5M10 14l3 7.5"/>',
        '<path d="M10 10l-3.5 3M10 10.5l5 1.5v9.5"/>',
    ),
    "pension": (
        '<circle cx="12" cy="12" r="9.5"/>',
        '<path d="M8.5 7l3.5 5 3.5-5M12 12v6.5M8.5 13h7M8.5 16h7"/>',
    ),
    "medical": (
        '<rect x="3" y="3" width="18" height="18" rx="4"/>',
        '<path d="M12 7.5v9M7.5 12h9"/>',
    ),
    "card": (
        '<rect x="2" y="5" width="20" height="14" rx="2"/>',
        '<circle cx="8" cy="11" r="2.3"/>',
        '<path d="M4.5 16.5c.6-1.6 2-2.5 3.5-2.5s2.9.9 3.5 2.5M14 10h5M14 14h3.5"/>',
    ),
    "senior_card": (
        '<rect x="2" y="5" width="20" height="14" rx="2"/>',
        '<path d="M12 16.5s-4.5-2.6-4.5-5.9a2.3 2.3 0 0 1 4.5-.9 2.3 2.3 0 0 1 4.5.9'
        'c0 3.3-4.5 5.9-4.5 5.9z"/>',
    ),
    "hotline": (
        '<path d="M5 3h3.5l2 5-2.5 1.5a11 11 0 0 0 6.5 6.5L16 13.5l5 2V19a2 2 0 0 1-2 2'
        'A16 16 0 0 1 3 5a2 2 0 0 1 2-2z"/>',
    ),
    "agent": (
        '<path d="M3 10.5L12 3l9 7.5V21H3z"/>',
        '<circle cx="12" cy="11.5" r="2.5"/>',
        '<path d="M7.5 21c0-2.5 2-4.5 4.5-4.5s4.5 2 4.5 4.5"/>',
    ),
    "draft": (
        '<path d="M14 3H6a1.5 1.5 0 0 0-1.5 1.5v15A1.5 1.5 0 0 0 6 21h12'
        'a1.5 1.5 0 0 0 1.5-1.5V8.5z"/>',
        '<path d="M14 3v5.5h5.5M8 13h8M8 17h5"/>',
    ),
    "supplement": (
        '<circle cx="12" cy="12" r="9.5"/>',
        '<path d="M12 7v6.5M12 16.8v.2"/>',
    ),
    "progress": (
        '<circle cx="12" cy="12" r="9.5"/>',
        '<path d="M12 6.5V12l3.5 2.5"/>',
    ),
    "department": (
        '<path d="M2.5 21h19M4 21V10M20 21V10M8 21v-8M12 21v-8M16 21v-8"/>',
        '<path d="M2.5 8.5L12 3l9.5 5.5z"/>',
    ),
    "hot": (
        '<path d="M12 21.5c-4 0-7-2.8-7-6.7 0-3.4 2.5-5.3 3.5-8.3 1.4 1.3 2 2.6 2 4'
        ' 1.8-1.3 3-4 2.7-7.5 3.8 2.3 6.8 6.7 6.8 11.8 0 3.9-3 6.7-8 6.7z"/>',
    ),
    "arrow": ('<path d="M9 5l7 7-7 7"/>',),
}
ICONS: dict[str, str] = {name: "".join(shapes) for name, shapes in _SHAPES.items()}


def svg(name: str, css_class: str = "ow-icon") -> str:
    """The icon as markup, hidden from assistive technology (the word beside it is its name)."""
    return (
        f'<svg class="{css_class}" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" '
        'focusable="false" fill="none" stroke="currentColor" stroke-width="1.7" '
        f'stroke-linecap="round" stroke-linejoin="round">{ICONS[name]}</svg>'
    )
