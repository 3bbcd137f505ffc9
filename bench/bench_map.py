"""The map every benchmark's world starts from, defined through the real service:
China → Zhejiang → Hangzhou. Call after `django.setup()`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported for real after django.setup()
    from onewindow.core.models import Division


def hangzhou() -> Division:
    """The nation, the province and the city; returns the city (330100)."""
    from onewindow.core.divisions import Level
    from onewindow.core.services import define_division

    lineage: list[tuple[str, int, str, str, dict[str, Any]]] = [
        ("000000", Level.NATION, "中国", "China", {}),
        ("330000", Level.PROVINCE, "浙江省", "Zhejiang", {"economic_region": "east"}),
        ("330100", Level.CITY, "杭州市", "Hangzhou", {}),
    ]
    parent = None
    for code, level, name_zh, name_en, extra in lineage:
        parent = define_division(
            code=code, level=level, name_zh=name_zh, name_en=name_en, parent=parent, **extra
        )
    assert parent is not None
    return parent
