"""Alert pages at /alerts/: the public list, each alert (with its CAP XML, signature and,
for its department, delivery figures), the Atom feeds; officers compose and approve under
work/; village agents keep their list of residents to tell in person under visits/;
residents name the places they want alerts for under places/. Health and travel codes:
a resident's own under health-code/, a health department's approvers set colours under
health-codes/; checkpoints scan the QR, which opens /v/ (credentials)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.alerts import cap, delivery, health_codes, map, selectors, services
from onewindow.alerts.authoring import AlertRefused
from onewindow.alerts.forms import AlertForm, HealthColourForm, PlaceForm, RejectForm
from onewindow.alerts.models import Alert, AreaKind, HealthColour, MessageType
from onewindow.core.errors import DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.credentials import services as credentials
from onewindow.credentials.views import qr_svg
from onewindow.identity.decorators import (
    officer_required,
    signed_in_user,
    station_agent_required,
)

ATOM = "application/atom+xml; charset=utf-8"


def _public(ref: str) -> Alert:
    try:
        return selectors.access_public(ref)
    except NotFound as error:
        raise Http404(str(error)) from None


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    current = list(selectors.current())
    recent = list(selectors.published().exclude(pk__in=[alert.pk for alert in current])[:20])
    return render(request, "alerts/list.html", {"current": current, "recent": recent})


def _drawn(alert: Alert) -> list[tuple[str, list[tuple[float, float]], float | None]]:
    return [
        (area.kind, [(float(lat), float(lon)) for lat, lon in area.points], area.radius_km)
        for area in alert.areas.all()
        if area.kind != AreaKind.DIVISION
    ]


@require_GET
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    user = request.user
    alert: Alert | None = None
    is_issuer = False
    if user.is_authenticated and getattr(user, "is_officer", False):
        try:
            alert = selectors.access_for_officer(user, ref)
            is_issuer = alert.department_id == user.department_id
        except NotFound:
            alert = None
    if alert is None:
        alert = _public(ref)
    context: dict[str, object] = {
        "alert": alert,
        "info": alert.info(),
        "chain": selectors.chain(alert) if alert.sent_at else [alert],
        "is_issuer": is_issuer,
        "picture": map.picture(
            alert.department.division,
            _drawn(alert),
            reached=delivery.target_division_ids(alert),
        ),
        "reject_form": RejectForm(),
    }
    if is_issuer:
        context["counts"] = selectors.delivery_counts(alert)
        context["counts_by_division"] = selectors.delivery_counts_by_division(alert)
        context["may_approve"] = request.user.pk != alert.author_id
    return render(request, "alerts/detail.html", context)


@require_GET
def cap_xml(request: HttpRequest, ref: str) -> HttpResponse:
    alert = _public(ref)
    response = HttpResponse(cap.to_xml(alert), content_type="application/cap+xml; charset=utf-8")
    response["Link"] = f'</alerts/{alert.ref}.xml.jws>; rel="signature"'
    return response


@require_GET
def cap_signature(request: HttpRequest, ref: str) -> HttpResponse:
    alert = _public(ref)
    return HttpResponse(
        cap.sign(alert, cap.to_xml(alert)), content_type="application/jose; charset=us-ascii"
    )


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    document = cap.atom_feed(
        selectors.current(), title=_("Alerts in force"), self_path="/alerts/feed.atom"
    )
    return HttpResponse(document, content_type=ATOM)


@require_GET
def division_feed(request: HttpRequest, code: str) -> HttpResponse:
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise Http404(_("No division has this code."))
    document = cap.atom_feed(
        selectors.current(division=division),
        title=_("Alerts in force for %(division)s") % {"division": division.name},
        self_path=f"/alerts/feed/{division.code}.atom",
    )
    return HttpResponse(document, content_type=ATOM)


# ----- officers ---------------------------------------------------------------------------


@officer_required
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    return render(
        request,
        "alerts/work.html",
        {
            "waiting": selectors.awaiting_approval(officer),
            "alerts": selectors.department_alerts(officer)[:50],
        },
    )


@officer_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    initial: dict[str, object] = {}
    following = request.GET.get("follows", "")
    if following:
        try:
            earlier = selectors.access_for_officer(officer, following)
        except NotFound as error:
            raise Http404(str(error)) from None
        initial = _initial_from(earlier, request.GET.get("type", MessageType.UPDATE))
    form = AlertForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        draft = form.draft(officer.department.code if officer.department else "")
        preview = (
            map.picture(
                officer.department.division,
                [(area.kind, area.points, area.radius_km) for area in draft.areas],
            )
            if officer.department
            else None
        )
        if "preview" not in request.POST:
            try:
                alert = services.compose_alert(officer, draft)
            except AlertRefused as refused:
                errors = refused.params.get("errors", {})
                for name, message in errors.items():
                    form.add_error(form.field_for(name), message)
            else:
                messages.success(
                    request,
                    _("Alert %(ref)s sent.") % {"ref": alert.ref}
                    if alert.sent_at
                    else _("Alert %(ref)s waits for a second officer.") % {"ref": alert.ref},
                )
                return HttpResponseRedirect(reverse("alerts:detail", args=[alert.ref]))
    elif officer.department is not None:
        preview = map.picture(officer.department.division, [])
    return render(request, "alerts/compose.html", {"form": form, "preview": preview})


def _initial_from(alert: Alert, msg_type: str) -> dict[str, object]:
    initial: dict[str, object] = {
        "msg_type": msg_type if msg_type in MessageType.values else MessageType.UPDATE,
        "references": alert.ref,
        "category": alert.category,
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "onset": alert.onset,
        "expires": alert.expires,
        "contact": alert.contact,
        "web": alert.web,
    }
    for info in alert.infos.all():
        prefix = "zh" if info.language == "zh-hans" else "en"
        for name in ("event", "headline", "description", "instruction", "area_description"):
            initial[f"{prefix}_{name}"] = getattr(info, name)
    return initial


def _decide(request: HttpRequest, ref: str) -> tuple[Alert, HttpResponse]:
    officer = signed_in_user(request)
    try:
        alert = selectors.access_for_officer(officer, ref)
    except NotFound as error:
        raise Http404(str(error)) from None
    return alert, HttpResponseRedirect(reverse("alerts:detail", args=[alert.ref]))


@officer_required
@require_POST
def approve(request: HttpRequest, ref: str) -> HttpResponse:
    alert, back = _decide(request, ref)
    try:
        services.approve_alert(signed_in_user(request), alert)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Approved and sent."))
    return back


@officer_required
@require_POST
def reject(request: HttpRequest, ref: str) -> HttpResponse:
    alert, back = _decide(request, ref)
    try:
        services.reject_alert(signed_in_user(request), alert, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Sent back to its author."))
    return back


@officer_required
@require_POST
def review(request: HttpRequest, ref: str) -> HttpResponse:
    alert, back = _decide(request, ref)
    try:
        services.review_alert(signed_in_user(request), alert)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Review recorded."))
    return back


# ----- village agents ---------------------------------------------------------------------


@station_agent_required
@require_GET
def visits(request: HttpRequest) -> HttpResponse:
    agent = signed_in_user(request)
    rows = list(selectors.visits_for(agent)[:200])
    by_alert: dict[int, Alert] = {row.alert_id: row.alert for row in rows}
    for alert in by_alert.values():
        services.record_visit_list_read(
            agent, [row.recipient for row in rows if row.alert_id == alert.pk], alert=alert
        )
    return render(request, "alerts/visits.html", {"rows": rows})


@station_agent_required
@require_POST
def informed(request: HttpRequest, pk: int) -> HttpResponse:
    agent = signed_in_user(request)
    try:
        services.mark_informed(agent, selectors.access_visit(agent, pk))
    except NotFound as error:
        raise Http404(str(error)) from None
    messages.success(request, _("Marked as told in person."))
    return HttpResponseRedirect(reverse("alerts:visits"))


# ----- residents --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def places(request: HttpRequest) -> HttpResponse:
    resident = signed_in_user(request)
    form = PlaceForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            services.remove_place(resident, kind=request.POST.get("remove", ""))
            return HttpResponseRedirect(reverse("alerts:places"))
        if form.is_valid():
            try:
                services.set_place(
                    resident,
                    kind=form.cleaned_data["kind"],
                    division_code=form.cleaned_data["division"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                return HttpResponseRedirect(reverse("alerts:places"))
    return render(
        request, "alerts/places.html", {"form": form, "places": selectors.places_of(resident)}
    )


# ----- health and travel codes --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def health_code(request: HttpRequest) -> HttpResponse:
    """The resident's code with its QR; "Get my code" issues one when none is current."""
    resident = signed_in_user(request)
    error = ""
    if request.method == "POST":
        try:
            health_codes.code_for(resident)
        except DomainError as refused:
            error = str(refused)
        else:
            return HttpResponseRedirect(reverse("alerts:health-code"))
    code = health_codes.current_code(resident)
    context: dict[str, object] = {"code": code, "error": error}
    if code is not None:
        qr = credentials.qr_url(code)
        colour = credentials.subject_of(code)["colour"]
        context.update(
            colour=colour,
            colour_label=HealthColour(colour).label,
            qr=qr,
            # segno's own SVG, no input markup
            qr_svg=mark_safe(qr_svg(qr)),  # noqa: S308
        )
    return render(request, "alerts/health_code.html", context)


@officer_required
@require_http_methods(["GET", "POST"])
def health_colour(request: HttpRequest) -> HttpResponse:
    """A health department's approver sets a resident's colour: the old code is revoked."""
    officer = signed_in_user(request)
    if not health_codes.may_decide(officer):
        raise PermissionDenied(_("Only approvers of a health department set health codes."))
    form = HealthColourForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = health_codes.find_resident(form.cleaned_data["id_number"])
            status = health_codes.set_colour(
                officer,
                resident,
                colour=form.cleaned_data["colour"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            assert status.code is not None
            messages.success(
                request,
                _("%(name)s's code is now %(colour)s: %(number)s. The previous code is revoked.")
                % {
                    "name": status.code.title,
                    "colour": status.get_colour_display(),
                    "number": status.code.number,
                },
            )
            return HttpResponseRedirect(reverse("alerts:health-colour"))
    return render(request, "alerts/health_colour.html", {"form": form})
