// Offline base map on MapLibre GL JS (WebGL): land and coastline, lakes, rivers,
// national borders, and place names decluttered by MapLibre's label placement, from
// files under /static/vendor/basemap (tools/build_basemap.py, from registry packages;
// see LICENSES.md there) with glyphs from /static/vendor/glyphs (tools/build_glyphs.py).
// No tiles, no network: every URL is the console's own server.
"use strict";

const VENDOR = `${location.origin}/static/vendor`;
const FONT = ["DejaVu Sans"];
const BASE_COLOURS = { sea: "#b9d3e6", land: "#f2efe6", coast: "#6d7f91", water: "#b9d3e6", waterEdge: "#8fb3d1", border: "#8a7f8f", river: "#8fb3d1" };
const ATTRIBUTION = "Natural Earth (public domain) · rivers © OpenStreetMap contributors (ODbL) · places © GeoNames (CC BY 4.0) · airspace © OpenStreetMap contributors (ODbL) · glyphs DejaVu Sans";
const EMPTY = { type: "FeatureCollection", features: [] };

// Smallest place shown at each zoom (MapLibre zoom: one less than a 256-px-tile zoom)
function minZoomOf(pop) {
  return pop >= 1_000_000 ? 0 : pop >= 400_000 ? 4 : pop >= 150_000 ? 5 : pop >= 60_000 ? 6 : pop >= 25_000 ? 7 : 8;
}

function baseStyle() {
  const c = BASE_COLOURS;
  const geojson = (name) => ({ type: "geojson", data: `${VENDOR}/basemap/${name}.json`, tolerance: 0.2 });
  const shown = ["<=", ["get", "mz"], ["zoom"]];
  return {
    version: 8,
    glyphs: `${VENDOR}/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      land: geojson("land"), lakes: geojson("lakes"), rivers: geojson("rivers"), borders: geojson("borders"),
      places: { type: "geojson", data: EMPTY },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": c.sea } },
      { id: "land", type: "fill", source: "land", paint: { "fill-color": c.land, "fill-antialias": false } },
      { id: "coast", type: "line", source: "land", paint: { "line-color": c.coast, "line-width": 0.9 } },
      { id: "lakes", type: "fill", source: "lakes", paint: { "fill-color": c.water, "fill-outline-color": c.waterEdge } },
      { id: "rivers", type: "fill", source: "rivers", paint: { "fill-color": c.water, "fill-outline-color": c.river } },
      { id: "borders", type: "line", source: "borders", paint: { "line-color": c.border, "line-width": 1.1, "line-dasharray": [4, 2.5] } },
      { id: "places", type: "symbol", source: "places", filter: shown,
        layout: {
          "text-field": ["get", "name"], "text-font": FONT,
          "text-size": ["match", ["get", "tier"], "big", 14, "mid", 12, 11],
          "text-anchor": "left", "text-offset": [0.5, 0], "text-padding": 2,
          // the dot is part of the label: a place whose name does not fit is not drawn
          "icon-image": ["match", ["get", "tier"], "airport", "", "place-dot"],
          "symbol-sort-key": ["get", "sort"],
        },
        paint: { "text-color": ["match", ["get", "tier"], "airport", "#8e2a1f", "#2d3a48"], "text-halo-color": "#ffffff", "text-halo-width": 1.6 } },
    ],
  };
}

class BaseMap {
  constructor(container) {
    maplibregl.setWorkerUrl(`${VENDOR}/maplibre-gl-csp-worker.js`);
    this.map = new maplibregl.Map({
      container, style: baseStyle(), center: [15, 54], zoom: 3, minZoom: 2, maxZoom: 16,
      dragRotate: false, pitchWithRotate: false, touchPitch: false, renderWorldCopies: false,
      fadeDuration: 0, attributionControl: { compact: false, customAttribution: ATTRIBUTION },
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
    this.map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    this.places = []; // [name, lon, lat, population, country], largest first
    this.airports = [];
    this.loaded = new Promise((resolve) => this.map.once("load", resolve));
    this.map.once("load", () => this.map.addImage("place-dot", dot(5, [0x2d, 0x3a, 0x48])));
  }

  async load() {
    const [places] = await Promise.all([(await fetch(`${VENDOR}/basemap/places.json`)).json(), this.loaded]);
    this.places = places;
    this.updatePlaces();
  }

  setAirports(features) {
    this.airports = features.map((f) => {
      const [w, s, e, n] = bboxOf(f.geometry);
      return [f.properties.name, (w + e) / 2, (s + n) / 2];
    });
    this.updatePlaces();
  }

  // Cities first, then airports (from zoom 8), then towns: the names an operator steers
  // by win when labels collide (symbol-sort-key: lower is placed first).
  updatePlaces() {
    const point = (name, lon, lat, props) => ({ type: "Feature", geometry: { type: "Point", coordinates: [lon, lat] }, properties: { name, ...props } });
    const features = this.places.map(([name, lon, lat, pop]) => point(name, lon, lat, {
      mz: minZoomOf(pop), tier: pop >= 1_000_000 ? "big" : pop >= 100_000 ? "mid" : "small",
      sort: (pop >= 100_000 ? 0 : 2e8) - pop,
    }));
    for (const [name, lon, lat] of this.airports) features.push(point(`✈ ${name}`, lon, lat, { mz: 8, tier: "airport", sort: 1e8 }));
    const src = this.map.getSource("places");
    if (src) src.setData({ type: "FeatureCollection", features });
  }
}

// A filled disc of `size` px in an RGBA image, for a place's dot
function dot(size, [r, g, b]) {
  const data = new Uint8Array(size * size * 4), c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = Math.max(0, Math.min(1, size / 2 - Math.hypot(x - c, y - c) + 0.5));
      data.set([r, g, b, Math.round(255 * a)], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

// [west, south, east, north] of a GeoJSON geometry
function bboxOf(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]); }
    else for (const x of c) walk(x);
  };
  if (geometry.type === "GeometryCollection") for (const g of geometry.geometries) walk(g.coordinates);
  else walk(geometry.coordinates);
  return b;
}

window.BaseMap = BaseMap;
window.bboxOf = bboxOf;
window.BASE_COLOURS = BASE_COLOURS;
