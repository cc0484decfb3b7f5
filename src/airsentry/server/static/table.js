// Track table beside the map: search by identity or callsign, filter by class,
// affiliation, zone and violating; a click centres the map on the track. Shows the
// first 300 matches (violators first), refreshed at most twice a second while visible.
"use strict";

// Point in a GeoJSON (Multi)Polygon, by ray casting over its rings.
function inPolygon(geom, lat, lon) {
  const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.type === "MultiPolygon" ? geom.coordinates : [];
  for (const rings of polys) {
    let inside = false;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i], [xj, yj] = ring[j];
        if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    if (inside) return true;
  }
  return false;
}

class TrackTable {
  constructor(tracks, map) {
    this.tracks = tracks; this.map = map;
    this.zones = new Map(); // id -> {name, geom, bbox}
    this.classes = new Set();
    this.last = 0; this.timer = null;
    this.body = document.querySelector("#track-table tbody");
    for (const id of ["track-search", "f-class", "f-affil", "f-zone", "f-violating"]) {
      document.getElementById(id).addEventListener("input", () => this.render());
    }
    this.body.addEventListener("click", (e) => {
      const tr = e.target.closest("tr[data-id]");
      if (!tr) return;
      const t = this.tracks.tracks.get(Number(tr.dataset.id)) || this.tracks.tracks.get(tr.dataset.id);
      if (t) { centreOn(this.map, t.lat, t.lon, 8); this.selected = t.id; this.render(); }
    });
  }

  addZones(features) {
    const select = document.getElementById("f-zone");
    for (const f of features) {
      if (!f.geometry || this.zones.has(f.id)) continue;
      this.zones.set(f.id, { name: f.properties.name, geom: f.geometry, bbox: bboxOf(f.geometry) });
      const o = document.createElement("option");
      o.value = f.id; o.textContent = `${f.properties.name} (${f.properties.kind})`;
      select.appendChild(o);
    }
  }

  inZone(t, zoneId) {
    const z = this.zones.get(zoneId);
    if (!z) return false;
    const [w, s, e, n] = z.bbox;
    return t.lon >= w && t.lon <= e && t.lat >= s && t.lat <= n && inPolygon(z.geom, t.lat, t.lon);
  }

  changed() {
    if (!document.getElementById("tab-tracks").classList.contains("active")) return;
    const wait = 500 - (performance.now() - this.last);
    if (wait <= 0) this.render();
    else if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.render(); }, wait);
  }

  matches() {
    const q = document.getElementById("track-search").value.trim().toLowerCase();
    const cls = document.getElementById("f-class").value;
    const aff = document.getElementById("f-affil").value;
    const zone = document.getElementById("f-zone").value;
    const violating = document.getElementById("f-violating").checked;
    const out = [];
    for (const t of this.tracks.tracks.values()) {
      if (q && !`${t.identity || ""} ${t.callsign || ""} #${t.id}`.toLowerCase().includes(q)) continue;
      if (cls && t.cls !== cls) continue;
      if (aff && t.aff !== aff) continue;
      if (violating && !t.violator) continue;
      if (zone && !this.inZone(t, zone)) continue;
      out.push(t);
    }
    return out.sort((a, b) => (b.violator - a.violator) || String(a.callsign || a.identity).localeCompare(String(b.callsign || b.identity)));
  }

  render() {
    this.last = performance.now();
    const select = document.getElementById("f-class");
    for (const t of this.tracks.tracks.values()) {
      if (t.cls && !this.classes.has(t.cls)) {
        this.classes.add(t.cls);
        const o = document.createElement("option"); o.value = o.textContent = t.cls; select.appendChild(o);
      }
    }
    const found = this.matches(), units = this.tracks.units;
    document.getElementById("track-count").textContent = `${found.length} of ${this.tracks.tracks.size}`;
    this.body.innerHTML = found.slice(0, 300).map((t) => `<tr data-id="${esc(t.id)}" class="aff-${t.aff}${t.violator ? " violator" : ""}${t.id === this.selected ? " selected" : ""}">
      <td><span class="dot" style="background:${COLOURS[t.aff]}"></span>${esc(t.callsign || t.identity || "#" + t.id)}<div class="muted">${esc(t.callsign ? t.identity : "")}</div></td>
      <td>${esc(t.cls)}</td><td>${UNITS.alt(t.alt, units)}</td><td>${UNITS.speed(t.speed, units)}</td>
      <td>${t.heading == null ? "—" : Math.round(t.heading) + "°"}</td></tr>`).join("");
  }
}
window.TrackTable = TrackTable;
