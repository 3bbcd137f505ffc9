"""Done when: readings published through a real Mosquitto broker become events dispatched to
the competent department, and killing the consumer (SIGKILL, a real process) mid-stream
loses no event above threshold.

The consumer runs as `make demo` runs it (`onewindow cityops-consume`), on a copy of the test
database. A publisher thread sends a stream of readings at a steady pace, each sensor once
above its threshold somewhere in the stream; when the first event is in the database the
consumer is killed with SIGKILL while the stream goes on, then started again. The broker
kept the unacknowledged and the new messages in the consumer's persistent session: every
sensor ends with its event, dispatched, and with its latest reading on record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import IO

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from onewindow.cityops.readings import RULES
from tests.cityops import factories
from tests.copied_database import Database
from tests.instances import Site

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "onewindow.config.cli"]
ROUNDS = 40

pytestmark = [pytest.mark.servers]


class ConsumerProcess:
    def __init__(self, folder: Path, database_url: str, port: int) -> None:
        self.folder, self.database_url, self.port = folder, database_url, port
        self.process: subprocess.Popen[bytes] | None = None
        self.logs: list[IO[bytes]] = []

    @property
    def env(self) -> dict[str, str]:
        return Site(self.folder, self.database_url).env

    def start(self) -> None:
        log_path = self.folder / f"consumer-{len(self.logs)}.log"
        self.logs.append(log_path.open("ab"))
        # Our own interpreter and command, fixed arguments.
        self.process = subprocess.Popen(  # noqa: S603
            [*CLI, "cityops-consume", "--port", str(self.port), "--batch", "50"],
            env=self.env,
            cwd=ROOT,
            stdout=self.logs[-1],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while b"subscribed" not in log_path.read_bytes():
            assert self.process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the consumer did not subscribe"
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        for log in self.logs:
            log.close()


def _stream(sensors: list[tuple[str, str, str]]) -> list[tuple[str, dict[str, object]]]:
    """ROUNDS readings per sensor, a second apart, below threshold but once: sensor i goes
    above its threshold in round (i * 7) % ROUNDS, so high readings are spread over the
    stream (some before the kill, some while the consumer is dead, some after)."""
    start = timezone.now() - timedelta(minutes=10)
    messages = []
    for round_ in range(ROUNDS):
        for index, (ref, kind, unit) in enumerate(sensors):
            rule = RULES[kind]
            high = round_ == (index * 7) % ROUNDS
            value = rule.threshold * (1.2 if high else 0.5) + (0.001 * round_)
            when = start + timedelta(seconds=round_)
            messages.append(
                (
                    f"onewindow/sensors/{ref}/reading",
                    {"value": value, "unit": unit, "measured_at": when.isoformat()},
                )
            )
    return messages


@pytest.mark.django_db(transaction=True)
def test_killing_the_consumer_mid_stream_loses_no_event_above_threshold(
    divisions: dict[str, object], broker: int, tmp_path: Path
) -> None:
    # Given a city with 12 sensors, its database copied for the consumer, and the consumer
    made = factories.city(divisions, sensors=3)  # type: ignore[arg-type]
    expected = {sensor.ref: factories.department_for(made, sensor).code for sensor in made.sensors}
    sensors = [(s.ref, s.kind, s.unit) for s in made.sensors]
    database = Database(tmp_path)
    database.copy_test_database()
    consumer = ConsumerProcess(tmp_path, database.url, broker)
    publisher = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="test-sensors", protocol=mqtt.MQTTv5
    )
    try:
        consumer.start()
        publisher.connect("127.0.0.1", broker)
        publisher.loop_start()
        stream = _stream(sensors)

        def publish() -> None:
            for topic, body in stream:
                publisher.publish(topic, json.dumps(body), qos=1).wait_for_publish(timeout=10)
                time.sleep(0.006)

        sending = threading.Thread(target=publish)
        # When the stream runs and the first event is in the database
        sending.start()
        deadline = time.monotonic() + 60
        while not database.rows("SELECT ref FROM cityops_event"):
            assert time.monotonic() < deadline, "no event before the kill"
            time.sleep(0.02)
        # the consumer is killed mid-stream and started again
        assert sending.is_alive(), "the stream ended before the kill: make it longer"
        consumer.kill()
        before_restart = len(database.rows("SELECT ref FROM cityops_event"))
        time.sleep(0.5)
        consumer.start()
        sending.join(timeout=60)
        # Then every sensor has its event, dispatched to the competent department, and its
        # latest reading is the last one published
        latest = {topic.split("/")[2]: body["value"] for topic, body in stream}
        deadline = time.monotonic() + 60
        while True:
            rows = database.rows(
                "SELECT e.source_ref, e.state, d.code FROM cityops_event e "
                "JOIN cityops_assignment a ON a.event_id = e.id "
                "JOIN identity_department d ON d.id = a.department_id"
            )
            last = dict(database.rows("SELECT ref, last_value FROM cityops_sensor"))
            if last == latest or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert before_restart < len(sensors)
        assert last == latest
        assert {ref: code for ref, _state, code in rows} == expected
        assert all(state == "dispatched" for _ref, state, _code in rows)
        assert len(rows) == len(sensors)  # one event per sensor: redelivery made none twice
    finally:
        publisher.loop_stop()
        consumer.stop()
        database.drop()
