"""Integrity cross-checks: a cooperative position that the radar picture contradicts.

ADS-B positions are the aircraft's own claim; a radar plot is an independent
measurement. When both are linked to one fused track (the ADS-B by its identity, the
radar plot by its sensor track number, learnt while the two agreed) and they disagree
by more than ``k_sigma`` times their combined stated accuracy, one of them lies: GNSS
spoofing or jamming, a falsified transponder, or a radar track swap. The tracker tells
a swap apart by checking that the radar plot continues its own track number's previous
plot smoothly; then it raises an :class:`~airsentry.model.EventKind.INTEGRITY` event and
keeps the radar as the position authority (the cooperative plot is not used).

Events leave the tracker through :meth:`FusedTracker.drain_events`, which the pipeline
forwards to the watch output like any other event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airsentry.model import BoolArray, Event, EventKind, FloatArray, from_epoch


@dataclass(frozen=True, slots=True)
class CrossCheck:
    k_sigma: float = 5.0  # disagreement, in combined 1-sigma, that raises an event
    window_s: float = 60.0  # the other kind of source must have updated the track this recently
    holdoff_s: float = 120.0  # at most one event per track per this many seconds
    max_speed_mps: float = 700.0  # a radar plot further than this from its hint's last plot
    # (plus noise) is a different object: the radar swapped its track numbers

    def disagrees(self, separation_m: FloatArray, sigma_m: FloatArray) -> BoolArray:
        return separation_m > self.k_sigma * sigma_m

    def continues(self, jump_m: FloatArray, dt: FloatArray, sigma_m: FloatArray) -> BoolArray:
        """Radar plots consistent with their own track number's previous plot."""
        return jump_m <= self.max_speed_mps * np.abs(dt) + 4.0 * sigma_m


def integrity_event(
    t: float,
    track_id: int,
    identity: str,
    callsign: str,
    lat: float,
    lon: float,
    sensor: str,
    separation_m: float,
    sigma_m: float,
    reason: str,
) -> Event:
    """One integrity event; ``details`` carry the numbers behind it."""
    return Event(
        kind=EventKind.INTEGRITY,
        time=from_epoch(t),
        track_id=track_id,
        identity=identity,
        callsign=callsign,
        lat=lat,
        lon=lon,
        sensor=sensor,
        reasons=(
            reason,
            f"cooperative and radar positions {separation_m:,.0f} m apart, "
            f"combined 1-sigma accuracy {sigma_m:,.0f} m",
        ),
        details={"separation_m": round(separation_m, 1), "sigma_m": round(sigma_m, 1)},
    )
