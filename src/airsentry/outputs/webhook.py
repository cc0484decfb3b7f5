"""Signed webhooks: incident messages POSTed as JSON, per the Standard Webhooks scheme.

Each request carries ``webhook-id`` (the message's idempotency key, also sent as
``Idempotency-Key``), ``webhook-timestamp`` (Unix seconds) and, when the output names a
secret (``?secret_env=VAR``, the variable holding ``whsec_<base64>``),
``webhook-signature: v1,<base64 HMAC-SHA256(secret, "id.timestamp.body")>``. Only a
2xx answer confirms a message; anything else (or no answer) leaves it in the outbox
and the delivery thread retries with capped backoff. Tracks and events are not sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Sequence

import httpx

from airsentry.outputs.delivery import DeliveryError, Live
from airsentry.outputs.urls import OutputSpec


def secret_bytes(secret: str) -> bytes:
    """The key of a ``whsec_<base64>`` secret (any other text is used as it is)."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_") :])
    return secret.encode()


def sign(secret: bytes, msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` value of one message."""
    mac = hmac.new(secret, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


class WebhookTransport:
    """POSTs each durable message to the output's URL (its query, our options, dropped)."""

    wants_events = False

    def __init__(self, spec: OutputSpec) -> None:
        self.url = spec.name
        env = spec.options.get("secret_env")
        self.secret = secret_bytes(os.environ[env]) if env else None
        self.timeout_s = float(spec.options.get("timeout", "10"))
        self.verify: str | bool = spec.options.get("ca", True)
        self._client: httpx.Client | None = None

    def connect(self) -> None:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout_s, verify=self.verify)

    def send(self, topic: str, key: str, body: str) -> None:
        assert self._client is not None
        ts = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": key,
            "webhook-timestamp": str(ts),
            "idempotency-key": key,
        }
        if self.secret is not None:
            headers["webhook-signature"] = sign(self.secret, key, ts, body)
        answer = self._client.post(self.url, content=body.encode(), headers=headers)
        if not 200 <= answer.status_code < 300:
            raise DeliveryError(f"{self.url} answered {answer.status_code}")

    def send_live(self, items: Sequence[Live]) -> None:
        pass  # webhooks carry incidents and decisions only

    def disconnect(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
