"""MQTT with aiomqtt: tracks, events, incidents and decisions as JSON on four topics.

Topics under the URL's path (``mqtt://broker:1883/site-a`` gives ``site-a/tracks``,
``site-a/events``, ``site-a/incidents``, ``site-a/decisions``); payloads are the JSON
messages of :mod:`airsentry.outputs.messages` (schema in ``docs/outputs.schema.json``).
Incidents and decisions come from the outbox and are published with QoS 1: a message
counts as delivered only when the broker acknowledged it (PUBACK). Tracks (one message
per track) and events go with QoS 0 unless ``?qos=1``.

aiomqtt is asynchronous; the delivery thread runs its own event loop, so the client
lives entirely on that thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import ssl
from collections.abc import Sequence

import aiomqtt

from airsentry.outputs.delivery import Live
from airsentry.outputs.messages import event_message
from airsentry.outputs.urls import OutputSpec


def _tls(spec: OutputSpec) -> ssl.SSLContext | None:
    if spec.scheme != "mqtts":
        return None
    ctx = ssl.create_default_context(cafile=spec.options.get("ca"))
    if "cert" in spec.options:
        ctx.load_cert_chain(spec.options["cert"], spec.options.get("key"))
    return ctx


class MqttTransport:
    """Publishes to one broker from the delivery thread's own event loop."""

    wants_events = True

    def __init__(self, spec: OutputSpec, *, timeout_s: float = 10.0) -> None:
        self.spec = spec
        self.prefix = spec.path
        self.live_qos = int(spec.options.get("qos", "0"))
        self.timeout_s = timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: aiomqtt.Client | None = None

    def _run(self, coro: object) -> None:
        assert self._loop is not None
        self._loop.run_until_complete(asyncio.wait_for(coro, self.timeout_s))  # type: ignore[arg-type]

    def connect(self) -> None:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        env = self.spec.options.get("password_env")

        async def make() -> aiomqtt.Client:  # aiomqtt wants its loop running
            return aiomqtt.Client(
                self.spec.host,
                self.spec.port,
                username=self.spec.options.get("username"),
                password=os.environ[env] if env else None,
                identifier=self.spec.options.get("client_id"),
                tls_context=_tls(self.spec),
                timeout=self.timeout_s,
            )

        self._client = self._loop.run_until_complete(make())
        try:
            self._run(self._client.__aenter__())
        except BaseException:
            self._client = None
            raise

    def send(self, topic: str, key: str, body: str) -> None:
        assert self._client is not None
        self._run(self._client.publish(f"{self.prefix}/{topic}", body.encode(), qos=1))

    def send_live(self, items: Sequence[Live]) -> None:
        assert self._client is not None
        client = self._client
        payloads: list[tuple[str, str]] = []
        for item in items:
            if item.tracks is not None:
                topic = f"{self.prefix}/tracks"
                payloads += [(topic, json.dumps(r.message())) for r in item.tracks.rows()]
            topic = f"{self.prefix}/events"
            payloads += [(topic, json.dumps(event_message(e))) for e in item.events]

        async def publish_all() -> None:
            for topic, payload in payloads:
                await client.publish(topic, payload.encode(), qos=self.live_qos)

        self._run(publish_all())

    def disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is not None:
            with contextlib.suppress(Exception):  # the connection is gone either way
                self._run(client.__aexit__(None, None, None))

    def __del__(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()
