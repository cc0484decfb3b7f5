"""Shared fixtures of the source tests: the ``traffic`` wheel and its real recordings.

The ``traffic`` wheel (MIT, by Xavier Olive) ships real recordings in
``traffic/data/samples/``. It is read with :mod:`zipfile`; ``traffic`` itself is never
imported. It is found through ``AIRSENTRY_TRAFFIC_WHEEL`` (``.ci/run`` sets it), the
pytest cache, or ``pip download``; a test that needs it fails, never skips, when none
of these can provide it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

WHEEL = "traffic==2.13"


@pytest.fixture(scope="session")
def traffic_wheel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the ``traffic`` wheel."""
    given = os.environ.get("AIRSENTRY_TRAFFIC_WHEEL")
    if given and Path(given).is_file():
        return Path(given)
    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("traffic-wheel") if cache is not None else tmp_path_factory.mktemp("wheel")
    if not (found := sorted(folder.glob("traffic-*.whl"))):
        command = [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps"]
        try:
            subprocess.run(
                [*command, "--only-binary=:all:", "-q", "-d", str(folder)],
                check=True,
                capture_output=True,
                timeout=300,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.fail(f"the {WHEEL} wheel could not be fetched from PyPI: {exc}")
        found = sorted(folder.glob("traffic-*.whl"))
    return found[-1]


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
