// Offline base map: land and coastline, lakes, rivers, national borders, and place
// names decluttered by zoom, from files under /static/vendor/basemap (built by
// tools/build_basemap.py from registry packages; see LICENSES.md there). No tiles.
"use strict";

class BaseMap {
  constructor(map) {
    this.map = map;
    map.createPane("base"); map.getPane("base").style.zIndex = 200;
    map.createPane("water"); map.getPane("water").style.zIndex = 210;
    map.createPane("borders"); map.getPane("borders").style.zIndex = 220;
    map.createPane("places"); map.getPane("places").style.zIndex = 640;
    map.getPane("places").style.pointerEvents = "none";
    this.renderer = L.canvas({ pane: "base", padding: 0.3 });
    this.water = L.canvas({ pane: "water", padding: 0.3 });
    this.lines = L.canvas({ pane: "borders", padding: 0.3 });
    this.places = [];
    this.airports = [];
    this.labels = L.layerGroup().addTo(map);
    this.layers = {};
    map.on("moveend zoomend", () => this.placeLabels());
  }

  async load() {
    const get = async (name) => (await fetch(`/static/vendor/basemap/${name}.json`)).json();
    const [land, lakes, rivers, borders, places] = await Promise.all(
      ["land", "lakes", "rivers", "borders", "places"].map(get));
    this.layers.land = L.geoJSON(land, { renderer: this.renderer, interactive: false,
      style: { color: "#6d7f91", weight: 0.9, fillColor: "#f2efe6", fillOpacity: 1 } }).addTo(this.map);
    const water = { color: "#8fb3d1", weight: 0.5, fillColor: "#b9d3e6", fillOpacity: 1 };
    this.layers.lakes = L.geoJSON(lakes, { renderer: this.water, interactive: false, style: water }).addTo(this.map);
    this.layers.rivers = L.geoJSON(rivers, { renderer: this.water, interactive: false, style: water }).addTo(this.map);
    this.layers.borders = L.geoJSON(borders, { renderer: this.lines, interactive: false,
      style: { color: "#8a7f8f", weight: 1.1, dashArray: "5 3" } }).addTo(this.map);
    this.places = places; // [name, lon, lat, population, country], largest first
    this.placeLabels();
  }

  setAirports(features) {
    this.airports = features.map((f) => {
      const c = L.geoJSON(f).getBounds().getCenter();
      return [f.properties.name, c.lng, c.lat, f.properties.id];
    });
    this.placeLabels();
  }

  // Labels largest first; a label overlapping one already placed is left out.
  placeLabels() {
    const map = this.map, z = map.getZoom();
    const minPop = z < 5 ? 1_000_000 : z < 6 ? 400_000 : z < 7 ? 150_000 : z < 8 ? 60_000 : z < 9 ? 25_000 : 0;
    const view = map.getBounds().pad(0.05), taken = [];
    const free = (x, y, w, h) => {
      if (taken.some((b) => x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h)) return false;
      taken.push([x, y, w, h]); return true;
    };
    this.labels.clearLayers();
    const put = (name, lat, lon, cls, size) => {
      const p = map.latLngToContainerPoint([lat, lon]);
      const w = name.length * size * 0.6 + 10;
      if (!free(p.x - 3, p.y - size, w, size + 4)) return;
      this.labels.addLayer(L.marker([lat, lon], {
        pane: "places", interactive: false, keyboard: false,
        icon: L.divIcon({ className: `place-label ${cls}`, html: `<i></i><span>${esc(name)}</span>`, iconSize: null }),
      }));
    };
    // cities first, then airports, then towns: the names an operator steers by win
    const town = (pop) => pop < 100_000;
    let shown = 0;
    const places = (small) => {
      for (const [name, lon, lat, pop] of this.places) {
        if (pop < minPop || shown > 400) break;
        if (town(pop) !== small || !view.contains([lat, lon])) continue;
        put(name, lat, lon, pop >= 1_000_000 ? "big" : pop >= 100_000 ? "mid" : "small", pop >= 1_000_000 ? 14 : 12);
        shown++;
      }
    };
    places(false);
    if (z >= 9) for (const [name, lon, lat] of this.airports) if (view.contains([lat, lon])) put(`✈ ${name}`, lat, lon, "airport", 11);
    places(true);
  }
}
window.BaseMap = BaseMap;
