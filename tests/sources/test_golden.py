"""Every registered format against its golden file, and fed in random pieces.

Each format of the registry has at least one case in :data:`golden.CASES`: a recorded
input (a real sample of the traffic wheel or the asterix-decoder sdist, or a small
fixture under data/) and the summary of its decoded output, recorded in
``data/<case>.expected.json`` with the decoders that existed before the one decoder
contract (so the contract changed no output). A format registered without a case
fails here. The same inputs, fed to the decoder in random-sized pieces, must give the
same reports and the same quarantine as the whole file read by :func:`read_file`.
"""

from __future__ import annotations

import random
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from golden import CASES, DATA, expected, summarise

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, decoder, formats, read_file

COLUMNS = ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u", "accuracy")
TEXT = ("identity", "callsign", "squawk", "category", "track_number", "on_ground")


@pytest.fixture(scope="module")
def inputs(
    traffic_wheel: Path, asterix_sdist: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The input file of every case, by case name."""
    folder = tmp_path_factory.mktemp("golden")
    out: dict[str, Path] = {}
    with zipfile.ZipFile(traffic_wheel) as z, tarfile.open(asterix_sdist) as tar:
        for case, (_, spec, _) in CASES.items():
            if spec.startswith("data/"):
                out[case] = DATA / spec.removeprefix("data/")
                continue
            kind, member = spec.split(":", 1)
            path = folder / Path(member).name
            if kind == "wheel":
                path.write_bytes(z.read(member))
            else:
                found = next(m for m in tar.getmembers() if m.name.endswith("/" + member))
                fh = tar.extractfile(found)
                assert fh is not None
                path.write_bytes(fh.read())
            out[case] = path
    return out


def cases_of(fmt: str) -> list[str]:
    return [case for case, (f, _, _) in CASES.items() if f == fmt]


def test_every_case_names_a_registered_format() -> None:
    assert {fmt for fmt, _, _ in CASES.values()} <= set(formats())


@pytest.mark.parametrize("fmt", formats())
def test_format_matches_its_golden_files(fmt: str, inputs: dict[str, Path]) -> None:
    assert cases_of(fmt), f"format {fmt!r} is registered without a golden case"
    for case in cases_of(fmt):
        _, _, options = CASES[case]
        q = Quarantine()
        batches = list(read_file(inputs[case], fmt, q, **options))
        got = summarise(ReportBatch.concat(batches), q)
        assert got == expected(case), case


def pieces(data: bytes, rng: random.Random) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(data)), min(40, len(data) - 1))) if data else []
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def same(a: ReportBatch, b: ReportBatch) -> None:
    assert len(a) == len(b)
    for name in COLUMNS:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=0, atol=1e-9)
    for name in TEXT:
        assert getattr(a, name).tolist() == getattr(b, name).tolist(), name


def records(q: Quarantine) -> dict[str, Any]:
    return {"rejected": dict(q.by_reason), "skipped": dict(q.skipped)}


@pytest.mark.parametrize("fmt", formats())
@pytest.mark.parametrize("seed", [1, 2])
def test_random_pieces_decode_as_the_whole_file(
    fmt: str, seed: int, inputs: dict[str, Path]
) -> None:
    rng = random.Random(seed)
    for case in cases_of(fmt):
        _, _, options = CASES[case]
        path = inputs[case]
        whole_q = Quarantine()
        whole = ReportBatch.concat(list(read_file(path, fmt, whole_q, **options)))
        dec, q = decoder(fmt, source=str(path), recording=path, **options), Quarantine()
        out = [dec.feed(piece, q) for piece in pieces(path.read_bytes(), rng)]
        got = ReportBatch.concat([*out, dec.flush(q)])
        same(got, whole)
        assert records(q) == records(whole_q), case


LINES = {"sbs", "raw", "jet1090", "detections"}  # one record a line, at most one report


@pytest.mark.parametrize("fmt", sorted(LINES))
def test_line_formats_account_for_every_line(fmt: str, inputs: dict[str, Path]) -> None:
    """Lines in = reports + rejected + skipped, where one line is at most one report."""
    for case in cases_of(fmt):
        _, _, options = CASES[case]
        path = inputs[case]
        q = Quarantine()
        n = sum(len(b) for b in read_file(path, fmt, q, **options))
        lines = path.read_bytes().count(b"\n")
        assert n + q.count + sum(q.skipped.values()) == lines, case
