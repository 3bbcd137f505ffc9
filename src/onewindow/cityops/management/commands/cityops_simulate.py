"""`onewindow cityops-simulate`: the registered sensors publish readings to the broker, as
the demo's twenty do: a random walk below each kind's threshold, now and then a spike above
it, and (with --bad-every) a malformed message for the refused-message log."""

from __future__ import annotations

import json
import random
import signal
import time
from typing import Any

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from onewindow.cityops.readings import RULES, TOPIC_PREFIX
from onewindow.cityops.selectors import active_sensors


class Command(BaseCommand):
    help = "Publish simulated readings of the registered sensors over MQTT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.MQTT_HOST)
        parser.add_argument("--port", type=int, default=settings.MQTT_PORT)
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--rounds", type=int, default=0, help="0: until stopped")
        parser.add_argument(
            "--spike", type=float, default=0.01, help="chance of a reading above threshold"
        )
        parser.add_argument(
            "--bad-every", type=int, default=0, help="a malformed message every N rounds"
        )
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])  # noqa: S311 - simulated readings, no secret
        sensors = [(s.ref, s.kind, s.unit) for s in active_sensors()]
        level = {ref: RULES[kind].threshold * 0.5 for ref, kind, _unit in sensors}
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"onewindow-simulator-{rng.random():.6f}",
            protocol=mqtt.MQTTv5,
        )
        client.connect(options["host"], options["port"])
        client.loop_start()
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        done = 0
        self.stdout.write(
            f"simulating {len(sensors)} sensors on {options['host']}:{options['port']}"
        )
        while not stopping and (options["rounds"] == 0 or done < options["rounds"]):
            now = timezone.now().isoformat()
            for ref, kind, unit in sensors:
                rule = RULES[kind]
                walk = level[ref] + rng.gauss(0, rule.threshold * 0.05)
                level[ref] = min(max(walk, rule.threshold * 0.2), rule.threshold * 0.8)
                value = (
                    rule.threshold * rng.uniform(1.05, 1.4)
                    if rng.random() < options["spike"]
                    else level[ref]
                )
                body = {"value": round(value, 2), "unit": unit, "measured_at": now}
                client.publish(f"{TOPIC_PREFIX}{ref}/reading", json.dumps(body), qos=1)
            done += 1
            if options["bad_every"] and done % options["bad_every"] == 0:
                client.publish(f"{TOPIC_PREFIX}{sensors[0][0]}/reading", b"{not json", qos=1)
            time.sleep(options["interval"])
        client.loop_stop()
        client.disconnect()
