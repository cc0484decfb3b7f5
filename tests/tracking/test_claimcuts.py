"""Where a batch is cut so that a new keyed track claims the anonymous track of its time."""

from __future__ import annotations

import numpy as np

from airsentry.model import ReportBatch
from airsentry.tracking.claimcuts import claim_cuts


def batch(t: list[float], lat: list[float], keys: list[str]) -> tuple[ReportBatch, np.ndarray]:
    b = ReportBatch.build(t=np.array(t), lat=np.array(lat), lon=np.full(len(t), 21.0),
                          alt=np.full(len(t), 300.0), accuracy=50.0, sensor="s")  # fmt: skip
    return b, np.array(keys, dtype=object)


def cuts(b: ReportBatch, keys: np.ndarray, known: set[str]) -> list[int]:
    anon = keys == ""
    return claim_cuts(b, keys, known, anon, 8_000.0).tolist()


def test_a_new_key_after_a_plot_near_it_opens_a_piece() -> None:
    # plots at 52.00 from t=0, the transponder (new key) at row 3, beside them
    b, keys = batch([0, 4, 8, 9, 10, 12], [52.0] * 6, ["", "", "", "icao:1", "icao:1", ""])
    assert cuts(b, keys, set()) == [3]
    # a key already tracked claims nothing: no cut
    assert cuts(b, keys, {"icao:1"}) == []


def test_no_cut_without_a_plot_before_or_near() -> None:
    # cooperative reports only
    b, keys = batch([0, 1, 2], [52.0] * 3, ["icao:1", "icao:2", "icao:1"])
    assert cuts(b, keys, set()) == []
    # the new key comes first: the anonymous part has nothing before it
    b, keys = batch([0, 4, 8], [52.0] * 3, ["icao:1", "", ""])
    assert cuts(b, keys, set()) == []
    # the plot before it is 100 km away: nothing to claim there
    b, keys = batch([0, 4, 8], [52.0, 52.9, 52.9], ["", "icao:1", "icao:1"])
    assert cuts(b, keys, set()) == []


def test_each_new_key_near_plots_gets_its_own_cut() -> None:
    b, keys = batch([0, 2, 3, 5, 6], [52.0] * 5, ["", "rid:A", "", "icao:9", "rid:A"])
    assert cuts(b, keys, set()) == [1, 3]
