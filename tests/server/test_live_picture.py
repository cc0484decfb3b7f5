"""The live picture's sensors: a sensor that measures from a site (a radar) shows where
it stands and how far it has seen, for the console's coverage layer."""

from __future__ import annotations

import numpy as np

from airsentry.frame import SensorFrame
from airsentry.model import ReportBatch
from airsentry.server.live import LivePicture


def _batch(sensor: str, n: int, ranges: np.ndarray | None) -> ReportBatch:
    batch = ReportBatch.build(
        t=1_758_600_000.0 + np.arange(n), lat=55.6, lon=12.6, alt=100.0, vel_e=0.0,
        vel_n=0.0, vel_u=0.0, accuracy=50.0, sensor=sensor, identity="", callsign="",
        squawk="", category="", transponder=False,
    )  # fmt: skip
    if ranges is None:
        return batch
    frame = SensorFrame.build(n, site_lat=55.62, site_lon=12.65, site_alt=20.0, range_m=ranges)
    return ReportBatch(
        **{**{f: getattr(batch, f) for f in batch.__dataclass_fields__}, "frame": frame}
    )


def test_a_radar_shows_its_site_and_the_longest_range_it_measured():
    picture = LivePicture()
    picture.note_batch(_batch("radar-ekch", 4, np.array([1200.0, np.nan, 8400.0, 3000.0])))
    picture.note_batch(_batch("radar-ekch", 2, np.array([500.0, 700.0])))
    picture.note_batch(_batch("adsb", 3, None))
    sensors = {s["name"]: s for s in picture.sensor_list()}
    assert sensors["radar-ekch"]["lat"] == 55.62
    assert sensors["radar-ekch"]["lon"] == 12.65
    assert sensors["radar-ekch"]["range_m"] == 8400  # the longest seen, kept across batches
    assert sensors["radar-ekch"]["reports"] == 6
    assert sensors["adsb"]["lat"] is None  # a cooperative feed has no site
    assert sensors["adsb"]["range_m"] is None
