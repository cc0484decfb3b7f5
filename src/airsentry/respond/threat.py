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


@dataclass(slots=True)
class _Objects:
    """What :func:`_objects` found over an incident's objects."""

    heading_to: dict[str, dict[str, Any]] = field(default_factory=dict)
    headings: list[float] = field(default_factory=list)
    straight: int = 0
    loiter: int = 0
    turned_in: int = 0
    turned_out: int = 0


SITE_CHUNK = 1 << 20
"""(object, site) pairs measured at once (bounds the temporaries to some 100 MB)."""


def _objects(
    paths: dict[int, np.ndarray],
    entries: dict[int, tuple[float, float]],
    own: Sequence[Site],
    s_lat: np.ndarray,
    s_lon: np.ndarray,
    cone_deg: float,
    horizon_s: float,
) -> _Objects:
    """Per object (in ``paths`` order): heading, speed, straightness, course change and
    the sites ahead; geometry for all objects at once (one ``distance_bearing`` per
    question over every path, not one per object), so an incident of thousands of
    objects costs array work, not thousands of small NumPy calls."""
    out = _Objects()
    tids = [t for t, p in paths.items() if len(p) >= 2 and p[-1, 0] > p[0, 0]]
    if not tids:
        return out
    parts = [paths[t] for t in tids]
    lens = np.array([len(p) for p in parts], dtype=np.int64)
    allp = np.ascontiguousarray(np.concatenate(parts))
    end = np.cumsum(lens)
    first, last = end - lens, end - 1
    lat, lon, t = allp[:, 1], allp[:, 2], allp[:, 0]
    seg, _ = distance_bearing(lat[:-1], lon[:-1], lat[1:], lon[1:])
    net, _ = distance_bearing(lat[first], lon[first], lat[last], lon[last])
    tail0 = last - np.minimum(lens, 4) + 1
    tail_d, hdg = distance_bearing(lat[tail0], lon[tail0], lat[last], lon[last])
    speed = tail_d / np.maximum(t[last] - t[tail0], 1e-6)
    early = first + np.maximum(2, lens // 3) - 1
    _, first_hdg = distance_bearing(lat[first], lon[first], lat[early], lon[early])
    turn_deg = np.degrees(angle_off(hdg, first_hdg))
    e_ll = np.array([entries.get(tid, (math.nan, math.nan)) for tid in tids], dtype=np.float64)
    _, back = distance_bearing(lat[last], lon[last], e_ll[:, 0], e_ll[:, 1])
    back_deg = np.degrees(angle_off(hdg, back))
    moving = tail_d >= 1
    for k, tid in enumerate(tids):
        if not moving[k]:
            continue
        out.headings.append(float(hdg[k]))
        length = float(seg[first[k] : last[k]].sum())
        straightness = float(net[k]) / length if length > 0 else 1.0
        if straightness >= 0.85:
            out.straight += 1
        elif straightness < 0.4 and float(t[last[k]] - t[first[k]]) >= 300:
            out.loiter += 1
        if lens[k] >= 4 and tid in entries and turn_deg[k] > 30:
            out.turned_out += bool(back_deg[k] < 60)
            out.turned_in += bool(back_deg[k] >= 60)
    if len(own):
        ahead = np.flatnonzero(moving & (speed >= 1.0))
        step = max(1, SITE_CHUNK // len(own))
        for lo in range(0, len(ahead), step):
            _sites_ahead(out, ahead[lo : lo + step], tids, lat[last], lon[last], hdg, speed,
                         own, s_lat, s_lon, cone_deg, horizon_s)  # fmt: skip
    return out


def _sites_ahead(
    out: _Objects,
    objs: np.ndarray,
    tids: list[int],
    lat: np.ndarray,
    lon: np.ndarray,
    hdg: np.ndarray,
    speed: np.ndarray,
    own: Sequence[Site],
    s_lat: np.ndarray,
    s_lon: np.ndarray,
    cone_deg: float,
    horizon_s: float,
) -> None:
    """The sites within the cone and horizon of objects ``objs``, into ``out``: per
    site the soonest object (the first to beat the kept, rounded, time wins)."""
    m = len(own)
    here_lat = np.repeat(lat[objs], m)
    here_lon = np.repeat(lon[objs], m)
    d, brg = distance_bearing(
        here_lat, here_lon, np.tile(s_lat, len(objs)), np.tile(s_lon, len(objs))
    )
    off = angle_off(np.repeat(hdg[objs], m), brg)
    eta = d / (np.repeat(speed[objs], m) * np.maximum(np.cos(off), 1e-6))
    hits = np.flatnonzero((off <= math.radians(cone_deg)) & (eta <= horizon_s))
    for h in hits.tolist():  # the few (object, site) pairs ahead, in object then site order
        k, i = divmod(h, m)
        name = own[i].name
        cur = out.heading_to.get(name)
        if cur is None or eta[h] < cur["eta_s"]:
            out.heading_to[name] = {
                "site": name,
                "kind": own[i].kind,
                "code": own[i].code,
                "distance_m": round(float(d[h]), 1),
                "eta_s": round(float(eta[h]), 1),
                "track_id": int(tids[int(objs[k])]),
            }


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
    found = _objects(paths, entries, own, s_lat, s_lon, cone_deg, horizon_s)
    heading_to, headings = found.heading_to, found.headings
    straight, loiter = found.straight, found.loiter
    turned_in, turned_out = found.turned_in, found.turned_out
    behaviour: list[str] = []
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
