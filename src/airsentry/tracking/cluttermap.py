"""Clutter map: how many false plots each sensor makes where, learnt from its own plots.

A radar's false-alarm rate is not uniform: a wind farm, a motorway, a flock of birds
over a lake or sea clutter make plots scan after scan in the same few square kilometres,
while most of the coverage is clean. The track-existence recursion
(:mod:`~airsentry.tracking.existence`) weighs every plot by its likelihood against the
*local* clutter density, so the tracker needs that density per sensor and per area.

The map is a grid of square cells of ``cell_m`` a side on the WGS84 surface (row ``i``
from latitude in metres, column ``j`` from longitude in metres at the row's centre
latitude, so every cell is about ``cell_m`` square wherever it is), one grid per sensor.
Per cell it keeps an exponentially forgotten count of the sensor's plots that no track
explains (``C``: each plot weighted by the probability that it is false, each count
decaying as ``exp(-age / memory_s)``); per sensor the matching exposure time ``T``
(seconds observed, forgotten the same way). The clutter rate of a cell is the Gamma-
Poisson posterior mean ``(C + a) / (T + b)`` with a prior of ``prior_rate`` plots per
square metre per second worth ``prior_s`` seconds of observation, so a new sensor starts
at the prior (exactly the prior for its first ``warmup_s``, while the first plots of real
targets still count as false) and the map takes over within a minute. Until then
(:meth:`ClutterMap.warm`) the sensor's plots confirm no track: at start-up a wind farm is
indistinguishable from clean air, and its plots confirmed a track within seconds (drone
wall: the first alert of the night, 28 minutes before the first drone). This is the classical
clutter map of radar CFAR processing (Nitzberg 1972; Musicki & Evans, "Clutter map
information for data association and track initialization", IEEE T-AES 40(2), 2004),
with the cell statistics kept as time rates because the tracker's sensor scans need not
match the antenna revisit.

Everything is vectorised: cells are int64 keys in one sorted array; a scan's plots are
binned with ``np.unique`` and merged with ``np.searchsorted``; lookups are one
``searchsorted`` per batch of positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airsentry.model import FloatArray, IntArray
from airsentry.tracking.clutterextent import PlotExtent

M_PER_DEG = 111_194.9  # metres per degree of a great circle on the mean Earth sphere
_OFF = 1 << 20  # cell indices are offset to be non-negative inside a key
_SENSOR = 1 << 42  # key = sensor * _SENSOR + (i + _OFF) * 2 * _OFF + (j + _OFF)


@dataclass(frozen=True, slots=True)
class ClutterMapConfig:
    """Grid and learning knobs of the clutter map."""

    cell_m: float = 4_000.0  # side of a square cell
    memory_s: float = 600.0  # time constant of the exponential forgetting
    prior_rate: float = 2e-9  # false plots per m^2 per second before anything is learnt
    prior_s: float = 10.0  # weight of the prior, in seconds of observation
    warmup_s: float = 30.0  # a sensor observed for less than this is at the prior
    hold_s: float = 30.0  # ... and its plots confirm no track for this long (warm)
    min_rate: float = 1e-14  # floor, so that a likelihood ratio is always finite

    def __post_init__(self) -> None:
        if self.cell_m <= 0 or self.memory_s <= 0 or self.prior_s <= 0:
            raise ValueError("cell_m, memory_s and prior_s must be positive")


def cell_keys(sensor: IntArray, lat: FloatArray, lon: FloatArray, cell_m: float) -> IntArray:
    """Key of the cell of each (sensor index, lat, lon)."""
    i = np.floor(lat * M_PER_DEG / cell_m)
    centre = np.radians((i + 0.5) * cell_m / M_PER_DEG)
    j = np.floor(lon * M_PER_DEG * np.cos(centre) / cell_m)
    keys: IntArray = (
        sensor.astype(np.int64) * _SENSOR
        + (i.astype(np.int64) + _OFF) * (2 * _OFF)
        + (j.astype(np.int64) + _OFF)
    )
    return keys


@dataclass(slots=True)
class ClutterMap:
    """Per-sensor, per-cell false-plot rates with exponential forgetting."""

    config: ClutterMapConfig = field(default_factory=ClutterMapConfig)
    key: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    count: FloatArray = field(default_factory=lambda: np.empty(0))  # forgotten counts C
    t: FloatArray = field(default_factory=lambda: np.empty(0))  # time C was last brought up
    first_t: dict[int, float] = field(default_factory=dict)  # sensor -> first plot time
    last_t: dict[int, float] = field(default_factory=dict)  # sensor -> newest plot time
    # extended clutter (bird flocks, wind farms) is told by its tracks' plot scatter
    extent: PlotExtent = field(default_factory=PlotExtent)

    @property
    def area_m2(self) -> float:
        return self.config.cell_m**2

    def exposure(self, sensor: int, now: float) -> float:
        """The sensor's forgotten observation time ``T`` (s) as of ``now``."""
        t0 = self.first_t.get(sensor)
        if t0 is None:
            return 0.0
        tau = self.config.memory_s
        return float(tau * -np.expm1(-max(now - t0, 0.0) / tau))

    def warm(self, sensor: int, now: float) -> bool:
        """Whether the map has watched ``sensor`` long enough (``hold_s``, by default its
        ``warmup_s``) to know where it makes false plots; until then its rate is only the
        prior, and a wind farm in its coverage looks like clean air."""
        return self.exposure(sensor, now) >= self.config.hold_s

    def learn(
        self, sensor: int, lat: FloatArray, lon: FloatArray, t: float, weight: FloatArray
    ) -> None:
        """Count plots of one sensor scan at time ``t``, each with its probability of
        being false (``weight``: 1 for a plot no track used)."""
        self.first_t.setdefault(sensor, t)
        self.last_t[sensor] = max(self.last_t.get(sensor, t), t)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if not ok.any():
            return
        keys = cell_keys(np.full(int(ok.sum()), sensor), lat[ok], lon[ok], self.config.cell_m)
        uk, inv = np.unique(keys, return_inverse=True)
        c = np.bincount(inv, weights=weight[ok], minlength=len(uk))
        pos = np.searchsorted(self.key, uk)
        found = pos < len(self.key)
        found[found] = self.key[pos[found]] == uk[found]
        rows = pos[found]
        decay = np.exp(-np.maximum(t - self.t[rows], 0.0) / self.config.memory_s)
        self.count[rows] = self.count[rows] * decay + c[found]
        self.t[rows] = t
        new = ~found
        if new.any():
            self.key = np.concatenate([self.key, uk[new]])
            self.count = np.concatenate([self.count, c[new]])
            self.t = np.concatenate([self.t, np.full(int(new.sum()), t)])
            order = np.argsort(self.key, kind="stable")
            self.key, self.count, self.t = self.key[order], self.count[order], self.t[order]

    def rate(self, sensor: int, lat: FloatArray, lon: FloatArray, now: float) -> FloatArray:
        """False plots per square metre per second of ``sensor`` at each position."""
        cfg = self.config
        n = len(lat)
        counts = np.zeros(n)
        if len(self.key) and n:
            keys = cell_keys(np.full(n, sensor), lat, lon, cfg.cell_m)
            pos = np.minimum(np.searchsorted(self.key, keys), len(self.key) - 1)
            hit = self.key[pos] == keys
            age = np.maximum(now - self.t[pos[hit]], 0.0)
            counts[hit] = self.count[pos[hit]] * np.exp(-age / cfg.memory_s)
        prior_count = cfg.prior_rate * self.area_m2 * cfg.prior_s
        exposure = self.exposure(sensor, now)
        if exposure < cfg.warmup_s:
            # a few scans are dominated by the first plots of real targets, which count
            # as false until their tracks firm up: the prior until the map has seen more
            return np.full(n, max(cfg.prior_rate, cfg.min_rate))
        rate: FloatArray = np.maximum(
            (counts + prior_count) / ((exposure + cfg.prior_s) * self.area_m2), cfg.min_rate
        )
        return rate

    def prune(self, now: float, below: float = 1e-3) -> None:
        """Forget cells whose forgotten count has decayed below ``below`` plots."""
        if not len(self.key):
            return
        alive = self.count * np.exp(-(now - self.t) / self.config.memory_s) >= below
        if not alive.all():
            self.key, self.count, self.t = self.key[alive], self.count[alive], self.t[alive]
