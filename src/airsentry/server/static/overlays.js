// GeoJSON overlays on the MapLibre map (zones, range rings, sensor coverage, heat and
// GNSS maps, an incident's paths): one source each, drawn as fill, line and circle
// layers below the place names, shown or hidden as a whole, with a tooltip from each
// feature's `_tip`. A feature may carry its own colours (`_c` line, `_fc` fill, `_fo`
// fill opacity); the overlay's style gives the rest.
"use strict";

const EARTH_R = 6_371_008.8;

// A circle of radius r metres around (lon, lat) as a GeoJSON polygon (a small-circle
// approximation, exact to well under a pixel at the ranges drawn: 5 to 100 km).
function circle(lon, lat, r, props = {}, n = 96) {
  const ring = [], k = Math.PI / 180, a = r / EARTH_R;
  for (let i = 0; i <= n; i++) {
    const th = (2 * Math.PI * i) / n;
    const la = Math.asin(Math.sin(lat * k) * Math.cos(a) + Math.cos(lat * k) * Math.sin(a) * Math.cos(th));
    const lo = lon * k + Math.atan2(Math.sin(th) * Math.sin(a) * Math.cos(lat * k), Math.cos(a) - Math.sin(lat * k) * Math.sin(la));
    ring.push([lo / k, la / k]);
  }
  return { type: "Feature", geometry: { type: "Polygon", coordinates: [ring] }, properties: props };
}

class Overlay {
  // style: {color, weight, dash, fill (false: outline only), fillColor, fillOpacity, radius}
  constructor(map, id, data, style = {}, { minzoom = 0, visible = true, tooltip = true } = {}) {
    this.map = map; this.id = id; this.layers = [];
    const s = { color: "#3388ff", weight: 1.5, fill: true, fillOpacity: 0.2, radius: 4, ...style };
    const before = map.getLayer("places") ? "places" : undefined;
    map.addSource(id, { type: "geojson", data: data || { type: "FeatureCollection", features: [] } });
    const vis = { visibility: visible ? "visible" : "none" };
    const polygons = ["==", ["geometry-type"], "Polygon"], points = ["==", ["geometry-type"], "Point"];
    const add = (suffix, spec) => { map.addLayer({ id: `${id}-${suffix}`, source: id, minzoom, layout: { ...vis, ...(spec.layout || {}) }, ...spec }, before); this.layers.push(`${id}-${suffix}`); };
    if (s.fill) {
      add("fill", { type: "fill", filter: polygons, paint: {
        "fill-color": ["coalesce", ["get", "_fc"], s.fillColor || s.color],
        "fill-opacity": ["coalesce", ["get", "_fo"], s.fillOpacity] } });
    }
    if (s.weight > 0) {
      const paint = { "line-color": ["coalesce", ["get", "_c"], s.color], "line-width": s.weight, "line-opacity": s.opacity ?? 1 };
      if (s.dash) paint["line-dasharray"] = s.dash;
      add("line", { type: "line", filter: ["!", points], paint, layout: { "line-join": "round" } });
    }
    add("point", { type: "circle", filter: points, paint: {
      "circle-radius": ["coalesce", ["get", "_r"], s.radius], "circle-color": ["coalesce", ["get", "_fc"], ["get", "_c"], s.fillColor || s.color],
      "circle-opacity": ["coalesce", ["get", "_fo"], 0.8], "circle-stroke-color": ["coalesce", ["get", "_c"], s.color], "circle-stroke-width": 1.5 } });
    if (tooltip) this.hover();
  }

  setData(fc) { this.map.getSource(this.id).setData(fc); }

  setVisible(on) {
    for (const l of this.layers) this.map.setLayoutProperty(l, "visibility", on ? "visible" : "none");
  }

  hover() {
    const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: "map-tip", maxWidth: "320px" });
    for (const l of this.layers) {
      this.map.on("mousemove", l, (e) => {
        const f = e.features && e.features[0];
        if (!f || !f.properties._tip) { popup.remove(); return; }
        popup.setLngLat(e.lngLat).setText(f.properties._tip).addTo(this.map);
      });
      this.map.on("mouseleave", l, () => popup.remove());
    }
  }
}

// Extend a map's bounds by `frac` of their size on each side: [west, south, east, north]
function paddedBounds(map, frac) {
  const b = map.getBounds(), dx = (b.getEast() - b.getWest()) * frac, dy = (b.getNorth() - b.getSouth()) * frac;
  const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
  return [clamp(b.getWest() - dx, -180, 180), clamp(b.getSouth() - dy, -90, 90), clamp(b.getEast() + dx, -180, 180), clamp(b.getNorth() + dy, -90, 90)];
}

// Centre the map on [lat, lon], zooming in to at least `zoom`
function centreOn(map, lat, lon, zoom) {
  map.jumpTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), zoom) });
}

window.Overlay = Overlay;
window.circle = circle;
window.paddedBounds = paddedBounds;
window.centreOn = centreOn;
