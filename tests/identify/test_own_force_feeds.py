"""Own forces by their position feed: a track fused from the own-force feed and a radar
stays admitted while it lives, not only on the rows the own-force feed reported."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from test_registers import FRANCE, T0

from airsentry.build import open_run
from airsentry.config import DeploymentConfig, PipelineConfig
from airsentry.model import EventKind, ReportBatch

OWN = {
    "own_forces": [
        {
            "unit": "Escadron de chasse 1/2 Cigognes",
            "state": "FRA",
            "sensors": ["blue-force"],
            "source": "the deployment's blue-force tracker",
        }
    ]
}


def jet(
    sensor: str, offset_s: float, every_s: float, track_number: int, n: int, lon0: float = 1.95
) -> ReportBatch:
    """A silent jet at 200 m/s flying east from ``lon0`` (by default across France's
    western edge)."""
    t = T0 + offset_s + every_s * np.arange(n)
    return ReportBatch.build(
        t=t,
        lat=48.5,
        lon=lon0 + (t - T0) * 200.0 / (111_320.0 * np.cos(np.radians(48.5))),
        alt=6000.0,
        vel_e=200.0,
        vel_n=0.0,
        transponder=False,
        accuracy=50.0,
        sensor=sensor,
        track_number=track_number,
    )


def run(tmp_path, batches: list[ReportBatch], register: dict):
    (tmp_path / "reg.yaml").write_text(yaml.safe_dump(register))
    dep = DeploymentConfig(
        db=tmp_path / "book.sqlite",
        pipeline=PipelineConfig(protect=None, registers=(tmp_path / "reg.yaml",)),
    )
    with open_run(dep, zones=[FRANCE]) as r:
        steps = r.pipeline.run(batches)
        return [e for s in steps for e in s.events], r.incidents()


def slices(batch: ReportBatch, step_s: float = 4.0) -> list[ReportBatch]:
    batch = batch.sorted_by_time()
    edges = np.arange(T0, float(batch.t[-1]) + step_s, step_s)
    cut = np.searchsorted(batch.t, edges[1:])
    return [
        batch.take(slice(a, b)) for a, b in zip([0, *cut], [*cut, len(batch)], strict=True) if b > a
    ]


def test_a_track_fused_from_the_own_force_feed_and_radar_stays_admitted(tmp_path):
    # the own-force feed reports every 10 s; the radar every 4 s, and it alone sees the
    # jet inside France between the feed's reports
    feed = jet("blue-force", 3.0, 10.0, 501, 12)
    radar = jet("radar-1", 1.0, 4.0, 77, 30)
    events, incidents = run(tmp_path, slices(ReportBatch.concat([feed, radar])), OWN)
    assert incidents == []
    inside = [e for e in events if e.zone_id == FRANCE.id]
    assert inside, "the jet crossed into France"
    assert all(e.authorised is not False for e in inside), [(e.kind, e.reasons) for e in inside]
    entries = [e for e in inside if e.kind is EventKind.ENTRY]
    assert entries
    assert entries[0].reasons[0] == "own forces: Escadron de chasse 1/2 Cigognes (FRA)"


def test_radar_alone_is_not_own_forces(tmp_path):
    radar = jet("radar-1", 1.0, 4.0, 77, 30)
    _, incidents = run(tmp_path, slices(radar), OWN)
    assert [i.zone_id for i in incidents] == [FRANCE.id]


def pop_up(n: int = 30) -> ReportBatch:
    """A silent jet first plotted by a radar already inside France, never identified."""
    return jet("radar-1", 0.0, 4.0, 77, n, lon0=2.2)


@pytest.mark.parametrize("sliced", [True, False])
def test_an_unclaimed_pop_up_is_judged_after_the_grace_from_when_it_was_first_seen(
    tmp_path, sliced
):
    """Where the register names own forces, an anonymous jet first seen inside waits
    ``claim_grace_s`` (30 s) for an identity; none comes, so it is a violation, and its
    stay counts from when it was first seen. One batch or many: the same verdict."""
    jet = pop_up()
    events, incidents = run(tmp_path, slices(jet) if sliced else [jet], OWN)
    [entry] = [e for e in events if e.kind is EventKind.ENTRY and e.zone_id == FRANCE.id]
    assert entry.authorised is False
    waited = entry.time.timestamp() - T0
    assert 30.0 <= waited < 40.0
    assert any(r.startswith("judged 3") for r in entry.reasons), entry.reasons
    assert entry.details["first_seen_inside"] is True
    [gone] = [e for e in events if e.kind is EventKind.EXIT and e.zone_id == FRANCE.id]
    assert gone.details["entry_time"] == pytest.approx(T0)
    assert [i.zone_id for i in incidents] == [FRANCE.id]


def test_without_own_forces_in_the_register_a_pop_up_is_judged_at_once(tmp_path):
    permit_only = {"permits": [{"reference": "p", "holder": "h", "remote_ids": ["X1"]}]}
    events, _ = run(tmp_path, slices(pop_up()), permit_only)
    [entry] = [e for e in events if e.kind is EventKind.ENTRY and e.zone_id == FRANCE.id]
    assert entry.time.timestamp() == pytest.approx(T0, abs=1.0)
    assert not any(r.startswith("judged") for r in entry.reasons)
