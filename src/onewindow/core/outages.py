"""Telling an outage of the parts around the platform from a fault of the request or the code.

The database or Redis going away (stopped, restarted, unreachable, out of connections) is
temporary: a request then gets 503 with `Retry-After`, and a background job is tried again
later. Anything else stays an error.
"""

from __future__ import annotations

import sqlite3

import psycopg
import redis.exceptions
from django.db import InterfaceError as DjangoInterfaceError

# SQLSTATE classes that mean "not now" rather than "never": connection exception (08),
# insufficient resources (53: too many connections), operator intervention (57P: shutdown,
# starting up), transaction rollback (40: serialization failure, deadlock).
TRANSIENT_SQLSTATE_PREFIXES = ("08", "53", "57P", "40")


def is_outage(error: BaseException) -> bool:
    """Whether `error`, or an exception that caused it, says the database or Redis is
    unreachable or briefly refusing work."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_outage_itself(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_outage_itself(error: BaseException) -> bool:
    if isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return True
    if isinstance(error, psycopg.InterfaceError | DjangoInterfaceError):
        return True  # the connection is closed
    if isinstance(error, psycopg.OperationalError):
        # No SQLSTATE: the server never answered (refused, lost, pool timeout).
        sqlstate = getattr(error, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith(TRANSIENT_SQLSTATE_PREFIXES)
    return isinstance(error, sqlite3.OperationalError) and "database is locked" in str(error)
