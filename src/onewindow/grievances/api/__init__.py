"""The citizen hotline over JSON at /api/v1/hotline/...: reporters, hotline agents,
dispatchers, departments, supervisors, reviews and mediation, one module per sub-domain.
Officer endpoints need a session confirmed with the second factor; errors are problem+json
like the rest of /api/v1/. Partner apps use Open311 (/open311/v2/) instead.
"""

from __future__ import annotations

from ninja import Router
from ninja.security import django_auth

from onewindow.grievances.api import hotline, mediation, oversight, reviews

router = Router(tags=["hotline"], auth=django_auth)
for part in (hotline, oversight, reviews, mediation):
    router.add_router("", part.router)
