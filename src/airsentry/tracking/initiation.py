"""Track initiation: a new tentative track at each plot that no confirmed track claimed.

The fused tracker's :class:`~airsentry.tracking.base.Initiator` part. A single plot gives
a position but no velocity, so a new track starts at the plot with the feed's velocity
when it states one (tight), else at rest with a velocity uncertainty wide enough for any
aircraft (``init_speed_sigma``); the next plots that fall in its gate pin the velocity
down. A plot that carries its range and azimuth (a radar's sensor frame) starts with its
own error ellipse rather than a circle. Whether the track is confirmed is the track
manager's business (M of N) and the existence recursion's, except that a plot naming an
identity starts a confirmed track (the scan decides both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airsentry.model import FloatArray, IntArray
from airsentry.tracking.base import Predictor
from airsentry.tracking.kalman import enu_rotation
from airsentry.tracking.plots import ScanPlots
from airsentry.tracking.polar import polar_position_cov, polar_rows
from airsentry.tracking.table import TrackTable


@dataclass(frozen=True, slots=True)
class PlotInitiator:
    """One-point initiation with a wide velocity prior."""

    init_speed_sigma: float = 150.0  # m/s, velocity uncertainty of a new track
    init_turn_sigma: float = 0.05  # rad/s
    known_speed_sigma: float = 10.0  # m/s, when the plot states its velocity
    alt_sigma_m: float = 150.0  # altitude uncertainty of a new track (FusedConfig)
    vz_sigma: float = 5.0  # m/s, vertical rate uncertainty of a new track

    def initiate(
        self, table: TrackTable, plots: ScanPlots, pj: IntArray, ids: IntArray, predictor: Predictor
    ) -> IntArray:
        """Append tentative tracks (one hit, one opportunity) at plots ``pj``; their rows."""
        k, m = len(pj), predictor.m
        if not k:
            return np.empty(0, dtype=np.int64)
        batch = plots.batch
        x = np.zeros((k, m, 5))
        ve, vn = batch.vel_e[pj], batch.vel_n[pj]
        known_v = np.isfinite(ve) & np.isfinite(vn)
        x[:, :, 2] = np.where(known_v, ve, 0.0)[:, None]
        x[:, :, 3] = np.where(known_v, vn, 0.0)[:, None]
        sv = np.where(known_v, self.known_speed_sigma, self.init_speed_sigma)
        p = np.zeros((k, m, 5, 5))
        p[:, :, 0, 0] = p[:, :, 1, 1] = (plots.acc[pj] ** 2)[:, None]
        pol = polar_rows(batch.frame, pj)
        if batch.frame is not None and pol.any():  # a radar plot: its error ellipse
            cov = polar_position_cov(batch.frame, pj[pol], plots.acc[pj[pol]])
            p[pol, :, 0:2, 0:2] = cov[:, None]
        p[:, :, 2, 2] = p[:, :, 3, 3] = (sv**2)[:, None]
        p[:, :, 4, 4] = self.init_turn_sigma**2
        start = len(table)
        table.append(
            id=ids, t=batch.t[pj], first_t=batch.t[pj], lat=batch.lat[pj], lon=batch.lon[pj],
            hits=np.ones(k, dtype=np.int64), seen=np.ones(k, dtype=np.int64),
            confirmed=np.zeros(k, dtype=bool), sensors=np.full(k, 1 << (plots.sensor % 63)),
            opp_t=batch.t[pj], last_sensor=np.full(k, plots.sensor),
            x=x, P=p, mu=predictor.initial_mu(k), origin=plots.ecef[pj],
            rot=enu_rotation(batch.lat[pj], batch.lon[pj]),
            z=np.column_stack([batch.alt[pj], np.zeros(k)]),
            Pz=self._pz(plots.alt_acc[pj]),
        )  # fmt: skip
        return np.arange(start, start + k)

    def _pz(self, alt_acc: FloatArray) -> FloatArray:
        """Altitude covariance of new tracks: the plot's stated altitude noise where it has
        one, else ``alt_sigma_m``."""
        sigma = np.where(np.isfinite(alt_acc), alt_acc, self.alt_sigma_m)
        pz = np.zeros((len(alt_acc), 2, 2))
        pz[:, 0, 0], pz[:, 1, 1] = sigma**2, self.vz_sigma**2
        return pz
