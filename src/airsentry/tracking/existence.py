"""Track existence: the probability that a track follows a real object (IPDA).

M-of-N confirmation counts hits and ignores where they fell: in a wind farm that makes a
plot every scan within a kilometre, any tentative track collects three hits in five and
is confirmed. Integrated probabilistic data association (IPDA; Musicki, Evans & Stankovic,
"Integrated probabilistic data association", IEEE T-AC 39(6), 1994; the multi-target
form JIPDA, Musicki & Evans, IEEE T-AES 40(2), 2004) carries, per track, the probability
``p`` that its object exists, and updates it each time a sensor had the chance to see it:

* prediction (Markov chain, a target ceases to exist with probability ``1 - p_survive``
  between opportunities): ``p <- p_survive * p``;
* a miss: ``p <- (1 - Pd Pg) p / (1 - Pd Pg p)``;
* a hit by a plot of likelihood ``L`` (the Gaussian density of the innovation, per m^2):
  ``p <- (1 - delta) p / (1 - delta p)`` with ``delta = Pd Pg (1 - L / (Pg rho))``,
  where ``rho`` is the clutter density at the plot (false plots per m^2 in the interval
  the track waited for it).

In odds, a hit multiplies by ``1 - Pd Pg + Pd L / rho``: a plot where the track predicted
it, in clean air, makes the object certain within two or three scans; a plot in a wind
farm, where false plots are dense, barely moves it. The tracker assigns plots one to a
track (GNN); the hard-assignment form of the recursion uses the assigned plot only (a
"highest-probability" IPDA).

A new track starts at ``p0 = beta / (beta + rho)`` where ``beta`` is the density of new
objects per m^2 per scan (the ratio of a real birth to a false one at that spot). A
tentative track is confirmed when ``p`` reaches ``confirm`` (and the M-of-N test of
:mod:`~airsentry.tracking.management` passes, so that a single plot in a clean area
never confirms), and deleted when it falls below ``delete``. A confirmed anonymous
track whose existence falls below ``fade`` takes no more plots and is lost at the next
housekeeping (dormant, so stitching can still take it back): without this, a track whose
drone had landed coasted until its uncertainty reached kilometres and then took a clutter
plot far away (Copenhagen plots variant: a drone's track jumped at 530 m/s into Swedish
airspace and opened a false incident). Existence is capped at ``ceiling`` (1e-4 from
certainty), so that about eight consecutive misses fade any track. ``rho`` comes from the
clutter map (:mod:`~airsentry.tracking.cluttermap`): a rate per m^2 per second times the
time the sensor had to put a false plot into the track's gate: the time since the
track's previous update, or the sensor's revisit time if longer (a plot from another
sensor just before does not shorten this sensor's scan), at least ``min_wait_s`` (the
revisit time learnt from plots can be too short while clutter feeds tentative tracks,
so the floor is a slow radar's period; a fast counter-drone radar is then treated as if
its clutter were a few times denser, which only delays confirmation by a scan or two),
at most ``max_wait_s``.

Everything is vectorised over tracks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airsentry.model import BoolArray, FloatArray
from airsentry.tracking.cluttermap import ClutterMapConfig


@dataclass(frozen=True, slots=True)
class Existence:
    """IPDA parameters (see the module docstring)."""

    p_detect: float = 0.85  # Pd, a plot-level radar's detection probability
    p_gate: float = 0.9999  # Pg, the gate's probability mass (chi-square 2 dof at 20)
    p_survive: float = 0.995  # per opportunity
    birth_density: float = 2e-10  # new objects per m^2 per scan
    confirm: float = 0.995  # existence that confirms a tentative track
    delete: float = 1e-4  # existence below which a tentative track is dropped
    # a confirmed anonymous track whose existence falls below this is lost (it goes
    # dormant and may be stitched); existence is capped at ``ceiling`` so that a track hit
    # for an hour still fades within a few missed scans when its object is gone
    fade: float = 0.01
    ceiling: float = 0.9999
    min_wait_s: float = 4.0  # clutter exposure of one update, bounds (a scan at least)
    max_wait_s: float = 30.0
    clutter: ClutterMapConfig = field(default_factory=ClutterMapConfig)

    def __post_init__(self) -> None:
        for name in ("p_detect", "p_gate", "p_survive", "confirm", "delete", "fade", "ceiling"):
            v = getattr(self, name)
            if not 0.0 < v <= 1.0:
                raise ValueError(f"existence {name} must be in (0, 1], got {v}")
        if self.delete >= self.confirm:
            raise ValueError("existence delete must be below confirm")
        if not self.fade < self.confirm <= self.ceiling:
            raise ValueError("existence needs fade < confirm <= ceiling")

    def initial(self, rho: FloatArray) -> FloatArray:
        """Existence of tracks started at plots where the clutter density is ``rho``."""
        p: FloatArray = self.birth_density / (self.birth_density + rho)
        return p

    def miss(self, p: FloatArray) -> FloatArray:
        """Existence after an opportunity without a plot."""
        p = self.p_survive * p
        pdg = self.p_detect * self.p_gate
        out: FloatArray = (1.0 - pdg) * p / (1.0 - pdg * p)
        return out

    def hit(self, p: FloatArray, loglik: FloatArray, rho: FloatArray) -> FloatArray:
        """Existence after a plot of log-likelihood ``loglik`` where clutter is ``rho``."""
        p = self.p_survive * p
        ratio = np.exp(np.minimum(loglik - np.log(rho), 700.0))  # L / rho
        odds_gain = 1.0 - self.p_detect * self.p_gate + self.p_detect * ratio
        odds = p / np.maximum(1.0 - p, 1e-300) * odds_gain
        out: FloatArray = np.clip(odds / (1.0 + odds), 0.0, self.ceiling)
        return out

    def density(self, rate: FloatArray, wait_s: FloatArray) -> FloatArray:
        """Clutter density per m^2 from a rate per m^2 per s and the time waited."""
        out: FloatArray = rate * np.clip(wait_s, self.min_wait_s, self.max_wait_s)
        return out

    def confirmed(self, p: FloatArray) -> BoolArray:
        out: BoolArray = p >= self.confirm
        return out

    def dead(self, p: FloatArray) -> BoolArray:
        out: BoolArray = p < self.delete
        return out

    def faded(self, p: FloatArray) -> BoolArray:
        """Confirmed tracks whose object has most likely gone (or never was)."""
        out: BoolArray = p < self.fade
        return out
