from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: elder mode and where "back here" is."""
    return {
        "elder_mode": getattr(request, "elder_mode", False),
        "current_path": request.get_full_path(),
    }
