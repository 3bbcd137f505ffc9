from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.core.site import public_url
from onewindow.identity.models import ClientKind, Department, SubjectType
from onewindow.identity.oidc.scopes import OPENID, SCOPES


class UswdsMixin:
    """Give every widget the USWDS class and link errors to inputs for screen readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "usa-checkbox__input"
            elif isinstance(widget, forms.Select):
                css = "usa-select"
            elif isinstance(widget, forms.Textarea):
                css = "usa-textarea"  # several lines tall: "usa-input" fixes the height to one
            else:
                css = "usa-input"
            widget.attrs.setdefault("class", css)

    def full_clean(self) -> None:
        # After cleaning, not in __init__: subclasses may still set choices after super().
        super().full_clean()  # type: ignore[misc]
        for name in self._errors or {}:  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is None:
                continue
            field.widget.attrs["class"] = field.widget.attrs.get("class", "") + " usa-input--error"
            field.widget.attrs["aria-invalid"] = "true"
            field.widget.attrs["aria-describedby"] = f"id_{name}_error"

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(error.field if error.field in self.fields else None, str(error))  # type: ignore[attr-defined]


class SignInForm(UswdsMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Account name, mobile number or resident ID number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _(
            "The account or password is not right. After 5 failed attempts the account is "
            "locked for 30 minutes."
        ),
        "inactive": _("This account is disabled."),
    }


class TokenForm(UswdsMixin, forms.Form):
    token = forms.RegexField(
        label=_("6-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits your authenticator app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class CitizenRegistrationForm(UswdsMixin, forms.Form):
    real_name = forms.CharField(
        label=_("Real name"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=20,
        help_text=_("18 characters; the last one may be X."),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    division = forms.ModelChoiceField(
        label=_("Registered township or street"),
        queryset=Division.objects.filter(level=Level.TOWNSHIP).order_by("code"),
        help_text=_("Where your household is registered."),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    username = forms.RegexField(
        label=_("Account name"),
        max_length=40,
        regex=r"^[A-Za-z0-9_.-]{3,40}$",
        help_text=_("3 to 40 letters, digits, dots, dashes or underscores."),
        error_messages={"invalid": _("Use 3 to 40 letters, digits, dots, dashes or underscores.")},
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits."),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", _("The two passwords are not the same."))
        elif password:
            try:
                validate_password(password)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class BusinessRegistrationForm(UswdsMixin, forms.Form):
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=20,
        help_text=_("18 characters, as printed on the business licence."),
    )
    name = forms.CharField(label=_("Business name"), max_length=200)
    division = forms.ModelChoiceField(
        label=_("Registered county or district"),
        queryset=Division.objects.filter(level=Level.COUNTY).order_by("code"),
    )


class PreferencesForm(UswdsMixin, forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")]
    )
    prefers_elder_mode = forms.BooleanField(label=_("Use elder-friendly mode"), required=False)


class UswdsPasswordResetForm(UswdsMixin, PasswordResetForm):
    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        # The link starts with the configured public address, not the Host header the
        # request happened to carry (a proxy's, or another port's).
        context = {**context, "public_url": public_url()}
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class UswdsSetPasswordForm(UswdsMixin, SetPasswordForm):  # type: ignore[type-arg]
    pass


class AssistStartForm(UswdsMixin, forms.Form):
    id_number = forms.CharField(
        label=_("Resident's ID number"),
        max_length=20,
        help_text=_("The resident must be here with you and have their phone."),
    )


class ConsentCodeForm(UswdsMixin, forms.Form):
    code = forms.RegexField(
        label=_("Code the resident received by SMS"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class AssistMethodForm(AssistStartForm):
    """How the present resident consents: a code to their phone, or a signed paper form."""

    method = forms.ChoiceField(
        label=_("How the resident consents"),
        choices=[
            ("one_time_code", _("A code sent to the resident's phone")),
            ("signed_form", _("A consent form the resident signs, which you scan")),
        ],
        initial="one_time_code",
        required=False,  # the code, unless the form is chosen
        widget=forms.RadioSelect,
    )

    def clean_method(self) -> str:
        return str(self.cleaned_data.get("method") or "one_time_code")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].help_text = _("The resident must be here with you.")


class SignedFormUploadForm(UswdsMixin, forms.Form):
    scan = forms.FileField(
        label=_("Scan or photo of the signed form"),
        help_text=_("PDF, PNG or JPEG, up to 10 MB."),
    )


class ClientForm(UswdsMixin, forms.Form):
    """A platform administrator registers a site or app that signs people in."""

    name = forms.CharField(label=_("Name people will see"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of client"))
    contact_department = forms.ModelChoiceField(
        label=_("Contact department"),
        queryset=Department.objects.order_by("code"),
        help_text=_("Who answers for this client."),
    )
    redirect_uris = forms.CharField(
        label=_("Redirect URIs"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, exactly as the client sends them."),
    )
    post_logout_redirect_uris = forms.CharField(
        label=_("Where to return after sign-out (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    is_confidential = forms.BooleanField(
        label=_("The client keeps a secret on its server"),
        required=False,
        initial=True,
        help_text=_("Leave unticked for apps on phones and terminals: they get no secret."),
    )
    allowed_scopes = forms.MultipleChoiceField(
        label=_("What it may ask for"), required=False, widget=forms.CheckboxSelectMultiple
    )
    lawful_basis = forms.CharField(
        label=_("Legal basis for full ID numbers"),
        max_length=300,
        required=False,
        help_text=_("Needed only for “full resident ID number”: name the law and article."),
    )
    subject_type = forms.ChoiceField(label=_("Identifier the client sees"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ClientKind.choices  # type: ignore[attr-defined]
        self.fields["subject_type"].choices = SubjectType.choices  # type: ignore[attr-defined]
        self.fields["allowed_scopes"].choices = [  # type: ignore[attr-defined]
            (name, scope.description) for name, scope in SCOPES.items() if name != OPENID
        ]


class ClientScopesForm(UswdsMixin, forms.Form):
    allowed_scopes = forms.MultipleChoiceField(
        label=_("What it may ask for"), required=False, widget=forms.CheckboxSelectMultiple
    )
    lawful_basis = forms.CharField(
        label=_("Legal basis for full ID numbers"), max_length=300, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allowed_scopes"].choices = [  # type: ignore[attr-defined]
            (name, scope.description) for name, scope in SCOPES.items() if name != OPENID
        ]


class SuspendForm(UswdsMixin, forms.Form):
    reason = forms.CharField(label=_("Why it is suspended"), max_length=300)


class AgentAuthorisationForm(UswdsMixin, forms.Form):
    """The legal representative authorises a person for some kinds of service."""

    agent = forms.CharField(
        label=_("The agent's account name, mobile number or ID number"), max_length=64
    )
    service_types = forms.MultipleChoiceField(
        label=_("For which kinds of service"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind of service of this business."),
    )

    def __init__(self, *args: Any, service_types: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_types"].choices = service_types  # type: ignore[attr-defined]
