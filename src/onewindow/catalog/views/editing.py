"""The catalogue editors' pages under /services/edit/: the department's items and drafts,
the item form (one row of the implementation list), review and publication, and import."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.catalog import editing, importing, selectors
from onewindow.catalog.forms import ImportForm, ItemForm, NoteForm
from onewindow.catalog.history import changes_between
from onewindow.catalog.listing import FIELD_COLUMNS, RowError, definition_to_row, row_to_definition
from onewindow.catalog.models import DraftStatus, ServiceDraft
from onewindow.catalog.services import guide_of
from onewindow.core.errors import Conflict, DomainError, NotFound
from onewindow.identity.decorators import officer_required, verified_officer
from onewindow.identity.models import DepartmentKind, Role, User

EDITOR, APPROVER = Role.CATALOGUE_EDITOR, Role.CATALOGUE_APPROVER


def _draft(officer: User, pk: int) -> ServiceDraft:
    try:
        return selectors.access_draft(officer, pk)
    except NotFound:
        raise Http404 from None


@officer_required
def home(request: HttpRequest) -> HttpResponse:
    officer = verified_officer(request, EDITOR, APPROVER)
    roles = selectors.catalogue_roles(officer)
    drafts = list(selectors.department_drafts(officer).exclude(status=DraftStatus.PUBLISHED)[:200])
    return render(
        request,
        "catalog/edit/home.html",
        {
            "department": officer.department,
            "department_kind_label": dict(DepartmentKind.choices).get(
                editing.department_kind_of(officer)
            ),
            "is_editor": EDITOR in roles,
            "is_approver": APPROVER in roles,
            "items": selectors.department_items(officer).order_by("code"),
            "drafts": drafts,
            "batches": sorted(
                {
                    d.import_batch
                    for d in drafts
                    if d.import_batch and d.status == DraftStatus.IN_REVIEW
                }
            ),
        },
    )


def _save(
    request: HttpRequest, officer: User, form: ItemForm, draft: ServiceDraft | None
) -> ServiceDraft | None:
    """The form's row saved as a draft, or None with the errors put on the form's fields."""
    row = form.as_row(editing.department_kind_of(officer))
    try:
        code, definition = row_to_definition(row)
    except RowError as error:
        for column, message in error.errors.items():
            form.add_error(column if column in form.fields else None, str(message))
        return None
    try:
        return editing.save_draft(
            officer, code, definition=definition, reason=form.cleaned_data["reason"], draft=draft
        )
    except DomainError as error:
        column = FIELD_COLUMNS.get(error.field or "", error.field or "")
        form.add_error(column if column in form.fields else None, str(error))
        return None


@officer_required
def edit_item(request: HttpRequest, code: str = "") -> HttpResponse:
    """A new draft: of a published item of the department (`code`), or of a new item."""
    officer = verified_officer(request, EDITOR)
    item = None
    if code:
        try:
            item = selectors.department_item(officer, code)
        except NotFound:
            raise Http404 from None
    if request.method == "POST":
        data = request.POST.copy()
        if item is not None:
            data["code"] = item.code  # the code of an item does not change
        form = ItemForm(data)
        if form.is_valid() and (draft := _save(request, officer, form, None)) is not None:
            messages.success(request, _("Draft saved. Send it for approval when it is ready."))
            return HttpResponseRedirect(reverse("catalog:draft", args=[draft.pk]))
    else:
        initial = (
            ItemForm.initial_from_row(definition_to_row(item.code, editing.definition_of(item)))
            if item is not None
            else {"delivery_options": ["electronic"], "anywhere_scope": "none"}
        )
        form = ItemForm(initial=initial)
    return render(request, "catalog/edit/item.html", {"form": form, "item": item, "draft": None})


@officer_required
def edit_draft(request: HttpRequest, pk: int) -> HttpResponse:
    officer = verified_officer(request, EDITOR)
    draft = _draft(officer, pk)
    if draft.status not in (DraftStatus.DRAFT, DraftStatus.RETURNED):
        return HttpResponseRedirect(reverse("catalog:draft", args=[draft.pk]))
    if request.method == "POST":
        data = request.POST.copy()
        data["code"] = draft.code
        form = ItemForm(data)
        if form.is_valid() and _save(request, officer, form, draft) is not None:
            messages.success(request, _("Draft saved."))
            return HttpResponseRedirect(reverse("catalog:draft", args=[draft.pk]))
    else:
        initial = ItemForm.initial_from_row(definition_to_row(draft.code, draft.definition))
        form = ItemForm(initial={**initial, "reason": draft.reason})
    return render(request, "catalog/edit/item.html", {"form": form, "item": None, "draft": draft})


@officer_required
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    officer = verified_officer(request, EDITOR, APPROVER)
    found = _draft(officer, pk)
    roles = selectors.catalogue_roles(officer)
    arguments = editing.parse_definition(found.code, found.definition)
    before = guide_of(found.base_version) if found.base_version else None
    return render(
        request,
        "catalog/edit/draft.html",
        {
            "draft": found,
            "changes": changes_between(before, arguments["guide"]),
            "is_editor": EDITOR in roles,
            "is_approver": APPROVER in roles,
            "note_form": NoteForm(),
        },
    )


@officer_required
@require_POST
def draft_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    officer = verified_officer(request, EDITOR, APPROVER)
    found = _draft(officer, pk)
    try:
        if action == "submit":
            editing.submit_draft(officer, found)
            messages.success(request, _("Sent to your department's approver."))
        elif action == "publish":
            version = editing.publish_draft(officer, found)
            messages.success(
                request, _("Published as version %(number)s.") % {"number": version.number}
            )
        elif action == "return":
            note = NoteForm(request.POST)
            if not note.is_valid():
                messages.error(request, _("Tell the editor what to change."))
            else:
                editing.return_draft(officer, found, note=note.cleaned_data["note"])
                messages.success(request, _("Returned to the editor."))
        else:
            raise Http404
    except (Conflict, DomainError) as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("catalog:draft", args=[found.pk]))


@officer_required
@require_POST
def publish_batch(request: HttpRequest, batch: str) -> HttpResponse:
    officer = verified_officer(request, APPROVER)
    try:
        published = editing.publish_batch(officer, batch)
        messages.success(
            request, _("Published %(count)s items of the import.") % {"count": len(published)}
        )
    except DomainError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("catalog:edit"))


@officer_required
def import_list(request: HttpRequest) -> HttpResponse:
    officer = verified_officer(request, EDITOR)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            file_format = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
            try:
                batch = importing.import_list(
                    officer,
                    upload.read(importing.MAX_BYTES + 1),
                    file_format=file_format,
                    reason=form.cleaned_data["reason"],
                )
            except importing.ImportRefused as refused:
                errors = {where: str(message) for where, message in refused.errors.items()}
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                count = ServiceDraft.objects.filter(import_batch=batch).count()
                messages.success(
                    request,
                    _("%(count)s items imported as drafts, waiting for your approver.")
                    % {"count": count},
                )
                return HttpResponseRedirect(reverse("catalog:edit"))
    else:
        form = ImportForm()
    return render(request, "catalog/edit/import.html", {"form": form, "errors": errors})
