"""Per-track state is bounded by time: 10,000 short-lived tracks come and go, and once
they have ended every stage (classifier, crossing and approach detectors, traffic
picture, incident book) holds nothing of them (issue 13: a soak's memory must not grow
with the number of tracks ever seen)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from airsentry.build import build
from airsentry.config import DeploymentConfig
from airsentry.incidents import IncidentStore
from airsentry.incidents.kinds import IncidentStatus
from airsentry.model import ReportBatch
from airsentry.watch.approach import ApproachDetector
from airsentry.watch.crossing import CrossingDetector

T0 = 1_758_265_200.0


def _wave(first: int, n: int, t0: float) -> ReportBatch:
    """``n`` aircraft, each reporting three times in 20 s, flying east across the
    German-Polish border near Frankfurt (Oder) (some enter Poland) at low level; one in
    fifty without a transponder (an unauthorised entry: an incident to keep open)."""
    k = np.arange(n)
    ids = np.repeat([f"icao:{0x100000 + first + i:06x}" for i in k], 3)
    step = np.tile(np.arange(3), n)
    lat = np.repeat(52.0 + (k % 50) * 0.01, 3)
    lon = np.repeat(14.40 + (k % 40) * 0.01, 3) + step * 0.02
    t = t0 + np.repeat(k * 0.01, 3) + step * 10.0
    order = np.argsort(t, kind="stable")
    return ReportBatch.build(
        t=t[order], lat=lat[order], lon=lon[order], alt=np.full(3 * n, 1200.0),
        vel_e=np.full(3 * n, 60.0), vel_n=np.zeros(3 * n), identity=ids[order],
        transponder=np.repeat(k % 50 != 0, 3)[order],
        sensor=np.full(3 * n, "radar", dtype=object),
    )  # fmt: skip


def test_ten_thousand_short_lived_tracks_leave_no_state(tmp_path: Path) -> None:
    dep = DeploymentConfig(db=tmp_path / "b.sqlite", audit_log=tmp_path / "audit.jsonl")
    with IncidentStore(tmp_path / "b.sqlite") as store:
        pipe = build(dep, store)
        crossing = next(d for d in pipe.watch.detectors if isinstance(d, CrossingDetector))
        approach = next(d for d in pipe.watch.detectors if isinstance(d, ApproachDetector))
        picture = pipe.responder.picture
        assert picture is not None
        events = 0
        for w in range(20):  # 20 waves of 500 tracks, a new wave every 10 minutes
            events += len(pipe.process(_wave(w * 500, 500, T0 + w * 600.0)).events)
            assert len(pipe.identifier.classifier) <= 1000  # this wave and the last
        assert events > 0  # the waves did cross into a watched state
        # past the picture's recent_s, within retain_s: only the incidents' objects
        # (pinned by the recommender) and the new aircraft are left in the picture
        book = pipe.book
        assert book is not None
        objects = {t for s in book._working.values() for t in s.incident.track_ids}
        assert objects
        pipe.process(_wave(30_000, 1, T0 + 20 * 600.0 + picture.recent_s + 600.0))
        assert len(picture) <= len(objects) + 1
        assert all(len(picture.path(t)) for t in objects)
        # one more aircraft, after every track has expired and the picture's retention
        # has passed: nothing of the 10,000 is left anywhere
        later = T0 + 20 * 600.0 + picture.recent_s + 600.0 + picture.retain_s + 600.0
        pipe.process(_wave(20_000, 1, later))
        live = {tr.track_id for tr in pipe.tracker.live()}
        assert len(live) == 1
        assert len(pipe.identifier.classifier) == 1
        assert set(crossing.stays) <= live
        assert crossing._seen <= live
        assert {tr for tr, _ in approach._warned} <= live
        assert set(approach._last_check) <= live
        assert len(picture) == 1
        assert all(s.incident.status == IncidentStatus.OPEN for s in book._working.values())
        pipe.close()
