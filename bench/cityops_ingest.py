"""Sensor readings through a real Mosquitto broker into city events, against the broker's own
publish rate measured in the same run.

    .venv/bin/python bench/cityops_ingest.py [--readings 50000] [--sensors 20] [--repeat 3]

(`DATABASE_URL=…` for PostgreSQL.) A broker of its own on a free port (`mosquitto` must be
installed). Two figures, each the median of `--repeat` runs:

- the publish rate: one client sends `--readings` QoS 1 messages as fast as it can, each
  acknowledged by the broker (what one Python publisher gets through it);
- the ceiling: those messages, queued in a persistent session while its client was away,
  drained by a subscriber that only acknowledges each: the broker's own delivery rate;
- the platform: the same stream (1 % above threshold, so events are created, dispatched and
  put in the ledger), queued the same way, drained by `cityops.consumer.Consumer` (what
  `onewindow cityops-consume` runs: batches, `services.ingest`, acknowledgement after
  commit) until the last reading is committed.

Queued first so that the consumer is measured, not the publisher: one Python publisher is
slower than the consumer (the first figure says by how much).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_map import fresh_database, hangzhou

TOPIC = "onewindow/sensors/{}/reading"


def world(sensors: int) -> list[tuple[str, str, float]]:
    from onewindow.cityops import readings, services
    from onewindow.cityops.models import SensorKind
    from onewindow.core.divisions import Level
    from onewindow.core.services import define_division
    from onewindow.identity import services as identity
    from onewindow.identity.models import Department, DepartmentKind, Role

    city = hangzhou()
    district = define_division(
        code="330106", level=Level.COUNTY, name_zh="西湖区", name_en="Xihu", parent=city
    )
    for kind in ("emergency", "ecology", "city_management", "transport", "hotline"):
        Department.objects.create(
            code=f"330100-{kind}",
            name_zh=kind,
            name_en=kind,
            kind=DepartmentKind(kind),
            division=city,
        )
    operator = identity.create_officer(
        username="operator",
        password="x" * 12,
        real_name="值班员",
        department=Department.objects.get(code="330100-hotline"),
        roles=(Role.DISPATCHER,),
    )
    made = []
    kinds = list(SensorKind)
    for n in range(sensors):
        kind = kinds[n % len(kinds)]
        sensor = services.register_sensor(
            operator,
            ref=f"S{n:03d}",
            kind=kind,
            division=district,
            place=f"点位{n}",
            latitude=30.1 + 0.01 * n,
            longitude=120.0 + 0.01 * n,
        )
        made.append((sensor.ref, sensor.unit, readings.RULES[kind].threshold))
    return made


def stream(
    sensors: list[tuple[str, str, float]], count: int, start: datetime
) -> list[tuple[str, bytes]]:
    out = []
    for n in range(count):
        ref, unit, threshold = sensors[n % len(sensors)]
        value = threshold * (1.3 if n % 97 == 0 else 0.5)  # 1 % above, spread over sensors
        when = start + timedelta(milliseconds=n)
        out.append(
            (
                TOPIC.format(ref),
                json.dumps(
                    {"value": value, "unit": unit, "measured_at": when.isoformat()}
                ).encode(),
            )
        )
    return out


def client(client_id: str, *, manual_ack: bool = False) -> Any:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    made = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        manual_ack=manual_ack,
    )
    made.max_inflight_messages_set(1000)
    return made


def publish_all(port: int, messages: list[tuple[str, bytes]]) -> float:
    """Publish every message with QoS 1 from one client; returns messages per second."""
    publisher = client(f"bench-publisher-{time.monotonic_ns()}")
    publisher.connect("127.0.0.1", port)
    publisher.loop_start()
    began = time.perf_counter()
    infos = [publisher.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(timeout=300)
    elapsed = time.perf_counter() - began
    publisher.loop_stop()
    publisher.disconnect()
    return len(messages) / elapsed


def _session_properties() -> Any:
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 3600
    properties.ReceiveMaximum = 65535
    return properties


def prime(port: int, client_id: str) -> None:
    """Open the persistent session and its subscription, then go away: what is published
    next waits in the broker for this client id."""
    subscribed = threading.Event()
    session = client(client_id, manual_ack=True)
    session.on_subscribe = lambda *_a: subscribed.set()
    session.connect("127.0.0.1", port, clean_start=False, properties=_session_properties())
    session.loop_start()
    session.subscribe("onewindow/sensors/+/reading", qos=1)
    assert subscribed.wait(10)
    session.disconnect()
    session.loop_stop()


def bare_drain(port: int, client_id: str, count: int) -> float:
    """The broker's delivery ceiling: a subscriber that only acknowledges drains the queued
    messages of its session; messages per second."""
    received = 0
    done = threading.Event()
    subscriber = client(client_id, manual_ack=True)

    def arrived(c, _u, message):  # type: ignore[no-untyped-def]
        nonlocal received
        c.ack(message.mid, message.qos)
        received += 1
        if received == count:
            done.set()

    subscriber.on_message = arrived
    began = time.perf_counter()
    subscriber.connect("127.0.0.1", port, clean_start=False, properties=_session_properties())
    subscriber.loop_start()
    assert done.wait(300), f"{received} of {count}"
    elapsed = time.perf_counter() - began
    subscriber.loop_stop()
    subscriber.disconnect()
    return count / elapsed


def platform_drain(port: int, client_id: str, count: int) -> tuple[float, int]:
    """The same queue taken by the consumer into the database: readings per second."""
    from django.db import connections

    from onewindow.cityops.consumer import Consumer
    from onewindow.cityops.models import Event

    before = Event.objects.count()
    consumer = Consumer("127.0.0.1", port, client_id=client_id)
    runner = threading.Thread(target=consumer.run)
    began = time.perf_counter()
    runner.start()
    while consumer.processed < count:
        time.sleep(0.005)
    elapsed = time.perf_counter() - began
    consumer.stopping.set()
    runner.join()
    connections.close_all()
    return count / elapsed, Event.objects.count() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=50_000)
    parser.add_argument("--sensors", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    fresh_database("cityops-ingest")
    from django.db import connection
    from django.utils import timezone

    from onewindow.cityops import broker

    if not broker.is_available():
        sys.exit("mosquitto is not installed: apt-get install mosquitto")
    sensors = world(options.sensors)
    with socket.socket() as probe:  # a free port on loopback for the broker
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = broker.start(port, Path(tempfile.mkdtemp(prefix="onewindow-bench-mqtt-")))
    try:
        publish_rates, ceilings, rates, events = [], [], [], 0
        for run in range(options.repeat):
            start = timezone.now() - timedelta(hours=1) + timedelta(minutes=run * 5)
            messages = stream(sensors, options.readings, start)
            prime(port, f"bench-bare-{run}")
            publish_rates.append(publish_all(port, messages))
            ceilings.append(bare_drain(port, f"bench-bare-{run}", len(messages)))
            prime(port, f"bench-consumer-{run}")
            publish_all(port, messages)
            rate, made = platform_drain(port, f"bench-consumer-{run}", len(messages))
            rates.append(rate)
            events += made
            print(
                f"run {run + 1}: publish {publish_rates[-1]:,.0f}/s, broker to a bare subscriber "
                f"{ceilings[-1]:,.0f}/s, consumer into the database {rate:,.0f}/s, {made} events"
            )
    finally:
        process.terminate()
        process.wait(10)
    sent, top, ours = (statistics.median(x) for x in (publish_rates, ceilings, rates))
    print(
        f"{connection.vendor}: {options.readings:,} readings from {options.sensors} sensors, "
        f"median of {options.repeat}: one publisher {sent:,.0f}/s; the broker to a bare "
        f"acknowledging subscriber {top:,.0f}/s; the consumer into readings and events "
        f"{ours:,.0f}/s (ratio {ours / top:.2f} of the bare subscriber, {ours / sent:.2f} of "
        f"the publisher); {events} events created"
    )


if __name__ == "__main__":
    main()
