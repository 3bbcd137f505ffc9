"""The MQTT consumer: a long-lived process beside the worker (`onewindow cityops-consume`).

It subscribes with QoS 1 under a fixed client id and a persistent session (clean start off,
a long session expiry), and acknowledges each message only after the batch holding it is
committed: a consumer killed at any moment leaves its unacknowledged messages with the
broker, which sends them again when it reconnects. Messages are taken in batches (at most
`batch` or `interval` seconds), so a flood from one sensor costs one write per batch."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt
from django.db import close_old_connections
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from onewindow.cityops import readings, services

log = logging.getLogger("onewindow.cityops")

CLIENT_ID = "onewindow-cityops"
SUBSCRIPTION = f"{readings.TOPIC_PREFIX}+/reading"
SESSION_EXPIRY = 7 * 24 * 3600  # seconds the broker keeps our queue while we are away


def decode(
    message: mqtt.MQTTMessage,
) -> tuple[services.Incoming, readings.Message | readings.Refused]:
    incoming = services.Incoming("mqtt", message.topic, bytes(message.payload))
    try:
        ref = readings.sensor_of_topic(message.topic)
        return incoming, readings.parse(incoming.payload, sensor_ref=ref)
    except readings.Refused as refused:
        return incoming, refused


class Consumer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        client_id: str = CLIENT_ID,
        batch: int = 2000,
        interval: float = 0.2,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.batch, self.interval = batch, interval
        self.inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.subscribed = threading.Event()
        self.stopping = threading.Event()
        self.on_ready = on_ready
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.on_connect = self._connected
        self.client.on_subscribe = self._subscribed
        self.client.on_message = lambda _client, _userdata, message: self.inbox.put(message)
        self.processed = 0

    def _connected(
        self, client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object
    ) -> None:
        log.info("cityops: connected to %s:%s (%s)", self.host, self.port, reason)
        client.subscribe(SUBSCRIPTION, qos=1)

    def _subscribed(self, *_args: object) -> None:
        if not self.subscribed.is_set():
            self.subscribed.set()
            if self.on_ready is not None:
                self.on_ready()

    def connect(self) -> None:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY
        properties.ReceiveMaximum = 65535
        self.client.connect(self.host, self.port, clean_start=False, properties=properties)
        self.client.loop_start()

    def step(self) -> int:
        """Take one batch, write it, acknowledge it; returns how many messages it held."""
        taken: list[mqtt.MQTTMessage] = []
        deadline = time.monotonic() + self.interval
        while len(taken) < self.batch:
            wait = deadline - time.monotonic()
            try:
                taken.append(
                    self.inbox.get(timeout=max(wait, 0)) if wait > 0 else self.inbox.get_nowait()
                )
            except queue.Empty:
                break
        if not taken:
            return 0
        close_old_connections()
        services.ingest([decode(message) for message in taken])
        # Only now, with the batch committed, may the broker forget these messages.
        for message in taken:
            self.client.ack(message.mid, message.qos)
        self.processed += len(taken)
        return len(taken)

    def run(self) -> None:
        self.connect()
        try:
            while not self.stopping.is_set():
                self.step()
        finally:
            self.client.loop_stop()
            self.client.disconnect()
