"""The session engine (`SESSION_ENGINE`): Django's database sessions, whose one read per
request is a statement written once.

Every signed-in request reads its session row. Through the ORM that read rebuilt the same
query each time (~0.5 ms, more than the status document it then reads); here it is one
prepared SELECT. Everything else (the row, its expiry, how it is written, ended, listed by
`identity.account.security`) is `django.contrib.sessions.backends.db`.

Not `cached_db`: with the default per-process cache each of the server's processes would keep
its own copy, so a session ended or confirmed with the second factor in one process would
still be open, or still unconfirmed, in the other.
"""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone


@cache
def _read_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    table = quote(Session._meta.db_table)
    data, key, expiry = (quote(column) for column in ("session_data", "session_key", "expire_date"))
    return f"SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s"  # noqa: S608 - names only


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The unexpired row of this session key, or None (the key is then forgotten, as
        Django's store does, so a fresh one is made if the session is written)."""
        alias = router.db_for_read(Session)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_read_sql(alias), [self.session_key, now])
            found = cursor.fetchone()
        if found is None:
            self._session_key = None
            return None
        return Session(session_key=str(self.session_key), session_data=found[0])
