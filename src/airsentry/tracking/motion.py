"""Motion models for the horizontal state ``[e, n, ve, vn, omega]`` in a local ENU plane.

Every function is vectorised over ``K`` items (tracks, or track-plot pairs): ``x`` is
``(K, 5)``, ``dt`` is ``(K,)`` seconds and may be negative (a plot slightly older than
the track's last update is retrodicted; the process noise uses ``|dt|``).

* **Constant velocity (CV)**: straight flight; the turn rate ``omega`` (rad/s) is carried
  unchanged and unused, so that the IMM can mix it with the turning model.
* **Coordinated turn (CT)**: constant speed on a circle at rate ``omega`` (positive:
  anticlockwise seen from above, a left turn); nonlinear in
  ``omega``, so it returns the Jacobian for an extended Kalman prediction.

Process noise is white acceleration (``sigma_a``, m/s^2) on each horizontal axis, plus a
random walk of the turn rate (``sigma_w``, rad/s^1.5) for CT. The vertical channel is a
separate two-state CV filter (``[alt, vz]``): surveillance altitudes are barometric and
far noisier than positions, so mixing them in would only blur the horizontal gate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airsentry.model import FloatArray

NX = 5  # e, n, ve, vn, omega
_DIAG = np.arange(NX)
_DIAG_CT = np.array([0, 1, 4])
_CT_ROWS = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
_CT_COLS = np.array([2, 3, 4, 2, 3, 4, 2, 3, 4, 2, 3, 4])
_Q_ROWS = np.array([0, 1, 0, 2, 1, 3, 2, 3])
_Q_COLS = np.array([0, 1, 2, 0, 3, 1, 2, 3])


@dataclass(frozen=True, slots=True)
class MotionModel:
    """One motion model: ``kind`` is ``"cv"`` or ``"ct"``, with its noise levels."""

    kind: str = "cv"
    sigma_a: float = 2.0  # m/s^2 white acceleration per horizontal axis
    sigma_w: float = 0.02  # rad/s^1.5 turn-rate random walk (CT only)

    def predict(self, x: FloatArray, dt: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Predicted state, Jacobian ``F`` (K, 5, 5) and process noise ``Q`` (K, 5, 5)."""
        if self.kind == "cv":
            xp, f = cv_transition(x, dt)
        elif self.kind == "ct":
            xp, f = ct_transition(x, dt)
        else:
            raise ValueError(f"unknown motion model {self.kind!r}; known: cv, ct")
        q = white_accel_q(dt, self.sigma_a)
        w_var = (self.sigma_w**2 if self.kind == "ct" else 1e-8) * np.abs(dt)
        q[:, 4, 4] = w_var
        return xp, f, q


def cv_transition(x: FloatArray, dt: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Constant-velocity prediction (linear): returns ``x'`` and ``F``."""
    k = len(dt)
    f = np.zeros((k, NX, NX))
    f[:, _DIAG, _DIAG] = 1.0
    f[:, 0, 2] = dt
    f[:, 1, 3] = dt
    xp = x.copy()  # F x without the matrix product: the same numbers (the rest are zeros)
    xp[:, 0] = x[:, 0] + dt * x[:, 2]
    xp[:, 1] = x[:, 1] + dt * x[:, 3]
    return xp, f


def ct_transition(x: FloatArray, dt: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Coordinated-turn prediction and its Jacobian, stable as ``omega -> 0``."""
    ve, vn, w = x[:, 2], x[:, 3], x[:, 4]
    wt = w * dt
    s, c = np.sin(wt), np.cos(wt)
    small = np.abs(wt) < 1e-4
    # a = sin(wT)/w, b = (1 - cos wT)/w and their derivatives by w (series when wT ~ 0);
    # only the branch in use is computed when all items take the same one
    if small.all():
        a, b = dt - w**2 * dt**3 / 6.0, w * dt**2 / 2.0
        da, db = -w * dt**3 / 3.0, dt**2 / 2.0 - w**2 * dt**4 / 8.0
    elif not small.any():
        a, b = s / w, (1.0 - c) / w
        da, db = (dt * c * w - s) / w**2, (dt * s * w - (1.0 - c)) / w**2
    else:
        w_safe = np.where(small, 1.0, w)
        a = np.where(small, dt - w**2 * dt**3 / 6.0, s / w_safe)
        b = np.where(small, w * dt**2 / 2.0, (1.0 - c) / w_safe)
        da = np.where(small, -w * dt**3 / 3.0, (dt * c * w - s) / w_safe**2)
        db = np.where(small, dt**2 / 2.0 - w**2 * dt**4 / 8.0,
                      (dt * s * w - (1.0 - c)) / w_safe**2)  # fmt: skip
    xp = np.empty_like(x)
    xp[:, 0] = x[:, 0] + a * ve - b * vn
    xp[:, 1] = x[:, 1] + b * ve + a * vn
    xp[:, 2] = c * ve - s * vn
    xp[:, 3] = s * ve + c * vn
    xp[:, 4] = w
    k = len(dt)
    f = np.zeros((k, NX, NX))
    f[:, _DIAG_CT, _DIAG_CT] = 1.0
    # the Jacobian's other non-zero entries (_CT_ROWS, _CT_COLS) in one assignment
    f[:, _CT_ROWS, _CT_COLS] = np.stack([
        a, -b, da * ve - db * vn,
        b, a, db * ve + da * vn,
        c, -s, -dt * (s * ve + c * vn),
        s, c, dt * (c * ve - s * vn),
    ], axis=1)  # fmt: skip
    return xp, f


def white_accel_q(dt: FloatArray, sigma_a: float) -> FloatArray:
    """Discrete white-noise-acceleration covariance on (e, ve) and (n, vn); ``(K, 5, 5)``."""
    t = np.abs(dt)
    q = np.zeros((len(dt), NX, NX))
    pp, pv, vv = t**4 / 4.0, t**3 / 2.0, t**2
    var = sigma_a**2
    # (e, e) (n, n) | (e, ve) (ve, e) (n, vn) (vn, n) | (ve, ve) (vn, vn)
    pos, cross, vel = var * pp, var * pv, var * vv
    q[:, _Q_ROWS, _Q_COLS] = np.stack([pos, pos, cross, cross, cross, cross, vel, vel], axis=1)
    return q


def vertical_predict(
    z: FloatArray, pz: FloatArray, dt: FloatArray, sigma_az: float
) -> tuple[FloatArray, FloatArray]:
    """Predict the vertical ``[alt, vz]`` states ``(K, 2)`` and covariances ``(K, 2, 2)``."""
    zp = z.copy()
    zp[:, 0] = z[:, 0] + dt * z[:, 1]
    f = np.zeros((len(dt), 2, 2))
    f[:, 0, 0] = f[:, 1, 1] = 1.0
    f[:, 0, 1] = dt
    t = np.abs(dt)
    q = np.empty((len(dt), 2, 2))
    q[:, 0, 0] = t**4 / 4.0
    q[:, 0, 1] = q[:, 1, 0] = t**3 / 2.0
    q[:, 1, 1] = t**2
    pzp = f @ pz @ np.swapaxes(f, 1, 2) + sigma_az**2 * q
    return zp, pzp


def vertical_update(
    z: FloatArray, pz: FloatArray, alt: FloatArray, sigma: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Kalman update of the vertical states with altitudes (NaN altitude: no update)."""
    ok = np.isfinite(alt)
    s = pz[:, 0, 0] + sigma**2
    gain = pz[:, :, 0] / s[:, None]  # (K, 2)
    nu = np.where(ok, alt - z[:, 0], 0.0)
    gain = np.where(ok[:, None], gain, 0.0)
    zn = z + gain * nu[:, None]
    pzn = pz - gain[:, :, None] * pz[:, None, 0, :]
    return zn, pzn
