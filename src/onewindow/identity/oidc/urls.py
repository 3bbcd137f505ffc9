"""/o/: the OpenID Connect provider. The namespace is django-oauth-toolkit's, whose views
reverse their siblings by it; only the endpoints we offer are routed (no application
management pages, device flow or dynamic registration: clients are registered by platform
administrators at /account/clients/).

`well_known` is routed at the site's root: RFC 8414 puts the metadata at
/.well-known/oauth-authorization-server followed by the issuer's path (/o), and clients that
follow it try the same for openid-configuration."""

from django.urls import path, re_path
from oauth2_provider import views

from onewindow.identity.oidc import views as oidc_views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", oidc_views.ConsentView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", oidc_views.IntrospectView.as_view(), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        oidc_views.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        oidc_views.AuthorizationServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", views.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path("logout/", oidc_views.LogoutView.as_view(), name="rp-initiated-logout"),
]

# At the root, under the namespace "oidc" (see config/urls.py).
well_known = [
    re_path(
        r"^\.well-known/oauth-authorization-server(?P<issuer_path>/.*)?$",
        oidc_views.AuthorizationServerMetadataView.as_view(at_root=True),
        name="authorization-server-metadata",
    ),
    re_path(
        r"^\.well-known/openid-configuration(?P<issuer_path>/.+)$",
        oidc_views.DiscoveryView.as_view(at_root=True),
        name="openid-configuration",
    ),
]
