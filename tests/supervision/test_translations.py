"""Django merges every app's catalogue into one: a msgid another app also translates shows
whichever catalogue wins. Supervision's Chinese must be the Chinese its pages show."""

from __future__ import annotations

import gettext
from pathlib import Path

from django.utils import translation

import onewindow.supervision

CATALOGUE = Path(onewindow.supervision.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.mo"


def test_every_supervision_message_shows_supervisions_own_chinese() -> None:
    with CATALOGUE.open("rb") as compiled:
        catalogue: dict[object, str] = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    singular = {key: text for key, text in catalogue.items() if isinstance(key, str) and key}

    with translation.override("zh-hans"):
        shown = {
            key: translation.pgettext(*key.split("\x04", 1))
            if "\x04" in key
            else translation.gettext(key)
            for key in singular
        }

    assert {key: text for key, text in shown.items() if text != singular[key]} == {}
    assert len(singular) > 200
