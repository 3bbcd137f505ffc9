"""`onewindow cityops-consume`: the MQTT consumer of city sensors (cityops.consumer)."""

from __future__ import annotations

import signal
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from onewindow.cityops.consumer import CLIENT_ID, Consumer


class Command(BaseCommand):
    help = "Consume city sensor readings from the MQTT broker (QoS 1, persistent session)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.MQTT_HOST)
        parser.add_argument("--port", type=int, default=settings.MQTT_PORT)
        parser.add_argument("--client-id", default=CLIENT_ID)
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        def ready() -> None:
            # The tests and `make demo` wait for this line: the subscription is in place.
            sys.stdout.write("cityops consumer subscribed\n")
            sys.stdout.flush()

        consumer = Consumer(
            options["host"],
            options["port"],
            client_id=options["client_id"],
            batch=options["batch"],
            on_ready=ready,
        )
        signal.signal(signal.SIGTERM, lambda *_: consumer.stopping.set())
        signal.signal(signal.SIGINT, lambda *_: consumer.stopping.set())
        consumer.run()
