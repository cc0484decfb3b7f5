"""Interacting multiple model (IMM) filter, vectorised over tracks.

A manoeuvring jet alternates straight legs and hard turns; one constant-velocity filter
either lags in the turns (small process noise) or is noisy on the legs (large noise).
The IMM runs several models side by side (here CV and coordinated turn), mixes their
estimates before each prediction according to a Markov chain of model switches, and
weighs them after each update by how well each explained the measurement.

Arrays: per-model states ``x`` (K, M, 5), covariances ``P`` (K, M, 5, 5), model
probabilities ``mu`` (K, M). With one model the IMM is exactly a Kalman filter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from airsentry.model import FloatArray
from airsentry.tracking.kalman import kalman_update
from airsentry.tracking.motion import MotionModel

MeasureFn = Callable[[FloatArray], tuple[FloatArray, FloatArray]]
"""Maps states (K, 5) to (innovations (K, m), Jacobians (K, m, 5))."""


def _default_models() -> tuple[MotionModel, ...]:
    return (MotionModel("cv", sigma_a=1.0), MotionModel("ct", sigma_a=3.0, sigma_w=0.03))


@functools.cache
def _switch_masks(m: int) -> tuple[FloatArray, FloatArray]:
    """Identity and off-diagonal masks ``(M, M)`` of the switching matrix (read-only)."""
    eye = np.eye(m)
    off = np.ones((m, m)) - eye
    eye.flags.writeable = off.flags.writeable = False
    return eye, off


@dataclass(frozen=True, slots=True)
class IMM:
    """The models and their switching probabilities per second."""

    models: tuple[MotionModel, ...] = field(default_factory=_default_models)
    switch_rate: float = 0.02  # probability per second of leaving the current model

    @property
    def m(self) -> int:
        return len(self.models)

    @property
    def max_sigma_a(self) -> float:
        """Largest white-acceleration noise of the models, m/s^2."""
        return max(model.sigma_a for model in self.models)

    def initial_mu(self, k: int) -> FloatArray:
        return np.full((k, self.m), 1.0 / self.m)

    def transition(self, dt: FloatArray) -> FloatArray:
        """Markov switching matrices ``(K, M, M)`` over ``|dt|`` seconds."""
        m = self.m
        if m == 1:
            return np.ones((len(dt), 1, 1))
        leave = np.clip(self.switch_rate * np.abs(dt), 0.0, 0.5)[:, None, None]
        eye, off = _switch_masks(m)
        return eye * (1.0 - leave) + off * leave / (m - 1)

    def predict(
        self, x: FloatArray, p: FloatArray, mu: FloatArray, dt: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Mix and predict every model ``dt`` seconds ahead; returns ``x, P, mu_pred``."""
        if self.m == 1:
            xp, f, q = self.models[0].predict(x[:, 0], dt)
            pp = f @ p[:, 0] @ np.swapaxes(f, 1, 2) + q
            return xp[:, None], pp[:, None], mu
        pi = self.transition(dt)
        cbar = np.einsum("kij,ki->kj", pi, mu)  # predicted mode probabilities
        w = pi * mu[:, :, None] / np.maximum(cbar[:, None, :], 1e-300)  # (K, from, to)
        x0 = np.einsum("kij,kin->kjn", w, x)
        dx = x[:, :, None, :] - x0[:, None, :, :]  # (K, from, to, n)
        p0 = np.einsum("kij,kiab->kjab", w, p) + np.einsum("kij,kija,kijb->kjab", w, dx, dx)
        xs, ps = np.empty_like(x0), np.empty_like(p0)
        for j, model in enumerate(self.models):
            xj, f, q = model.predict(x0[:, j], dt)
            xs[:, j] = xj
            ps[:, j] = f @ p0[:, j] @ np.swapaxes(f, 1, 2) + q
        return xs, ps, cbar

    @staticmethod
    def combine(x: FloatArray, p: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Moment-matched single Gaussian ``(K, 5)``, ``(K, 5, 5)`` of the mixture."""
        if x.shape[1] == 1 and (mu == 1.0).all():  # one model: the mixture is that model
            return x[:, 0] * mu, p[:, 0] * mu[:, :, None]
        xc = np.einsum("km,kmn->kn", mu, x)
        dx = x - xc[:, None, :]
        pc = np.einsum("km,kmab->kab", mu, p + dx[:, :, :, None] * dx[:, :, None, :])
        return xc, pc

    def update(
        self,
        x: FloatArray,
        p: FloatArray,
        mu: FloatArray,
        measure: MeasureFn,
        r: FloatArray,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Update every model with one measurement per item; reweigh the models."""
        xs, ps = np.empty_like(x), np.empty_like(p)
        loglik = np.empty(mu.shape)
        for j in range(self.m):
            nu, h = measure(x[:, j])
            xs[:, j], ps[:, j], _, loglik[:, j] = kalman_update(x[:, j], p[:, j], nu, h, r)
        logw = np.log(np.maximum(mu, 1e-300)) + loglik
        logw -= logw.max(axis=1, keepdims=True)
        w = np.exp(logw)
        mu_new = w / w.sum(axis=1, keepdims=True)
        # keep every model alive so that it can take over at the next manoeuvre
        mu_new = np.maximum(mu_new, 1e-4)
        return xs, ps, mu_new / mu_new.sum(axis=1, keepdims=True)
