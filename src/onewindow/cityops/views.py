"""City pages at /city/: the dashboard (a map drawn with Leaflet from the division outlines,
with the same figures as tables for readers without JavaScript), a view per district, each
event with its history and the steps the reader may take, a department's queue, and the
log of refused sensor messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.cityops import selectors, services
from onewindow.cityops.forms import (
    CloseForm,
    DispatchForm,
    IngestKeyForm,
    NoteForm,
    ReasonForm,
    SensorForm,
)
from onewindow.cityops.models import AssignmentState, Event, EventState
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.models import Division
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.identity.models import User


def _operator(request: HttpRequest) -> User:
    officer = signed_in_user(request)
    if not services.is_operator(officer):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return officer


def _district(code: str) -> Division:
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise Http404(_("No such division."))
    return division


def _board(request: HttpRequest, division: Division | None) -> HttpResponse:
    _operator(request)
    board = selectors.dashboard(division)
    map_url = reverse("cityops:map")
    if division is not None:
        map_url += f"?division={division.code}"
    return render(
        request,
        "cityops/dashboard.html",
        {
            "board": board,
            "map_url": map_url,
            "now": timezone.now(),
            "generated": selectors.has_generated_boundaries(),
        },
    )


@officer_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return _board(request, None)


@officer_required
@require_GET
def district(request: HttpRequest, code: str) -> HttpResponse:
    return _board(request, _district(code))


@officer_required
@require_GET
def live_events(request: HttpRequest) -> HttpResponse:
    """The open events' table alone, for htmx polling on the dashboard."""
    _operator(request)
    code = request.GET.get("division", "")
    division = _district(code) if code else None
    return render(
        request,
        "cityops/_events.html",
        {
            "events": selectors.open_events(division=division, limit=100),
            "now": timezone.now(),
            "division": division,
        },
    )


@officer_required
@require_GET
def map_document(request: HttpRequest) -> JsonResponse:
    _operator(request)
    code = request.GET.get("division", "")
    return JsonResponse(selectors.map_document(_district(code) if code else None))


def _event(request: HttpRequest, ref: str) -> Event:
    try:
        return selectors.access_event(signed_in_user(request), ref)
    except NotFound as error:
        raise Http404(str(error)) from None


@officer_required
@require_GET
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    officer = signed_in_user(request)
    event = _event(request, ref)
    return render(request, "cityops/event.html", _event_context(officer, event))


def _event_context(officer: User, event: Event, **forms: Any) -> dict[str, Any]:
    assignments = selectors.live_assignments(event)
    mine = next((a for a in assignments if a.department_id == officer.department_id), None)
    is_operator = services.is_operator(officer)
    initial = services.competent_department(event)
    return {
        "event": event,
        "assignments": assignments,
        "steps": event.steps.select_related("department"),
        "mine": mine,
        "is_operator": is_operator,
        "may_dispatch": is_operator and event.state in (EventState.OPEN, EventState.ESCALATED),
        "may_join": is_operator
        and event.state in (EventState.DISPATCHED, EventState.ACCEPTED, EventState.IN_PROGRESS),
        "may_escalate": is_operator and event.state in services.ESCALABLE,
        "may_accept": mine is not None and mine.state == AssignmentState.DISPATCHED,
        "may_work": mine is not None and mine.state == AssignmentState.ACCEPTED and event.is_open,
        "may_return": mine is not None
        and mine.is_lead
        and mine.state == AssignmentState.DISPATCHED
        and event.state == EventState.DISPATCHED,
        "dispatch_form": forms.get("dispatch_form")
        or DispatchForm(initial={"departments": [initial.code] if initial else []}),
        "partner_form": forms.get("partner_form") or DispatchForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "now": timezone.now(),
    }


def _act(request: HttpRequest, ref: str, action: str) -> HttpResponse:
    officer = signed_in_user(request)
    event = _event(request, ref)
    bound: dict[str, Any] = {}
    try:
        if action == "accept":
            services.accept_event(officer, event)
            done = _("Accepted.")
        elif action in ("dispatch", "join"):
            form = DispatchForm(request.POST)
            bound["dispatch_form" if action == "dispatch" else "partner_form"] = form
            if not form.is_valid():
                raise DomainError(_("Choose at least one department."), field="departments")
            chosen = list(form.cleaned_data["departments"])
            if action == "dispatch":
                # The order of the choice is the order on the form: keep the one chosen first.
                codes = request.POST.getlist("departments")
                chosen.sort(key=lambda d: codes.index(d.code))
                services.dispatch_event(officer, event, chosen)
                done = _("Dispatched.")
            else:
                for department in chosen:
                    services.add_partner(officer, event, department)
                done = _("Added for joint handling.")
        elif action == "progress":
            note_form = NoteForm(request.POST)
            bound["note_form"] = note_form
            if not note_form.is_valid():
                raise DomainError(_("Say what is being done."), field="note")
            services.report_progress(officer, event, note=note_form.cleaned_data["note"])
            done = _("Progress recorded.")
        elif action == "close":
            close_form = CloseForm(request.POST, request.FILES)
            bound["close_form"] = close_form
            if not close_form.is_valid():
                raise DomainError(_("Give the evidence of what was done."), field="evidence")
            services.close_event(
                officer,
                event,
                evidence=close_form.cleaned_data["evidence"],
                evidence_file=close_form.cleaned_data.get("photo"),
            )
            done = _("Your part is done.")
        else:
            reason_form = ReasonForm(request.POST)
            bound["reason_form"] = reason_form
            if not reason_form.is_valid():
                raise DomainError(_("Give a reason."), field="reason")
            if action == "escalate":
                services.escalate_event(officer, event, reason=reason_form.cleaned_data["reason"])
                done = _("Escalated.")
            else:
                services.return_event(officer, event, reason=reason_form.cleaned_data["reason"])
                done = _("Returned to the city operators.")
    except DomainError as error:
        messages.error(request, str(error))
        event.refresh_from_db()
        return render(
            request, "cityops/event.html", _event_context(officer, event, **bound), status=400
        )
    messages.success(request, done)
    return HttpResponseRedirect(reverse("cityops:event", args=[event.ref]))


def _action(name: str) -> Any:
    @officer_required
    @require_POST
    def view(request: HttpRequest, ref: str) -> HttpResponse:
        return _act(request, ref, name)

    view.__name__ = name
    return view


accept = _action("accept")
dispatch = _action("dispatch")
join = _action("join")
progress = _action("progress")
close = _action("close")
escalate = _action("escalate")
give_back = _action("return")


@officer_required
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    return render(
        request,
        "cityops/work.html",
        {
            "events": list(selectors.department_queue(officer)[:200]),
            "now": timezone.now(),
            "is_operator": services.is_operator(officer),
        },
    )


@officer_required
@require_GET
def rejected(request: HttpRequest) -> HttpResponse:
    _operator(request)
    return render(request, "cityops/rejected.html", {"rejected": selectors.rejected_messages()})


@officer_required
@require_http_methods(["GET", "POST"])
def sensors(request: HttpRequest) -> HttpResponse:
    """The sensor registry: register a sensor, issue a gateway's ingest key (shown once)."""
    operator = _operator(request)
    sensor_form = SensorForm(request.POST if request.POST.get("form") == "sensor" else None)
    key_form = IngestKeyForm(request.POST if request.POST.get("form") == "key" else None)
    issued = ""
    status = 200
    if request.method == "POST":
        try:
            if sensor_form.is_bound:
                if not sensor_form.is_valid():
                    raise DomainError(_("Correct the fields marked below."))
                data = sensor_form.cleaned_data
                division = Division.objects.filter(code=data["division"]).first()
                if division is None:
                    sensor_form.add_error("division", _("No division has this code."))
                    raise DomainError(_("Correct the fields marked below."))
                services.register_sensor(
                    operator,
                    ref=data["ref"],
                    kind=data["kind"],
                    division=division,
                    place=data["place"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                )
                messages.success(request, _("Sensor registered."))
                return HttpResponseRedirect(reverse("cityops:sensors"))
            if not key_form.is_valid():
                raise DomainError(_("Correct the fields marked below."))
            _ingest_key, issued = services.issue_ingest_key(
                operator, name=key_form.cleaned_data["name"]
            )
        except DomainError as error:
            messages.error(request, str(error))
            status = 400
    return render(
        request,
        "cityops/sensors.html",
        {
            "sensors": list(selectors.all_sensors()),
            "sensor_form": sensor_form if sensor_form.is_bound else SensorForm(),
            "key_form": key_form if key_form.is_bound else IngestKeyForm(),
            "issued": issued,
        },
        status=status,
    )
