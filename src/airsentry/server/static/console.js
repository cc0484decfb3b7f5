// airsentry operator console: offline base map, live tracks, track table, alerts,
// incident detail, replay of the track log, layers, statistics.
// Talks only to its own server (REST under /api, WebSocket /api/stream); no CDN, no tiles.
"use strict";

const state = {
  token: "", user: null, incidents: new Map(), markers: new Map(), selected: null,
  mode: "live", replay: { t0: 0, t1: 0, now: 0, playing: false, speed: 60, loading: false, fetchedAt: 0 },
  ws: null, messages: 0, trackRows: 0, notified: [], prefs: {},
};
window.airsentry = state;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
window.esc = esc;

// ---- session and preferences (remembered per user in localStorage) ------------------
function readToken() {
  const m = /token=([^&]+)/.exec(location.hash);
  if (m) { sessionStorage.setItem("airsentry-token", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname); }
  return sessionStorage.getItem("airsentry-token") || "";
}

async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  if (res.status === 401) { showLogin(); throw new Error("not signed in"); }
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${body.detail || body}`);
  return body;
}

function showLogin() {
  const box = document.getElementById("login");
  box.hidden = false;
  box.querySelector("form").onsubmit = (e) => {
    e.preventDefault();
    sessionStorage.setItem("airsentry-token", document.getElementById("token").value.trim());
    location.reload();
  };
}

function say(text, kind = "ok") {
  const el = document.getElementById("message");
  el.textContent = text; el.className = kind;
}

const PREFS = { units: "aviation", tz: "utc", alertMin: 50, sound: true };
function loadPrefs() {
  const key = `airsentry-prefs:${state.user.name}`;
  state.prefs = { ...PREFS, ...JSON.parse(localStorage.getItem(key) || "{}") };
  const save = () => localStorage.setItem(key, JSON.stringify(state.prefs));
  const bind = (id, field, read) => {
    const el = document.getElementById(id);
    if (el.type === "checkbox") el.checked = state.prefs[field]; else el.value = state.prefs[field];
    el.onchange = () => { state.prefs[field] = read(el); save(); applyPrefs(); };
  };
  bind("units", "units", (el) => el.value);
  bind("tz", "tz", (el) => el.value);
  bind("alert-min", "alertMin", (el) => Number(el.value));
  bind("sound", "sound", (el) => el.checked);
  applyPrefs();
}
function applyPrefs() {
  tracks.units = state.prefs.units; tracks.schedule(); table.changed();
  renderAlerts();
  if (state.selected) openIncident(state.selected, { keepView: true });
}

// Times: UTC ("2025-09-22 19:00:00Z") or the browser's zone, as the user chose.
function fmtTime(t) {
  if (t == null) return "—";
  const d = typeof t === "number" ? new Date(t) : new Date(t);
  if (state.prefs.tz === "local") return d.toLocaleString("sv-SE", { timeZoneName: "short" });
  return d.toISOString().replace("T", " ").slice(0, 19) + "Z";
}
function fmtDuration(s) {
  if (s == null) return "—";
  s = Math.round(s);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
const fmtDistance = (m) => (m == null ? "—" : state.prefs.units === "metric" || m < 1852 ? (m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`) : `${(m / 1852).toFixed(1)} NM`);

// ---- map ----------------------------------------------------------------------------
const base = new BaseMap("map");
const map = base.map;
const tracks = new TrackLayer(map);
const table = new TrackTable(tracks, map);
tracks.onchange = () => table.changed();
state.tracks = tracks; state.base = base; state.table = table; state.map = map;
const ZONE_STYLE = { // outlines over the base map: land and territorial sea stay apart
  sovereign: { color: "#4b5a6b", weight: 1.4, fill: false },
  buffer: { color: "#d68910", weight: 0.8, dash: [4, 4], fill: false },
  airport: { color: "#a93226", weight: 1, fillOpacity: 0.08 },
  site: { color: "#6c3483", weight: 1.2, fillOpacity: 0.12 },
  temporary: { color: "#8e44ad", weight: 1.5, dash: [4, 2], fillOpacity: 0.12 },
};
const overlays = {}; // name -> Overlay

// An overlay and its row in the Layers tab (minZoom in MapLibre zoom levels)
function addOverlay(name, label, data, style, { minZoom = 0, on = true, tooltip = true } = {}) {
  const o = new Overlay(map, `ov-${name}`, data, style, { minzoom: minZoom, visible: on, tooltip });
  overlays[name] = o;
  const row = document.createElement("label");
  row.innerHTML = `<input type="checkbox" data-layer="${name}" ${on ? "checked" : ""}> ${esc(label)}${minZoom ? ` <span class="muted">(from zoom ${minZoom})</span>` : ""}`;
  row.querySelector("input").onchange = (e) => o.setVisible(e.target.checked);
  document.getElementById("layers").appendChild(row);
  return o;
}
const tipped = (fc, tip) => ({ ...fc, features: fc.features.map((f) => ({ ...f, properties: { ...f.properties, _tip: tip(f.properties || {}) } })) });

async function loadZones() {
  const groups = [["sovereign", "Sovereign airspace (outline)", {}], ["buffer", "30 km bands", {}],
    ["airport", "Airport zones", { minZoom: 7 }], ["temporary", "Temporary zones", {}], ["site", "Protected sites", {}]];
  for (const [kind, label, opts] of groups) {
    const fc = await api(`/api/zones?kind=${kind}`);
    table.addZones(fc.features.filter((f) => kind !== "buffer"));
    const quiet = kind === "buffer" || kind === "sovereign";
    addOverlay(kind, label, tipped(fc, (p) => `${p.name} (${p.kind})`), ZONE_STYLE[kind], { ...opts, tooltip: !quiet });
    if (kind === "airport") base.setAirports(fc.features);
    if (kind === "site") addRangeRings(fc.features);
  }
}

// Range rings (5, 10, 20 km) around each protected site: what its sensors cover.
function addRangeRings(features) {
  const rings = [];
  for (const f of features) {
    const [w, s, e, n] = bboxOf(f.geometry);
    for (const r of [5000, 10000, 20000]) rings.push(circle((w + e) / 2, (s + n) / 2, r));
  }
  addOverlay("rings", "Range rings (sites)", { type: "FeatureCollection", features: rings },
    { color: "#6c3483", weight: 0.8, dash: [1, 3], fill: false }, { on: false, tooltip: false });
}

// Sensors that measure from a site (radar, direction finders): the site, the coverage
// seen so far (a circle of the longest range measured) and range rings inside it.
let sensorLayer = null;
async function refreshSensors() {
  let rows;
  try { rows = await api("/api/sensors"); } catch { return; }
  const features = [];
  for (const s of rows) {
    if (s.lat == null) continue;
    features.push({ type: "Feature", geometry: { type: "Point", coordinates: [s.lon, s.lat] },
      properties: { _tip: `${s.name}: ${s.reports} reports; coverage ${fmtDistance(s.range_m)}${s.silent ? " (silent)" : ""}` } });
    if (s.range_m) features.push(circle(s.lon, s.lat, s.range_m, { _fo: 0.05 }));
    for (const r of [5000, 10000, 20000, 50000]) {
      if (!s.range_m || r < s.range_m) features.push(circle(s.lon, s.lat, r, { _fo: 0 }));
    }
  }
  const fc = { type: "FeatureCollection", features };
  if (!sensorLayer) sensorLayer = addOverlay("sensors", "Sensor coverage and range rings", fc, { color: "#6c3483", weight: 0.8, fillOpacity: 0.05 });
  else sensorLayer.setData(fc);
  state.sensorSites = rows.filter((s) => s.lat != null).length;
}

// Heat map and GNSS-interference layers: drawn when the server has the endpoint, hidden
// otherwise. /api/heatmap: H3 cells with approaches and violations (the scan package);
// /api/gnss: H3 cells with the share of aircraft with degraded navigation and a status
// (docs/gnss.md). Any other FeatureCollection is shaded by `value` (or `count`, `level`).
const GNSS_STATUS = { insufficient: "#9aa0a6", clean: "#2e9e44", suspect: "#e0a100", degraded: "#d0312d" };
const heatValue = (p) => Number(p.value ?? p.count ?? p.level ?? (p.approaches ?? 0) + 2 * (p.violations ?? 0));
async function loadOptionalLayers() {
  for (const [name, path, label] of [["heatmap", "/api/heatmap", "Heat map (approaches, violations)"], ["gnss", "/api/gnss", "GNSS interference"]]) {
    let fc;
    try { fc = await api(path); } catch { continue; }
    if (!fc || !Array.isArray(fc.features)) continue;
    const top = Math.max(1, ...fc.features.map((f) => heatValue(f.properties || {})));
    const paint = (p) => {
      if (name === "gnss" && p.status) {
        const c = GNSS_STATUS[p.status] || "#777";
        return { _c: c, _fc: c, _fo: p.status === "insufficient" ? 0.15 : 0.25 + 0.5 * (p.share ?? 0) };
      }
      return { _c: "#e4572e", _fc: "#e4572e", _fo: 0.1 + 0.6 * (heatValue(p) / top) };
    };
    const tip = (p) => (name === "gnss" ? `GNSS ${p.status}${p.share != null ? ` ${Math.round(p.share * 100)} %` : ""} of ${p.aircraft ?? "?"} aircraft` : `${p.approaches ?? 0} approaches, ${p.violations ?? 0} violations${p.month ? ` (${p.month})` : ""}`);
    const styled = { ...fc, features: fc.features.map((f) => ({ ...f, properties: { ...(f.properties || {}), ...paint(f.properties || {}), _tip: tip(f.properties || {}) } })) };
    addOverlay(name, label, styled, { weight: name === "gnss" ? 0.5 : 0, radius: 6 }, { on: false });
  }
}

// ---- incidents and alerts -------------------------------------------------------------
const sevClass = (s) => (s >= 50 ? "sev-high" : s >= 35 ? "sev-mid" : "sev-low");
const statusOf = (i) => (i.status === "closed" ? "closed" : i.acknowledged ? "acknowledged" : "open");
const can = (role) => ({ viewer: 0, operator: 1, commander: 2 })[state.user?.role] >= ({ viewer: 0, operator: 1, commander: 2 })[role];

function upsertIncident(inc) {
  const known = state.incidents.get(inc.id);
  state.incidents.set(inc.id, { ...(known || {}), ...inc });
  const i = state.incidents.get(inc.id);
  if (i.lat != null && i.lon != null) {
    let m = state.markers.get(i.id);
    if (!m) {
      const el = document.createElement("div");
      el.className = "incident-marker";
      el.innerHTML = `<i></i><span class="incident-label">${esc(i.id)}</span>`;
      el.onclick = () => openIncident(i.id);
      m = new maplibregl.Marker({ element: el, anchor: "left", offset: [-9, 0] }).setLngLat([i.lon, i.lat]).addTo(map);
      state.markers.set(i.id, m);
    }
    m.setLngLat([i.lon, i.lat]);
  }
  return !known;
}

// A new alert at or above the chosen severity: a tone and a browser notification.
function announce(inc) {
  if (inc.severity < state.prefs.alertMin) return;
  state.notified.push(inc.id);
  if (state.prefs.sound) beep();
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      const n = new Notification(`airsentry: ${inc.id} — severity ${inc.severity}`, { body: `${inc.zone_name}: ${inc.object_count} object(s), ${inc.classes.join(", ")}. ${inc.recommendation || ""}`, tag: inc.id });
      n.onclick = () => { window.focus(); openIncident(inc.id); };
    } catch (err) { say(`notification failed: ${err.message}`, "error"); }
  }
}
let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = 880; g.gain.value = 0.15; o.connect(g); g.connect(audio.destination);
    o.start(); o.stop(audio.currentTime + 0.25);
  } catch { /* no audio device */ }
}
document.getElementById("notify-enable").onclick = async () => {
  if (!("Notification" in window)) { say("this browser has no notifications", "error"); return; }
  say(`notifications: ${await Notification.requestPermission()}`);
};

function renderAlerts() {
  const wanted = new Set([...document.querySelectorAll("input[name=alert-status]:checked")].map((x) => x.value));
  const rank = { open: 0, acknowledged: 1, closed: 2 };
  const all = [...state.incidents.values()];
  const list = all.filter((i) => wanted.has(statusOf(i)))
    .sort((a, b) => rank[statusOf(a)] - rank[statusOf(b)] || b.severity - a.severity || (a.start < b.start ? 1 : -1));
  document.getElementById("alert-count").textContent = `${list.length} of ${all.length}`;
  const ackable = can("operator");
  document.getElementById("alerts").innerHTML = list.map((i) => {
    const rec = i.recommendation_detail;
    const reasons = (rec?.reasons?.length ? rec.reasons : i.reasons).slice(0, 3);
    const st = statusOf(i);
    return `<li class="alert ${sevClass(i.severity)} st-${st}" data-id="${esc(i.id)}">
      <div class="head"><span>${esc(i.id)}</span><span class="badge">${st}</span><span>severity ${i.severity}</span></div>
      <div>${esc(i.zone_name)} · ${i.object_count} object(s) · ${esc(i.classes.join(", "))} · ${fmtTime(i.start)}</div>
      <div class="rec">${esc(i.recommendation || "no action")}${rec?.needs_decision ? ` — decision by ${esc(rec.authority)}` : ""}</div>
      <ul>${reasons.map((r) => `<li>${esc(r)}</li>`).join("")}</ul>
      ${ackable && st === "open" ? `<button class="ack-one" data-id="${esc(i.id)}">Acknowledge</button>` : ""}</li>`;
  }).join("");
  for (const li of document.querySelectorAll("#alerts .alert")) li.onclick = () => openIncident(li.dataset.id);
  for (const b of document.querySelectorAll("#alerts .ack-one")) {
    b.onclick = async (e) => {
      e.stopPropagation();
      try { await api(`/api/incidents/${encodeURIComponent(b.dataset.id)}/acknowledge`, { method: "POST", body: JSON.stringify({ note: "" }) }); }
      catch (err) { say(`refused: ${err.message}`, "error"); return; }
      state.incidents.get(b.dataset.id).acknowledged = true; say(`${b.dataset.id} acknowledged`); renderAlerts();
    };
  }
}
for (const cb of document.querySelectorAll("input[name=alert-status]")) cb.onchange = renderAlerts;

async function loadIncidents() {
  for (const inc of await api("/api/incidents")) upsertIncident(inc);
  renderAlerts();
}

