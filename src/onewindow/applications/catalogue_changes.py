"""When a service item gets a new version: drafts follow it, and people are told when it
matters to them (a required material added, a fee raised).

Connected to `catalog.signals.service_published` (sent on commit) in `ApplicationsConfig.
ready()`. Filed applications keep the version they were filed under; a draft is not filed
yet, so it moves to the new version, which is what its owner sees when they open it again.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from onewindow.applications.models import TERMINAL_APPLICATION_STATUSES, Application, Draft
from onewindow.catalog.history import Change, changes_between, matters
from onewindow.catalog.models import ServiceItem, ServiceItemVersion
from onewindow.catalog.services import guide_of
from onewindow.identity.models import User
from onewindow.notify import services as notify


def _tell(
    recipient: User,
    version: ServiceItemVersion,
    changes: list[Change],
    *,
    what: Any,
    subject_ref: str,
    link: str,
) -> None:
    with translation.override(notify.language_for(recipient)):
        context = {
            "service_name": version.name,
            "date": formats.date_format(timezone.localtime(version.published_at), "DATE_FORMAT"),
            "version": version.number,
            "reason": version.change_reason or "—",
            "items": [str(change.label) for change in changes],
            "what": str(what),
        }
    notify.send(recipient, "service_changed", context=context, subject_ref=subject_ref, link=link)


def follow_new_version(
    sender: type[ServiceItem],
    *,
    item: ServiceItem,
    previous: ServiceItemVersion,
    version: ServiceItemVersion,
    **kwargs: Any,
) -> None:
    """Move the item's drafts to `version`; tell their owners and the applicants with open
    applications of the item when the change matters to them."""
    changes = changes_between(guide_of(previous), guide_of(version))
    with transaction.atomic():
        drafts = list(
            Draft.objects.filter(item_version__item=item)
            .exclude(item_version=version)
            .select_related("applicant")
        )
        Draft.objects.filter(pk__in=[draft.pk for draft in drafts]).update(item_version=version)
        if not matters(changes):
            return
        link = reverse("applications:new", args=[item.code])
        for applicant in {draft.applicant for draft in drafts}:
            _tell(applicant, version, changes, what=_("draft"), subject_ref=item.code, link=link)
        open_applications = (
            Application.objects.filter(item_version__item=item)
            .exclude(status__in=TERMINAL_APPLICATION_STATUSES)
            .exclude(item_version=version)
            .select_related("applicant")
        )
        for application in open_applications:
            _tell(
                application.applicant,
                version,
                changes,
                what=_("application"),
                subject_ref=application.ref,
                link=reverse("applications:detail", args=[application.ref]),
            )
