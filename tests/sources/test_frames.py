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
