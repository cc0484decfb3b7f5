"""Build the airspace package data: state borders, 30 km early-warning bands, airports.

Reproducible: same inputs and library versions give the same bytes. Inputs:

* Borders: the npm package ``@geo-maps/countries-maritime-10m`` 0.6.0 (OpenStreetMap
  data, ODbL 1.0, by Simone Primarosa): land borders plus the 12 NM territorial sea,
  one feature per country, ISO 3166 alpha-3 code in property ``A3``. Get it with::

      cd /tmp && npm pack @geo-maps/countries-maritime-10m \
          && tar xzf geo-maps-countries-maritime-10m-0.6.0.tgz

  and pass ``/tmp/package/map.geo.json``.
* Airports: the PyPI package ``airportsdata`` (MIT), a build-time dependency only
  (``pip install airportsdata``).

Usage::

    python tools/build_airspace.py /tmp/package/map.geo.json [--out src/airsentry/airspace/data]

Steps and guarantees:

1. The catalogue's states (``STATES``) are read and made valid. Whole states are kept,
   overseas parts included (Russia across the antimeridian, split there by the source).
2. Simplification shares borders between neighbours: all borders are noded into arcs
   (pieces of border between junctions), each arc is simplified once with GEOS's
   topology-preserving Douglas-Peucker at ``TOLERANCE_DEG`` = 0.0008 degree, and the
   states are rebuilt from the faces of the simplified arcs (a face goes to the states
   that hold most of its area in the source). So neighbours never overlap or gap where
   the source has them meet, and topology is preserved. Where the source's neighbours
   disagree by a few metres (slivers), a state may take its neighbour's simplified arc,
   which adds the sliver's width to the error; the margin up to ``BOUND_DEG`` = 0.00089
   degree absorbs it. Every source vertex is checked to lie within 0.00089 degree of the
   simplified border (the run aborts otherwise), and a degree is never longer than
   111.694 km on the ground, so the error is at most 0.00089 * 111,694 m = 99.4 m.
   Nothing is dropped but faces under 1e-9 square degree (about 10 square metres),
   which are noise of the noding.
3. The 30 km band is ``geodesy.buffer_band`` of each simplified state (error bound in its
   docstring: outer edge between 59 m inside and 35 m outside the exact geodesic
   offset).
4. Airports of the catalogue's states (``airportsdata`` keys by ISO 3166 alpha-2; the
   table below maps them) with a military flag: the Danish air bases named in
   ``MILITARY_ICAO`` plus names that say so (``MILITARY_NAME``).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from airsentry.airspace import geodesy, storage

TOLERANCE_DEG = 0.0008
BOUND_DEG = 0.00089
BOUND_M = BOUND_DEG * geodesy.METRES_PER_DEGREE_MAX  # 99.4 m
MIN_FACE_AREA_DEG2 = 1e-9
BUFFER_WIDTH_M = 30_000.0

# ISO 3166 alpha-3 -> (alpha-2 as airportsdata spells it, English name)
STATES: dict[str, tuple[str, str]] = {
    "ALA": ("AX", "Åland Islands"),
    "ALB": ("AL", "Albania"),
    "AND": ("AD", "Andorra"),
    "ARM": ("AM", "Armenia"),
    "AUT": ("AT", "Austria"),
    "AZE": ("AZ", "Azerbaijan"),
    "BEL": ("BE", "Belgium"),
    "BGR": ("BG", "Bulgaria"),
    "BIH": ("BA", "Bosnia and Herzegovina"),
    "BLR": ("BY", "Belarus"),
    "CHE": ("CH", "Switzerland"),
    "CYP": ("CY", "Cyprus"),
    "CZE": ("CZ", "Czechia"),
    "DEU": ("DE", "Germany"),
    "DNK": ("DK", "Denmark"),
    "DZA": ("DZ", "Algeria"),
    "EGY": ("EG", "Egypt"),
    "ESP": ("ES", "Spain"),
    "EST": ("EE", "Estonia"),
    "FIN": ("FI", "Finland"),
    "FRA": ("FR", "France"),
    "FRO": ("FO", "Faroe Islands"),
    "GBR": ("GB", "United Kingdom"),
    "GEO": ("GE", "Georgia"),
    "GGY": ("GG", "Guernsey"),
    "GIB": ("GI", "Gibraltar"),
    "GRC": ("GR", "Greece"),
    "GRL": ("GL", "Greenland"),
    "HRV": ("HR", "Croatia"),
    "HUN": ("HU", "Hungary"),
    "IMN": ("IM", "Isle of Man"),
    "IRL": ("IE", "Ireland"),
    "IRN": ("IR", "Iran"),
    "IRQ": ("IQ", "Iraq"),
    "ISL": ("IS", "Iceland"),
    "ISR": ("IL", "Israel"),
    "ITA": ("IT", "Italy"),
    "JEY": ("JE", "Jersey"),
    "JOR": ("JO", "Jordan"),
    "KAZ": ("KZ", "Kazakhstan"),
    "LBN": ("LB", "Lebanon"),
    "LBY": ("LY", "Libya"),
    "LIE": ("LI", "Liechtenstein"),
    "LTU": ("LT", "Lithuania"),
    "LUX": ("LU", "Luxembourg"),
    "LVA": ("LV", "Latvia"),
    "MAR": ("MA", "Morocco"),
    "MCO": ("MC", "Monaco"),
    "MDA": ("MD", "Moldova"),
    "MKD": ("MK", "North Macedonia"),
    "MLT": ("MT", "Malta"),
    "MNE": ("ME", "Montenegro"),
    "NLD": ("NL", "Netherlands"),
    "NOR": ("NO", "Norway"),
    "POL": ("PL", "Poland"),
    "PRT": ("PT", "Portugal"),
    "PSE": ("PS", "Palestine"),
    "ROU": ("RO", "Romania"),
    "RUS": ("RU", "Russia"),
    "SJM": ("SJ", "Svalbard and Jan Mayen"),
    "SMR": ("SM", "San Marino"),
    "SRB": ("RS", "Serbia"),
    "SVK": ("SK", "Slovakia"),
    "SVN": ("SI", "Slovenia"),
    "SWE": ("SE", "Sweden"),
    "SYR": ("SY", "Syria"),
    "TUN": ("TN", "Tunisia"),
    "TUR": ("TR", "Türkiye"),
    "UKR": ("UA", "Ukraine"),
    "VAT": ("VA", "Vatican City"),
    "XKX": ("XK", "Kosovo"),
}

MILITARY_ICAO = frozenset({"EKSP", "EKKA", "EKYT"})
"""Danish Air Force bases: Skrydstrup, Karup, Aalborg (joint civil and military)."""

MILITARY_NAME = re.compile(
    r"air ?base|air force|military|naval air|naval station|\bRAF\b|army air ?field", re.IGNORECASE
)

ATTRIBUTION = """\
airsentry airspace data
=======================

borders.npz, buffer_30km.npz
    State borders with the 12 NM territorial sea, simplified (error <= 100 m), and the
    30 km early-warning band outside each border.
    Derived from "@geo-maps/countries-maritime-10m" 0.6.0 by Simone Primarosa
    (https://github.com/simonepri/geo-maps), built from OpenStreetMap data.
    (c) OpenStreetMap contributors. The data is available under the Open Database
    License 1.0 (ODbL): https://opendatacommons.org/licenses/odbl/1.0/ ; see
    https://www.openstreetmap.org/copyright. These two files are a Derivative
    Database and are likewise made available under the ODbL 1.0.
    Rebuilt by tools/build_airspace.py.

airports.csv.gz
    Airports of the catalogue's states from the "airportsdata" package
    (https://github.com/mborsetti/airportsdata), MIT License,
    Copyright (c) Mike Borsetti. Military flags added by tools/build_airspace.py.
"""


def load_states(path: Path, codes: list[str]) -> dict[str, Any]:
    """Valid polygonal geometry of each requested state, keyed by ISO3."""
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    out: dict[str, Any] = {}
    for feature in features:
        code = feature["properties"]["A3"]
        if code in codes:
            out[code] = geodesy.polygonal(shape(feature["geometry"]))
    missing = sorted(set(codes) - set(out))
    if missing:
        raise SystemExit(f"states missing from {path}: {missing}")
    return out


def simplify_shared(geoms: list[Any], tolerance: float) -> list[Any]:
    """Simplify polygons that share borders, keeping the shared borders shared.

    Arcs (border pieces between junctions) are simplified once each with the
    topology-preserving simplifier, the plane is rebuilt from the simplified arcs, and
    each face goes to every input polygon that holds more than half of its area.
    """
    arr = np.array(geoms, dtype=object)
    arcs = shapely.line_merge(shapely.union_all(shapely.boundary(arr)))
    simple = shapely.simplify(arcs, tolerance, preserve_topology=True)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(simple)))
    faces = faces[shapely.area(faces) >= MIN_FACE_AREA_DEG2]
    face_idx, geom_idx = shapely.STRtree(arr).query(faces)
    share = shapely.area(shapely.intersection(faces[face_idx], arr[geom_idx]))
    keep = share > 0.5 * shapely.area(faces[face_idx])
    result = []
    for i in range(len(arr)):
        mine = faces[face_idx[keep & (geom_idx == i)]]
        merged = geodesy.polygonal(shapely.coverage_union_all(mine))
        result.append(shapely.normalize(merged))
    return result


def excess_vertex_error_deg(raw: Any, simplified: Any) -> float:
    """Largest distance (degrees) from a vertex of ``raw`` to the border of ``simplified``
    among those beyond ``BOUND_DEG``; 0.0 when every vertex is within the bound."""
    border = shapely.boundary(simplified)
    shapely.prepare(border)
    pts = shapely.points(shapely.get_coordinates(raw))
    far = ~shapely.dwithin(border, pts, BOUND_DEG)
    if not far.any():
        return 0.0
    return float(shapely.distance(border, pts[far]).max())


def stored(geometry: Any) -> Any:
    """``geometry`` as it will read back from storage, made valid on the storage grid."""
    for _ in range(3):
        q = storage.quantise(geometry)
        if q.is_valid:
            return q
        geometry = geodesy.polygonal(q)
    raise SystemExit("geometry does not stay valid on the storage grid")


def build_airports(codes: list[str]) -> list[dict[str, Any]]:
    """Airport rows of the given states, sorted by ICAO code."""
    import airportsdata  # build-time dependency only

    iso3_of = {STATES[c][0]: c for c in codes}
    rows = []
    for icao, a in sorted(airportsdata.load("ICAO").items()):
        iso3 = iso3_of.get(a["country"])
        if iso3 is None:
            continue
        military = icao in MILITARY_ICAO or bool(MILITARY_NAME.search(a["name"]))
        rows.append(
            {
                "icao": icao,
                "iata": a["iata"],
                "name": a["name"],
                "country": iso3,
                "lat": f"{float(a['lat']):.6f}",
                "lon": f"{float(a['lon']):.6f}",
                "elevation_m": f"{float(a['elevation'] or 0.0) * 0.3048:.1f}",
                "military": "1" if military else "0",
            }
        )
    return rows


def write_airports(path: Path, rows: list[dict[str, Any]]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("geojson", type=Path, help="map.geo.json of countries-maritime-10m")
    default_out = Path(__file__).resolve().parents[1] / "src/airsentry/airspace/data"
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args(argv)
    codes = sorted(STATES)
    t0 = time.perf_counter()
    raw = load_states(args.geojson, codes)
    simple = simplify_shared([raw[c] for c in codes], TOLERANCE_DEG)
    borders = [stored(g) for g in simple]
    for code, geom in zip(codes, borders, strict=True):
        err = excess_vertex_error_deg(raw[code], geom)
        if err > 0.0:
            raise SystemExit(f"{code}: a source vertex is {err:.6f} deg from the border")
    print(f"borders: {time.perf_counter() - t0:.1f} s, all source vertices within the bound")
    bands = [stored(geodesy.buffer_band(g, BUFFER_WIDTH_M)) for g in borders]
    print(f"bands: {time.perf_counter() - t0:.1f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    names = np.array([STATES[c][1] for c in codes])
    storage.save_npz(
        args.out / "borders.npz",
        {"iso3": np.array(codes), "name": names, **storage.pack_polygons(borders)},
    )
    storage.save_npz(
        args.out / "buffer_30km.npz",
        {
            "iso3": np.array(codes),
            "width_m": np.array([BUFFER_WIDTH_M]),
            **storage.pack_polygons(bands),
        },
    )
    airports = build_airports(codes)
    write_airports(args.out / "airports.csv.gz", airports)
    (args.out / "ATTRIBUTION.txt").write_text(ATTRIBUTION, encoding="utf-8")
    n_vertices = sum(shapely.get_num_coordinates(g) for g in borders)
    print(
        f"{len(codes)} states ({n_vertices} border vertices), {len(airports)} airports, "
        f"{time.perf_counter() - t0:.1f} s -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
