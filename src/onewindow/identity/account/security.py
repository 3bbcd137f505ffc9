"""The person's own account security: the browsers signed in to the account, and who acted
for them under their consent. Sessions are kept by Django's session store, which cannot be
listed by account, so sign-in writes a UserSession row keyed by the session key."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.identity.models import AgentConsent, User, UserSession
from onewindow.ledger import services as ledger

BACKEND = "onewindow.identity.backends.IdentifierBackend"


def _store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key)
    return store


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def sign_in(request: HttpRequest, user: User) -> UserSession:
    """Log the person in (Django's login, which gives the browser a new session key) and
    remember the session so the person can see and end it."""
    login(request, user, backend=BACKEND)
    request.session.save()  # the key exists from here on
    key = request.session.session_key
    assert key is not None
    session, _created = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "started_at": timezone.now(),
            "user_agent": request.headers.get("User-Agent", "")[:200],
            "ip_address": _client_ip(request),
            "ended_at": None,
        },
    )
    return session


def end_current_session(request: HttpRequest) -> None:
    """Before signing out: the session ends on the security page too."""
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


def active_sessions(user: User) -> list[UserSession]:
    """The person's sessions still open in the session store (expired ones are closed here)."""
    alive = []
    for session in UserSession.objects.filter(user=user, ended_at__isnull=True):
        if _store(session.session_key).exists(session.session_key):
            alive.append(session)
        else:
            UserSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    return alive


@transaction.atomic
def end_session(user: User, pk: int) -> UserSession:
    """The person signs one of their browsers out. Raises NotFound for a session that is
    not theirs or already ended."""
    session = (
        UserSession.objects.select_for_update()
        .filter(pk=pk, user=user, ended_at__isnull=True)
        .first()
    )
    if session is None:
        raise NotFound(_("No such open session."))
    _store(session.session_key).delete(session.session_key)
    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at"])
    return session


def consents_given(user: User) -> QuerySet[AgentConsent]:
    """Who acted, or may still act, for the person under their consent."""
    return AgentConsent.objects.filter(resident=user).select_related("agent", "agent__department")


@transaction.atomic
def withdraw_agent_consent(resident: User, pk: int) -> AgentConsent:
    """The resident ends an agent's or clerk's consent before its time is up."""
    consent = (
        AgentConsent.objects.select_for_update()
        .filter(pk=pk, resident=resident, revoked_at__isnull=True)
        .first()
    )
    if consent is None:
        raise NotFound(_("No such consent in force."))
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])
    ledger.record(
        "identity.agent_consent_withdrawn",
        subject_ref=f"consent:{consent.pk}",
        actor_role="person",
        department="platform",
        payload={},
    )
    return consent
