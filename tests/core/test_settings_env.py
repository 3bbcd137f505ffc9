from __future__ import annotations

import stat
from pathlib import Path

import pytest

from onewindow.config.env import env_bool, redis_url_with_timeouts, secret_from_env_or_file


def test_secret_is_generated_once_into_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_SECRET", raising=False)
    path = tmp_path / "var" / "secret"

    first = secret_from_env_or_file("TEST_SECRET", path, nbytes=32)
    second = secret_from_env_or_file("TEST_SECRET", path, nbytes=32)

    assert first == second
    assert len(first) >= 43
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secret_from_the_environment_wins_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SECRET", "from-env")

    assert secret_from_env_or_file("TEST_SECRET", tmp_path / "secret", nbytes=32) == "from-env"
    assert not (tmp_path / "secret").exists()


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("TEST_FLAG", raw)

    assert env_bool("TEST_FLAG", default=False) is expected


def test_a_misspelt_boolean_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_FLAG", "ture")

    with pytest.raises(ValueError, match="TEST_FLAG"):
        env_bool("TEST_FLAG", default=False)


def test_redis_url_gets_bounded_timeouts_unless_it_names_its_own() -> None:
    assert redis_url_with_timeouts("redis://cache:6379/0") == (
        "redis://cache:6379/0?socket_connect_timeout=2&socket_timeout=5"
    )
    assert redis_url_with_timeouts("rediss://cache:6380/1?socket_timeout=30") == (
        "rediss://cache:6380/1?socket_timeout=30&socket_connect_timeout=2"
    )
