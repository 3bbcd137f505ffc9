"""Pages: apply (form, drafts, uploads), follow an application, and the officer workbench."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.applications import competence, selectors, services
from onewindow.applications import projects as project_pages
from onewindow.applications.forms import (
    DecisionForm,
    RejectForm,
    filing_form_class,
    supplement_form_class,
)
from onewindow.applications.models import FetchStatus, Step, StepStatus
from onewindow.catalog import selectors as catalog
from onewindow.catalog.form_schema import cleaned_to_json, display_value, form_class_for
from onewindow.core import personal_data
from onewindow.core.divisions import Level
from onewindow.core.errors import Conflict, DomainError, NotFound
from onewindow.core.errors import PermissionDenied as DomainForbidden
from onewindow.core.models import Division
from onewindow.core.text_input import ascii_int
from onewindow.identity import services as identity_services
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.identity.models import MOBILE_CONTEXT, ConsentMethod, Role, User
from onewindow.identity.selectors import (
    ACTING_FOR_SESSION_KEY,
    account_named,
    acting_for,
    businesses_of,
    end_lapsed_assistance,
    officers_holding,
)
from onewindow.identity.views import begin_assistance


def _applicant(request: HttpRequest) -> User:
    """The person applying: the signed-in citizen, or the resident a village agent or window
    clerk acts for under the resident's consent (time-boxed: after it, nobody)."""
    consent = acting_for(request)
    if consent is not None:
        return consent.resident
    if end_lapsed_assistance(request):
        messages.warning(request, LAPSED)
    return signed_in_user(request)


LAPSED = _lazy(
    "The resident's consent was withdrawn or has ended: you no longer act for them. "
    "Ask for their consent again to go on."
)


def _show_domain_error(form: Any, error: DomainError) -> None:
    for name, message in dict(error.params.get("errors", {})).items():
        form.add_error(name if name in form.fields else None, message)
    if not error.params.get("errors"):
        form.add_error(error.field if error.field in form.fields else None, str(error))


def _show_filing_error(form: Any, filing: Any, error: DomainError) -> None:
    """Put each of the service's field errors on the form that has the field: the service's
    schema fields on `form`, `address.<field>` and the filing details on `filing`."""
    per_field = dict(error.params.get("errors", {}))
    if not per_field:
        target = filing if error.field and error.field in filing.fields else form
        _show_domain_error(target, error)
        return
    for name, message in per_field.items():
        name = name.replace(".", "_")
        target = filing if name in filing.fields else form
        target.add_error(name if name in target.fields else None, message)


def filer_division(filer: User) -> Division:
    """Where an agent or clerk files: the station's village, or the hall's division."""
    if filer.department is not None:
        return filer.department.division
    assert filer.division is not None
    return filer.division


def _address_prefill(applicant: User) -> dict[str, Any]:
    """The applicant's own name, mobile and township, when they file for themselves."""
    initial: dict[str, Any] = {"address_recipient_name": applicant.real_name}
    if applicant.mobile_encrypted:
        initial["address_mobile"] = personal_data.decrypt(
            applicant.mobile_encrypted, context=MOBILE_CONTEXT
        )
    division = applicant.division
    if division is not None and division.level == Level.VILLAGE:
        division = division.parent
    if division is not None and division.level == Level.TOWNSHIP:
        initial["address_division"] = division.pk
    return initial


@login_required
def new(request: HttpRequest, code: str) -> HttpResponse:
    """The application form, with drafts kept across visits and uploads checked on arrival."""
    try:
        version = catalog.current_version(code)
    except NotFound:
        raise Http404 from None
    if end_lapsed_assistance(request):
        # Never go on filing for the agent himself: say so, and start again from consent.
        messages.warning(request, LAPSED)
        return HttpResponseRedirect(reverse("identity:assist-start"))
    applicant, filer = _applicant(request), signed_in_user(request)
    if applicant.pk != filer.pk:
        # An agent or clerk: whether this service may be filed here is known before the
        # form, so nobody fills it in (and leaves a draft) only to be refused at the end.
        try:
            competence.check_may_file_here(
                home=applicant.division or filer_division(filer),
                receiving=filer_division(filer),
                is_apply_anywhere=version.item.is_apply_anywhere,
            )
        except DomainError as refused:
            messages.error(request, str(refused))
            return HttpResponseRedirect(reverse("catalog:guide", args=[version.item.code]))
    draft = selectors.draft_of(applicant, version)
    have = {u.material_key for u in draft.uploads.all()} if draft else set()
    businesses = list(businesses_of(applicant))
    form_class = form_class_for(version.form_schema)
    filing_class = filing_form_class(version, businesses=businesses, have=have)
    if request.method == "POST":
        is_submit = request.POST.get("action") == "submit"
        # The request key first: a form sent twice (a double click, a retry after a lost
        # answer) shows what the first filed, and keeps no new draft.
        filed = selectors.filed_with_key(applicant, request.POST.get("request_key", ""))
        if is_submit and filed is not None:
            messages.info(
                request, _("This form was already submitted as %(ref)s.") % {"ref": filed.ref}
            )
            return HttpResponseRedirect(reverse("applications:detail", args=[filed.ref]))
        form = form_class(request.POST)
        filing = filing_class(request.POST, request.FILES)
        if is_submit:
            form_ok, filing_ok = form.is_valid(), filing.is_valid()
        else:  # a draft may be incomplete: keep whatever parses
            form.is_valid()
            filing_ok = filing.is_valid()
            form_ok = True
        data = cleaned_to_json(version.form_schema, getattr(form, "cleaned_data", {}))
        business = filing.cleaned_data.get("business") if filing_ok else None
        try:
            draft = services.save_draft(applicant, version, data, business=business, draft=draft)
            for key, name in filing.file_names.items():
                upload = request.FILES.get(name)
                if upload is not None:
                    services.add_upload(
                        applicant,
                        draft,
                        material_key=key,
                        name=upload.name or key,
                        content=upload.read(),
                    )
            if is_submit and form_ok and filing_ok:
                application = services.submit_application(
                    applicant,
                    version,
                    data,
                    idempotency_key=request.POST.get("request_key", "")[:64],
                    delivery=filing.cleaned_data["delivery"],
                    business=business,
                    filed_by=filer,
                    draft=draft,
                    fetch_consent=bool(filing.cleaned_data.get("fetch_consent")),
                    address=filing.address(),
                )
                messages.success(
                    request, _("Application %(ref)s submitted.") % {"ref": application.ref}
                )
                return HttpResponseRedirect(reverse("applications:detail", args=[application.ref]))
            if not is_submit:
                messages.success(request, _("Draft saved. You can come back to it at any time."))
                return HttpResponseRedirect(request.path)
        except DomainError as error:
            _show_filing_error(form, filing, error)
    else:
        form = form_class(initial=draft.form_data if draft else None)
        filing = filing_class(initial=_address_prefill(applicant) if applicant == filer else None)
    return render(
        request,
        "applications/new.html",
        {
            "version": version,
            "item": version.item,
            "form": form,
            "filing": filing,
            "request_key": request.POST.get("request_key") or uuid.uuid4().hex,
            "draft": draft,
            "already_open": selectors.open_applications_for_item(applicant, version.item.code),
            "applicant": applicant,
            "acting_for": applicant.pk != filer.pk,
            "applicant_name": personal_data.mask_name(applicant.real_name),
            "planned_fetches": selectors.planned_fetches(
                version,
                applicant.division,
                has_business=bool(businesses) and version.audience != "citizen",
            ),
        },
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    applicant = _applicant(request)
    return render(
        request,
        "applications/mine.html",
        {
            "applications": selectors.applications_of(applicant)[:100],
            "drafts": selectors.drafts_of(applicant),
        },
    )


def _detail_context(application: Any, *, for_applicant: bool = False) -> dict[str, Any]:
    schema = application.item_version.form_schema
    from onewindow.catalog.form_schema import label_of

    answers = [
        (label_of(schema, name), display_value(schema, name, value))
        for name, value in application.form_data.items()
    ]
    supplements = [
        step.supplement_request
        for step in application.steps.filter(status=StepStatus.AWAITING_SUPPLEMENTS).select_related(
            "supplement_request"
        )
    ]
    return {
        "application": application,
        "timeline": selectors.timeline(application),
        "history": selectors.history(application),
        "opinions": selectors.opinions(application),
        "answers": answers,
        "uploads": application.uploads.all(),
        "supplements": supplements,
        "views": selectors.material_views(application),
        "fetched": selectors.fetched_materials(application),
        "delivery": selectors.delivery_of(application, for_applicant=for_applicant),
        "applicant_masked": personal_data.mask_name(application.applicant.real_name),
        # What an agent or clerk may do for the applicant: the record names them there.
        "acting_actions": ("submitted", "supplements_provided", "resumed", "withdrawn"),
    }


@login_required
@require_GET
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        application = selectors.access_application(_applicant(request), ref)
    except NotFound:
        raise Http404 from None
    context = _detail_context(application, for_applicant=True)
    context["fetch_actions"] = True
    return render(request, "applications/detail.html", context)


@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    """Anyone: find an investment project by its code (or a part of it)."""
    query = request.GET.get("code", "")[:40].strip()
    found = project_pages.find_projects(query)
    if query and len(found) == 1 and found[0].project_code == query:
        return HttpResponseRedirect(reverse("applications:project", args=[query]))
    return render(request, "applications/projects.html", {"query": query, "found": found})


@require_GET
def project(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone: an investment project's approval stages, as the platform publishes them."""
    found = project_pages.public_project(code)
    if found is None:
        raise Http404
    return render(request, "applications/project.html", {"project": found})


@login_required
@require_POST
def supplement(request: HttpRequest, ref: str) -> HttpResponse:
    applicant = _applicant(request)
    try:
        application = selectors.access_application(applicant, ref)
    except NotFound:
        raise Http404 from None
    files: dict[str, tuple[str, bytes]] = {}
    for name in request.FILES:
        upload = request.FILES.get(name)
        if name.startswith("file_") and upload is not None:
            files[name.removeprefix("file_")] = (upload.name or name, upload.read())
    try:
        services.provide_supplements(
            applicant,
            application,
            version=ascii_int(request.POST.get("version")) or 0,
            note=request.POST.get("note", "")[:1000],
            files=files,
            acting=signed_in_user(request),
        )
        messages.success(request, _("Thank you: the departments have your supplements."))
    except DomainError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("applications:detail", args=[ref]))


@login_required
@require_POST
def fetched(request: HttpRequest, ref: str, key: str) -> HttpResponse:
    """A material the platform could not fetch: the applicant uploads it, or asks for
    another try now."""
    applicant = _applicant(request)
    try:
        application = selectors.access_application(applicant, ref)
    except NotFound:
        raise Http404 from None
    try:
        if request.POST.get("action") == "retry":
            status = services.retry_fetch(applicant, application, material_key=key)
            if status == FetchStatus.FETCHED:
                messages.success(request, _("Fetched and verified at the source."))
            else:
                messages.warning(
                    request,
                    _("Still not fetched: %(status)s.") % {"status": FetchStatus(status).label},
                )
        else:
            upload = request.FILES.get(f"file_{key}")
            if upload is None:
                raise DomainError(_("Choose a file to upload."), field=f"file_{key}")
            services.provide_instead(
                applicant,
                application,
                material_key=key,
                name=upload.name or key,
                content=upload.read(),
            )
            messages.success(request, _("Uploaded. The department will work from your file."))
    except DomainError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("applications:detail", args=[application.ref]))


@login_required
@require_POST
def withdraw(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        application = selectors.access_application(_applicant(request), ref)
        services.withdraw_application(
            signed_in_user(request),
            application,
            version=ascii_int(request.POST.get("version")) or 0,
            reason=request.POST.get("reason", "")[:500],
        )
        messages.success(request, _("The application was withdrawn."))
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("applications:detail", args=[ref]))


# ----- officer workbench --------------------------------------------------------------------


@officer_required
@require_http_methods(["GET", "POST"])
def hall_filing(request: HttpRequest) -> HttpResponse:
    """A window clerk starts (or stops) filing for a citizen standing at the counter: the ID
    card is checked, then the citizen consents by a code to their phone or a signed form."""
    clerk = signed_in_user(request)
    error = ""
    consent = acting_for(request)
    if request.method == "POST" and request.POST.get("action") == "stop":
        if consent is not None:
            identity_services.end_assistance(clerk, consent)
        request.session.pop(ACTING_FOR_SESSION_KEY, None)
        messages.info(request, _("You are no longer filing for a citizen."))
        return HttpResponseRedirect(reverse("applications:hall-filing"))
    if request.method == "POST":
        method = request.POST.get("method", ConsentMethod.ONE_TIME_CODE)
        id_number = request.POST.get("id_number", "")[:20]
        try:
            services.begin_hall_filing(clerk, resident_id_number=id_number)
            begin_assistance(request, id_number, method)
        except DomainForbidden as refused:
            raise HttpForbidden(str(refused)) from None
        except DomainError as refused:
            error = str(refused)
        else:
            return HttpResponseRedirect(
                reverse(
                    "identity:assist-form"
                    if method == ConsentMethod.SIGNED_FORM
                    else "identity:assist-confirm"
                )
            )
    return render(
        request,
        "applications/hall_filing.html",
        {
            "error": error,
            "filing_for": personal_data.mask_name(consent.resident.real_name) if consent else "",
            "consent": consent,
        },
    )


QUEUE_PAGE = 50  # the most urgent; filters narrow the rest


@officer_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    view = request.GET.get("view", "all")
    if view not in selectors.QUEUE_FILTERS:
        view = "all"
    service = request.GET.get("service", "")[:32]
    reference = request.GET.get("q", "")[:40].strip()
    after = selectors.QueuePosition.parse(request.GET.get("after", ""))
    filters = {"view": view, "service": service, "reference": reference}
    # One more than a page tells whether there is a next one.
    steps = selectors.work_queue(officer, **filters, after=after, limit=QUEUE_PAGE + 1)
    page, more = steps[:QUEUE_PAGE], len(steps) > QUEUE_PAGE
    rows = [(step, selectors.working_days_left(step.due_at)) for step in page]
    roles = selectors.roles_for(officer)
    query = {key: value for key, value in filters.items() if value and value != "all"}
    if "reference" in query:
        query["q"] = query.pop("reference")
    next_page = ""
    if more:
        position = selectors.QueuePosition(page[-1].due_at, page[-1].pk)
        next_page = "?" + urlencode({**query, "after": position.token()})
    return render(
        request,
        "applications/queue.html",
        {
            "rows": rows,
            "total": selectors.work_queue_count(officer, **filters),
            "reference": reference,
            "is_first_page": after is None,
            "first_page": "?" + urlencode(query),
            "next_page": next_page,
            "view": view,
            "views": selectors.QUEUE_FILTERS,
            "service": service,
            "services": catalog.published_items(),
            "is_clerk": Role.WINDOW_CLERK in roles or Role.DEPARTMENT_ADMIN in roles,
            "is_window_clerk": Role.WINDOW_CLERK in roles,
            "received": selectors.received_here(officer)[:20] if Role.WINDOW_CLERK in roles else [],
        },
    )


def _act(request: HttpRequest, officer: User, step: Step) -> str:
    """Run the decision the officer posted; returns the message to show."""
    action = request.POST.get("action", "")
    version = ascii_int(request.POST.get("version")) or 0
    if action == "claim":
        services.claim_step(officer, step, version=version)
        return _("You now hold this step.")
    if action == "approve":
        services.approve_step(officer, step, version=version, note=request.POST.get("note", ""))
        return _("Approved.")
    if action == "reject":
        services.reject_step(
            officer, step, version=version, reasons=request.POST.get("reasons", "")
        )
        return _("Rejected; the applicant has the reasons.")
    if action == "supplements":
        form = supplement_form_class(step.application.item_version)(request.POST)
        services.request_supplements(officer, step, version=version, items=form.items())
        return _("Supplements requested; the applicant has the full list.")
    if action == "assign":
        assignee = account_named(request.POST.get("to", ""))
        if assignee is None:
            raise DomainError(_("Choose an officer to assign."), field="to")
        services.assign_step(officer, step, version=version, assignee=assignee)
        return _("Assigned.")
    if action == "forward":
        colleague = account_named(request.POST.get("to", ""))
        if colleague is None:
            raise DomainError(_("Choose a colleague to forward to."), field="to")
        services.forward_step(officer, step, version=version, to=colleague)
        return _("Forwarded.")
    raise DomainError(_("Unknown action."), field="action")


@officer_required
def work(request: HttpRequest, pk: int) -> HttpResponse:
    officer = signed_in_user(request)
    try:
        step = selectors.access_step(officer, pk)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        try:
            messages.success(request, _act(request, officer, step))
        except Conflict as error:
            messages.error(request, str(error))
        except DomainForbidden as error:
            raise HttpForbidden(str(error)) from None
        except DomainError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(request.path)
    application = step.application
    services.record_material_view(officer, application, purpose=f"step:{step.key}")
    colleagues = officers_holding(step.department, step.role).exclude(pk=officer.pk)
    context = _detail_context(application)
    context.update(
        {
            "step": step,
            "days_left": selectors.working_days_left(step.due_at),
            "decision": DecisionForm(initial={"version": step.version}),
            "reject": RejectForm(initial={"version": step.version}),
            "supplement_form": supplement_form_class(application.item_version)(
                initial={"version": step.version}
            ),
            "colleagues": colleagues,
            "is_holder": step.assignee_id == officer.pk,
            "is_admin": Role.DEPARTMENT_ADMIN in selectors.roles_for(officer),
            "applicant_name": personal_data.mask_name(application.applicant.real_name),
        }
    )
    return render(request, "applications/work.html", context)


@officer_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Window clerks accept many routine steps at once: claim and approve each selected one."""
    officer = signed_in_user(request)
    done, refused = 0, 0
    for value in request.POST.getlist("step")[:100]:
        pk, _sep, version = value.partition(":")
        try:
            step = selectors.access_step(officer, int(pk))
            step = services.claim_step(officer, step, version=int(version))
            services.approve_step(officer, step, version=step.version, note=_("bulk approval"))
            done += 1
        except (DomainError, ValueError):
            refused += 1
    messages.info(
        request,
        _("%(done)s approved, %(refused)s left as they were (changed meanwhile or not yours).")
        % {"done": done, "refused": refused},
    )
    return HttpResponseRedirect(reverse("applications:queue"))


@officer_required
@require_GET
def material(request: HttpRequest, pk: int, upload_pk: int) -> FileResponse:
    """An uploaded material, opened by an officer handling the step; the opening is recorded
    for the applicant to see."""
    officer = signed_in_user(request)
    try:
        step = selectors.access_step(officer, pk)
    except NotFound:
        raise Http404 from None
    upload = step.application.uploads.filter(pk=upload_pk).first()
    if upload is None:
        raise Http404
    services.record_material_view(officer, step.application, purpose=f"file:{upload.material_key}")
    response = FileResponse(upload.file.open("rb"), content_type=upload.content_type)
    response["Content-Disposition"] = f'inline; filename="{upload.material_key}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
