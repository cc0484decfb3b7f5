"""The ASTERIX recordings shipped in the ``asterix-decoder`` sdist, against its own parser.

``asterix_decoder-0.7.11.tar.gz`` carries real Croatia Control recordings in
``asterix/sample_data/``: ``cat048.raw`` (one monoradar plot), ``cat062cat065.raw``
(two system tracks and an SDPS message), ``cat_034_048.pcap`` (radar plots and north
marker / sector messages over UDP multicast) and ``cat_062_065.pcap``. The tests read
the files from the tarball (found through ``AIRSENTRY_ASTERIX_SDIST``, the pytest
cache, or ``pip download``; never skipped) and compare our reports with
``asterix.parse`` of the same octets: counts of plots, tracks and service messages,
WGS84 positions of tracks, range and azimuth of plots seen back from the radar site,
and times of day.
"""

from __future__ import annotations

import datetime as dt
import tarfile
from pathlib import Path
from typing import Any

import asterix
import numpy as np
import pyproj
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airsentry.model import ReportBatch
from airsentry.sources import _pcap
from airsentry.sources.asterix import AsterixDecoder, Site
from airsentry.sources.base import Quarantine

SDIST = "asterix-decoder==0.7.11"
FILES = ("cat048.raw", "cat062cat065.raw", "cat_034_048.pcap", "cat_062_065.pcap")
RADAR = Site(45.8, 16.0, 150.0)  # made up, for every radar: compared in range/azimuth
DAY = dt.date(2016, 5, 5)
GEOD = pyproj.Geod(ellps="WGS84")
ECEF = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


@pytest.fixture(scope="module")
def samples(asterix_sdist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the four sample files, extracted from the sdist."""
    tarball = asterix_sdist
    out = tmp_path_factory.mktemp("asterix-samples")
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if "/asterix/sample_data/" in member.name and member.name.endswith(FILES):
                data = tar.extractfile(member)
                assert data is not None
                (out / Path(member.name).name).write_bytes(data.read())
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    return out


def reference(path: Path) -> list[tuple[float, dict[str, Any]]]:
    """asterix.parse of the file: (capture time or NaN, record) for every record."""
    data = path.read_bytes()
    if path.suffix == ".pcap":
        return [
            (p.time, rec)
            for p in _pcap.packets(data)
            if p.payload is not None
            for rec in asterix.parse(p.payload, verbose=False)
        ]
    return [(np.nan, rec) for rec in asterix.parse(data, verbose=False)]


def decode(path: Path) -> tuple[ReportBatch, AsterixDecoder, Quarantine]:
    src = AsterixDecoder(source=str(path), recording=path, date=DAY, radars=RADAR)
    q = Quarantine()
    src.feed(path.read_bytes(), q)
    return src.flush(q), src, q


@pytest.mark.parametrize("name", FILES)
def test_counts_agree_with_the_decoders_own_parse(samples: Path, name: str) -> None:
    ref = reference(samples / name)
    batch, src, q = decode(samples / name)
    cats = [rec["category"] for _, rec in ref]
    plots = sum(1 for _, r in ref if r["category"] == 48 and "I040" in r)
    tracks = sum(1 for _, r in ref if r["category"] == 62 and "I105" in r)
    assert plots + tracks > 0
    assert len(batch) == plots + tracks
    assert (batch.track_number >= 0).sum() == sum(
        1 for _, r in ref if (r["category"] == 48 and "I040" in r and "I161" in r) or
        (r["category"] == 62 and "I105" in r)
    )  # fmt: skip
    assert sum(src.status_counts.values()) == cats.count(34) + cats.count(65)
    assert q.count == 0


@pytest.mark.parametrize("name", ["cat062cat065.raw", "cat_062_065.pcap"])
def test_track_positions_and_identities_are_the_decoders(samples: Path, name: str) -> None:
    ref = [(t, r) for t, r in reference(samples / name) if r["category"] == 62]
    batch, _, _ = decode(samples / name)
    np.testing.assert_allclose(batch.lat, [r["I105"]["Lat"]["val"] for _, r in ref], atol=1e-9)
    np.testing.assert_allclose(batch.lon, [r["I105"]["Lon"]["val"] for _, r in ref], atol=1e-9)
    assert list(batch.track_number) == [r["I040"]["TrkN"]["val"] for _, r in ref]
    assert list(batch.squawk) == [r["I060"]["Mode3A"]["val"] for _, r in ref]
    np.testing.assert_allclose(batch.vel_e, [r["I185"]["Vx"]["val"] for _, r in ref])
    expected_ids = [
        "icao:" + r["I380"]["ADR"]["ADR"]["val"].lower() if "I380" in r else "" for _, r in ref
    ]
    assert list(batch.identity) == expected_ids
    _check_times(batch, ref, "I070", "ToT")


@pytest.mark.parametrize("name", ["cat048.raw", "cat_034_048.pcap"])
def test_plots_seen_from_the_radar_have_the_decoders_range_and_azimuth(
    samples: Path, name: str
) -> None:
    ref = [(t, r) for t, r in reference(samples / name) if r["category"] == 48 and "I040" in r]
    batch, _, _ = decode(samples / name)
    rho = np.array([r["I040"]["RHO"]["val"] for _, r in ref]) * 1852.0
    theta = np.array([r["I040"]["THETA"]["val"] for _, r in ref])
    n = len(batch)
    az, _, _ = GEOD.inv(np.full(n, RADAR.lon), np.full(n, RADAR.lat), batch.lon, batch.lat)
    np.testing.assert_allclose(np.mod(az, 360.0), theta, atol=1e-6)
    # Slant range recomputed in 3D (ellipsoid, ECEF) from our position and altitude:
    # the spherical slant-to-ground conversion is good to 0.1 % of range.
    has_alt = np.isfinite(batch.alt)
    assert has_alt.sum() > n / 2
    sx, sy, sz = ECEF.transform(RADAR.lon, RADAR.lat, RADAR.alt)
    tx, ty, tz = ECEF.transform(batch.lon, batch.lat, batch.alt)
    slant = np.sqrt((tx - sx) ** 2 + (ty - sy) ** 2 + (tz - sz) ** 2)
    np.testing.assert_allclose(slant[has_alt], rho[has_alt], rtol=1e-3)
    fl = np.array([r.get("I090", {}).get("FL", {}).get("val", np.nan) for _, r in ref])
    np.testing.assert_allclose(batch.alt[has_alt], fl[has_alt] * 100 * 0.3048)
    addresses = [
        "icao:" + r["I220"]["ACAddr"]["val"].lower() if "I220" in r else "" for _, r in ref
    ]
    assert list(batch.identity) == addresses
    assert batch.transponder[np.asarray(addresses) != ""].all()
    _check_times(batch, ref, "I140", "ToD")


def _check_times(batch: ReportBatch, ref: list[tuple[float, Any]], item: str, key: str) -> None:
    tod = np.array([r[item][key]["val"] for _, r in ref])
    np.testing.assert_allclose(np.mod(batch.t, 86_400.0), tod, atol=1e-6)
    captured = np.array([t for t, _ in ref])
    if np.isfinite(captured).all():  # a capture: each record within 12 h of its packet
        assert (np.abs(batch.t - captured) < 43_200).all()
    else:  # a raw file: the configured date
        day = dt.datetime(DAY.year, DAY.month, DAY.day, tzinfo=dt.UTC).timestamp()
        assert (batch.t - day < 86_400).all()
        assert (batch.t >= day).all()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(["cat048.raw", "cat062cat065.raw"]),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
)
def test_mutated_real_blocks_never_raise(samples: Path, name: str, edits: list[Any]) -> None:
    """The octets that crash asterix.parse (non-ASCII in a text field) are handled here."""
    data = bytearray((samples / name).read_bytes())
    for at, value in edits:
        data[at % len(data)] = value
    q = Quarantine()
    src = AsterixDecoder(radars=RADAR, system_refs=RADAR)
    batch = src.decode_datagram(bytes(data), received=1.46e9, quarantine=q)
    assert len(batch) <= 2
    assert all(r["reason"] and r.get("raw_b64") is not None for r in q.records)


def test_the_octet_that_crashes_the_c_parser_is_harmless_here(samples: Path) -> None:
    """asterix.parse dies with SIGSEGV on this (a non-ASCII octet in I390's DEP field);
    the walker reads past the text it does not need and keeps both tracks."""
    data = bytearray((samples / "cat062cat065.raw").read_bytes())
    data[160] = 0xF2
    q = Quarantine()
    batch = AsterixDecoder().decode_datagram(bytes(data), received=1.46e9, quarantine=q)
    assert list(batch.track_number) == [4980, 7977]
    assert q.count == 0
