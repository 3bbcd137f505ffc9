"""OneWindow as an OpenID Connect provider: what it decides (`provider`), the scopes and their
claims (`scopes`), django-oauth-toolkit's validator (`validator`), the protocol pages under /o/
and /.well-known/ (`views`, `urls`) and the registry pages for partner apps (`clients`)."""
