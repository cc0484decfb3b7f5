"""Shared fixtures of the source tests: the Mode S recordings of the ``traffic`` wheel
(found by the ``traffic_wheel`` fixture of tests/conftest.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

WHEEL = "traffic==2.13"


@pytest.fixture(scope="session")
def traffic_sample(traffic_wheel: Path) -> dict[str, bytes]:
    """The Mode S recordings of the wheel, by short name: beast, trace, jsonl."""
    names = {
        "beast": "traffic/data/samples/dump1090/sample_dump1090.bin",
        "trace": "traffic/data/samples/readsb/trace_full_ac671b.json",
        "jsonl": "traffic/data/samples/rs1090/full_flight_short.jsonl",
    }
    with zipfile.ZipFile(traffic_wheel) as z:
        return {key: z.read(name) for key, name in names.items()}
