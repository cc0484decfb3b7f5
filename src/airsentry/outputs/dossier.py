"""The incident dossier: one incident, for a national authority or an Article 4 consultation.

``airsentry incidents report ID --html FILE | --pdf FILE`` writes one self-contained
HTML page (the PDF is that page printed by headless Chromium, the browser the console's
tests already use): a map of the objects' paths over the zone (inline SVG), the
timeline of events, the classification with its reasons, the evidence for and against
a navigation error versus a deliberate action, the recommendations and decisions with
their audit-chain references (sequence number and hash of each entry), and the count of
the owner state's airspace violations that year.
"""

from __future__ import annotations

import html
import math
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airsentry.errors import AirsentryError
from airsentry.incidents.records import BookedIncident, Decision
from airsentry.model import Event, EventKind, Zone, isoformat

_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")


@dataclass(frozen=True, slots=True)
class Dossier:
    """What the dossier shows, gathered from the store, the zones and the audit log."""

    incident: BookedIncident
    zone: Zone | None
    decisions: Sequence[Decision]
    audit: Sequence[Mapping[str, Any]]  # audit-log entries that name this incident
    year_count: int  # the owner's sovereign incidents that year


def evidence(incident: BookedIncident) -> tuple[list[str], list[str]]:
    """Facts that point to a deliberate action, and facts consistent with a navigation
    error, read from the incident and its events (no verdict: the authority decides)."""
    deliberate: list[str] = []
    error: list[str] = []
    events = incident.events
    transponder_off = [e for e in events if e.identity == "" and e.kind is EventKind.ENTRY]
    if incident.object_count > 1:
        deliberate.append(f"{incident.object_count} objects in one episode (coordinated)")
    else:
        error.append("a single object")
    if any(c in ("drone", "decoy_drone") for c in incident.classes):
        deliberate.append("drone(s): uncrewed flight into the zone was programmed")
    if "decoy_drone" in incident.classes:
        deliberate.append("decoy drones: used to saturate air defence")
    if transponder_off:
        deliberate.append(f"{len(transponder_off)} entries without any identity broadcast")
    if incident.depth_m > 10_000:
        deliberate.append(f"penetration of {incident.depth_m / 1000:.1f} km")
    else:
        error.append(f"shallow penetration ({incident.depth_m / 1000:.1f} km)")
    if incident.dwell_s > 600:
        deliberate.append(f"stayed {incident.dwell_s / 60:.0f} min inside")
    else:
        error.append(f"short stay ({incident.dwell_s / 60:.1f} min)")
    if any(e.kind is EventKind.EXIT for e in events):
        error.append("objects left the zone again")
    if any(e.identity.startswith("icao:") for e in events):
        error.append("a transponder identity was broadcast")
    return deliberate, error


def _paths(events: Iterable[Event]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for e in sorted(events, key=lambda e: e.time):
        if math.isfinite(e.lat) and math.isfinite(e.lon):
            key = f"track {e.track_id}" if e.track_id is not None else (e.identity or "object")
            out.setdefault(key, []).append(e)
    return out


def map_svg(incident: BookedIncident, zone: Zone | None, size: int = 640) -> str:
    """The objects' paths over the zone, equirectangular around the paths (north up)."""
    paths = _paths(incident.events)
    pts = [(e.lon, e.lat) for p in paths.values() for e in p]
    if not pts:
        return "<p>No positions recorded.</p>"
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    pad = max(max(lons) - min(lons), max(lats) - min(lats), 0.05) * 0.25
    west, east, south, north = min(lons) - pad, max(lons) + pad, min(lats) - pad, max(lats) + pad
    kx = math.cos(math.radians((south + north) / 2))
    scale = size / max((east - west) * kx, north - south)
    w, h = (east - west) * kx * scale, (north - south) * scale

    def xy(lon: float, lat: float) -> str:
        return f"{(lon - west) * kx * scale:.1f},{(north - lat) * scale:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}" class="map"><rect width="100%" height="100%" '
        'fill="#f4f1ea"/>'
    ]
    if zone is not None:
        geoms = getattr(zone.geometry, "geoms", [zone.geometry])
        for g in geoms:
            ring = " ".join(xy(x, y) for x, y in g.exterior.coords)
            parts.append(
                f'<polygon points="{ring}" fill="#d9534f22" stroke="#b52b27" stroke-width="2">'
                f"<title>{html.escape(zone.name)}</title></polygon>"
            )
    for i, (name, events) in enumerate(paths.items()):
        colour = _COLOURS[i % len(_COLOURS)]
        line = " ".join(xy(e.lon, e.lat) for e in events)
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2.5">'
            f"<title>{html.escape(name)}</title></polyline>"
        )
        for e in events:
            if e.kind in (EventKind.ENTRY, EventKind.EXIT):
                x, y = xy(e.lon, e.lat).split(",")
                parts.append(
                    f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}"><title>{name} {e.kind} '
                    f"{isoformat(e.time)}</title></circle>"
                )
    parts.append(
        f'<text x="6" y="{h - 8:.0f}" font-size="11">{south:.2f}–{north:.2f}°N, '
        f"{west:.2f}–{east:.2f}°E; zone outline in red, entries and exits as dots</text></svg>"
    )
    return "".join(parts)


def _rows(rows: Iterable[Sequence[object]]) -> str:
    return "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _items(xs: Iterable[str]) -> str:
    return "".join(f"<li>{html.escape(x)}</li>" for x in xs) or "<li>none</li>"


def render_html(d: Dossier) -> str:
    """The dossier as one self-contained HTML page."""
    inc = d.incident
    rec = inc.recommendation
    deliberate, error = evidence(inc)
    esc = html.escape
    count = (
        f"the {_nth(inc.ordinal or 0)} violation of {esc(inc.owner)} airspace "
        f"in {inc.year} recorded here ({d.year_count} in that year so far)"
        if inc.ordinal is not None
        else f"not a violation of national airspace (a {esc(inc.zone_kind)} zone)"
    )
    timeline = _rows(
        (isoformat(e.time), str(e.kind), f"track {e.track_id}" if e.track_id is not None else "",
         e.identity or "—", e.target_class or "—",
         f"{e.lat:.4f}, {e.lon:.4f}" if math.isfinite(e.lat) else "—", "; ".join(e.reasons[:2]))
        for e in sorted(inc.events, key=lambda e: e.time)
    )  # fmt: skip
    decisions = _rows(
        (isoformat(x.time), x.operator, str(x.kind), str(x.action or ""), x.note)
        for x in d.decisions
    )
    audit = _rows(
        (a.get("seq"), a.get("time"), a.get("kind"), (a.get("data") or {}).get("action", ""),
         str(a.get("hash", ""))[:16] + "…")
        for a in d.audit
    )  # fmt: skip
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incident {esc(inc.id)}</title>
<style>
body {{ font: 12px/1.45 system-ui, sans-serif; margin: 24px; color: #222 }}
h1 {{ font-size: 20px; margin: 0 0 4px }} h2 {{ font-size: 15px; margin: 18px 0 6px;
border-bottom: 1px solid #ccc }} table {{ border-collapse: collapse; width: 100% }}
td, th {{ border: 1px solid #ddd; padding: 3px 5px; text-align: left; vertical-align: top }}
.map {{ border: 1px solid #999 }} .facts td:first-child {{ width: 180px; font-weight: 600 }}
</style></head><body>
<h1>Incident {esc(inc.id)} — {esc(inc.zone_name)}</h1>
<p>{esc(isoformat(inc.start))} to {esc(isoformat(inc.end))} UTC; {count}.</p>
<h2>Map</h2>{map_svg(inc, d.zone)}
<h2>Summary</h2><table class="facts">
<tr><td>Zone</td><td>{esc(inc.zone_name)} ({esc(inc.zone_kind)}, owner {esc(inc.owner)})</td></tr>
<tr><td>Objects</td><td>{inc.object_count}: {esc(", ".join(inc.classes) or "unknown")}</td></tr>
<tr><td>Longest stay / deepest</td><td>{inc.dwell_s / 60:.1f} min /
{inc.depth_m / 1000:.1f} km</td></tr>
<tr><td>Severity / status</td><td>{inc.severity} / {esc(inc.status)}</td></tr>
</table>
<h2>Classification and its reasons</h2><ul>{_items(inc.reasons)}</ul>
<h2>Navigation error or deliberate action: the evidence</h2>
<table><tr><th>Points to a deliberate action</th><th>Consistent with a navigation error</th></tr>
<tr><td><ul>{_items(deliberate)}</ul></td><td><ul>{_items(error)}</ul></td></tr></table>
<h2>Recommendation</h2>
<p>{esc(str(rec.action)) if rec else "none"}{
        f" — decision by {esc(rec.authority)}" if rec else ""
    }</p>
<ul>{_items(rec.reasons if rec else [])}</ul>
<h2>Decisions</h2><table><tr><th>time</th><th>operator</th><th>kind</th><th>action</th>
<th>note</th></tr>{decisions or '<tr><td colspan="5">none recorded</td></tr>'}</table>
<h2>Audit chain</h2><table><tr><th>seq</th><th>time</th><th>kind</th><th>action</th>
<th>hash</th></tr>{audit or '<tr><td colspan="5">no entries</td></tr>'}</table>
<h2>Timeline</h2><table><tr><th>time (UTC)</th><th>event</th><th>track</th><th>identity</th>
<th>class</th><th>position</th><th>why</th></tr>{timeline}</table>
</body></html>
"""


def gather(store: Any, incident_id: str, zones: Mapping[str, Zone], audit_log: Any) -> Dossier:
    """Read everything the dossier shows; raise when there is no such incident."""
    inc = store.get(incident_id, with_events=True)
    if inc is None:
        raise AirsentryError(f"no incident {incident_id!r} in {store.location}")
    year = [i for i in store.list(owner=inc.owner, year=inc.year) if i.ordinal is not None]
    audit = [e for e in audit_log.entries() if (e.get("data") or {}).get("incident_id") == inc.id]
    return Dossier(inc, zones.get(inc.zone_id), store.decisions_for(inc.id), audit, len(year))


def chromium() -> str:
    """The headless browser that prints the PDF (Debian's ``chromium``)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise AirsentryError("--pdf needs Chromium (apt-get install chromium); --html works without")


def write_pdf(page: str, out: Path) -> None:
    """Print ``page`` (HTML) to ``out`` with headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="airsentry-dossier-") as tmp:
        src = Path(tmp) / "dossier.html"
        src.write_text(page, encoding="utf-8")
        cmd = [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out.resolve()}", src.as_uri(),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or not out.exists():
            raise AirsentryError(
                f"{out}: Chromium could not print the dossier: {done.stderr[-300:]}"
            )
