"""Threat assessment of an incident: where its objects are going, how, and why.

:func:`assess` reads an incident's objects (their recent paths from the
:class:`~airsentry.respond.picture.TrafficPicture` when there is one, else the positions
of the incident's events) and answers the questions an air-policing officer asks:

- **Heading towards protected sites**: for every object, the protected sites (airports
  and critical sites of the zone's owner) within ``cone_deg`` of its track, with the
  distance and the time to reach them at the present ground speed. The soonest
  ``max_sites`` are kept; only those reachable within ``horizon_s``.
- **Depth** inside the zone (the incident's deepest penetration).
- **Behaviour**: straight transit (path straightness ≥ 0.85) or loitering (< 0.4 over at
  least 5 minutes); a course change of more than 30° between the start and the end of
  the path, towards the border (back to where it entered) or away from it (inland);
  a coordinated group (several objects on headings within 25° of their mean, or a
  swarm report).
- **Navigation error or deliberate**: the facts above sorted into evidence *for* a
  navigation error and evidence *against* it, and a verdict that is only a weighing of
  the two lists ("deliberate likely", "navigation error plausible", "undetermined").
  The lists, not the verdict, are what the operator should read.

Geometry is great-circle (``impact.distance_bearing``), vectorised over sites.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.model import EventKind, Incident, Zone, ZoneKind, to_epoch
from airsentry.respond.impact import angle_off, distance_bearing
from airsentry.respond.picture import TrafficPicture


@dataclass(frozen=True, slots=True)
class Site:
    """A protected site: an airport or a critical site, as a point."""

    name: str
    kind: str  # "airport" or "site"
    owner: str
    lat: float
    lon: float
    code: str = ""


def sites_from_zones(zones: Sequence[Zone]) -> list[Site]:
    """Airport zones (their reference point) and site zones (their centroid) as sites."""
    out = []
    for z in zones:
        if z.kind == ZoneKind.AIRPORT and "lat" in z.properties:
            code = str(z.properties.get("icao", ""))
            name = f"{z.name} ({code})" if code and code not in z.name else z.name
            lat, lon = float(z.properties["lat"]), float(z.properties["lon"])
            out.append(Site(name, "airport", z.owner, lat, lon, code))
        elif z.kind == ZoneKind.SITE and z.geometry is not None:
            c = z.geometry.centroid
            out.append(Site(z.name, "site", z.owner, float(c.y), float(c.x), z.id))
    return out


@dataclass(frozen=True, slots=True)
class ThreatAssessment:
    """The answers of :func:`assess`; ``lines()`` puts them in words."""

    heading_to: tuple[dict[str, Any], ...] = ()
    depth_m: float = 0.0
    behaviour: tuple[str, ...] = ()
    coordinated: bool = False
    turned: str = ""  # "towards_border", "inland" or ""
    loitering: int = 0
    evidence_for_error: tuple[str, ...] = ()
    evidence_against_error: tuple[str, ...] = ()
    verdict: str = "undetermined"
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def deliberate(self) -> bool:
        return self.verdict == "deliberate likely"

    def soonest_eta_s(self) -> float:
        return min((float(h["eta_s"]) for h in self.heading_to), default=math.inf)

    def lines(self) -> tuple[str, ...]:
        out = [
            f"heading for {h['site']}: {h['distance_m'] / 1000:.0f} km, "
            f"about {h['eta_s'] / 60:.0f} min away"
            for h in self.heading_to
        ]
        if self.depth_m > 0:
            out.append(f"{self.depth_m / 1000:.1f} km inside the zone at the deepest")
        out.extend(self.behaviour)
        fr = "; ".join(self.evidence_for_error) or "none"
        ag = "; ".join(self.evidence_against_error) or "none"
        out.append(f"navigation error? for: {fr}. against: {ag}. weighing: {self.verdict}")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "heading_to": [dict(h) for h in self.heading_to],
            "depth_m": round(self.depth_m, 1),
            "behaviour": list(self.behaviour),
            "coordinated": self.coordinated,
            "turned": self.turned,
            "loitering": self.loitering,
            "evidence_for_navigation_error": list(self.evidence_for_error),
            "evidence_against_navigation_error": list(self.evidence_against_error),
            "verdict": self.verdict,
        }


def _heading(path: np.ndarray) -> float:
    """Track angle (rad from north) between the first and last row of a path slice."""
    _, brg = distance_bearing(path[:1, 1], path[:1, 2], float(path[-1, 1]), float(path[-1, 2]))
    return float(brg[0])


def _paths(incident: Incident, picture: TrafficPicture | None) -> dict[int, np.ndarray]:
    """Each object's path, rows ``(t, lat, lon, alt)``: the picture's, else the events'."""
    by_event: dict[int, list[tuple[float, float, float, float]]] = {}
    for e in incident.events:
        if e.track_id is not None and math.isfinite(e.lat) and math.isfinite(e.lon):
            by_event.setdefault(e.track_id, []).append((to_epoch(e.time), e.lat, e.lon, e.alt))
    out: dict[int, np.ndarray] = {}
    for tid in dict.fromkeys([*incident.track_ids, *by_event]):
        p = picture.path(tid) if picture is not None else np.empty((0, 4))
        if len(p) < 2:
            p = np.array(sorted(by_event.get(tid, [])), dtype=np.float64).reshape(-1, 4)
        if len(p):
            out[tid] = p
    return out


def assess(
    incident: Incident,
    sites: Sequence[Site] = (),
    picture: TrafficPicture | None = None,
    *,
    cone_deg: float = 20.0,
    horizon_s: float = 3600.0,
    max_sites: int = 3,
) -> ThreatAssessment:
    """The threat assessment of ``incident`` (see the module docstring)."""
    paths = _paths(incident, picture)
    own = [s for s in sites if s.owner == incident.owner] or list(sites)
    s_lat = np.array([s.lat for s in own], dtype=np.float64)
    s_lon = np.array([s.lon for s in own], dtype=np.float64)
    entries = {
        e.track_id: (e.lat, e.lon)
        for e in reversed(incident.events)
        if e.kind is EventKind.ENTRY and e.zone_id == incident.zone_id and e.track_id is not None
    }
    heading_to: dict[str, dict[str, Any]] = {}
    headings: list[float] = []
    behaviour: list[str] = []
    turned_in = turned_out = loiter = straight = 0
    for tid, p in paths.items():
        if len(p) < 2 or p[-1, 0] <= p[0, 0]:
            continue
        seg, _ = distance_bearing(p[:-1, 1], p[:-1, 2], p[1:, 1], p[1:, 2])
        length = float(seg.sum())
        net = float(distance_bearing(p[:1, 1], p[:1, 2], p[-1, 1], p[-1, 2])[0][0])
        duration = float(p[-1, 0] - p[0, 0])
        tail = p[-min(len(p), 4) :]
        if float(distance_bearing(tail[:1, 1], tail[:1, 2], tail[-1, 1], tail[-1, 2])[0][0]) < 1:
            continue
        hdg = _heading(tail)
        headings.append(hdg)
        tail_d = float(distance_bearing(tail[:1, 1], tail[:1, 2], tail[-1, 1], tail[-1, 2])[0][0])
        speed = tail_d / max(float(tail[-1, 0] - tail[0, 0]), 1e-6)
        straightness = net / length if length > 0 else 1.0
        if straightness >= 0.85:
            straight += 1
        elif straightness < 0.4 and duration >= 300:
            loiter += 1
        if len(p) >= 4 and tid in entries:
            first = _heading(p[: max(2, len(p) // 3)])
            if math.degrees(float(angle_off(np.array([hdg]), np.array([first]))[0])) > 30:
                e_lat, e_lon = entries[tid]
                _, back = distance_bearing(p[-1:, 1], p[-1:, 2], e_lat, e_lon)
                back_deg = math.degrees(float(angle_off(np.array([hdg]), back)[0]))
                turned_out += back_deg < 60
                turned_in += back_deg >= 60
        if not len(own) or speed < 1.0:
            continue
        here_lat, here_lon = np.full(len(own), p[-1, 1]), np.full(len(own), p[-1, 2])
        d, brg = distance_bearing(here_lat, here_lon, s_lat, s_lon)
        off = angle_off(np.full(len(own), hdg), brg)
        eta = d / (speed * np.maximum(np.cos(off), 1e-6))
        ok = np.flatnonzero((off <= math.radians(cone_deg)) & (eta <= horizon_s))
        for i in ok.tolist():
            name = own[i].name
            cur = heading_to.get(name)
            if cur is None or eta[i] < cur["eta_s"]:
                heading_to[name] = {
                    "site": name,
                    "kind": own[i].kind,
                    "code": own[i].code,
                    "distance_m": round(float(d[i]), 1),
                    "eta_s": round(float(eta[i]), 1),
                    "track_id": int(tid),
                }
    n = max(incident.object_count, len(paths))
    swarm = any(e.kind is EventKind.SWARM for e in incident.events)
    coordinated = swarm
    if len(headings) >= 2:
        h = np.array(headings)
        mean = math.atan2(float(np.sin(h).mean()), float(np.cos(h).mean()))
        spread = np.degrees(angle_off(h, np.full(len(h), mean)))
        coordinated |= bool(np.mean(spread <= 25.0) >= 0.6)
    if straight:
        behaviour.append(f"straight transit: {straight} of {len(headings)} objects")
    if loiter:
        behaviour.append(f"loitering: {loiter} object(s) circling for 5 min or more")
    if turned_out:
        behaviour.append(f"course change back towards the border: {turned_out} object(s)")
    if turned_in:
        behaviour.append(f"course change further inland: {turned_in} object(s)")
    if coordinated and n >= 2:
        behaviour.append(f"coordinated group of {n} objects" + (" (swarm)" if swarm else ""))
    turned = "towards_border" if turned_out > turned_in else ("inland" if turned_in else "")
    soon = sorted(heading_to.values(), key=lambda x: x["eta_s"])[:max_sites]
    for_, against = _evidence(incident, n, coordinated, soon, loiter, turned, straight)
    verdict = "undetermined"
    if len(against) >= len(for_) + 2:
        verdict = "deliberate likely"
    elif len(for_) > len(against):
        verdict = "navigation error plausible"
    return ThreatAssessment(
        heading_to=tuple(soon),
        depth_m=float(incident.depth_m),
        behaviour=tuple(behaviour),
        coordinated=bool(coordinated and n >= 2),
        turned=turned,
        loitering=loiter,
        evidence_for_error=tuple(for_),
        evidence_against_error=tuple(against),
        verdict=verdict,
    )


def _evidence(
    incident: Incident,
    n: int,
    coordinated: bool,
    soon: list[dict[str, Any]],
    loiter: int,
    turned: str,
    straight: int,
) -> tuple[list[str], list[str]]:
    """Evidence for and against a navigation error, in words."""
    reasons = [r for e in incident.events for r in e.reasons] + list(incident.reasons)
    text = " | ".join(reasons).lower()
    cooperative = any(i.startswith("icao:") for i in incident.identities)
    depth_km, dwell_min = incident.depth_m / 1000, incident.dwell_s / 60
    for_: list[str] = []
    against: list[str] = []
    (for_ if n == 1 else against).append("a single object" if n == 1 else f"{n} objects at once")
    if cooperative:
        for_.append("transponder on and identified")
    if "no transponder" in text:
        against.append("flying without transponder")
    if "squawking 7600" in text or "squawking 7700" in text:
        for_.append("emergency squawk (radio failure or emergency)")
    if "foreign state aircraft" in text or "fast_jet" in incident.classes:
        against.append("state (military) aircraft")
    if 0 < depth_km < 5:
        for_.append(f"shallow penetration ({depth_km:.1f} km)")
    elif depth_km >= 20:
        against.append(f"deep penetration ({depth_km:.0f} km)")
    if 0 < dwell_min <= 5:
        for_.append(f"brief stay ({dwell_min:.0f} min)")
    elif dwell_min >= 10:
        against.append(f"long stay ({dwell_min:.0f} min)")
    if turned == "towards_border":
        for_.append("turned back towards the border")
    elif turned == "inland":
        against.append("turned further inland")
    if coordinated and n >= 2:
        against.append("coordinated group")
    if soon:
        against.append(f"heading for {soon[0]['site']}")
    if loiter:
        against.append("loitering")
    if straight and n == 1 and 0 < depth_km < 10:
        for_.append("straight course clipping the zone")
    return for_, against
