from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from onewindow.identity import views
from onewindow.identity.account import views as account_views
from onewindow.identity.forms import UswdsPasswordResetForm, UswdsSetPasswordForm
from onewindow.identity.oidc import clients

app_name = "identity"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/verify/", views.verify, name="verify"),
    path("sign-in/enrol/", views.enrol, name="enrol"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("register/", views.register_citizen, name="register-citizen"),
    path("register/business/", views.register_business, name="register-business"),
    path("profile/", views.profile, name="profile"),
    path("officer/", views.officer_home, name="officer-home"),
    path("assist/", views.assist_start, name="assist-start"),
    path("assist/confirm/", views.assist_confirm, name="assist-confirm"),
    path("assist/form/", views.assist_form, name="assist-form"),
    path("security/", account_views.account_security, name="security"),
    path("security/sessions/<int:pk>/end/", account_views.end_session, name="end-session"),
    path("security/clients/<int:pk>/revoke/", account_views.revoke_client, name="revoke-client"),
    path(
        "security/consents/<int:pk>/withdraw/",
        account_views.withdraw_agent_consent,
        name="withdraw-consent",
    ),
    path(
        "businesses/<str:credit_code>/agents/",
        account_views.business_agents,
        name="business-agents",
    ),
    path(
        "businesses/<str:credit_code>/agents/<int:pk>/withdraw/",
        account_views.withdraw_business_agent,
        name="withdraw-business-agent",
    ),
    path("clients/", clients.clients, name="clients"),
    path("clients/new/", clients.register_client, name="register-client"),
    path("clients/<int:pk>/", clients.client_detail, name="client"),
    path("clients/<int:pk>/change/", clients.change_client, name="change-client"),
    path("assist/stop/", views.assist_stop, name="assist-stop"),
    path(
        "password-reset/",
        views.PasswordResetView.as_view(
            template_name="identity/password_reset.html",
            email_template_name="identity/password_reset_email.txt",
            subject_template_name="identity/password_reset_subject.txt",
            form_class=UswdsPasswordResetForm,
            success_url=reverse_lazy("identity:password-reset-sent"),
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="identity/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="identity/password_reset_confirm.html",
            form_class=UswdsSetPasswordForm,
            success_url=reverse_lazy("identity:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="identity/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
