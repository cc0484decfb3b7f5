"""Bearing-only processing's settings and memory (apart from
:mod:`~airsentry.tracking.bearings`, so that the fused tracker's state can hold them
without an import circle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.model import BoolArray, FloatArray, IntArray, ObjArray


@dataclass(frozen=True, slots=True)
class BearingSettings:
    """Knobs of bearing-only processing."""

    max_range_m: float = 30_000.0  # how far a direction finder can hear
    gate: float = 10.83  # chi-square 1 dof, 99.9 %
    default_sigma_deg: float = 3.0  # bearings that state no sigma
    window_s: float = 3.0  # bearings of different sensors this close in time cross
    min_cut_deg: float = 10.0  # rays crossing at a flatter angle give no fix
    support_sigmas: float = 3.0  # a third bearing this close to a fix supports it


@dataclass(slots=True)
class BearingPool:
    """Bearings no track took, waiting to be crossed with other sensors' (struct of
    arrays; rows older than the window are dropped on every scan)."""

    t: FloatArray = field(default_factory=lambda: np.empty(0))
    sensor: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    site_lat: FloatArray = field(default_factory=lambda: np.empty(0))
    site_lon: FloatArray = field(default_factory=lambda: np.empty(0))
    az: FloatArray = field(default_factory=lambda: np.empty(0))
    sigma: FloatArray = field(default_factory=lambda: np.empty(0))
    identity: ObjArray = field(default_factory=lambda: np.empty(0, dtype=object))

    def __len__(self) -> int:
        return len(self.t)

    def add(self, **cols: Any) -> None:
        for name, val in cols.items():
            setattr(self, name, np.concatenate([getattr(self, name), val]))

    def keep(self, mask: BoolArray) -> None:
        for name in ("t", "sensor", "site_lat", "site_lon", "az", "sigma", "identity"):
            setattr(self, name, getattr(self, name)[mask])
