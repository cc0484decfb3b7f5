"""Outputs from their URLs: one transport and one delivery thread per output."""

from __future__ import annotations

from collections.abc import Sequence

from airsentry.incidents import IncidentStore
from airsentry.incidents.outbox import Outbox
from airsentry.outputs.delivery import Delivery, Transport
from airsentry.outputs.hub import Outputs
from airsentry.outputs.urls import OutputSpec


def transport(spec: OutputSpec, store: IncidentStore | None) -> Transport:
    """The transport an output URL names."""
    if spec.scheme.startswith("cot+"):
        from airsentry.outputs.cot import CotTransport

        return CotTransport(spec)
    if spec.scheme.startswith("mqtt"):
        from airsentry.outputs.mqtt import MqttTransport

        return MqttTransport(spec)
    if spec.scheme in ("http", "https"):
        from airsentry.outputs.webhook import WebhookTransport

        return WebhookTransport(spec)
    from airsentry.outputs.files import FileTransport

    return FileTransport(spec, store)


def open_outputs(specs: Sequence[OutputSpec], store: IncidentStore | None) -> Outputs:
    """Start a delivery thread per output; incident messages go through ``store``'s
    outbox (without a store, outputs get the track-level streams only)."""
    outbox = Outbox(store) if store is not None else None
    deliveries = []
    for spec in specs:
        # webhooks and files carry no tracks unless asked
        if spec.scheme in ("http", "https", "file") and "tracks" not in spec.options:
            spec = OutputSpec(spec.url, spec.scheme, spec.host, spec.port, spec.path,
                              {**spec.options, "tracks": "0"})  # fmt: skip
        deliveries.append(Delivery(spec, transport(spec, store), outbox, drain_s=spec.drain_s))
    return Outputs(deliveries, outbox)
