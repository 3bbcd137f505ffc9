from django.urls import path, re_path

from onewindow.credentials import views

app_name = "credentials"

urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/<str:credential_id>/", views.detail, name="detail"),
    path("wallet/<str:credential_id>/pdf/", views.download_pdf, name="pdf"),
    path("wallet/<str:credential_id>/json/", views.download_json, name="json"),
    path("wallet/shares/<int:share_id>/withdraw/", views.revoke_share, name="revoke-share"),
    path("verify/", views.verify, name="verify"),
    path("verify/shared/<str:token>/", views.shared, name="shared"),
    # What a printed QR holds (formats.qr_url): a phone camera opens the verdict.
    re_path(r"^v/(?P<digits>[0-9]{1,4000})/?$", views.scanned, name="scanned"),
    path(
        ".well-known/jwt-vc-issuer/credentials/issuers/<str:department>",
        views.jwt_vc_issuer,
        name="jwt-vc-issuer",
    ),
    path("credentials/trust-list.json", views.trust_list, name="trust-list"),
    path("credentials/trust-list.jwt", views.trust_list_signed, name="trust-list-signed"),
    path(
        "credentials/status/<str:department>/<str:purpose>.jwt",
        views.status_list,
        name="status-list",
    ),
    path("credentials/issuers/<str:department>/jwks.json", views.jwks, name="jwks"),
    path("credentials/issued/", views.issued, name="issued"),
    path("credentials/issued/<str:credential_id>/", views.issued_detail, name="issued-detail"),
]
