from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from onewindow.core.personal_data import mask_name
from onewindow.identity.models import User
from onewindow.identity.selectors import acting_for
from onewindow.notify.selectors import unread_count


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: elder mode, where "back here" is, and, for a village
    agent acting with a resident's consent, who is filing for whom; the unread message count."""
    consent = acting_for(request) if hasattr(request, "user") else None
    user = getattr(request, "user", None)
    return {
        "elder_mode": getattr(request, "elder_mode", False),
        "current_path": request.get_full_path(),
        "acting_for": consent,
        "acting_for_resident": mask_name(consent.resident.real_name) if consent else "",
        "unread_messages": unread_count(user) if isinstance(user, User) else 0,
    }
