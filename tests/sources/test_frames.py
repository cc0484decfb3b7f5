"""Decoders that know the sensor's site fill the batch's sensor frame (real ASTERIX)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_asterix_real import RADAR, decode, reference, samples  # noqa: F401  (fixture)


@pytest.mark.parametrize("name", ["cat048.raw", "cat_034_048.pcap"])
def test_cat048_plots_carry_range_and_azimuth_from_the_radar_site(samples: Path, name: str) -> None:  # noqa: F811
    ref = [(t, r) for t, r in reference(samples / name) if r["category"] == 48 and "I040" in r]
    batch, src, _ = decode(samples / name)
    frame = batch.frame
    assert frame is not None
    plots = frame.measured
    assert plots.sum() == len(ref)
    rho = np.array([r["I040"]["RHO"]["val"] for _, r in ref]) * 1852.0
    theta = np.array([r["I040"]["THETA"]["val"] for _, r in ref])
    np.testing.assert_allclose(frame.range_m[plots], rho)
    np.testing.assert_allclose(np.degrees(frame.azimuth_rad[plots]), theta % 360.0, atol=1e-9)
    assert (frame.site_lat[plots] == RADAR.lat).all()
    assert (frame.site_alt[plots] == RADAR.alt).all()
    assert (frame.sigma_range_m[plots] == src.range_sigma_m).all()
    assert not frame.bearing_only.any()


def test_bearing_only_detections_pass_the_range_checks_of_a_recording(tmp_path: Path) -> None:
    import json

    from airsentry.sources.base import Quarantine, read_file

    lines = [
        {"sensor": "df-a", "site": {"lat": 52.0, "lon": 21.0}},
        {"time": 1758265200.0, "sensor": "df-a", "kind": "rf", "bearing_deg": 45.0},
        {"time": 1758265201.0, "sensor": "df-a", "kind": "rf", "bearing_deg": 46.0,
         "identity": "rf:aa"},
        {"time": 1758265202.0, "sensor": "df-a", "kind": "rf", "bearing_deg": 47.0,
         "lat": 91.0, "lon": 21.0},
    ]  # fmt: skip
    path = tmp_path / "det.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    q = Quarantine()
    batches = list(read_file(path, "detections", q))
    b = batches[0] if len(batches) == 1 else None
    assert b is not None
    assert len(b) == 2  # the two bearings, without position
    assert b.frame is not None
    assert b.frame.bearing_only.all()
    assert q.count == 1  # lat 91 is rejected by the decoder, bearing or not
