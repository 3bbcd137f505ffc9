"""The one rate-limit mechanism (core.ratelimit): counts shared by every connection, windows
that end, no personal data in the counters, the client's address behind proxies."""

from __future__ import annotations

import ipaddress
import os
import threading
from typing import Any

import pytest
import redis
from django.db import connection
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from limits import parse

from onewindow.core import ratelimit
from onewindow.core.models import RateCounter
from onewindow.core.tasks import purge_rate_counters

TEST_LIMIT = ratelimit.Limit("test.limit", "Too many: try again in %(minutes)d minutes.")
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def test_limit(settings: Any) -> ratelimit.Limit:
    settings.ONEWINDOW_RATE_LIMITS = {**settings.ONEWINDOW_RATE_LIMITS, "test.limit": "3 per hour"}
    return TEST_LIMIT


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_every_limit_has_a_readable_rate_in_the_settings(settings: Any) -> None:
    for limit in ratelimit.LIMITS:
        rate = parse(settings.ONEWINDOW_RATE_LIMITS[limit.name])
        assert rate.amount >= 1
        assert "%(minutes)d" in str(limit.message)


@pytest.mark.django_db
def test_the_hit_past_the_limit_is_refused_with_the_time_to_wait(
    test_limit: ratelimit.Limit,
) -> None:
    for _ in range(3):
        ratelimit.hit(test_limit, "address:192.0.2.1")

    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.hit(test_limit, "address:192.0.2.1")

    assert refused.value.status == 429
    assert 3500 < refused.value.params["retry_after"] <= 3600
    assert refused.value.params["minutes"] == 60
    assert str(refused.value) == "Too many: try again in 60 minutes."
    ratelimit.hit(test_limit, "address:192.0.2.2")  # another address has its own count


@pytest.mark.django_db
def test_check_refuses_without_counting_and_record_counts_without_refusing(
    test_limit: ratelimit.Limit,
) -> None:
    for _ in range(5):
        ratelimit.record(test_limit, "account:7")
        ratelimit.check(test_limit, "account:8")

    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check(test_limit, "account:7")
    ratelimit.check(test_limit, "account:8")


@pytest.mark.django_db
def test_a_window_ends_and_counting_starts_again(
    test_limit: ratelimit.Limit, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(1_900_000_000.0)
    monkeypatch.setattr(ratelimit, "time", clock)
    for _ in range(3):
        ratelimit.hit(test_limit, "mobile:13800000000")
    clock.now += 3599
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.hit(test_limit, "mobile:13800000000")
    assert refused.value.params["retry_after"] == 1

    clock.now += 2
    ratelimit.hit(test_limit, "mobile:13800000000")

    assert list(RateCounter.objects.values_list("count", flat=True)) == [1]


@pytest.mark.django_db
def test_counters_hold_a_keyed_hash_never_the_address_or_number(
    test_limit: ratelimit.Limit,
) -> None:
    ratelimit.hit(test_limit, "address:203.0.113.7")
    ratelimit.hit(test_limit, "mobile:13912345678")

    keys = " ".join(RateCounter.objects.values_list("key", flat=True))
    assert RateCounter.objects.count() == 2
    assert "203.0.113.7" not in keys
    assert "13912345678" not in keys


@pytest.mark.django_db
def test_the_worker_purges_counters_whose_window_ended(
    test_limit: ratelimit.Limit, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(1_900_000_000.0)
    monkeypatch.setattr(ratelimit, "time", clock)
    ratelimit.hit(test_limit, "address:192.0.2.1")
    clock.now += 1800
    ratelimit.hit(test_limit, "address:192.0.2.2")
    clock.now += 1801  # the first window has ended, the second has not

    assert purge_rate_counters.call() == {"purged": 1}
    assert RateCounter.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_hits_from_many_connections_at_once_add_up_exactly(
    postgres_only: None, test_limit: ratelimit.Limit, settings: Any
) -> None:
    # Threads stand in for server processes: each has its own database connection.
    settings.ONEWINDOW_RATE_LIMITS = {**settings.ONEWINDOW_RATE_LIMITS, "test.limit": "1000/hour"}
    threads, hits = 8, 25
    start = threading.Barrier(threads)

    def hammer() -> None:
        try:
            start.wait()
            for _ in range(hits):
                ratelimit.hit(test_limit, "address:192.0.2.9")
        finally:
            connection.close()

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert list(RateCounter.objects.values_list("count", flat=True)) == [threads * hits]


def test_the_counters_move_to_redis_when_configured(
    test_limit: ratelimit.Limit, settings: Any
) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("ONEWINDOW_REQUIRE_REDIS") == "1":
            pytest.fail(f"ONEWINDOW_REQUIRE_REDIS=1 but Redis at {REDIS_URL} is unreachable")
        pytest.skip(f"needs Redis on 127.0.0.1:6379 ({error})")
    settings.ONEWINDOW_RATE_LIMIT_URL = REDIS_URL
    value = f"address:redis-test-{os.getpid()}"
    ratelimit.limiter().clear(parse("3 per hour"), test_limit.name, ratelimit._key(value))
    try:
        for _ in range(3):
            ratelimit.hit(test_limit, value)
        with pytest.raises(ratelimit.RateLimited) as refused:
            ratelimit.hit(test_limit, value)
        assert 3500 < refused.value.params["retry_after"] <= 3600
    finally:
        ratelimit.limiter().clear(parse("3 per hour"), test_limit.name, ratelimit._key(value))


@given(st.ip_addresses(v=6), st.integers(min_value=0, max_value=2**64 - 1))
def test_an_ipv6_network_of_64_bits_counts_as_one_address(
    address: ipaddress.IPv6Address, host: int
) -> None:
    network = int(address) >> 64 << 64
    neighbour = ipaddress.IPv6Address(network | host)
    factory = RequestFactory()

    first = ratelimit.client_address(factory.get("/", REMOTE_ADDR=str(address)))
    second = ratelimit.client_address(factory.get("/", REMOTE_ADDR=str(neighbour)))

    assert first == second == str(ipaddress.IPv6Address(network))


def test_the_forwarded_address_counts_only_behind_trusted_proxies(settings: Any) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4, 10.0.0.1"
    )

    settings.ONEWINDOW_PROXY_COUNT = 0
    assert ratelimit.client_address(request) == "10.0.0.2"  # a header anyone can write
    settings.ONEWINDOW_PROXY_COUNT = 2
    assert ratelimit.client_address(request) == "198.51.100.4"
