"""Receivers for the outputs' tests: started on 127.0.0.1, stopped afterwards."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from output_receivers import Broker, CotListener, WebhookReceiver

SECRET = b"airsentry test webhook secret"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    monkeypatch.setenv("AIRSENTRY_TEST_WHSEC", "whsec_" + base64.b64encode(SECRET).decode())
    r = WebhookReceiver(SECRET)
    r.start()
    yield r
    r.stop()


@pytest.fixture
def cot() -> Iterator[CotListener]:
    c = CotListener()
    c.start()
    yield c
    c.stop()
