"""``replay --option KEY=VALUE`` and ``airsentry formats`` on a real radar capture.

The asterix-decoder sdist's ``cat_034_048.pcap`` holds CAT048 plots of several radars:
without a site for the radar, plots cannot be placed (skipped, with the reason); with
``--option date=… --option radars=…`` the same command places them, tracks them and
books what they show.
"""

from __future__ import annotations

import contextlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from airsentry.cli import main


@pytest.fixture(scope="module")
def capture(asterix_sdist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("capture") / "cat_034_048.pcap"
    with tarfile.open(asterix_sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("cat_034_048.pcap"))
        data = tar.extractfile(member)
        assert data is not None
        out.write_bytes(data.read())
    return out


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_radar_sites_given_on_the_command_line_place_the_plots(capture, tmp_path):
    db = str(tmp_path / "b.sqlite")
    code, _, err = cli("replay", str(capture), "--format", "asterix", "--db", db)
    assert code == 0
    assert err.startswith("0 reports")
    assert "no radar site configured for asterix:25/12" in err
    site = '{"25/12": {lat: 45.8, lon: 16.0, alt: 150}}'
    events = tmp_path / "events.jsonl"
    args = ["--option", "date=2016-05-05", "--option", f"radars={site}"]
    args += ["--events-out", str(events)]
    code, _, err = cli("replay", str(capture), "--format", "asterix", "--db", db, *args)
    assert code == 0, err
    assert not err.startswith("0 reports")
    assert "asterix:25/12" not in err  # that radar's plots are placed now
    seen = [json.loads(line) for line in events.read_text().splitlines()]
    entries = [e for e in seen if e["kind"] == "entry"]
    assert entries
    assert {e["zone_id"] for e in entries} >= {"sovereign:HRV"}  # the site stands in Croatia
    assert {e["time"][:10] for e in seen} == {"2016-05-05"}  # dated by --option date


def test_an_unknown_option_is_named_before_anything_runs(capture, tmp_path):
    code, _, err = cli(
        "replay", str(capture), "--format", "asterix", "--db", str(tmp_path / "b.sqlite"),
        "--option", "colour=blue",
    )  # fmt: skip
    assert code == 2
    assert "options.colour" in err
    assert "has no option 'colour'" in err
    code, _, err = cli("replay", str(capture), "--format", "asterix", "--option", "novalue")
    assert code == 2
    assert "expected KEY=VALUE" in err


def test_formats_lists_every_format_with_its_options():
    from airsentry.sources.base import formats

    code, out, _ = cli("formats")
    assert code == 0
    listed = [line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")]
    assert listed == formats()
    assert "--option radars=VALUE" in out
    assert "--option start=VALUE" in out  # Beast and raw: the recording's start time


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_reports_out_keeps_every_decoded_report(capture, tmp_path, suffix):
    import pyarrow.parquet as pq

    out = tmp_path / f"reports{suffix}"
    site = '{"25/12": {lat: 45.8, lon: 16.0, alt: 150}}'
    code, _, err = cli(
        "replay", str(capture), "--format", "asterix", "--db", str(tmp_path / "b.sqlite"),
        "--option", "date=2016-05-05", "--option", f"radars={site}", "--reports-out", str(out),
    )  # fmt: skip
    assert code == 0, err
    n = int(err.split(" reports")[0].replace(",", ""))
    assert n > 0
    if suffix == ".parquet":
        table = pq.read_table(out)
        rows = table.to_pylist()
        assert str(table.schema.field("time").type) == "timestamp[us, tz=UTC]"
    else:
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert all(r["time"].startswith("2016-05-05T") and r["time"].endswith("Z") for r in rows)
    assert len(rows) == n
    assert {r["sensor"] for r in rows} == {"asterix:25/12"}
    assert all(-90 <= r["lat"] <= 90 and r["identity"] is not None for r in rows)
