// airsentry operator console: map, live tracks, alerts, incident detail, replay, statistics.
// Talks only to its own server (REST under /api, WebSocket /api/stream); no CDN, no tiles.
"use strict";

const state = {
  token: "", user: null, incidents: new Map(), markers: new Map(), selected: null,
  mode: "live", replay: { events: [], t0: 0, t1: 0, now: 0, playing: false, speed: 60, i: 0 },
  ws: null, messages: 0, trackRows: 0,
};
window.airsentry = state;

// ---- session ------------------------------------------------------------------------
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

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// ---- map ----------------------------------------------------------------------------
const map = L.map("map", { preferCanvas: true, worldCopyJump: false, zoomSnap: 0.5 }).setView([54, 15], 4);
const renderer = L.canvas({ padding: 0.2 });
const ZONE_STYLE = {
  sovereign: { color: "#556", weight: 0.8, fillColor: "#f3efe6", fillOpacity: 1 },
  buffer: { color: "#d68910", weight: 0.6, dashArray: "3 3", fill: false },
  airport: { color: "#a93226", weight: 0.6, fillOpacity: 0.15 },
  site: { color: "#6c3483", weight: 1, fillOpacity: 0.2 },
  temporary: { color: "#8e44ad", weight: 1.5, dashArray: "6 3", fillOpacity: 0.15 },
};
const tracks = new TrackLayer(map);
state.tracks = tracks;

// Airport zones (thousands of small circles) appear from zoom 6; sovereign airspace,
// early-warning bands and the user's temporary zones and sites are always drawn.
async function loadZones() {
  for (const kinds of [["sovereign"], ["buffer"], ["site", "temporary"], ["airport"]]) {
    const q = kinds.map((k) => `kind=${k}`).join("&");
    const fc = await api(`/api/zones?${q}`);
    const layer = L.geoJSON(fc, {
      renderer, interactive: kinds[0] !== "buffer",
      style: (f) => ZONE_STYLE[f.properties.kind] || {},
      pointToLayer: (f, ll) => L.circleMarker(ll, { renderer, radius: 3 }),
      onEachFeature: (f, l) => l.bindTooltip(`${esc(f.properties.name)} (${f.properties.kind})`, { sticky: true }),
    });
    if (kinds[0] !== "airport") { layer.addTo(map); continue; }
    const toggle = () => (map.getZoom() >= 6 ? layer.addTo(map) : layer.remove());
    map.on("zoomend", toggle); toggle();
  }
}

// ---- incidents and alerts -------------------------------------------------------------
const sevClass = (s) => (s >= 50 ? "sev-high" : s >= 35 ? "sev-mid" : "sev-low");

function upsertIncident(inc) {
  state.incidents.set(inc.id, { ...(state.incidents.get(inc.id) || {}), ...inc });
  const i = state.incidents.get(inc.id);
  if (i.lat != null && i.lon != null) {
    let m = state.markers.get(i.id);
    if (!m) {
      m = L.circleMarker([i.lat, i.lon], { radius: 9, color: "#c0392b", weight: 2, fillOpacity: 0.25 }).addTo(map);
      m.bindTooltip(i.id, { permanent: true, direction: "right", className: "incident-label" });
      m.on("click", () => openIncident(i.id));
      state.markers.set(i.id, m);
    }
    m.setLatLng([i.lat, i.lon]);
  }
}

function renderAlerts() {
  const list = [...state.incidents.values()].sort((a, b) => b.severity - a.severity || (a.start < b.start ? 1 : -1));
  document.getElementById("alerts").innerHTML = list.map((i) => {
    const rec = i.recommendation_detail;
    const reasons = (rec?.reasons?.length ? rec.reasons : i.reasons).slice(0, 3);
    return `<li class="alert ${sevClass(i.severity)}" data-id="${esc(i.id)}">
      <div class="head"><span>${esc(i.id)}</span><span>severity ${i.severity}</span></div>
      <div>${esc(i.zone_name)} · ${i.object_count} object(s) · ${esc(i.classes.join(", "))} · ${esc(i.status)}</div>
      <div class="rec">${esc(i.recommendation || "no action")}${rec?.needs_decision ? ` — decision by ${esc(rec.authority)}` : ""}</div>
      <ul>${reasons.map((r) => `<li>${esc(r)}</li>`).join("")}</ul></li>`;
  }).join("");
  for (const li of document.querySelectorAll("#alerts .alert")) li.onclick = () => openIncident(li.dataset.id);
}

async function loadIncidents() {
  for (const inc of await api("/api/incidents")) upsertIncident(inc);
  renderAlerts();
}

async function openIncident(id) {
  state.selected = id;
  showTab("incident");
  const d = await api(`/api/incidents/${encodeURIComponent(id)}`);
  if (d.lat != null && state.panned !== id) { state.panned = id; map.setView([d.lat, d.lon], Math.max(map.getZoom(), 6)); }
  const rec = d.recommendation_detail;
  const el = document.getElementById("incident");
  el.innerHTML = `<h2>${esc(d.id)} — ${esc(d.zone_name)}</h2>
    <div>${esc(d.start)} → ${esc(d.end)} · ${d.object_count} object(s) · longest stay ${Math.round(d.dwell_s)} s · depth ${Math.round(d.depth_m)} m · ${esc(d.status)}</div>
    <p><strong>Recommended: ${esc(d.recommendation || "none")}</strong>${rec ? ` (decision by ${esc(rec.authority)}; needs ${esc(d.authorise_role)})` : ""}</p>
    <ul>${(rec?.reasons || d.reasons).map((r) => `<li>${esc(r)}</li>`).join("")}</ul>
    <div class="actions">
      <button id="ack">Acknowledge</button>
      ${rec ? `<button id="approve">Authorise ${esc(rec.action)}</button><button id="refuse">Refuse ${esc(rec.action)}</button>` : ""}
      <button id="engage">Authorise engagement</button>
    </div>
    <textarea id="note" rows="2" placeholder="note"></textarea><button id="annotate">Add note</button>
    <h3>Decisions</h3><ul id="decisions">${d.decisions.map((x) => `<li>${esc(x.time)} ${esc(x.operator)}: ${esc(x.kind)}${x.action ? ` ${esc(x.action)}` : ""} ${esc(x.note)}</li>`).join("") || "<li class=muted>none yet</li>"}</ul>
    <h3>Tracks involved</h3><table><tr><th>Track</th><th>Identity</th><th>Class</th><th>Stay</th><th>Depth</th></tr>
    ${d.tracks.map((t) => `<tr><td>${t.track_id ?? ""}</td><td>${esc(t.identity)}</td><td>${esc(t.target_class)}</td><td>${Math.round(t.dwell_s)} s</td><td>${Math.round(t.depth_m)} m</td></tr>`).join("")}</table>
    <h3>Timeline</h3><table id="timeline"><tr><th>Time</th><th>Event</th><th>Track</th><th>Why</th></tr>
    ${d.events.map((e) => `<tr><td>${esc(e.time.slice(11, 19))}</td><td>${esc(e.kind)}</td><td>${esc(e.callsign || e.identity || e.track_id)}</td><td>${esc(e.reasons.join("; "))}</td></tr>`).join("")}</table>`;
  const note = () => document.getElementById("note").value;
  const act = async (path, body, done) => {
    try { await api(path, { method: "POST", body: JSON.stringify(body) }); say(done); openIncident(id); }
    catch (err) { say(`refused: ${err.message}`, "error"); }
  };
  const base = `/api/incidents/${encodeURIComponent(id)}`;
  document.getElementById("ack").onclick = () => act(`${base}/acknowledge`, { note: note() }, `${id} acknowledged`);
  document.getElementById("annotate").onclick = () => act(`${base}/notes`, { text: note() || "(empty)" }, "note added");
  document.getElementById("engage").onclick = () => act(`${base}/decisions`, { action: "engage", decision: "approve", note: note() }, "engagement authorised");
  if (rec) {
    document.getElementById("approve").onclick = () => act(`${base}/decisions`, { action: rec.action, decision: "approve", note: note() }, `${rec.action} authorised`);
    document.getElementById("refuse").onclick = () => act(`${base}/decisions`, { action: rec.action, decision: "refuse", note: note() }, `${rec.action} refused`);
  }
}

async function loadStats() {
  const rows = await api("/api/statistics");
  document.querySelector("#stats tbody").innerHTML = rows.map((r) => `<tr><td>${esc(r.owner)}</td><td>${r.year}</td><td>${r.incidents}</td></tr>`).join("");
}

async function loadSensors() {
  const rows = await api("/api/sensors");
  document.querySelector("#sensors tbody").innerHTML = rows.map((s) => `<tr><td>${esc(s.name)}</td><td>${s.reports}</td><td>${esc(s.last_seen || "")}</td><td>${s.silent ? "silent" : ""}</td></tr>`).join("");
}

function showTab(name) {
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.classList.toggle("active", s.id === `tab-${name}`);
  if (name === "stats") loadStats();
  if (name === "sensors") loadSensors();
}
for (const b of document.querySelectorAll("nav button")) b.onclick = () => showTab(b.dataset.tab);

// ---- live stream ----------------------------------------------------------------------
function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/api/stream?token=${encodeURIComponent(state.token)}`);
  state.ws = ws;
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    state.messages += 1;
    if (msg.type === "tracks") {
      state.trackRows += msg.tracks.length;
      if (state.mode === "live") tracks.updateRows(msg.tracks, msg.removed);
      if (msg.time) document.getElementById("clock").textContent = msg.time.replace("T", " ").slice(0, 19) + "Z";
    } else if (msg.type === "snapshot" && state.mode === "live") {
      for (const t of msg.tracks) tracks.put(t.id, t.identity, t.callsign, t.target_class, t.lat, t.lon, t.alt_m, t.speed_mps, t.heading_deg, t.violator, t.trail);
      tracks.schedule();
    } else if (msg.type === "alert") {
      upsertIncident(msg.incident); renderAlerts();
    } else if (msg.type === "decision" && msg.decision.incident_id === state.selected) {
      openIncident(state.selected);
    } else if (msg.type === "status") {
      document.getElementById("status").textContent = `${msg.running ? "running" : "idle"} · ${msg.tracks ?? 0} tracks · ${msg.events} events`;
    }
  };
  ws.onclose = (e) => { if (e.code === 4401) showLogin(); else setTimeout(connect, 2000); };
}

// ---- replay of stored events ----------------------------------------------------------
const slider = document.getElementById("slider");
const fmt = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 19) + "Z";

async function enterReplay() {
  const span = await api("/api/events/span");
  if (!span.first) { say("no stored events to replay", "error"); return; }
  const r = state.replay;
  r.t0 = Date.parse(span.first); r.t1 = Date.parse(span.last) + 1000;
  r.events = (await api(`/api/events?since=${encodeURIComponent(span.first)}&limit=100000`))
    .filter((e) => e.lat != null && e.lon != null).map((e) => ({ ...e, ms: Date.parse(e.time) }));
  for (const el of [slider, document.getElementById("play"), document.getElementById("speed")]) el.disabled = false;
  seek(r.t0);
}

function seek(ms) {
  const r = state.replay;
  r.now = ms; tracks.clear(); inside.clear(); r.i = 0;
  const from = ms - 15 * 60 * 1000; // tracks seen in the last 15 minutes of event time
  while (r.i < r.events.length && r.events[r.i].ms <= ms) { if (r.events[r.i].ms >= from) showEvent(r.events[r.i]); r.i++; }
  renderReplayTime();
}

// A track of the replay is a violator while it is inside a zone it entered unauthorised.
const inside = new Map(); // track -> Set of zone ids entered without authorisation
function showEvent(e) {
  const id = e.track_id ?? e.identity;
  if (!inside.has(id)) inside.set(id, new Set());
  const zones = inside.get(id);
  if (e.kind === "exit") zones.delete(e.zone_id);
  else if (e.authorised === false && (e.kind === "entry" || e.kind === "swarm")) zones.add(e.zone_id);
  tracks.put(id, e.identity, e.callsign, e.target_class, e.lat, e.lon, e.alt_m, null, 0, zones.size > 0);
}

function renderReplayTime() {
  const r = state.replay;
  slider.value = Math.round(((r.now - r.t0) / Math.max(1, r.t1 - r.t0)) * slider.max);
  document.getElementById("replay-time").textContent = fmt(r.now);
  document.getElementById("clock").textContent = fmt(r.now);
  tracks.schedule();
}

let lastFrame = 0;
function replayFrame(now) {
  const r = state.replay;
  if (!r.playing || state.mode !== "replay") return;
  const dt = lastFrame ? now - lastFrame : 0; lastFrame = now;
  r.now = Math.min(r.t1, r.now + dt * r.speed);
  // jump over quiet gaps: the next event comes within a second of wall time
  if (r.i < r.events.length && r.events[r.i].ms - r.now > r.speed * 1000) r.now = r.events[r.i].ms - r.speed * 500;
  while (r.i < r.events.length && r.events[r.i].ms <= r.now) showEvent(r.events[r.i++]);
  renderReplayTime();
  if (r.now >= r.t1) { r.playing = false; document.getElementById("play").textContent = "▶"; return; }
  requestAnimationFrame(replayFrame);
}

slider.oninput = () => { const r = state.replay; seek(r.t0 + (slider.value / slider.max) * (r.t1 - r.t0)); };
document.getElementById("speed").onchange = (e) => { state.replay.speed = Number(e.target.value); };
document.getElementById("play").onclick = (e) => {
  const r = state.replay; r.playing = !r.playing; e.target.textContent = r.playing ? "❚❚" : "▶";
  if (r.playing) { lastFrame = 0; requestAnimationFrame(replayFrame); }
};
for (const radio of document.querySelectorAll("input[name=mode]")) {
  radio.onchange = async () => {
    state.mode = radio.value; state.replay.playing = false; tracks.clear();
    if (state.mode === "replay") await enterReplay();
    else {
      for (const el of [slider, document.getElementById("play"), document.getElementById("speed")]) el.disabled = true;
      for (const t of await api("/api/tracks")) tracks.put(t.id, t.identity, t.callsign, t.target_class, t.lat, t.lon, t.alt_m, t.speed_mps, t.heading_deg, t.violator, t.trail);
      tracks.schedule();
    }
  };
}

// ---- start ------------------------------------------------------------------------------
(async function start() {
  state.token = readToken();
  if (!state.token) { showLogin(); return; }
  try {
    state.user = await api("/api/me");
    document.getElementById("who").textContent = `${state.user.name} (${state.user.role})`;
    await loadIncidents();
    connect();
    await loadZones();
    document.body.dataset.ready = "true";
  } catch (err) { say(err.message, "error"); }
})();
