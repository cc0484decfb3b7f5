from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from airsentry.cli import main


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A store the September 2025 demo was run into (once per session; copy before writing)."""
    db = tmp_path_factory.mktemp("server-demo") / "demo.sqlite"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", "--db", str(db)]) == 0
    return db
