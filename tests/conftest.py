"""Fixtures for every test: real recordings that PyPI packages ship.

* the ``traffic`` wheel (MIT, by Xavier Olive): real flights, a Beast capture, a readsb
  trace and rs1090 JSONL in ``traffic/data/samples/``;
* the ``asterix-decoder`` sdist: real CAT034/048/062/065 radar captures in
  ``asterix/sample_data/``.

They are read as files (zipfile, tarfile); neither package is imported. Each is found
through an environment variable (``scripts/test`` sets both), the pytest cache, or
``pip download``; a test that needs one fails, never skips, when none can provide it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# The session's PostgreSQL server for the store's tests (tests/postgres_server.py).
from postgres_server import postgres_server, postgres_url, store_target  # noqa: F401

# Property tests explore new random inputs on every developer run; in CI they replay a
# fixed sequence, so that a landing never depends on the luck of a seed. What the random
# runs find becomes a regression test (see tests/sources/test_jet1090.py).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

TRAFFIC_WHEEL = "traffic==2.13"
ASTERIX_SDIST = "asterix-decoder==0.7.11"


def fetch_package_file(
    request: pytest.FixtureRequest,
    factory: pytest.TempPathFactory,
    *,
    env: str,
    spec: str,
    pattern: str,
    binary: bool,
) -> Path:
    """The file of a PyPI package release: from ``$env``, the pytest cache, or PyPI."""
    given = os.environ.get(env)
    if given and Path(given).is_file():
        return Path(given)
    cache = getattr(request.config, "cache", None)
    name = pattern.split("-")[0]
    folder = cache.mkdir(name) if cache is not None else factory.mktemp(name)
    if not (found := sorted(folder.glob(pattern))):
        kind = ["--only-binary=:all:"] if binary else ["--no-binary", ":all:"]
        command = [sys.executable, "-m", "pip", "download", spec, "--no-deps", *kind]
        try:
            subprocess.run(
                [*command, "-q", "-d", str(folder)], check=True, capture_output=True, timeout=300
            )
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.fail(f"{spec} could not be fetched from PyPI: {exc}")
        found = sorted(folder.glob(pattern))
    return found[-1]


@pytest.fixture(scope="session")
def traffic_wheel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the ``traffic`` wheel."""
    return fetch_package_file(
        request,
        tmp_path_factory,
        env="AIRSENTRY_TRAFFIC_WHEEL",
        spec=TRAFFIC_WHEEL,
        pattern="traffic-*.whl",
        binary=True,
    )


@pytest.fixture(scope="session")
def asterix_sdist(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the ``asterix-decoder`` source distribution."""
    return fetch_package_file(
        request,
        tmp_path_factory,
        env="AIRSENTRY_ASTERIX_SDIST",
        spec=ASTERIX_SDIST,
        pattern="asterix_decoder-*.tar.gz",
        binary=False,
    )
