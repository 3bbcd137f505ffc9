"""/o/: the OpenID Connect provider. The namespace is django-oauth-toolkit's, whose views
reverse their siblings by it; only the endpoints we offer are routed (no application
management pages, device flow or dynamic registration: clients are registered by platform
administrators at /account/clients/)."""

from django.urls import path, re_path
from oauth2_provider import views

from onewindow.identity import oidc_views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", oidc_views.ConsentView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", views.IntrospectTokenView.as_view(), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        views.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        views.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", views.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path("logout/", oidc_views.LogoutView.as_view(), name="rp-initiated-logout"),
]
