"""Demo sign-on clients: a partner app (a city-services mini-program, confidential, with a
fixed demo secret so the README can show the flow) and a service-hall terminal (public, PKCE
only), registered by the platform administrator like any client."""

from __future__ import annotations

from onewindow.identity.models import Client, Department, User
from onewindow.identity.oidc import provider as oidc

PARTNER_CLIENT_ID = "demo-city-services-app"
# A demo secret, printed by seed-demo: never register a real client with a known secret.
PARTNER_SECRET = "demo-partner-secret-not-for-production"
PARTNER_REDIRECT = "http://127.0.0.1:8765/callback"
TERMINAL_CLIENT_ID = "demo-hall-terminal"


def seed_sign_on() -> Client:
    """Register the demo clients unless they exist; returns the partner app."""
    existing = Client.objects.filter(client_id=PARTNER_CLIENT_ID).first()
    if existing is not None:
        return existing
    admin = User.objects.get(username="admin")
    data_bureau = Department.objects.get(code="330100-DATA")
    partner, _secret = oidc.register_client(
        admin,
        name="杭州城市服务小程序 (demo partner app)",
        kind="partner_app",
        contact_department=data_bureau,
        redirect_uris=[PARTNER_REDIRECT],
        post_logout_redirect_uris=["http://127.0.0.1:8765/"],
        allowed_scopes=[
            "profile",
            "division",
            "applications:read",
            "applications:file",
            "inbox:read",
            "my-data:read",
        ],
        client_id=PARTNER_CLIENT_ID,
        client_secret=PARTNER_SECRET,
    )
    oidc.register_client(
        admin,
        name="西湖区政务服务中心自助终端 (demo hall terminal)",
        kind="hall_terminal",
        contact_department=Department.objects.get(code="330100-GSA"),
        redirect_uris=["http://127.0.0.1:8766/callback"],
        allowed_scopes=["profile", "applications:read", "applications:file"],
        is_confidential=False,
        client_id=TERMINAL_CLIENT_ID,
    )
    return partner
