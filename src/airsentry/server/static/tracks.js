// Track layer: one canvas over the map, redrawn at most once per animation frame.
// Each track: a class symbol turned to its heading, a trail, and a label (identity,
// altitude, speed). Violators are red and always labelled. Drawing a thousand tracks
// costs a few milliseconds; the page records each draw and frame in `perf`.
"use strict";

const SYMBOLS = {
  drone: "diamond", decoy_drone: "diamond-open", fast_jet: "triangle", airliner: "plane",
  helicopter: "circle-cross", light_aircraft: "plane-small", balloon: "circle", unknown: "square",
};
const TRAIL_POINTS = 20;

class TrackLayer {
  constructor(map) {
    this.map = map;
    this.tracks = new Map(); // id -> {id, identity, callsign, cls, lat, lon, alt, speed, heading, violator, trail}
    this.canvas = document.createElement("canvas");
    this.canvas.id = "trackcanvas";
    map.getContainer().appendChild(this.canvas);
    this.pending = false;
    this.perf = { draws: [], frames: [], last: 0 };
    for (const ev of ["move", "zoom", "resize", "viewreset"]) map.on(ev, () => this.schedule());
    const tick = (now) => {
      if (this.perf.last) this.perf.frames.push(now - this.perf.last);
      if (this.perf.frames.length > 2000) this.perf.frames.splice(0, 1000);
      this.perf.last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  clear() { this.tracks.clear(); this.schedule(); }

  // rows: [id, identity, callsign, class, lat, lon, alt, speed, heading, violator]
  updateRows(rows, removed) {
    for (const r of rows) this.put(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]);
    for (const id of removed || []) this.tracks.delete(id);
    this.schedule();
  }

  put(id, identity, callsign, cls, lat, lon, alt, speed, heading, violator, trail) {
    let t = this.tracks.get(id);
    if (!t) { t = { id, trail: trail ? trail.map((p) => [p[1], p[0]]) : [] }; this.tracks.set(id, t); }
    Object.assign(t, { identity, callsign, cls, lat, lon, alt, speed, heading, violator });
    const last = t.trail[t.trail.length - 1];
    if (!last || last[0] !== lat || last[1] !== lon) t.trail.push([lat, lon]);
    if (t.trail.length > TRAIL_POINTS) t.trail.shift();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    const t0 = performance.now();
    const size = this.map.getSize();
    const dpr = window.devicePixelRatio || 1;
    const c = this.canvas;
    if (c.width !== size.x * dpr || c.height !== size.y * dpr) {
      c.width = size.x * dpr; c.height = size.y * dpr;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
    }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, size.x, size.y);
    const bounds = this.map.getBounds().pad(0.1);
    const labelAll = this.map.getZoom() >= 7 || this.tracks.size <= 60;
    g.lineWidth = 1;
    g.font = "11px system-ui, sans-serif";
    const toXY = (ll) => this.map.latLngToContainerPoint(ll);
    for (const t of this.tracks.values()) {
      if (!bounds.contains([t.lat, t.lon])) continue;
      const colour = t.violator ? "#c0392b" : "#1f4e79";
      if (t.trail.length > 1) {
        g.strokeStyle = t.violator ? "rgba(192,57,43,.55)" : "rgba(31,78,121,.4)";
        g.beginPath();
        t.trail.forEach((p, i) => { const q = toXY(p); i ? g.lineTo(q.x, q.y) : g.moveTo(q.x, q.y); });
        g.stroke();
      }
      const p = toXY([t.lat, t.lon]);
      this.symbol(g, p.x, p.y, t, colour);
      if (labelAll || t.violator) {
        g.fillStyle = colour;
        const alt = t.alt == null ? "—" : `${Math.round(t.alt)} m`;
        const spd = t.speed == null ? "—" : `${Math.round(t.speed * 3.6)} km/h`;
        g.fillText(`${t.callsign || t.identity || "#" + t.id}`, p.x + 9, p.y - 2);
        g.fillText(`${alt} · ${spd}`, p.x + 9, p.y + 10);
      }
    }
    this.perf.draws.push(performance.now() - t0);
    if (this.perf.draws.length > 2000) this.perf.draws.splice(0, 1000);
  }

  symbol(g, x, y, t, colour) {
    const r = t.violator ? 7 : 5;
    const kind = SYMBOLS[t.cls] || "square";
    g.save();
    g.translate(x, y);
    g.rotate(((t.heading || 0) * Math.PI) / 180);
    g.strokeStyle = colour; g.fillStyle = colour;
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
