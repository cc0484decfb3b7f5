// The WebSocket of the console, in a worker: a snapshot of ten thousand tracks is a
// megabyte of JSON, and parsing it here keeps the page's frames free. Track snapshots
// go to the page as columns in typed arrays (transferred, not copied); identity,
// callsign and class only for the tracks whose text changed. Every other message is
// passed on as it came.
"use strict";

const text = new Map(); // id -> "identity\u0000callsign\u0000class" last sent

function columns(msg) {
  const t0 = performance.now();
  const rows = msg.tracks, n = rows.length;
  const id = new Float64Array(n), lat = new Float64Array(n), lon = new Float64Array(n);
  const alt = new Float64Array(n), speed = new Float64Array(n), heading = new Float64Array(n);
  const violator = new Uint8Array(n);
  const changed = []; // [index, identity, callsign, class]
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    id[i] = r[0]; lat[i] = r[4]; lon[i] = r[5];
    alt[i] = r[6] ?? NaN; speed[i] = r[7] ?? NaN; heading[i] = r[8] ?? NaN;
    violator[i] = r[9] ? 1 : 0;
    const key = `${r[1]}\u0000${r[2]}\u0000${r[3]}`;
    if (text.get(r[0]) !== key) { text.set(r[0], key); changed.push([i, r[1], r[2], r[3]]); }
  }
  for (const gone of msg.removed || []) text.delete(gone);
  const out = { type: "columns", time: msg.time, removed: msg.removed || [], n, id, lat, lon, alt, speed, heading, violator, changed };
  out.parse_ms = performance.now() - t0;
  postMessage(out, [id.buffer, lat.buffer, lon.buffer, alt.buffer, speed.buffer, heading.buffer, violator.buffer]);
}

onmessage = (e) => {
  if (e.data.type !== "open") return;
  text.clear();
  const ws = new WebSocket(e.data.url);
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === "tracks") columns(msg);
    else postMessage(msg);
  };
  ws.onclose = (c) => postMessage({ type: "closed", code: c.code });
};
