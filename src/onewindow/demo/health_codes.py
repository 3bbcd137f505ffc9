"""The demo's health and travel codes: three residents of the city with a code each, one
green, one yellow and one red (marked by the health commission's approver, so each of the
last two also has a replaced, revoked code), to scan at /v/ and to see at /alerts/health-code/."""

from __future__ import annotations

from onewindow.alerts import health_codes
from onewindow.alerts.models import HealthStatus
from onewindow.identity.models import User

# (resident, colour, the health commission's reason)
CODES = (
    ("resident-0001", "green", ""),
    ("resident-0004", "yellow", "近14天内到过中风险地区，请三天内完成两次核酸检测"),
    ("resident-0005", "red", "确诊病例的密切接触者，居家隔离观察"),
)


def seed_health_codes() -> int:
    """Idempotent: does nothing when codes exist. Returns how many residents have one."""
    if not HealthStatus.objects.exists():
        approver = User.objects.get(username="health-approver")
        for username, colour, reason in CODES:
            resident = User.objects.get(username=username)
            health_codes.code_for(resident)
            if colour != "green":
                health_codes.set_colour(approver, resident, colour=colour, reason=reason)
    return HealthStatus.objects.count()
