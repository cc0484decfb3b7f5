// Live stream and replay. Live: the WebSocket's track snapshots and alerts. Replay:
// every track at the chosen time with its trail, from the track log the pipeline
// records (GET /api/tracks/at), with a slider over the stored period, play at a chosen
// speed, and a jump to any time (or to an incident's start from the incident view).
"use strict";

function showTab(name) {
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.classList.toggle("active", s.id === `tab-${name}`);
  if (name === "stats") loadStats();
  if (name === "sensors") loadSensors();
  if (name === "tracks") table.render();
}
for (const b of document.querySelectorAll("nav button")) b.onclick = () => showTab(b.dataset.tab);

async function loadStats() {
  const rows = await api("/api/statistics");
  document.querySelector("#stats tbody").innerHTML = rows.map((r) => `<tr><td>${esc(r.owner)}</td><td>${r.year}</td><td>${r.incidents}</td></tr>`).join("");
}

async function loadSensors() {
  const rows = await api("/api/sensors");
  document.querySelector("#sensors tbody").innerHTML = rows.map((s) => `<tr><td>${esc(s.name)}</td><td>${s.reports}</td><td>${esc(s.last_seen ? fmtTime(s.last_seen) : "")}</td><td>${s.silent ? "silent" : ""}</td></tr>`).join("");
}

// ---- live stream ----------------------------------------------------------------------
function putAll(list) {
  for (const t of list) tracks.put(t.id, t.identity, t.callsign, t.target_class, t.lat, t.lon, t.alt_m, t.speed_mps, t.heading_deg, t.violator, t.trail);
  tracks.changed();
}

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const worker = new Worker("/static/stream-worker.js");
  state.ws = worker;
  worker.postMessage({ type: "open", url: `${proto}://${location.host}/api/stream?token=${encodeURIComponent(state.token)}` });
  worker.onmessage = (e) => {
    const t0 = performance.now();
    const msg = e.data;
    state.messages += 1;
    if (msg.type === "columns") {
      state.trackRows += msg.n;
      if (state.mode === "live") {
        tracks.updateColumns(msg);
        if (msg.time) document.getElementById("clock").textContent = fmtTime(msg.time);
      }
      tracks.perf.handle.push(performance.now() - t0);
      tracks.perf.parse.push(msg.parse_ms);
      if (tracks.perf.handle.length > 4000) { tracks.perf.handle.splice(0, 2000); tracks.perf.parse.splice(0, 2000); }
    } else if (msg.type === "snapshot" && state.mode === "live") {
      putAll(msg.tracks);
    } else if (msg.type === "alert") {
      if (upsertIncident(msg.incident)) announce(msg.incident);
      renderAlerts();
    } else if (msg.type === "decision" && msg.decision.incident_id === state.selected) {
      openIncident(state.selected, { keepView: true });
    } else if (msg.type === "status") {
      document.getElementById("status").textContent = `${msg.running ? "running" : "idle"} · ${msg.tracks ?? 0} tracks · ${msg.events} events`;
    } else if (msg.type === "closed") {
      worker.terminate();
      if (msg.code === 4401) showLogin(); else setTimeout(connect, 2000);
    }
  };
}

// ---- replay of the track log ------------------------------------------------------------
const slider = document.getElementById("slider");
const replayControls = ["slider", "play", "speed", "replay-at", "replay-go"].map((id) => document.getElementById(id));

async function enterReplay() {
  const span = await api("/api/tracks/span");
  if (!span.first) { say("no stored track history to replay", "error"); return false; }
  const r = state.replay;
  r.t0 = Date.parse(span.first); r.t1 = Date.parse(span.last);
  for (const el of replayControls) el.disabled = false;
  return true;
}

// Fetch every track at the replay's time (one request in flight; the newest time wins).
async function showAt(ms) {
  const r = state.replay;
  r.now = ms; renderReplayTime();
  if (r.loading) { r.pending = true; return; }
  r.loading = true;
  try {
    // the view and half of it again on each side: a busy period's far tracks stay home
    const bbox = paddedBounds(map, 0.5).map((x) => x.toFixed(3)).join(",");
    const res = await api(`/api/tracks/at?t=${encodeURIComponent(new Date(ms).toISOString())}&trail=300&bbox=${bbox}`);
    if (state.mode !== "replay") return;
    tracks.tracks.clear();
    putAll(res.tracks);
    r.shownAt = ms;
  } catch (err) { say(err.message, "error"); }
  finally {
    r.loading = false;
    if (r.pending) { r.pending = false; if (r.shownAt !== r.now) showAt(r.now); }
  }
}

function renderReplayTime() {
  const r = state.replay;
  slider.value = Math.round(((r.now - r.t0) / Math.max(1, r.t1 - r.t0)) * slider.max);
  document.getElementById("replay-time").textContent = fmtTime(r.now);
  document.getElementById("clock").textContent = fmtTime(r.now);
}

// Replay from `ms`, centred on [lat, lon] or showing the box [[w, s], [e, n]] when given
async function replayAt(ms, centre, box = null) {
  if (state.mode !== "replay") {
    document.querySelector("input[name=mode][value=replay]").checked = true;
    await setMode("replay");
  }
  if (box) map.fitBounds(box, { padding: 40, maxZoom: 11, animate: false });
  else if (centre && centre[0] != null) centreOn(map, centre[0], centre[1], 9);
  await showAt(ms);
}
window.replayAt = replayAt;

let lastFrame = 0;
function replayFrame(now) {
  const r = state.replay;
  if (!r.playing || state.mode !== "replay") return;
  const dt = lastFrame ? now - lastFrame : 0; lastFrame = now;
  r.now = Math.min(r.t1, r.now + dt * r.speed);
  renderReplayTime();
  if (now - r.fetchedAt > 250) { r.fetchedAt = now; showAt(r.now); }
  if (r.now >= r.t1) { r.playing = false; document.getElementById("play").textContent = "▶"; return; }
  requestAnimationFrame(replayFrame);
}

slider.oninput = () => { const r = state.replay; showAt(r.t0 + (slider.value / slider.max) * (r.t1 - r.t0)); };
document.getElementById("speed").onchange = (e) => { state.replay.speed = Number(e.target.value); };
document.getElementById("play").onclick = (e) => {
  const r = state.replay; r.playing = !r.playing; e.target.textContent = r.playing ? "❚❚" : "▶";
  if (r.playing) { lastFrame = 0; requestAnimationFrame(replayFrame); }
};
document.getElementById("replay-go").onclick = () => {
  const ms = Date.parse(document.getElementById("replay-at").value.trim());
  if (Number.isNaN(ms)) { say("give a time such as 2025-09-22T19:00:00Z", "error"); return; }
  showAt(ms);
};

async function setMode(mode) {
  state.mode = mode; state.replay.playing = false; tracks.clear();
  if (mode === "replay") { if (await enterReplay()) await showAt(state.replay.now || state.replay.t0); return; }
  for (const el of replayControls) el.disabled = true;
  putAll(await api("/api/tracks"));
}
for (const radio of document.querySelectorAll("input[name=mode]")) radio.onchange = () => setMode(radio.value);
map.on("moveend", () => { if (state.mode === "replay" && !state.replay.playing && state.replay.shownAt != null) showAt(state.replay.now); });

// ---- start ------------------------------------------------------------------------------
(async function start() {
  state.token = readToken();
  if (!state.token) { showLogin(); return; }
  try {
    state.user = await api("/api/me");
    document.getElementById("who").textContent = `${state.user.name} (${state.user.role})`;
    document.body.dataset.role = state.user.role;
    loadPrefs();
    await loadIncidents();
    connect();
    await base.load();
    await loadZones();
    await loadOptionalLayers();
    await refreshSensors();
    setInterval(refreshSensors, 10_000);
    document.body.dataset.ready = "true";
  } catch (err) { say(err.message, "error"); }
})();
