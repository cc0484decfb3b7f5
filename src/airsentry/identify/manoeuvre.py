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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from airsentry.identify.grouped import grouped_cummax, grouped_cumsum
from airsentry.model import FloatArray, IntArray, ReportBatch

HOVER_MPS = 8.0  # ground speed below which a track "stands still" (no fixed wing can)
HOVER_MAX_ALT_M = 3000.0  # a hover spell counts only low down
TURN_MIN_SPEED_MPS = 10.0  # below this, a velocity's direction is noise


@dataclass(slots=True)
class ManoeuvreMemory:
    """Per-track state carried between batches (arrays aligned with the track slots)."""

    hover: IntArray  # rows in a hover spell so far
    s2sum: FloatArray  # sum of squared known speeds (with ssum/sn: the speed spread)
    t: FloatArray  # time of the latest row (NaN: none)
    heading: FloatArray  # heading of the latest row, rad (NaN: unknown)
    turn: FloatArray  # latest turn rate, deg/s (NaN: unknown)
    turn_max: FloatArray  # highest sustained turn rate, deg/s
    climb: FloatArray  # latest |vertical rate|, m/s (NaN: unknown)
    climb_max: FloatArray  # highest sustained |vertical rate|, m/s


@dataclass(frozen=True, slots=True, eq=False)
class Manoeuvres:
    """Per-row running statistics of the row's track (see module docstring)."""

    hover: IntArray
    s2sum: FloatArray
    turn: FloatArray  # this row's turn rate (for memory)
    turn_max: FloatArray
    climb: FloatArray  # this row's |vertical rate| (for memory)
    climb_max: FloatArray
    heading: FloatArray


def manoeuvres(
    s: ReportBatch,
    g: IntArray,
    first: np.ndarray,
    slot: IntArray,
    mem: ManoeuvreMemory,
    speed_prev: FloatArray,
) -> Manoeuvres:
    """Running manoeuvre statistics of each row's track.

    ``s`` are the rows sorted by track (``g`` the group of each row, ``first`` where a
    group starts, ``slot`` the track's memory slot); ``speed_prev`` is the speed of the
    track's update before each row (0 when unknown).
    """
    n = len(g)
    speed = s.speed()
    low = ~(s.alt > HOVER_MAX_ALT_M)  # NaN height: assume low
    hovering = np.isfinite(speed) & (np.fmax(speed, speed_prev) < HOVER_MPS) & low
    hover = grouped_cumsum(hovering.astype(np.float64), g).astype(np.int64) + mem.hover[slot]
    known = np.isfinite(speed)
    s2sum = grouped_cumsum(np.where(known, speed, 0.0) ** 2, g) + mem.s2sum[slot]

    heading = np.where(speed > TURN_MIN_SPEED_MPS, np.arctan2(s.vel_e, s.vel_n), np.nan)
    prev_h = np.where(first, mem.heading[slot], np.r_[np.nan, heading[:-1]])
    prev_t = np.where(first, mem.t[slot], np.r_[np.nan, s.t[:-1]])
    dt = s.t - prev_t
    dh = np.abs((heading - prev_h + np.pi) % (2 * np.pi) - np.pi)
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
    return Manoeuvres(
        hover=hover,
        s2sum=s2sum,
        turn=turn,
        turn_max=turn_max.astype(np.float64),
        climb=climb,
        climb_max=climb_max.astype(np.float64),
        heading=heading_f,
    )


def speed_spread(ssum: FloatArray, s2sum: FloatArray, sn: IntArray) -> FloatArray:
    """Coefficient of variation of a track's known speeds (std / mean; NaN when unknown)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = ssum / sn
        var = np.maximum(s2sum / sn - mean**2, 0.0)
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
