"""The identify stage: what each track-update row is, and which zones admit it.

:class:`Identifier` runs after the tracker. For every batch of track updates it
returns an :class:`Identified` record: the updates with typed identification columns
(class, confidence, reasons) and the admission facts of every row (transponder,
registering State, state aircraft, drone, Remote ID). The watch stage, downstream,
reads that record to tell an authorised stay from a violation (``admitted``) and to
explain its verdict (``describe``); nothing downstream calls back into identification.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from airsentry.identify.authority import Authority, TargetFacts, explain, target_facts
from airsentry.identify.classify import Classification, TrackClassifier
from airsentry.identify.registers import Registers, Targets
from airsentry.model import BoolArray, FloatArray, IntArray, ObjArray, TrackUpdates, Zone
from airsentry.order import unique


@dataclass(frozen=True, slots=True, eq=False)
class Identified:
    """One batch of track updates with their identification, row for row.

    ``held`` is the class each track of the batch holds after the batch (a track's
    class firms up as evidence accumulates), for events that close a stay.
    """

    updates: TrackUpdates
    cls: ObjArray  # TargetClass values as str
    confidence: FloatArray  # 0..1
    reasons: ObjArray  # a tuple of str per row, read only for rows that become events
    facts: TargetFacts
    authority: Authority
    held_ids: IntArray  # sorted distinct track ids of the batch ...
    held_cls: ObjArray  # ... and the class each holds now
    registers: Registers = field(default_factory=Registers)
    verify_cooperative: bool = True  # cooperative state aircraft: verify, not violation
    # per row, the own-force entry its track was ever matched by ("": none), so a track
    # fused from an own-force feed and a radar stays admitted on the radar's rows too
    own: ObjArray | None = None
    # track id -> held class, built on the first track_class call (an event-dense
    # batch asks once per exit): one dict lookup per event instead of a searchsorted
    _held: dict[int, str] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.cls)

    def admitted(self, rows: IntArray, zones: IntArray) -> BoolArray:
        """True where the target of update row ``rows[i]`` is admitted in ``zones[i]``:
        by the zone's tokens, or by name (own forces, a clearance, a permit)."""
        idx = np.asarray(rows, dtype=np.int64)
        z = np.asarray(zones, dtype=np.int64)
        ok = self.authority.admit(z, self.facts.take(idx))
        if self.registers:
            ok |= self.named(idx, z) != ""
        return ok

    def admitted_everywhere(self, rows: IntArray) -> BoolArray:
        """True where the target of update row ``rows[i]`` is admitted in every zone
        (:meth:`Authority.everywhere`): :meth:`admitted` is then true for it in any."""
        idx = np.asarray(rows, dtype=np.int64)
        f = self.facts
        return self.authority.everywhere(f.civil[idx], f.drone[idx], f.remote_id[idx])

    def named(self, rows: IntArray, zones: IntArray) -> ObjArray:
        """The register entry admitting each (row, zone) pair in words, ``""`` for none."""
        s, idx = self.updates.state, np.asarray(rows, dtype=np.int64)
        on = Targets(s.t[idx], self.facts.address[idx], s.callsign[idx], s.identity[idx],
                     s.sensor[idx])  # fmt: skip
        out = self.registers.match(self.authority.zones, np.asarray(zones, dtype=np.int64), on)
        if self.own is not None:
            held = self.own[idx]
            out = np.where((out == "") & (held != ""), held, out)
        return out

    def to_verify(self, rows: IntArray, zones: IntArray) -> BoolArray:
        """True where a target that a zone does not admit is a *cooperative* state
        aircraft (transponder on, known address, no emergency): its diplomatic clearance
        is for the operator to verify; it is not a violation. Air policing intercepts
        aircraft that do not cooperate."""
        idx = np.asarray(rows, dtype=np.int64)
        f, s = self.facts, self.updates.state
        if not self.verify_cooperative:
            return np.zeros(len(idx), dtype=bool)
        out: BoolArray = (
            f.state_aircraft[idx]
            & s.transponder[idx].astype(bool)
            & (f.address[idx] >= 0)
            & ~f.emergency[idx]
            & ~f.drone[idx]
        )
        return out

    def track_class(self, track_id: int) -> str:
        """The class a track of this batch (or ended with it) holds now; else "unknown"."""
        if not self._held and len(self.held_ids):
            held = zip(self.held_ids.tolist(), self.held_cls.tolist(), strict=True)
            self._held.update((int(t), str(c)) for t, c in held)
        return self._held.get(int(track_id), "unknown")

    def describe_many(
        self, rows: IntArray, zones: IntArray, authorised: BoolArray
    ) -> list[tuple[tuple[str, ...], str]]:
        """:meth:`describe` of each ``(rows[i], zones[i], authorised[i])``, the same text:
        the columns, facts, register names and verify flags are read for all of them at
        once (an event-dense batch starts thousands of stays), then the words per event."""
        idx = np.asarray(rows, dtype=np.int64)
        z = np.asarray(zones, dtype=np.int64)
        ok = np.asarray(authorised, dtype=bool)
        if not len(idx):
            return []
        s = self.updates.state
        facts = self.facts.take(idx)
        named = self.named(idx, z).tolist() if self.registers and ok.any() else None
        verify = self.to_verify(idx, z).tolist()
        zone_l, ok_l = z.tolist(), ok.tolist()
        ident, xpdr = s.identity[idx].tolist(), s.transponder[idx].tolist()
        squawk, callsign = s.squawk[idx].tolist(), s.callsign[idx].tolist()
        ve, vn, alt = s.vel_e[idx].tolist(), s.vel_n[idx].tolist(), s.alt[idx].tolist()
        cls_l, conf = self.cls[idx].tolist(), self.confidence[idx].tolist()
        why_cls = self.reasons[idx].tolist()
        zones_all = self.authority.zones
        out = []
        for i in range(len(idx)):
            cls = str(cls_l[i])
            fields = {
                "identity": str(ident[i]),
                "transponder": bool(xpdr[i]),
                "squawk": str(squawk[i]),
                "callsign": str(callsign[i]),
                "class": cls,
                "speed": float(math.hypot(ve[i], vn[i])),
                "alt": float(alt[i]),
            }
            why = explain(zones_all[zone_l[i]], fields, ok_l[i], facts, i)
            if ok_l[i] and named is not None and (name := str(named[i])):
                why = (name, *why)
            elif not ok_l[i] and verify[i]:
                why = ("verify clearance: cooperative state aircraft with no clearance on record",
                       *why)  # fmt: skip
            label = f"classified {cls.replace('_', ' ')} ({conf[i]:.0%})"
            both = (*why, label, *tuple(why_cls[i]))
            out.append((tuple(dict.fromkeys(both)), cls))
        return out

    def describe(self, row: int, zone: int, authorised: bool) -> tuple[tuple[str, ...], str]:
        """Reasons for the verdict on one row in one zone (the admission's reasons, then
        the classification's), and the row's target class. Called per event, not per row."""
        s = self.updates.state
        cls = str(self.cls[row])
        fields = {
            "identity": str(s.identity[row]),
            "transponder": bool(s.transponder[row]),
            "squawk": str(s.squawk[row]),
            "callsign": str(s.callsign[row]),
            "class": cls,
            "speed": float(math.hypot(s.vel_e[row], s.vel_n[row])),
            "alt": float(s.alt[row]),
        }
        facts = self.facts.take([row])  # computed once for the batch
        why = explain(self.authority.zones[zone], fields, authorised, facts)
        one, z = np.array([row]), np.array([zone])
        if authorised and self.registers and (name := str(self.named(one, z)[0])):
            why = (name, *why)
        elif not authorised and bool(self.to_verify(one, z)[0]):
            why = ("verify clearance: cooperative state aircraft with no clearance on record",
                   *why)  # fmt: skip
        label = f"classified {cls.replace('_', ' ')} ({self.confidence[row]:.0%})"
        both = (*why, label, *tuple(self.reasons[row]))
        return tuple(dict.fromkeys(both)), cls


class Identifier:
    """The stage: a classifier with per-track memory and the zones' admission rules."""

    def __init__(
        self,
        zones: Sequence[Zone],
        classifier: TrackClassifier | None = None,
        *,
        registers: Registers | None = None,
        verify_cooperative: bool = True,
    ) -> None:
        self.authority = Authority(zones)
        self.classifier = classifier or TrackClassifier()
        self._own: dict[int, str] = {}  # track id -> the own-force entry that matched it
        self._registers = registers or Registers()
        self.verify_cooperative = verify_cooperative

    @property
    def registers(self) -> Registers:
        """Clearances, permits and own forces in force (replaced while running when the
        store's register changes: :class:`airsentry.incidents.register_store.RegisterWatch`)."""
        return self._registers

    @registers.setter
    def registers(self, value: Registers) -> None:
        if value.own_forces != self._registers.own_forces:
            self._own.clear()  # held admissions follow the new own-force entries
        self._registers = value

    def identify(self, updates: TrackUpdates, ended: npt.ArrayLike = ()) -> Identified:
        """Classify one batch's rows and compute their admission facts; ``ended`` names
        the tracks that ended with this batch, whose held class the watch still needs."""
        c: Classification = self.classifier.update(updates)
        s = updates.state
        facts = target_facts(
            s.identity, s.transponder, s.squawk, c.cls, address=c.address,
            remote_id=c.remote_id, has_identity=c.has_identity, emergency=c.emergency,
            class_code=c.code,
        )  # fmt: skip
        gone = np.asarray(ended, dtype=np.int64)
        ids = unique(np.concatenate([updates.track_id, gone]) if len(gone) else updates.track_id)
        return Identified(
            updates=updates,
            cls=c.cls,
            confidence=c.confidence,
            reasons=c.reasons,
            facts=facts,
            authority=self.authority,
            held_ids=ids,
            held_cls=self.classifier.latest(ids),
            registers=self.registers,
            verify_cooperative=self.verify_cooperative,
            own=self._own_forces(updates, facts.address),
        )

    def _own_forces(self, updates: TrackUpdates, address: IntArray) -> ObjArray | None:
        """Per row, the own-force entry its track has been matched by, in this batch or
        an earlier one (None when the register has no own forces and no track is held).

        Own-force admission is sticky per track: an entry by sensor (an own-force
        position feed) matches only that feed's rows, and a track fused from the feed and
        a radar would otherwise flip between admitted and not. Own-force entries have no
        validity window, so the admission lasts while the track lives (:meth:`forget`).
        The loop is over the batch's distinct tracks, never over reports."""
        if not self.registers.own_forces and not self._own:
            return None
        s = updates.state
        on = Targets(s.t, address, s.callsign, s.identity, s.sensor)
        matched = self.registers.own_force(on)
        hit = matched != ""
        if hit.any():
            tid, first = np.unique(updates.track_id[hit], return_index=True)
            for t, text in zip(tid.tolist(), matched[hit][first].tolist(), strict=True):
                self._own.setdefault(int(t), str(text))
        if not self._own:
            return matched
        ids, inverse = np.unique(updates.track_id, return_inverse=True)
        held = np.array([self._own.get(int(i), "") for i in ids.tolist()], dtype=object)
        out: ObjArray = held[inverse.reshape(-1)]
        return out

    def latest(self, track_ids: npt.ArrayLike) -> ObjArray:
        """The class each track holds now ("unknown" for tracks not known)."""
        return self.classifier.latest(track_ids)

    def forget(self, track_ids: npt.ArrayLike) -> None:
        """Drop the memory of tracks that ended."""
        self.classifier.forget(track_ids)
        for t in np.asarray(track_ids, dtype=np.int64).tolist():
            self._own.pop(int(t), None)
