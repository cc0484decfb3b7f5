// Track layer: one 2D canvas over the MapLibre map (WebGL), redrawn in the same frame as
// the map when the camera moves and at most once per animation frame when data change.
// Each track: a class symbol turned to its heading, coloured by affiliation (hostile
// red, unknown amber, friendly blue, civil green), a trail, and a label (identity or
// callsign, altitude as flight level or feet / metres, speed in knots or km/h).
// Violators are ringed and always labelled; other labels are decluttered on a grid.
// Positions are projected inline (Web Mercator with 512-px tiles, as MapLibre's camera
// without rotation or pitch, which the console disables), and with
// thousands of tracks at a low zoom each colour is one path: ten thousand tracks draw
// in a few milliseconds. `perf` records each draw and frame.
"use strict";

const SYMBOLS = {
  drone: "diamond", decoy_drone: "diamond-open", fast_jet: "triangle", airliner: "plane",
  helicopter: "circle-cross", light_aircraft: "plane-small", balloon: "circle", unknown: "square",
};
const COLOURS = { hostile: "#d0312d", unknown: "#d48a00", friendly: "#1f6fc0", civil: "#23864a" };
const TRAIL_POINTS = 60;
const CIVIL = new Set(["airliner", "light_aircraft", "balloon", "glider"]);

function affiliation(t) {
  if (t.violator) return "hostile";
  const coop = typeof t.identity === "string" && t.identity.startsWith("icao:");
  if (!coop) return "unknown";
  return CIVIL.has(t.cls) ? "civil" : t.cls === "fast_jet" || t.cls === "helicopter" ? "friendly" : "civil";
}

const UNITS = {
  alt(m, units) {
    if (m == null) return "—";
    if (units === "metric") return `${Math.round(m).toLocaleString("en")} m`;
    const ft = m / 0.3048;
    return ft >= 6000 ? `FL${String(Math.round(ft / 100)).padStart(3, "0")}` : `${Math.round(ft / 10) * 10} ft`;
  },
  speed(mps, units) {
    if (mps == null) return "—";
    return units === "metric" ? `${Math.round(mps * 3.6)} km/h` : `${Math.round(mps / 0.514444)} kt`;
  },
};

class TrackLayer {
  constructor(map) {
    this.map = map;
    this.tracks = new Map(); // id -> {id, identity, callsign, cls, lat, lon, alt, speed, heading, violator, trail, aff}
    this.units = "aviation";
    this.onchange = null;
    this.canvas = document.createElement("canvas");
    this.canvas.id = "trackcanvas";
    map.getContainer().appendChild(this.canvas);
    this.pending = false;
    this.perf = { draws: [], frames: [], handle: [], parse: [], last: 0 };
    // the camera moves inside MapLibre's own frame: draw now, so tracks never lag the map
    map.on("move", () => this.draw());
    map.on("resize", () => this.schedule());
    const tick = (now) => {
      if (this.perf.last) this.perf.frames.push(now - this.perf.last);
      if (this.perf.frames.length > 4000) this.perf.frames.splice(0, 2000);
      this.perf.last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  clear() { this.tracks.clear(); this.changed(); }

  changed() { this.schedule(); if (this.onchange) this.onchange(); }

  // rows: [id, identity, callsign, class, lat, lon, alt, speed, heading, violator]
  updateRows(rows, removed) {
    for (const r of rows) this.put(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]);
    for (const id of removed || []) this.tracks.delete(id);
    this.changed();
  }

  // a snapshot as columns (from the stream worker): numbers in typed arrays, NaN for
  // unknown; text only for the tracks whose identity, callsign or class changed
  updateColumns(c) {
    const num = (x) => (Number.isNaN(x) ? null : x);
    const rows = new Array(c.n);
    for (let i = 0; i < c.n; i++) {
      let t = this.tracks.get(c.id[i]);
      if (!t) { t = { id: c.id[i], trail: [], identity: "", callsign: "", cls: "unknown" }; this.tracks.set(t.id, t); }
      t.lat = c.lat[i]; t.lon = c.lon[i]; t.alt = num(c.alt[i]); t.speed = num(c.speed[i]);
      t.heading = num(c.heading[i]); t.violator = c.violator[i] === 1;
      rows[i] = t;
    }
    for (const [i, identity, callsign, cls] of c.changed) Object.assign(rows[i], { identity, callsign, cls });
    for (const t of rows) {
      t.aff = affiliation(t);
      const last = t.trail[t.trail.length - 1];
      if (!last || last[0] !== t.lat || last[1] !== t.lon) t.trail.push([t.lat, t.lon]);
      if (t.trail.length > TRAIL_POINTS) t.trail.shift();
    }
    for (const id of c.removed) this.tracks.delete(id);
    this.changed();
  }

  put(id, identity, callsign, cls, lat, lon, alt, speed, heading, violator, trail) {
    let t = this.tracks.get(id);
    if (!t) { t = { id, trail: trail ? trail.map((p) => [p[1], p[0]]) : [] }; this.tracks.set(id, t); }
    t.identity = identity; t.callsign = callsign; t.cls = cls; t.lat = lat; t.lon = lon;
    t.alt = alt; t.speed = speed; t.heading = heading; t.violator = violator;
    t.aff = affiliation(t);
    const last = t.trail[t.trail.length - 1];
    if (!last || last[0] !== lat || last[1] !== lon) t.trail.push([lat, lon]);
    if (t.trail.length > TRAIL_POINTS) t.trail.shift();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  projector() {
    const map = this.map, size = this.size(), z = map.getZoom(), centre = map.getCenter();
    const scale = 512 * 2 ** z, k = Math.PI / 180;
    const mx = (lon) => (scale * (lon + 180)) / 360;
    const my = (lat) => { const s = Math.sin(Math.max(-85, Math.min(85, lat)) * k); return scale * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)); };
    const ox = mx(centre.lng) - size.x / 2, oy = my(centre.lat) - size.y / 2;
    return (lat, lon) => [mx(lon) - ox, my(lat) - oy];
  }

  size() {
    const el = this.map.getContainer();
    return { x: el.clientWidth, y: el.clientHeight };
  }

  draw() {
    const t0 = performance.now();
    const size = this.size();
    const dpr = window.devicePixelRatio || 1;
    const c = this.canvas;
    if (c.width !== size.x * dpr || c.height !== size.y * dpr) {
      c.width = size.x * dpr; c.height = size.y * dpr;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
    }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, size.x, size.y);
    const xy = this.projector(), zoom = this.map.getZoom();
    const W = size.x + 40, H = size.y + 40;
    const dense = this.tracks.size > 2000 && zoom < 7;
    const visible = [];
    for (const t of this.tracks.values()) {
      const p = xy(t.lat, t.lon);
      if (p[0] < -40 || p[1] < -40 || p[0] > W || p[1] > H) continue;
      t.x = p[0]; t.y = p[1];
      visible.push(t);
    }
    // trails: every track when few are shown, violators always
    g.lineWidth = 1.2;
    for (const t of visible) {
      if (t.trail.length < 2 || (dense && !t.violator)) continue;
      g.strokeStyle = COLOURS[t.aff] + "88";
      g.beginPath();
      for (let i = 0; i < t.trail.length; i++) {
        const q = xy(t.trail[i][0], t.trail[i][1]);
        i ? g.lineTo(q[0], q[1]) : g.moveTo(q[0], q[1]);
      }
      g.stroke();
    }
    if (dense) this.dots(g, visible);
    else for (const t of visible) this.symbol(g, t);
    this.label(g, visible, dense);
    this.perf.draws.push(performance.now() - t0);
    if (this.perf.draws.length > 4000) this.perf.draws.splice(0, 2000);
  }

  // many tracks at a low zoom: one path per affiliation, a heading tick each
  dots(g, visible) {
    for (const aff of Object.keys(COLOURS)) {
      g.fillStyle = COLOURS[aff]; g.strokeStyle = COLOURS[aff];
      g.beginPath();
      for (const t of visible) if (t.aff === aff && !t.violator) g.rect(t.x - 2, t.y - 2, 4, 4);
      g.fill();
    }
    for (const t of visible) if (t.violator) this.symbol(g, t);
  }

  label(g, visible, dense) {
    const cell = new Set(), units = this.units;
    g.font = "11px system-ui, sans-serif";
    const order = visible.filter((t) => t.violator).concat(dense || visible.length > 600 ? [] : visible.filter((t) => !t.violator));
    for (const t of order) {
      const key = `${Math.floor(t.x / 110)}:${Math.floor(t.y / 28)}`;
      if (!t.violator && cell.has(key)) continue;
      cell.add(key);
      g.fillStyle = COLOURS[t.aff];
      g.fillText(t.callsign || t.identity || `#${t.id}`, t.x + 10, t.y - 2);
      g.fillText(`${UNITS.alt(t.alt, units)} · ${UNITS.speed(t.speed, units)}`, t.x + 10, t.y + 10);
    }
  }

  symbol(g, t) {
    const colour = COLOURS[t.aff], r = t.violator ? 7 : 5;
    const kind = SYMBOLS[t.cls] || "square";
    g.save();
    g.translate(t.x, t.y);
    g.rotate(((t.heading || 0) * Math.PI) / 180);
    g.strokeStyle = colour; g.fillStyle = colour; g.lineWidth = 1.5;
    g.beginPath();
    if (kind === "triangle") { g.moveTo(0, -r - 3); g.lineTo(r, r); g.lineTo(-r, r); g.closePath(); g.fill(); }
    else if (kind.startsWith("diamond")) { g.moveTo(0, -r); g.lineTo(r, 0); g.lineTo(0, r); g.lineTo(-r, 0); g.closePath(); kind === "diamond" ? g.fill() : g.stroke(); }
    else if (kind.startsWith("plane")) { const s = kind === "plane" ? r : r - 1; g.moveTo(0, -s - 2); g.lineTo(0, s + 2); g.moveTo(-s - 1, 0); g.lineTo(s + 1, 0); g.moveTo(-s / 2, s + 1); g.lineTo(s / 2, s + 1); g.lineWidth = 2; g.stroke(); }
    else if (kind.startsWith("circle")) { g.arc(0, 0, r - 1, 0, 2 * Math.PI); g.stroke(); if (kind === "circle-cross") { g.moveTo(-r, 0); g.lineTo(r, 0); g.stroke(); } }
    else { g.rect(-r + 1, -r + 1, 2 * r - 2, 2 * r - 2); g.stroke(); }
    if (t.speed) { g.beginPath(); g.moveTo(0, -r); g.lineTo(0, -r - 10); g.lineWidth = 1; g.stroke(); }
    if (t.violator) { g.beginPath(); g.arc(0, 0, r + 4, 0, 2 * Math.PI); g.lineWidth = 1.5; g.stroke(); }
    g.restore();
  }
}
window.TrackLayer = TrackLayer;
window.UNITS = UNITS;
window.COLOURS = COLOURS;
