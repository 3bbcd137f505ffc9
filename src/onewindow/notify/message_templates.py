"""What each event says, in both languages.

Subjects and bodies are gettext message ids with `%(name)s` placeholders; the Chinese text
is in this app's catalogue (`locale/zh_Hans`), so translators work in the usual .po file.
They are rendered under `translation.override(language)` at send time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from onewindow.notify.models import Event


@dataclass(frozen=True)
class MessageTemplate:
    subject: str
    body: str
    needs: frozenset[str]

    def render(self, language: str, context: Mapping[str, object]) -> tuple[str, str]:
        """Subject and body in `language`; raises ValueError when a context key is missing."""
        missing = self.needs - context.keys()
        if missing:
            raise ValueError(f"missing context for this message: {', '.join(sorted(missing))}")
        with translation.override(language):
            values = {key: _display(key, value) for key, value in context.items()}
            return gettext(self.subject) % values, gettext(self.body) % values


def _display(key: str, value: object) -> str:
    # Lists (the materials to supplement) read best one per line, in any language.
    if key == "items" and isinstance(value, Iterable) and not isinstance(value, str):
        return "\n".join(f"· {item}" for item in value)
    return str(value)


_APPLICANT = frozenset({"ref", "service_name"})
_OFFICER = frozenset({"ref", "service_name", "due"})

TEMPLATES: dict[str, MessageTemplate] = {
    Event.APPLICATION_RECEIVED: MessageTemplate(
        gettext_noop("Application %(ref)s received"),
        gettext_noop(
            "Your application %(ref)s (%(service_name)s) has been received and is now being "
            "processed. We will tell you here when there is news."
        ),
        _APPLICANT,
    ),
    Event.SUPPLEMENT_REQUESTED: MessageTemplate(
        gettext_noop("Application %(ref)s: more materials needed"),
        gettext_noop(
            "To continue with your application %(ref)s (%(service_name)s), please provide "
            "the following by %(due)s:\n%(items)s\nThis is everything we need; we will not "
            "ask again for anything else."
        ),
        _APPLICANT | {"items", "due"},
    ),
    Event.APPLICATION_APPROVED: MessageTemplate(
        gettext_noop("Application %(ref)s approved"),
        gettext_noop("Good news: your application %(ref)s (%(service_name)s) has been approved."),
        _APPLICANT,
    ),
    Event.APPLICATION_REJECTED: MessageTemplate(
        gettext_noop("Decision on application %(ref)s"),
        gettext_noop(
            "Your application %(ref)s (%(service_name)s) was not approved, for these "
            "reasons: %(reasons)s\nIf you disagree, you may apply for administrative "
            "reconsideration or bring an administrative lawsuit."
        ),
        _APPLICANT | {"reasons"},
    ),
    Event.READY_FOR_PICKUP: MessageTemplate(
        gettext_noop("Application %(ref)s: your result is ready"),
        gettext_noop(
            "The result of your application %(ref)s (%(service_name)s) is ready. Please "
            "collect it at the service hall with your ID card."
        ),
        _APPLICANT,
    ),
    Event.STEP_REMINDER: MessageTemplate(
        gettext_noop("Reminder: %(ref)s is due %(due)s"),
        gettext_noop(
            "The step you hold on application %(ref)s (%(service_name)s) is due %(due)s. "
            "Please handle it before the deadline."
        ),
        _OFFICER,
    ),
    Event.STEP_ESCALATED: MessageTemplate(
        gettext_noop("Escalated: %(ref)s is overdue"),
        gettext_noop(
            "The step on application %(ref)s (%(service_name)s) passed its deadline of "
            "%(due)s and has been escalated to you. Please handle it now."
        ),
        _OFFICER,
    ),
    Event.MISUSE_REPORTED: MessageTemplate(
        gettext_noop("Case %(case)s: suspected misuse of data"),
        gettext_noop(
            "A person reports that %(department)s read their data (%(service)s, purpose "
            "%(purpose)s) without a proper reason. Please look into case %(case)s and record "
            "your finding within %(days)s working days."
        ),
        frozenset({"case", "department", "service", "purpose", "days"}),
    ),
    Event.MISUSE_DECIDED: MessageTemplate(
        gettext_noop("Case %(case)s: your report has been looked into"),
        gettext_noop(
            "Your report of a suspected misuse of your data (case %(case)s) has been looked "
            "into. Outcome: %(outcome)s. Finding: %(finding)s"
        ),
        frozenset({"case", "outcome", "finding"}),
    ),
    Event.CREDENTIAL_ISSUED: MessageTemplate(
        gettext_noop("Your %(kind)s %(number)s is in your wallet"),
        gettext_noop(
            "Your %(kind)s (number %(number)s) has been issued and is in your wallet. Anyone "
            "can check it by its QR code at /verify, without calling the office."
        ),
        frozenset({"kind", "number"}),
    ),
    Event.CREDENTIAL_STATUS_CHANGED: MessageTemplate(
        gettext_noop("Licence %(number)s is now %(status)s"),
        gettext_noop(
            "The status of your licence or certificate %(number)s is now: %(status)s. "
            "Reason given: %(reason)s"
        ),
        frozenset({"number", "status", "reason"}),
    ),
    Event.DELIVERY_DISPATCHED: MessageTemplate(
        gettext_noop("Application %(ref)s: your result has been posted"),
        gettext_noop(
            "The paper result of your application %(ref)s (%(service_name)s) has been posted "
            "by %(carrier)s, tracking number %(tracking_number)s. Please keep your phone on "
            "for the courier."
        ),
        _APPLICANT | {"carrier", "tracking_number"},
    ),
    Event.DELIVERY_DELIVERED: MessageTemplate(
        gettext_noop("Application %(ref)s: your result has been delivered"),
        gettext_noop(
            "The paper result of your application %(ref)s (%(service_name)s) has been "
            "delivered. If you did not receive it, please contact the service hall."
        ),
        _APPLICANT,
    ),
    Event.DELIVERY_RETURNED: MessageTemplate(
        gettext_noop("Application %(ref)s: your post came back"),
        gettext_noop(
            "The paper result of your application %(ref)s (%(service_name)s) could not be "
            "delivered and came back to the service hall: %(reason)s\nThe hall will post it "
            "again; contact it if your address has changed."
        ),
        _APPLICANT | {"reason"},
    ),
    Event.DELIVERY_HANDED_OVER: MessageTemplate(
        gettext_noop("Application %(ref)s: result collected"),
        gettext_noop(
            "The paper result of your application %(ref)s (%(service_name)s) was collected "
            "at the service hall with your pickup code. If this was not you, please contact "
            "the service hall at once."
        ),
        _APPLICANT,
    ),
    Event.CASE_RECEIVED: MessageTemplate(
        gettext_noop("Hotline case %(ref)s received"),
        gettext_noop(
            "We have received your case %(ref)s and will answer by %(due)s. You can follow "
            "it under “My hotline cases”."
        ),
        frozenset({"ref", "due"}),
    ),
    Event.CASE_PROGRESS: MessageTemplate(
        gettext_noop("Hotline case %(ref)s: progress"),
        gettext_noop("%(department)s is working on your case %(ref)s: %(note)s"),
        frozenset({"ref", "department", "note"}),
    ),
    Event.CASE_ANSWERED: MessageTemplate(
        gettext_noop("Hotline case %(ref)s answered"),
        gettext_noop(
            "%(department)s answered your case %(ref)s:\n%(reply)s\nPlease tell us whether "
            "you are satisfied with the answer."
        ),
        frozenset({"ref", "department", "reply"}),
    ),
    Event.CASE_ESCALATED: MessageTemplate(
        gettext_noop("Escalated: hotline case %(ref)s is overdue"),
        gettext_noop(
            "Hotline case %(ref)s, with %(department)s, missed its deadline to %(stage)s "
            "(%(due)s) and has been escalated to you. Please see that it is handled now."
        ),
        frozenset({"ref", "department", "stage", "due"}),
    ),
    Event.REVIEW_REQUESTED: MessageTemplate(
        gettext_noop("How did we do on %(ref)s?"),
        gettext_noop(
            "Your application %(ref)s (%(service_name)s) is complete. Please rate how "
            "%(department)s served you: it takes a minute and helps them improve."
        ),
        frozenset({"ref", "service_name", "department"}),
    ),
    Event.RECTIFICATION_OPENED: MessageTemplate(
        gettext_noop("Rectification needed: a bad review of %(ref)s"),
        gettext_noop(
            "An applicant rated the handling of %(ref)s (%(service_name)s) as bad. Please "
            "rectify and record what you did by %(due)s; the applicant will be told."
        ),
        frozenset({"ref", "service_name", "due"}),
    ),
    Event.RECTIFICATION_DONE: MessageTemplate(
        gettext_noop("Your review of %(ref)s: what was done"),
        gettext_noop(
            "Following your review of %(ref)s, %(department)s reports what it changed: %(response)s"
        ),
        frozenset({"ref", "department", "response"}),
    ),
    Event.MEDIATION_ASSIGNED: MessageTemplate(
        gettext_noop("Dispute %(ref)s assigned to you"),
        gettext_noop(
            "The township office assigned you to mediate dispute %(ref)s (%(kind)s). Please "
            "contact the parties and record the sessions."
        ),
        frozenset({"ref", "kind"}),
    ),
    Event.DISPUTE_REGISTERED: MessageTemplate(
        gettext_noop("Dispute %(ref)s registered for mediation"),
        gettext_noop(
            "%(office)s registered a dispute naming you (%(kind)s) for mediation, number "
            "%(ref)s. A mediator will contact you through the platform. Follow it under "
            "“My hotline cases”."
        ),
        frozenset({"ref", "kind", "office"}),
    ),
    Event.MEDIATION_SESSION: MessageTemplate(
        gettext_noop("Dispute %(ref)s: mediation session on %(when)s"),
        gettext_noop(
            "A mediation session of dispute %(ref)s is recorded for %(when)s at %(place)s."
        ),
        frozenset({"ref", "when", "place"}),
    ),
    Event.AGREEMENT_RECORDED: MessageTemplate(
        gettext_noop("Dispute %(ref)s: agreement recorded"),
        gettext_noop(
            "The mediator recorded an agreement for dispute %(ref)s: %(agreement)s\nPlease "
            "confirm or decline it on the dispute's page."
        ),
        frozenset({"ref", "agreement"}),
    ),
    Event.MEDIATOR_MESSAGE: MessageTemplate(
        gettext_noop("Dispute %(ref)s: a message from your mediator"),
        gettext_noop("%(mediator)s, mediator of dispute %(ref)s, writes: %(text)s"),
        frozenset({"ref", "mediator", "text"}),
    ),
    Event.INTEGRITY_AUDIT_FAILED: MessageTemplate(
        gettext_noop("Integrity audit: %(count)s mismatch(es) found"),
        gettext_noop(
            "The scheduled audit of %(audit)s found %(count)s mismatch(es) with the public "
            "ledger. The first: %(first)s\nSomeone may have changed the database directly. "
            "Run the audit command to see every finding, and keep a copy of the database "
            "before repairing anything."
        ),
        frozenset({"audit", "count", "first"}),
    ),
    Event.SERVICE_CHANGED: MessageTemplate(
        gettext_noop("%(service_name)s has changed"),
        gettext_noop(
            "The guide of %(service_name)s, which you are applying for, changed on "
            "%(date)s (version %(version)s): %(reason)s\nWhat changed:\n%(items)s\n"
            "Please check your %(what)s against the new guide."
        ),
        frozenset({"service_name", "date", "version", "reason", "items", "what"}),
    ),
    # The alert's own words come in the recipient's language from its author (alerts app).
    Event.PUBLIC_ALERT: MessageTemplate(
        gettext_noop("[%(kind)s] %(headline)s"),
        gettext_noop(
            "%(sender)s: %(description)s\n\nWhat to do: %(instruction)s\n\nArea: %(area)s\n"
            "In force until %(expires)s. Reference %(ref)s."
        ),
        frozenset({"kind", "headline", "sender", "description", "instruction", "area"})
        | frozenset({"expires", "ref"}),
    ),
    Event.INSPECTION_RESULT_DUE: MessageTemplate(
        gettext_noop("Inspection %(ref)s: result to publish by %(due)s"),
        gettext_noop(
            "The result of inspection %(ref)s (%(business)s) must be published by %(due)s, "
            "20 working days after the visit; %(state)s. Publish it on the inspection's page."
        ),
        frozenset({"ref", "business", "due", "state"}),
    ),
    Event.PAYMENT_REFUNDED: MessageTemplate(
        gettext_noop("Payment %(ref)s: ¥%(amount)s refunded"),
        gettext_noop(
            "¥%(amount)s of your payment %(ref)s (%(description)s) has been refunded to the "
            "account you paid from. The reversing e-receipt will be in your wallet."
        ),
        frozenset({"ref", "description", "amount"}),
    ),
    Event.APPOINTMENT_REMINDER: MessageTemplate(
        gettext_noop("Reminder: your appointment %(ref)s tomorrow at %(time)s"),
        gettext_noop(
            "Your appointment %(ref)s (%(service)s) is tomorrow, %(date)s at %(time)s, at "
            "%(hall)s. Please bring your ID card. If you cannot come, cancel it so someone "
            "else can have the place."
        ),
        frozenset({"ref", "service", "date", "time", "hall"}),
    ),
}


def template_for(event: str) -> MessageTemplate:
    """The template of `event`; raises ValueError for an event nobody wrote a message for."""
    try:
        return TEMPLATES[event]
    except KeyError:
        raise ValueError(f"no message template for event {event!r}") from None
