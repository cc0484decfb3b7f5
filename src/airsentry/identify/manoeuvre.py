"""Manoeuvre cues of tracks: hovering, turn rate, climb rate and speed profile.

Speed and height alone do not tell a 200 km/h helicopter from a Gerbera-type decoy, nor
a turboprop transport from a fast jet. How a track *flies* does: a fixed-wing decoy
cruises straight and level at a steady speed and can never stand still; a helicopter
hovers, turns tightly and varies its speed from 0 to 70 m/s; a transport holds a steady
110-160 m/s high up and turns gently; a fighter climbs and turns hard.

:func:`manoeuvres` computes, for every row of a batch sorted by track, the running
statistics of its track so far (this batch's rows folded into what memory held before),
over whole columns: grouped cumulative sums and maxima, no loop per row. A value must
show on two consecutive updates to count (the smaller of the pair is used), so one
garbled velocity cannot make a decoy hover or turn.

Velocity uncertainty (issue 11): a track built from radar plots (10 s revisit, 100 m
noise) knows its velocity to 10-20 m/s per axis, and says so (``vel_accuracy``, the
tracker's 1-sigma). Taken at face value such velocities made waypoint turns of decoys
"tight turns" and their noisy speeds a "speed spread", both helicopter cues. Each cue
therefore counts only what the noise does not explain:

- hovering: the speed plus one sigma below ``HOVER_MPS`` (a drone at 45 ± 18 m/s does
  not stand still);
- turns: the heading change between two updates minus ``TURN_SIGMAS`` times its noise
  (the heading of a velocity known to ``sigma`` at ``speed`` is uncertain by
  ``sigma / speed`` rad, and a turn compares two headings);
- speed spread: the variance of the known speeds minus their mean noise variance
  (``sq_sum``), the part of the spread the noise does not explain.

A row without a stated accuracy (cooperative reports: ADS-B velocities are good to a
metre per second) counts as exact, so those classes are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from airsentry.identify.grouped import group_start, grouped_cummax, grouped_cumsum
from airsentry.model import FloatArray, IntArray


class Motion(Protocol):
    """The columns the manoeuvre statistics read: a :class:`~airsentry.model.ReportBatch`,
    or the classifier's narrower take of one (``identify.memory.SortedRows``)."""

    @property
    def t(self) -> FloatArray: ...
    @property
    def alt(self) -> FloatArray: ...
    @property
    def vel_e(self) -> FloatArray: ...
    @property
    def vel_n(self) -> FloatArray: ...
    @property
    def vel_u(self) -> FloatArray: ...
    @property
    def vel_accuracy(self) -> FloatArray | None: ...
    def speed(self) -> FloatArray: ...
    def __len__(self) -> int: ...


HOVER_MPS = 8.0  # ground speed below which a track "stands still" (no fixed wing can)
HOVER_MAX_ALT_M = 3000.0  # a hover spell counts only low down
TURN_MIN_SPEED_MPS = 10.0  # below this, a velocity's direction is noise
TURN_SIGMAS = 2.0  # a heading change counts beyond this many sigmas of its noise


def velocity_sigma(s: Motion) -> FloatArray:
    """Each row's 1-sigma velocity error per axis, m/s; 0 where none is stated."""
    if s.vel_accuracy is None:
        return np.zeros(len(s))
    out: FloatArray = np.nan_to_num(s.vel_accuracy, nan=0.0)
    return out


@dataclass(slots=True)
class ManoeuvreMemory:
    """Per-track state carried between batches (arrays aligned with the track slots)."""

    hover: IntArray  # rows in a hover spell so far
    s2sum: FloatArray  # sum of squared known speeds (with ssum/sn: the speed spread)
    q2sum: FloatArray  # sum of the known speeds' noise variances, (m/s)^2
    speed_hi: FloatArray  # latest speed plus one sigma, m/s (0: unknown)
    t: FloatArray  # time of the latest row (NaN: none)
    heading: FloatArray  # heading of the latest row, rad (NaN: unknown)
    heading_sd: FloatArray  # its 1-sigma noise, rad
    turn: FloatArray  # latest turn rate, deg/s (NaN: unknown)
    turn_max: FloatArray  # highest sustained turn rate, deg/s
    climb: FloatArray  # latest |vertical rate|, m/s (NaN: unknown)
    climb_max: FloatArray  # highest sustained |vertical rate|, m/s


@dataclass(frozen=True, slots=True, eq=False)
class Manoeuvres:
    """Per-row running statistics of the row's track (see module docstring)."""

    hover: IntArray
    s2sum: FloatArray
    q2sum: FloatArray
    speed_hi: FloatArray  # this row's speed plus one sigma (for memory; 0 unknown)
    turn: FloatArray  # this row's turn rate (for memory)
    turn_max: FloatArray
    climb: FloatArray  # this row's |vertical rate| (for memory)
    climb_max: FloatArray
    heading: FloatArray
    heading_sd: FloatArray


def manoeuvres(
    s: Motion,
    g: IntArray,
    first: np.ndarray,
    fresh: np.ndarray,
    slot: IntArray,
    mem: ManoeuvreMemory,
    sigma: FloatArray,
    start: IntArray | None = None,
) -> Manoeuvres:
    """Running manoeuvre statistics of each row's track.

    ``s`` are the rows sorted by track (``g`` the group of each row, ``first`` where a
    group starts, ``fresh`` a track's very first row, ``slot`` the track's memory
    slot); ``sigma`` is each row's velocity error (:func:`velocity_sigma`); ``start``
    each row's group start, when the caller has it (:func:`.grouped.group_start`).
    """
    n = len(g)
    speed = s.speed()
    low = ~(s.alt > HOVER_MAX_ALT_M)  # NaN height: assume low
    # hovering: the highest speed the noise allows, on this update and the one before
    speed_hi = np.nan_to_num(speed + sigma, nan=0.0)
    hi_prev = np.where(first, mem.speed_hi[slot], np.r_[0.0, speed_hi[:-1]])
    hi_prev = np.where(fresh, speed_hi, hi_prev)
    hovering = np.isfinite(speed) & (np.fmax(speed_hi, hi_prev) < HOVER_MPS) & low
    if start is None:
        start = group_start(g)
    hover = grouped_cumsum(hovering.astype(np.float64), g, start).astype(np.int64)
    hover += mem.hover[slot]
    known = np.isfinite(speed)
    s2sum = grouped_cumsum(np.where(known, speed, 0.0) ** 2, g, start) + mem.s2sum[slot]
    q2sum = grouped_cumsum(np.where(known, sigma, 0.0) ** 2, g, start) + mem.q2sum[slot]

    heading = np.where(speed > TURN_MIN_SPEED_MPS, np.arctan2(s.vel_e, s.vel_n), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        heading_sd = np.where(np.isnan(heading), np.nan, np.minimum(sigma / speed, np.pi))
    prev_h = np.where(first, mem.heading[slot], np.r_[np.nan, heading[:-1]])
    prev_sd = np.where(first, mem.heading_sd[slot], np.r_[np.nan, heading_sd[:-1]])
    prev_t = np.where(first, mem.t[slot], np.r_[np.nan, s.t[:-1]])
    dt = s.t - prev_t
    dh = np.abs((heading - prev_h + np.pi) % (2 * np.pi) - np.pi)
    dh = np.maximum(dh - TURN_SIGMAS * np.hypot(heading_sd, prev_sd), 0.0)  # beyond noise
    with np.errstate(invalid="ignore", divide="ignore"):
        turn = np.where(dt > 0.5, np.degrees(dh) / dt, np.nan)
    turn_prev = np.where(first, mem.turn[slot], np.r_[np.nan, turn[:-1]])
    turn_pair = np.nan_to_num(np.fmin(turn, turn_prev), nan=0.0)
    turn_max = np.maximum(grouped_cummax(turn_pair, g), mem.turn_max[slot])

    climb = np.abs(s.vel_u)
    climb_prev = np.where(first, mem.climb[slot], np.r_[np.nan, climb[:-1]])
    climb_pair = np.nan_to_num(np.fmin(climb, climb_prev), nan=0.0)
    climb_max = np.maximum(grouped_cummax(climb_pair, g), mem.climb_max[slot])
    # carry the last known heading/turn/climb across rows without one
    heading_f = np.where(np.isnan(heading), prev_h, heading) if n else heading
    heading_sd_f = np.where(np.isnan(heading), prev_sd, heading_sd) if n else heading_sd
    return Manoeuvres(
        hover=hover,
        s2sum=s2sum,
        q2sum=q2sum,
        speed_hi=speed_hi,
        turn=turn,
        turn_max=turn_max.astype(np.float64),
        climb=climb,
        climb_max=climb_max.astype(np.float64),
        heading=heading_f,
        heading_sd=heading_sd_f,
    )


def speed_spread(
    ssum: FloatArray, s2sum: FloatArray, q2sum: FloatArray, sn: IntArray
) -> FloatArray:
    """Coefficient of variation of a track's known speeds beyond their noise (std / mean;
    NaN when unknown): the speeds' variance less their mean noise variance."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = ssum / sn
        var = np.maximum(s2sum / sn - mean**2 - q2sum / sn, 0.0)
        out: FloatArray = np.where((sn >= 2) & (mean > 0), np.sqrt(var) / mean, np.nan)
    return out


def describe_manoeuvres(facts: Mapping[str, Any]) -> str:
    """The manoeuvre cues of a track in words: which of them held."""
    hover = int(facts.get("hover", 0) or 0)
    cv = float(facts.get("speed_cv", math.nan))
    turn = float(facts.get("turn_max", 0.0))
    climb = float(facts.get("climb_max", 0.0))
    parts = [f"hovered for {hover} updates" if hover else "never hovered"]
    if math.isfinite(cv):
        parts.append(f"speed varies by {cv * 100:.0f} %")
    parts.append(f"turns up to {turn:.1f} deg/s")
    parts.append(f"climbs up to {climb:.0f} m/s")
    return "manoeuvres: " + ", ".join(parts)
