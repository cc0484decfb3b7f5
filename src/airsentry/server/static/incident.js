// Incident view: the objects' paths and entry/exit points on the map, a readable
// timeline, the decisions (who, role, when, why), only the actions the signed-in role
// may take, the dossier export, and a jump to the replay at the incident's start.
"use strict";

let incidentLayer = null; // the selected incident's paths and entry/exit points
const PATH_COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

// A decision's note is JSON for authorisations and refusals (role, step, reasons).
function decisionText(x) {
  let role = "", why = x.note || "";
  try {
    const n = JSON.parse(x.note);
    if (n && typeof n === "object") { role = n.role || ""; why = (n.reasons || []).join("; "); }
  } catch { /* a plain note */ }
  const what = x.kind === "acknowledge" ? "acknowledged" : x.kind === "note" ? "noted" : `${x.kind === "authorise" ? "authorised" : "refused"} ${x.action || ""}`;
  return `<li><span class="when">${esc(fmtTime(x.time))}</span> <strong>${esc(x.operator)}</strong>${role ? ` <span class="role">as ${esc(role)}</span>` : ""}: ${esc(what)}${why ? ` — <span class="why">${esc(why)}</span>` : ""}</li>`;
}

async function drawPaths(d) {
  if (!incidentLayer) incidentLayer = new Overlay(map, "incident", null, { weight: 2.5, opacity: 0.85, fill: false, radius: 5 });
  const features = [];
  let paths = {};
  try { paths = (await api(`/api/incidents/${encodeURIComponent(d.id)}/paths`)).paths; } catch { /* no log */ }
  const ids = Object.keys(paths);
  ids.forEach((id, k) => {
    if (paths[id].length > 1) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: paths[id].map((p) => [p[0], p[1]]) }, properties: { _c: PATH_COLOURS[k % PATH_COLOURS.length] } });
  });
  for (const e of d.events) {
    if (e.lat == null || (e.kind !== "entry" && e.kind !== "exit")) continue;
    features.push({ type: "Feature", geometry: { type: "Point", coordinates: [e.lon, e.lat] }, properties: {
      _c: e.kind === "entry" ? "#c0392b" : "#1e8449", _fo: 0.9, _tip: `${e.kind} ${e.callsign || e.identity || e.track_id} ${fmtTime(e.time)}` } });
  }
  incidentLayer.setData({ type: "FeatureCollection", features });
  // the extent of the objects' paths: what the replay from the start should show
  const b = features.length ? bboxOf({ type: "GeometryCollection", geometries: features.map((f) => f.geometry) }) : null;
  state.incidentBounds = b && { id: d.id, box: [[b[0], b[1]], [b[2], b[3]]] };
  return ids.length;
}

async function openIncident(id, { keepView = false } = {}) {
  state.selected = id;
  if (!keepView) showTab("incident");
  const d = await api(`/api/incidents/${encodeURIComponent(id)}`);
  if (d.lat != null && state.panned !== id && !keepView) { state.panned = id; centreOn(map, d.lat, d.lon, 7); }
  const rec = d.recommendation_detail;
  const el = document.getElementById("incident");
  const mayAuthorise = rec && can(d.authorise_role || "commander");
  const actions = [
    can("operator") && !d.acknowledged && d.status !== "closed" ? `<button id="ack">Acknowledge</button>` : "",
    mayAuthorise ? `<button id="approve" class="authorise">Authorise ${esc(rec.action)}</button><button id="refuse">Refuse ${esc(rec.action)}</button>` : "",
    `<button id="replay-incident">Replay from start</button>`,
    `<a id="dossier" href="#" role="button">Export dossier</a>`,
  ].join("");
  el.innerHTML = `<h2>${esc(d.id)} — ${esc(d.zone_name)}</h2>
    <div>${esc(fmtTime(d.start))} → ${esc(fmtTime(d.end))} · ${d.object_count} object(s) · longest stay ${fmtDuration(d.dwell_s)} · depth ${fmtDistance(d.depth_m)} · ${esc(statusOf(d))}</div>
    <p><strong>Recommended: ${esc(d.recommendation || "none")}</strong>${rec ? ` (decision by ${esc(rec.authority)}; needs the ${esc(d.authorise_role)} console role)` : ""}</p>
    <ul>${(rec?.reasons || d.reasons).map((r) => `<li>${esc(r)}</li>`).join("")}</ul>
    <div class="actions">${actions}</div>
    ${can("operator") ? `<textarea id="note" rows="2" placeholder="note"></textarea><button id="annotate">Add note</button>` : ""}
    <h3>Decisions</h3><ul id="decisions">${d.decisions.map(decisionText).join("") || "<li class=muted>none yet</li>"}</ul>
    <h3>Objects</h3><table><tr><th>Track</th><th>Identity</th><th>Class</th><th>Stay</th><th>Depth</th></tr>
    ${d.tracks.map((t) => `<tr><td>${t.track_id ?? ""}</td><td>${esc(t.identity)}</td><td>${esc(t.target_class)}</td><td>${fmtDuration(t.dwell_s)}</td><td>${fmtDistance(t.depth_m)}</td></tr>`).join("")}</table>
    <h3>Timeline</h3><table id="timeline"><tr><th>Time</th><th>Event</th><th>Object</th><th>Why</th></tr>
    ${d.events.map((e) => `<tr class="ev-${esc(e.kind)}"><td>${esc(fmtTime(e.time))}</td><td>${esc(e.kind)}${e.dwell_s != null ? ` (${fmtDuration(e.dwell_s)})` : ""}</td><td>${esc(e.callsign || e.identity || e.track_id)}</td><td>${esc(e.reasons.join("; "))}</td></tr>`).join("")}</table>`;
  const note = () => document.getElementById("note")?.value || "";
  const act = async (path, body, done) => {
    try { await api(path, { method: "POST", body: JSON.stringify(body) }); say(done); openIncident(id, { keepView: true }); }
    catch (err) { say(`refused: ${err.message}`, "error"); }
  };
  const baseUrl = `/api/incidents/${encodeURIComponent(id)}`;
  const on = (bid, fn) => { const b = document.getElementById(bid); if (b) b.onclick = fn; };
  on("ack", () => act(`${baseUrl}/acknowledge`, { note: note() }, `${id} acknowledged`).then(() => { const i = state.incidents.get(id); if (i) { i.acknowledged = true; renderAlerts(); } }));
  on("annotate", () => act(`${baseUrl}/notes`, { text: note() || "(empty)" }, "note added"));
  if (rec) {
    on("approve", () => act(`${baseUrl}/decisions`, { action: rec.action, decision: "approve", note: note() }, `${rec.action} authorised`));
    on("refuse", () => act(`${baseUrl}/decisions`, { action: rec.action, decision: "refuse", note: note() }, `${rec.action} refused`));
  }
  on("replay-incident", async () => {
    await state.pathsDrawn;
    const b = state.incidentBounds?.id === id ? state.incidentBounds.box : null;
    replayAt(Date.parse(d.start), [d.lat, d.lon], b);
  });
  on("dossier", async (e) => {
    e.preventDefault();
    const res = await fetch(`${baseUrl}/dossier`, { headers: { Authorization: `Bearer ${state.token}` } });
    if (!res.ok) { say(`dossier: ${res.status}`, "error"); return; }
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob()); a.download = `airsentry-dossier-${id}.html`; a.click();
    say(`dossier of ${id} exported`);
  });
  if (!keepView) state.pathsDrawn = drawPaths(d);
}
