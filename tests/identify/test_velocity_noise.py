"""Manoeuvre cues weighed by the track's velocity uncertainty (issue 11).

A fused track built from radar plots (10 s revisit, 100 m noise) knows its velocity to
10-20 m/s and states it (``ReportBatch.vel_accuracy``). Its noisy speeds and headings
made waypoint turns of decoys "tight turns" and their speed noise a "speed spread":
Poland's decoys became helicopters, which airports admit. The cues now count only what
the noise does not explain; a velocity without a stated accuracy counts as exact.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from airsentry.identify.authority import DRONE_CLASSES
from airsentry.identify.classify import TrackClassifier
from airsentry.model import ReportBatch, TargetClass, TrackUpdates

T0 = 1_758_265_200.0


def _filtered_noise(rng: np.random.Generator, n: int, sd: float, rho: float = 0.8) -> np.ndarray:
    """Velocity errors as a tracking filter leaves them: correlated from one update to
    the next (AR(1) with coefficient ``rho``), standard deviation ``sd`` per axis."""
    e = np.empty((n, 2))
    e[0] = rng.normal(0, sd, 2)
    for i in range(1, n):
        e[i] = rho * e[i - 1] + rng.normal(0, sd * np.sqrt(1 - rho**2), 2)
    return e


def _noisy_track(speed: np.ndarray, heading_deg: np.ndarray, sd: float, stated: float | None,
                 seed: int, period_s: float = 10.0) -> TrackUpdates:  # fmt: skip
    """A track's output rows: the true velocity plus filter-like errors of ``sd`` per
    axis, with ``stated`` as its 1-sigma (None: the tracker states none)."""
    n = len(speed)
    rng = np.random.default_rng(seed)
    h = np.radians(heading_deg)
    err = _filtered_noise(rng, n, sd)
    state = ReportBatch.build(
        t=T0 + period_s * np.arange(n), lat=52.7, lon=23.5, alt=900.0 + rng.normal(0, 40, n),
        vel_e=speed * np.sin(h) + err[:, 0], vel_n=speed * np.cos(h) + err[:, 1],
        vel_u=rng.normal(0, 1.0, n),
    )  # fmt: skip
    if stated is not None:
        state = replace(state, vel_accuracy=np.full(n, stated))
    return TrackUpdates(np.full(n, 3, dtype=np.int64), state)


def _waypoint_decoy() -> tuple[np.ndarray, np.ndarray]:
    """Gerbera-type decoy at 44 m/s, 35 minutes, turning at two waypoints (the
    simulator's routes turn within one revisit)."""
    n = 210
    heading = np.r_[np.full(70, 265.0), np.full(70, 300.0), np.full(70, 240.0)]
    return np.full(n, 44.0), heading


def _classes(u: TrackUpdates, batches: int) -> np.ndarray:
    c = TrackClassifier()
    return np.concatenate(
        [c.update(u.take(p)).cls for p in np.array_split(np.arange(len(u)), batches)]
    )


@pytest.mark.parametrize("seed", range(6))
def test_a_decoy_known_to_plot_accuracy_is_never_a_helicopter_nor_unknown_for_good(
    seed: int,
) -> None:
    """Plot-level velocity noise (12 m/s per axis, stated as the filter's 18 m/s) on a
    decoy with waypoint turns: a drone class from the first firm row to the last."""
    speed, heading = _waypoint_decoy()
    cls = _classes(_noisy_track(speed, heading, 12.0, 18.0, seed), 7)
    firm = cls[np.flatnonzero(cls != "unknown")[0] :]
    assert len(firm) > 0.9 * len(cls)
    assert set(firm.tolist()) <= set(DRONE_CLASSES)
    assert cls[-1] == TargetClass.DECOY_DRONE


def _helicopter(period_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Mi-8-type: cruise 55 m/s, slow to a hover, a tight 360 deg turn, speed up."""
    speed = np.r_[np.full(30, 55.0), np.linspace(55, 2, 8), np.full(12, 1.0),
                  np.full(10, 20.0), np.full(30, 60.0)]  # fmt: skip
    heading = np.r_[np.full(50, 270.0), np.linspace(270, 630, 10), np.full(30, 90.0)]
    return speed, heading


@pytest.mark.parametrize("batches", [1, 5])
def test_a_well_tracked_helicopter_still_shows_its_manoeuvres(batches: int) -> None:
    """Weighing by the noise does not blind the cues: with a velocity known to 2 m/s
    (a good track) hovering, speed changes and tight turns still make a helicopter."""
    speed, heading = _helicopter(4.0)
    cls = _classes(_noisy_track(speed, heading, 1.5, 2.0, 11, period_s=4.0), batches)
    assert cls[-1] == TargetClass.HELICOPTER


def test_vel_accuracy_rides_along_take_and_concat() -> None:
    u = _noisy_track(*_waypoint_decoy(), 12.0, 18.0, 0)
    plain = ReportBatch.build(t=[T0], lat=[52.0], lon=[21.0])
    joined = ReportBatch.concat([u.state.take(slice(0, 3)), plain])
    assert joined.vel_accuracy is not None
    assert joined.vel_accuracy[:3].tolist() == [18.0] * 3
    assert np.isnan(joined.vel_accuracy[3])
    assert ReportBatch.concat([plain, plain]).vel_accuracy is None
