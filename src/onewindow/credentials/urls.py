"""/credentials/: the wallet, the verifier, what verifiers fetch (trust list, status lists,
issuer keys) and the officers' register. Two addresses stay at the site's root (`at_root`,
see config/urls.py): the one a printed QR holds, kept short so the QR stays small, and the
issuer metadata that IETF SD-JWT VC puts under /.well-known/."""

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
    path("trust-list.json", views.trust_list, name="trust-list"),
    path("trust-list.jwt", views.trust_list_signed, name="trust-list-signed"),
    path("status/<str:department>/<str:purpose>.jwt", views.status_list, name="status-list"),
    # The issuer's later lists, when the first is full (formats.status_list_address).
    path(
        "status/<str:department>/<str:purpose>/<int:number>.jwt",
        views.status_list,
        name="status-list-numbered",
    ),
    path("issuers/<str:department>/jwks.json", views.jwks, name="jwks"),
    path("issued/", views.issued, name="issued"),
    path("issued/<str:credential_id>/", views.issued_detail, name="issued-detail"),
]

# At the root, under the namespace "credentials-at-root".
at_root = [
    # What a printed QR holds (formats.qr_url): a phone camera opens the verdict.
    re_path(r"^v/(?P<digits>[0-9]{1,4000})/?$", views.scanned, name="scanned"),
    path(
        ".well-known/jwt-vc-issuer/credentials/issuers/<str:department>",
        views.jwt_vc_issuer,
        name="jwt-vc-issuer",
    ),
]
