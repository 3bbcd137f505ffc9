"""Pages: the wallet ("card bag"), shares, the public verifier, the officers' register, and
the public documents (trust list, status lists, JWKS)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core import ratelimit
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.site import public_url
from onewindow.credentials import formats, pdf, seals, selectors, services
from onewindow.credentials.forms import ShareForm, StatusForm, VerifyForm
from onewindow.credentials.kinds import KINDS
from onewindow.credentials.models import Credential, SealKey
from onewindow.credentials.verify import Reason, Verdict
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.identity.models import Department


def qr_svg(content: str) -> str:
    """The QR as inline SVG (no image request, no inline style)."""
    code = pdf.qr_code(content)
    return code.svg_inline(scale=4, border=4, title=_("QR code of the credential"))


def fields_of(credential: Credential, subject: dict[str, Any]) -> list[tuple[Any, Any]]:
    kind = KINDS[credential.kind]
    return [
        (field.label, field.display(subject[field.name]))
        for field in kind.fields
        if field.name in subject and field.name not in ("idNumber", "spouseIdNumber")
    ]


# ----- the wallet -----------------------------------------------------------------------------


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    sections = selectors.wallet_sections(user)
    return render(
        request,
        "credentials/wallet.html",
        {
            "personal": sections.personal,
            "business": sections.business,
            "earlier": sections.earlier,
        },
    )


def _own(request: HttpRequest, credential_id: str) -> Credential:
    try:
        return selectors.access_credential(signed_in_user(request), credential_id)
    except NotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, credential_id: str) -> HttpResponse:
    credential = _own(request, credential_id)
    kind = KINDS[credential.kind]
    form = ShareForm(request.POST or None, kind=kind)
    new_share_url = ""
    if request.method == "POST" and form.is_valid():
        try:
            share, token = services.share_credential(
                signed_in_user(request),
                credential,
                fields=form.cleaned_data["disclose"],
                recipient=form.cleaned_data["recipient"],
                days=form.cleaned_data["days"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            new_share_url = public_url(reverse("credentials:shared", args=[token]))
            messages.success(
                request,
                _(
                    "Shared with %(who)s until %(until)s. "
                    "Send them the link below; it is shown only once."
                )
                % {"who": share.recipient, "until": share.expires_at.date()},
            )
            form = ShareForm(kind=kind)
    qr = services.qr_url(credential)
    return render(
        request,
        "credentials/detail.html",
        {
            "credential": credential,
            "kind": kind,
            "fields": fields_of(credential, services.subject_of(credential)),
            "qr": qr,
            "qr_svg": mark_safe(qr_svg(qr)),  # noqa: S308  # segno's own SVG, no input markup
            "form": form,
            "shares": list(selectors.shares_of(credential)),
            "new_share_url": new_share_url,
        },
    )


@login_required
@require_GET
def download_pdf(request: HttpRequest, credential_id: str) -> HttpResponse:
    credential = _own(request, credential_id)
    response = HttpResponse(pdf.render(credential), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{credential.number}.pdf"'
    return response


def credential_document(credential: Credential) -> dict[str, Any]:
    return {
        "id": credential.urn,
        "number": credential.number,
        "kind": credential.kind,
        "media_type": "application/vc+sd-jwt",
        "sd_jwt": services.sd_jwt_of(credential),
        "qr": services.qr_of(credential),
        "qr_url": services.qr_url(credential),
        "status": credential.status,
    }


@login_required
@require_GET
def download_json(request: HttpRequest, credential_id: str) -> HttpResponse:
    credential = _own(request, credential_id)
    response = JsonResponse(
        credential_document(credential), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="{credential.number}.json"'
    return response


@login_required
@require_POST
def revoke_share(request: HttpRequest, share_id: int) -> HttpResponse:
    try:
        share = selectors.access_share(signed_in_user(request), share_id)
    except NotFound:
        raise Http404 from None
    services.revoke_share(signed_in_user(request), share)
    messages.success(request, _("The share is withdrawn; its link no longer works."))
    return HttpResponseRedirect(reverse("credentials:detail", args=[share.credential_id]))


# ----- verifying ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None, request.FILES or None)
    checked = None
    if request.method == "POST":
        ratelimit.hit_requester(
            request,
            per_address=ratelimit.VERIFY_PER_ADDRESS,
            per_account=ratelimit.VERIFY_PER_ACCOUNT,
        )
    if request.method == "POST" and form.is_valid():
        checked = selectors.check(form.cleaned_data["credential"])
    return render(request, "credentials/verify.html", {"form": form, "checked": checked})


@require_GET
def scanned(request: HttpRequest, digits: str) -> HttpResponse:
    """A printed QR scanned by a phone camera: its URL carries the signed payload, and this
    page shows the verdict on it (the same as pasting the payload into /credentials/verify/)."""
    try:
        payload = formats.payload_from_digits(digits)
    except formats.Malformed as error:
        checked = selectors.Checked(Verdict(Reason.MALFORMED, "qr", detail=str(error)))
    else:
        checked = selectors.check(payload)
    response = render(
        request, "credentials/verify.html", {"form": VerifyForm(), "checked": checked}
    )
    # The URL holds the holder's fields: no cache keeps the page.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def jwt_vc_issuer(request: HttpRequest, department: str) -> HttpResponse:
    """JWT VC Issuer Metadata (IETF SD-JWT VC) of `<public URL>/credentials/issuers/<code>`."""
    issuer = get_object_or_404(Department, code=department)
    return _public(JsonResponse(services.jwt_vc_issuer_metadata(issuer)), 300)


@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    try:
        share, presentation = services.open_share(token)
    except NotFound:
        raise Http404 from None
    checked = selectors.check(presentation)
    return render(
        request,
        "credentials/shared.html",
        {"share": share, "checked": checked, "presentation": presentation},
    )


# ----- public documents -----------------------------------------------------------------------


def _public(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={seconds}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def trust_list(request: HttpRequest) -> HttpResponse:
    return _public(
        JsonResponse(services.trust_list_document(), json_dumps_params={"ensure_ascii": False}),
        300,
    )


@require_GET
def trust_list_signed(request: HttpRequest) -> HttpResponse:
    return _public(HttpResponse(services.trust_list_jws(), content_type="application/jwt"), 300)


@require_GET
def status_list(
    request: HttpRequest, department: str, purpose: str, number: int = 0
) -> HttpResponse:
    issuer = get_object_or_404(Department, code=department)
    try:
        token = services.status_list_jwt(issuer, purpose, number)
    except NotFound:
        raise Http404 from None
    return _public(
        HttpResponse(token, content_type="application/vc+jwt"), services.STATUS_CACHE_SECONDS
    )


@require_GET
def jwks(request: HttpRequest, department: str) -> HttpResponse:
    issuer = get_object_or_404(Department, code=department)
    keys = [seals.published_jwk(seal) for seal in SealKey.objects.filter(department=issuer)]
    return _public(JsonResponse({"keys": keys}), 300)


# ----- officers -------------------------------------------------------------------------------


@officer_required
@require_GET
def issued(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    query = request.GET.get("q", "").strip()[:40]
    found = selectors.issued_by(officer)
    if query:
        found = found.filter(number__icontains=query) | found.filter(case_ref__icontains=query)
    return render(
        request,
        "credentials/issued.html",
        {"credentials": list(found.order_by("-valid_from")[:100]), "query": query},
    )


@officer_required
@require_http_methods(["GET", "POST"])
def issued_detail(request: HttpRequest, credential_id: str) -> HttpResponse:
    officer = signed_in_user(request)
    try:
        credential = selectors.access_issued_credential(officer, credential_id)
    except NotFound:
        raise Http404 from None
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_status(
                officer,
                credential,
                to=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, _("Done. The holder has been told, and the ledger records it.")
            )
            return HttpResponseRedirect(reverse("credentials:issued-detail", args=[credential.pk]))
    return render(
        request,
        "credentials/issued_detail.html",
        {
            "credential": credential,
            "form": form,
            "may_change": services.may_change_status(officer, credential),
        },
    )
