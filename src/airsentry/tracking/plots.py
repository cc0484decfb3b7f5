"""The data one sensor scan hands to the fused tracker's parts.

:class:`ScanPlots` is a scan's plots with what every part needs of them, computed once
(ECEF positions, effective accuracies, ``sensor#track_number`` hint keys).
:class:`Candidates` are the (track, plot) pairs a scan tests, with their predictions and
gating results, as the cross-check sees them. Plain arrays, so that a part can be tested
on hand-made data without a tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from airsentry.columns import cells
from airsentry.model import BoolArray, FloatArray, IntArray, ReportBatch
from airsentry.tracking.kalman import geodetic_to_ecef

Arr = np.ndarray[Any, Any]
TEXTS = ("identity", "callsign", "squawk", "category")  # what a track adopts from plots


@dataclass(frozen=True, slots=True)
class ScanPlots:
    """One sensor scan's plots (``batch``) and derived columns, one row per plot."""

    batch: ReportBatch
    ecef: FloatArray  # (n, 3) positions on the ellipsoid surface
    acc: FloatArray  # 1-sigma horizontal accuracy, m (defaults and floor applied)
    hint_key: Arr  # "sensor#track_number", or "" for plots without a track number
    sensor: int  # index of the scan's sensor
    # 1-sigma altitude noise the plot states (its sensor frame's elevation noise), m;
    # NaN where unstated (a Mode C altitude, a 2-D radar, a report without a frame)
    alt_acc: FloatArray
    # the text columns that may be non-empty (a radar's plots: none); all by default
    texts: tuple[str, ...] = TEXTS

    @classmethod
    def of(
        cls, batch: ReportBatch, sensor: int, default_accuracy_m: float, min_accuracy_m: float
    ) -> ScanPlots:
        acc = np.where(np.isfinite(batch.accuracy), batch.accuracy, default_accuracy_m)
        tn = batch.track_number
        if (tn >= 0).any():
            hint_key = np.where(
                tn >= 0,
                np.char.add(np.char.add(batch.sensor.astype(str), "#"), tn.astype(str)),
                "",
            ).astype(object)
        else:  # plots without track numbers (a radar's primary plots): no string work
            hint_key = cells(len(tn))
        return cls(
            batch=batch,
            ecef=geodetic_to_ecef(batch.lat, batch.lon),
            acc=np.maximum(acc, min_accuracy_m),
            hint_key=hint_key,
            sensor=sensor,
            alt_acc=stated_alt_sigma(batch),
            texts=tuple(c for c in TEXTS if (getattr(batch, c) != "").any()),
        )

    def take(self, rows: IntArray, sensor: int) -> ScanPlots:
        """The plots ``rows`` as a scan of ``sensor`` (a batch's columns, computed once)."""
        return ScanPlots(self.batch.take(rows), self.ecef[rows], self.acc[rows],
                         self.hint_key[rows], sensor, self.alt_acc[rows],
                         self.texts)  # fmt: skip

    def __len__(self) -> int:
        return len(self.batch)


def stated_alt_sigma(batch: ReportBatch) -> FloatArray:
    """1-sigma altitude noise (m) of plots whose sensor frame states an elevation noise
    with a slant range; NaN for the others.

    A plot's height is ``site + r sin(el) + ground^2 / 2R``, so its noise is the
    elevation's times ``r cos(el)`` and the range's times ``sin(el)`` (independent). A
    counter-drone radar's 10 m says that a plot 400 m from a track's altitude is not
    the track's, where the loose gate for unstated noise (``alt_gate_m``) must let it."""
    frame = batch.frame
    if frame is None:
        return np.full(len(batch), np.nan)
    r, sig_el = frame.range_m, frame.sigma_elevation_rad
    with np.errstate(invalid="ignore"):
        el = np.where(
            np.isfinite(frame.elevation_rad),
            frame.elevation_rad,
            np.arcsin(np.clip((batch.alt - frame.site_alt) / r, -1.0, 1.0)),
        )
        sig_r = np.where(np.isfinite(frame.sigma_range_m), frame.sigma_range_m, 0.0)
        sigma = np.hypot(r * np.cos(el) * sig_el, np.sin(el) * sig_r)
    stated = np.isfinite(sig_el) & np.isfinite(r) & (r > 0) & np.isfinite(batch.alt)
    return np.where(stated & np.isfinite(sigma), sigma, np.nan)


@dataclass(frozen=True, slots=True)
class Candidates:
    """Tested (track row ``ti``, plot ``pj``) pairs of a scan, aligned arrays."""

    ti: IntArray
    pj: IntArray
    xc: FloatArray  # (k, 5) combined predicted state at the plot's time, track frame
    pc: FloatArray  # (k, 5, 5) its covariance
    nu: FloatArray  # (k, 2) plot minus predicted position, track frame, m
    same_id: BoolArray  # plot and track carry the same identity
    hinted: BoolArray  # the plot's track number is linked to the track
    inside: BoolArray  # the pair passed the gates
