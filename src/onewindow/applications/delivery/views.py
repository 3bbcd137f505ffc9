"""The hall's pages for paper results: what to post, what is on its way, what waits for
pickup; one page per delivery with the moves its state allows."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.applications import selectors
from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import Carrier, Delivery
from onewindow.catalog.models import Delivery as DeliveryMethod
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.errors import PermissionDenied as DomainForbidden
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.identity.forms import UswdsMixin
from onewindow.identity.models import User


class DispatchForm(UswdsMixin, forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"), choices=Carrier.choices)
    tracking_number = forms.CharField(
        label=gettext_lazy("Tracking number"),
        max_length=40,
        help_text=gettext_lazy("Letters and digits only, as on the waybill."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ReturnedForm(UswdsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the post came back (shown to the applicant)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
    )


class HandOverForm(UswdsMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Pickup code the applicant presents"),
        max_length=16,
        help_text=gettext_lazy("8 digits. Check the applicant's ID card as well."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


VIEW_LABELS = {
    "to_dispatch": gettext_lazy("To post"),
    "in_transit": gettext_lazy("Posted, on the way"),
    "pickup": gettext_lazy("Waiting for pickup"),
    "finished": gettext_lazy("Delivered or collected"),
}


@officer_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    view = request.GET.get("view", "to_dispatch")
    if view not in selectors.DELIVERY_VIEWS:
        view = "to_dispatch"
    return render(
        request,
        "applications/deliveries.html",
        {
            "rows": selectors.deliveries_for(officer, view=view),
            "view": view,
            "views": [(name, VIEW_LABELS[name]) for name in selectors.DELIVERY_VIEWS],
        },
    )


def _act(request: HttpRequest, officer: User, delivery: Delivery) -> tuple[str, forms.Form | None]:
    """Run the move the officer posted; returns the message, or the form with its errors."""
    action = request.POST.get("action", "")
    if action == "dispatch":
        form: forms.Form = DispatchForm(request.POST)
        if not form.is_valid():
            return "", form
        paper_delivery.dispatch(
            officer,
            delivery,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        )
        return _("Recorded as posted; the applicant has the tracking number."), None
    if action == "delivered":
        paper_delivery.mark_delivered(officer, delivery)
        return _("Recorded as delivered."), None
    if action == "returned":
        form = ReturnedForm(request.POST)
        if not form.is_valid():
            return "", form
        paper_delivery.mark_returned(officer, delivery, reason=form.cleaned_data["reason"])
        return _("Recorded as returned; it can be posted again."), None
    if action == "hand_over":
        form = HandOverForm(request.POST)
        if not form.is_valid():
            return "", form
        paper_delivery.hand_over(officer, delivery, code=form.cleaned_data["code"])
        return _("Handed over; the applicant has been told."), None
    raise DomainError(_("Unknown action."), field="action")


FORMS: dict[str, type[forms.Form]] = {
    "dispatch": DispatchForm,
    "returned": ReturnedForm,
    "hand_over": HandOverForm,
}


@officer_required
@require_http_methods(["GET", "POST"])
def delivery(request: HttpRequest, pk: int) -> HttpResponse:
    officer = signed_in_user(request)
    try:
        found = selectors.access_delivery(officer, pk)
    except NotFound:
        raise Http404 from None
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done, invalid = _act(request, officer, found)
        except DomainForbidden as refused:
            raise HttpForbidden(str(refused)) from None
        except DomainError as refused:
            form_class = FORMS.get(action)
            if form_class is None or not refused.field:
                messages.error(request, str(refused))
                return HttpResponseRedirect(request.path)
            invalid = form_class(request.POST)
            invalid.is_valid()
            invalid.add_error(
                refused.field if refused.field in invalid.fields else None, str(refused)
            )
            done = ""
        if invalid is None:
            messages.success(request, done)
            return HttpResponseRedirect(request.path)
        bound[action] = invalid
        found.refresh_from_db()
    address = None
    if request.GET.get("show") == "address" and found.method == DeliveryMethod.POST:
        # The whole address only on request, to write the waybill: each reading is recorded.
        try:
            address = paper_delivery.read_address(officer, found)
        except DomainError as refused:
            messages.error(request, str(refused))
    application = found.application
    return render(
        request,
        "applications/delivery.html",
        {
            "found": found,
            "application": application,
            "hall": selectors.hall_name(found.hall),
            "address": address,
            "delivery": selectors.delivery_of(application, for_applicant=False),
            "dispatch_form": bound.get("dispatch") or DispatchForm(),
            "returned_form": bound.get("returned") or ReturnedForm(),
            "hand_over_form": bound.get("hand_over") or HandOverForm(),
            "may_act": paper_delivery.acting_role(officer, found) is not None,
            "back": reverse("applications:deliveries"),
        },
        status=400 if bound else 200,
    )
