"""The database going away: 503 with Retry-After, never a 500, in the visitor's language.

The database is made unreachable for one request by refusing every new cursor the way
psycopg refuses a connection; tests/web/test_faults.py stops a real one under load.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from unittest import mock

import psycopg
import psycopg.errors
import psycopg_pool
import pytest
import redis.exceptions
from django.db import OperationalError, ProgrammingError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from onewindow.core.outages import is_outage


def _refused(*args: object, **kwargs: object) -> None:
    try:
        raise psycopg.OperationalError("connection failed: Connection refused")
    except psycopg.OperationalError as cause:
        raise OperationalError(str(cause)) from cause


def _broken_query(*args: object, **kwargs: object) -> None:
    try:
        raise psycopg.errors.UndefinedTable('relation "nothing" does not exist')
    except psycopg.Error as cause:
        raise ProgrammingError(str(cause)) from cause


@pytest.fixture
def database_away(db: None) -> Iterator[None]:
    with mock.patch.object(BaseDatabaseWrapper, "_cursor", _refused):
        yield


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def test_api_answers_503_problem_with_retry_after_while_the_database_is_away(
    database_away: None, client: Client
) -> None:
    response = client.get("/api/v1/services", headers={"Accept-Language": "en"})

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    document = json.loads(response.content)
    assert document["status"] == 503
    assert document["type"].endswith("/unavailable")
    assert document["title"] == "The service is briefly unavailable."
    assert document["instance"] == "/api/v1/services"


def test_api_problem_is_in_the_callers_language(database_away: None, client: Client) -> None:
    response = client.get("/api/v1/services", headers={"Accept-Language": "zh-CN"})

    assert json.loads(response.content)["title"] == "服务暂时无法使用。"


@pytest.mark.parametrize(
    ("accept_language", "first", "second"),
    [
        ("zh-CN,zh;q=0.9", "服务暂时无法使用", "The service is briefly unavailable"),
        ("en-GB,en;q=0.9", "The service is briefly unavailable", "服务暂时无法使用"),
    ],
)
def test_page_answers_503_in_the_visitors_language_then_the_other(
    database_away: None, client: Client, accept_language: str, first: str, second: str
) -> None:
    response = client.get(
        "/services/", headers={"Accept": "text/html", "Accept-Language": accept_language}
    )

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert page.index(first) < page.index(second)
    assert "Traceback" not in page


def test_a_form_post_while_the_database_is_away_is_503_not_500(
    database_away: None, client: Client
) -> None:
    response = client.post("/account/sign-in/", {"username": "someone", "password": "x"})

    assert response.status_code == 503
    assert response["Retry-After"]


def test_other_database_errors_stay_500(db: None, client: Client) -> None:
    with mock.patch.object(BaseDatabaseWrapper, "_cursor", _broken_query):
        response = client.get("/services/", headers={"Accept-Language": "en"})

    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (psycopg.OperationalError("connection failed: Connection refused"), True),
        (psycopg.OperationalError("consuming input failed: server closed the connection"), True),
        (psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec"), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.TooManyConnections("sorry, too many clients already"), True),
        (psycopg.errors.SerializationFailure("could not serialize access"), True),
        (psycopg.InterfaceError("the connection is closed"), True),
        (redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"), True),
        (redis.exceptions.TimeoutError("Timeout reading from socket"), True),
        (sqlite3.OperationalError("database is locked"), True),
        (psycopg.errors.UndefinedTable('relation "x" does not exist'), False),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),
        (psycopg.errors.UniqueViolation("duplicate key value"), False),
        (sqlite3.OperationalError("no such table: x"), False),
        (ValueError("not an outage"), False),
    ],
)
def test_outages_are_told_from_faults(error: Exception, outage: bool) -> None:
    assert is_outage(error) is outage


def test_an_outage_is_found_behind_the_errors_it_caused() -> None:
    refused = psycopg.OperationalError("connection failed: Connection refused")
    wrapped = OperationalError(str(refused))
    wrapped.__cause__ = refused
    outer = RuntimeError("while loading the session")
    outer.__context__ = wrapped

    assert is_outage(outer)
    assert not is_outage(RuntimeError("no cause"))
