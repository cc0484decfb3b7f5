"""Replay's exit status and what it prints for wrong input (issue 13, failure 8): a
directory or a file of another format is not a success, a binary file's bytes never
reach the terminal, and ``--protect`` takes only codes of known states."""

from __future__ import annotations

from pathlib import Path

import pytest

from airsentry.cli import main
from airsentry.config import load_config
from airsentry.errors import ConfigError, DecodeError
from airsentry.sources.base import MAX_REASONS, OTHER_REASONS, Quarantine


def replay(tmp_path: Path, *args: str) -> int:
    return main(["replay", *args, "--db", str(tmp_path / "r.sqlite")])


def test_a_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert replay(tmp_path, str(tmp_path), "--format", "sbs") == 2
    assert "directory" in capsys.readouterr().err


def test_a_binary_file_as_sbs_fails_without_printing_its_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "image.sbs"
    path.write_bytes(bytes(range(256)) * 40 + b"\n" + bytes(range(255, -1, -1)) * 40)
    assert replay(tmp_path, str(path), "--format", "sbs") == 1
    err = capsys.readouterr().err
    assert "every record was rejected" in err
    assert all(c.isprintable() or c == "\n" for c in err), err
    assert max(len(line) for line in err.splitlines()) < 1000


def test_distinct_reasons_are_bounded_and_counts_exact():
    q = Quarantine()
    for i in range(MAX_REASONS + 50):
        q.reject(DecodeError(f"bad value {i}", source="s"), b"")
    assert len(q.by_reason) == MAX_REASONS + 1
    assert q.by_reason[OTHER_REASONS] == 50
    assert q.count == MAX_REASONS + 50


@pytest.mark.parametrize("codes", ["XYZ", "POL,XYZ", "POLL", ","])
def test_protect_takes_only_known_states(
    tmp_path: Path, codes: str, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "x.sbs"
    path.write_text("")
    assert replay(tmp_path, str(path), "--format", "sbs", "--protect", codes) == 2
    assert "--protect" in capsys.readouterr().err


def test_protect_in_a_config_takes_only_known_states(tmp_path: Path):
    config = tmp_path / "c.yaml"
    config.write_text("protect: [POL, XYZ]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="XYZ"):
        load_config(config)
    config.write_text("protect: [POL, EST]\n", encoding="utf-8")
    assert load_config(config).pipeline.protect == frozenset({"POL", "EST"})
