"""Integrity cross-checks: a cooperative position that the radar picture contradicts.

ADS-B positions are the aircraft's own claim; a radar plot is an independent
measurement. When both are linked to one fused track (the ADS-B by its identity, the
radar plot by its sensor track number, learnt while the two agreed) and they disagree
by more than ``k_sigma`` times their combined stated accuracy, one of them lies: GNSS
spoofing or jamming, a falsified transponder, or a radar track swap. The tracker tells
a swap apart by checking that the radar plot continues its own track number's previous
plot smoothly; then it raises an :class:`~airsentry.model.EventKind.INTEGRITY` event and
keeps the radar as the position authority (the cooperative plot is not used).

:meth:`CrossCheck.check` is the fused tracker's
:class:`~airsentry.tracking.base.CrossChecker` part. Events leave the tracker through
``drain_events`` (every tracker has it), which the pipeline forwards to the watch output
like any other event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from airsentry.model import (
    BoolArray,
    Event,
    EventKind,
    FloatArray,
    IntArray,
    ObjArray,
    ReportBatch,
    Track,
    from_epoch,
)
from airsentry.tracking.fusion import HintTable, lookup
from airsentry.tracking.kalman import enu_rotation
from airsentry.tracking.plots import Candidates, ScanPlots
from airsentry.tracking.table import TrackTable


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

    def check(
        self, table: TrackTable, hints: HintTable, plots: ScanPlots, cand: Candidates
    ) -> tuple[list[Event], IntArray, int]:
        """Integrity events for failed identity and hint links.

        Identity plots outside their track's gate start no track of their own (the
        identity already has one): where no radar supports the track, it re-initialises
        at the plot, else the plot is withheld as suspect. Broken hints (a radar swap,
        not a spoof) are unlinked. Returns the events, the withheld and re-initialising
        plots, and the number of contradicted pairs (before the hold-off)."""
        batch, ti, pj = plots.batch, cand.ti, cand.pj
        same_id, hinted, inside, nu, pc = cand.same_id, cand.hinted, cand.inside, cand.nu, cand.pc
        if not (same_id.any() or hinted.any()):  # anonymous plots: no link to check
            return [], np.empty(0, dtype=np.int64), 0
        acc, ecef = plots.acc, plots.ecef
        t = batch.t[pj]
        sep = np.hypot(nu[:, 0], nu[:, 1])
        sig = np.sqrt(0.5 * (pc[:, 0, 0] + pc[:, 1, 1]) + acc[pj] ** 2)
        radar_recent = t - table["last_radar_t"][ti] < self.window_s
        coop_recent = t - table["last_coop_t"][ti] < self.window_s
        bad_id = same_id & ~inside & self.disagrees(sep, sig)
        hint_rows = lookup(hints.key, np.arange(len(hints.key)), plots.hint_key[pj])
        h = np.maximum(hint_rows, 0)
        jump = np.linalg.norm(ecef[pj] - hints.ecef[h], axis=1) if len(hints.key) else sep
        cont = self.continues(jump, t - (hints.t[h] if len(hints.key) else t), acc[pj])
        bad_hint = hinted & ~inside & ~batch.transponder[pj] & self.disagrees(sep, sig)
        spoof = (bad_id & radar_recent) | (bad_hint & coop_recent & cont)
        holdoff = t - table["integrity_t"][ti] > self.holdoff_s
        events = []
        for k in np.flatnonzero(spoof & holdoff):  # events only, a handful per hour
            i = int(ti[k])
            if t[k] - table["integrity_t"][i] <= self.holdoff_s:
                continue
            table["integrity_t"][i] = t[k]
            events.append(integrity_event(
                float(t[k]), int(table["id"][i]), str(table["identity"][i]),
                str(table["callsign"][i]), float(table["lat"][i]), float(table["lon"][i]),
                str(batch.sensor[pj[k]]), float(sep[k]), float(sig[k]),
                "identity position disagrees with the radar-supported track" if bad_id[k]
                else "radar plot of the linked track number disagrees with the cooperative track",
            ))  # fmt: skip
        # broken hints (a swap, not a spoof): unlink
        broken = hinted & ~inside & ~(coop_recent & cont)
        if broken.any() and len(hints.key):
            hints.drop_rows(np.unique(hint_rows[broken & (hint_rows >= 0)]))
        # identity plots far from a track that no radar supports: the track re-initialises
        outside = same_id & ~inside
        reinit = outside & ~(bad_id & radar_recent)
        if reinit.any():
            r_t, r_p = ti[reinit], pj[reinit]
            table["t"][r_t] = batch.t[r_p]
            table["origin"][r_t] = ecef[r_p]
            table["rot"][r_t] = enu_rotation(batch.lat[r_p], batch.lon[r_p])
            table["lat"][r_t], table["lon"][r_t] = batch.lat[r_p], batch.lon[r_p]
            table["x"][r_t, :, 0:2] = 0.0
        return events, np.unique(pj[outside]), int(spoof.sum())


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


def keyed_disagreements(
    batch: ReportBatch,
    rows: IntArray,
    keys: ObjArray,
    sigmas: FloatArray,
    sigma_m: FloatArray,
    holdoff_s: float,
    last_t: dict[str, float],
    tracks: Mapping[str, Track],
) -> list[Event]:
    """Integrity events of the combined tracker: radar reports ``rows`` of ``batch`` that
    follow keyed tracks ``keys`` and lie ``sigmas`` combined sigmas (``sigma_m`` metres
    each) from the tracks' own transponder positions; at most one per key per
    ``holdoff_s`` (``last_t``: when each key last raised one). A handful per hour."""
    out: list[Event] = []
    for j, key, n_sig, sig in zip(rows.tolist(), keys.tolist(), sigmas.tolist(),
                                  sigma_m.tolist(), strict=True):  # fmt: skip
        t = float(batch.t[j])
        if t - last_t.get(key, -np.inf) <= holdoff_s:
            continue
        last_t[key] = t
        track = tracks.get(key)
        out.append(integrity_event(
            t, track.track_id if track else -1, key if "#" not in key else "",
            track.callsign if track else "", float(batch.lat[j]), float(batch.lon[j]),
            str(batch.sensor[j]), n_sig * sig, sig,
            "identity position disagrees with the radar that follows the track",
        ))  # fmt: skip
    return out
