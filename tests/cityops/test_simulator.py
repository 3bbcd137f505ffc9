"""The simulator publishes a reading of every registered sensor per round through a real
broker, and a malformed message when asked (for the refused-message log)."""

from __future__ import annotations

import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command
from paho.mqtt.enums import CallbackAPIVersion

from onewindow.cityops import readings
from onewindow.cityops.consumer import SUBSCRIPTION
from onewindow.core.models import Division
from tests.cityops import factories


@pytest.mark.django_db
def test_the_simulator_publishes_every_sensor_each_round(
    divisions: dict[str, Division], broker: int
) -> None:
    made = factories.city(divisions, sensors=2)
    received: list[mqtt.MQTTMessage] = []
    subscribed = threading.Event()
    listener = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="listener", protocol=mqtt.MQTTv5)
    listener.on_message = lambda _c, _u, message: received.append(message)
    listener.on_subscribe = lambda *_args: subscribed.set()
    listener.connect("127.0.0.1", broker)
    listener.subscribe(SUBSCRIPTION, qos=1)
    listener.loop_start()
    try:
        assert subscribed.wait(10)
        call_command("cityops_simulate", port=broker, rounds=2, interval=0, bad_every=2, seed=7)
        deadline = time.monotonic() + 10
        while len(received) < 2 * len(made.sensors) + 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        listener.loop_stop()
    good, bad = [], []
    for message in received:
        try:
            good.append(
                readings.parse(
                    bytes(message.payload), sensor_ref=readings.sensor_of_topic(message.topic)
                )
            )
        except readings.Refused:
            bad.append(message)
    assert len(bad) == 1
    assert len(good) == 2 * len(made.sensors)
    units = {sensor.ref: sensor.unit for sensor in made.sensors}
    assert all(units[reading.sensor_ref] == reading.unit for reading in good)
    assert json.loads(received[0].payload)["unit"]
