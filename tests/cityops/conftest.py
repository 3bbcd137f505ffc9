"""A Mosquitto broker of the test's own, on a free port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from onewindow.cityops import broker as mosquitto
from tests.instances import free_port


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[int]:
    """The port of a fresh broker; skipped without mosquitto (a failure with
    ONEWINDOW_REQUIRE_MQTT=1, as CI runs)."""
    if not mosquitto.is_available():
        message = (
            "mosquitto is not installed: apt-get install mosquitto "
            "(ONEWINDOW_REQUIRE_MQTT=1 makes this a failure)"
        )
        if os.environ.get("ONEWINDOW_REQUIRE_MQTT") == "1":
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    process = mosquitto.start(port, tmp_path / "broker")
    yield port
    process.terminate()
    process.wait(timeout=10)
