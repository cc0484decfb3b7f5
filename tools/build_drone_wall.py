"""Write the drone-wall scenario (``sim/library/drone-wall-poland.yaml``).

Some 300 km of Poland's eastern border, from Kuźnica (Belarus) down the Bug to Dorohusk
(Ukraine), watched as a "drone wall" would be: the national air picture (a long-range
combined primary/secondary radar sending CAT062 system tracks), four drone-detection
radars on the border sending CAT048 plots (with uniform clutter, wind farms and bird
flocks), passive RF detectors every ~30 km and acoustic arrays every ~15 km sending
SAPIENT. About twenty drones cross at night (decoy drones at 40-50 m/s and a few
slower multirotor scouts), some ending near the border, some flying 300 km inland;
airliners fly over at cruise level on ADS-B. Positions along the border are
approximate (a few km), which is all the scenario needs.

Run: ``python tools/build_drone_wall.py`` (deterministic: a fixed seed).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

OUT = Path(__file__).resolve().parent.parent / "src/airsentry/sim/library/drone-wall-poland.yaml"
T0 = datetime(2025, 9, 9, 21, 30, tzinfo=UTC)  # 23:30 local: night
BORDER = [  # (lat, lon) just inside Poland, north to south
    (53.55, 23.60), (53.15, 23.85), (52.75, 23.85), (52.35, 23.55),
    (52.05, 23.55), (51.60, 23.55), (51.17, 23.75),
]  # fmt: skip
INLAND = [(52.23, 21.01), (51.25, 22.57), (52.40, 19.50), (51.76, 19.46), (50.80, 19.10)]
# Warsaw, Lublin, west of Warsaw, Łódź, Częstochowa: 130-330 km from the border


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def along(frac: float) -> tuple[float, float]:
    """A point ``frac`` (0..1) of the way down the border polyline."""
    pts = np.array(BORDER)
    seg = np.hypot(np.diff(pts[:, 0]), np.diff(pts[:, 1]) * math.cos(math.radians(52.5)))
    at = frac * seg.sum()
    k = min(int(np.searchsorted(np.cumsum(seg), at)), len(seg) - 1)
    f = (at - (np.cumsum(seg)[k] - seg[k])) / seg[k]
    lat, lon = pts[k] + f * (pts[k + 1] - pts[k])
    return round(float(lat), 4), round(float(lon), 4)


def sensors() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"id": "PL-ASOC", "kind": "radar", "site": {"lat": 52.3, "lon": 22.3, "alt_m": 100},
         "range_m": 450000, "period_s": 10, "range_noise_m": 100, "azimuth_noise_deg": 0.05,
         "alt_noise_m": 150, "p_detect": 0.8, "latency_s": 2.0, "ssr": True},
        {"id": "adsb-net", "kind": "adsb", "period_s": 5, "noise_m": 10, "alt_noise_m": 8,
         "p_detect": 0.95, "latency_s": 1.0, "format": "sbs"},
    ]  # fmt: skip
    for k, frac in enumerate((0.1, 0.37, 0.63, 0.9), 1):
        lat, lon = along(frac)
        site = {"lat": lat, "lon": round(lon - 0.08, 4), "alt_m": 180}
        out.append({
            "id": f"WALL-R{k}", "kind": "radar", "site": site, "range_m": 30000,
            "period_s": 2, "range_noise_m": 15, "azimuth_noise_deg": 0.3, "alt_noise_m": 30,
            "p_detect": 0.85, "latency_s": 0.5, "output": "plots", "clutter_per_scan": 2,
            "clutter_sources": [
                {"kind": "wind_farm", "lat": round(lat + 0.08, 4), "lon": round(lon - 0.2, 4),
                 "radius_m": 1500, "per_scan": 3, "alt_m": 120},
                {"kind": "birds", "lat": round(lat - 0.05, 4), "lon": round(lon - 0.1, 4),
                 "radius_m": 300, "per_scan": 0.8, "alt_m": 300, "heading_deg": 200,
                 "speed_mps": 12, "start": iso(T0 + timedelta(minutes=20 * k)),
                 "end": iso(T0 + timedelta(minutes=20 * k + 40))},
            ],
        })  # fmt: skip
    for k in range(10):
        lat, lon = along((k + 0.5) / 10)
        out.append({"id": f"WALL-RF{k + 1:02d}", "kind": "passive_rf",
                    "site": {"lat": lat, "lon": round(lon - 0.03, 4), "alt_m": 160},
                    "range_m": 15000, "period_s": 2, "bearing_noise_deg": 3, "p_detect": 0.8,
                    "latency_s": 0.5})  # fmt: skip
    for k in range(20):
        lat, lon = along((k + 0.5) / 20)
        out.append({"id": f"WALL-AC{k + 1:02d}", "kind": "acoustic",
                    "site": {"lat": lat, "lon": round(lon - 0.01, 4), "alt_m": 150},
                    "range_m": 3000, "period_s": 2, "bearing_noise_deg": 5, "p_detect": 0.7,
                    "latency_s": 0.5})  # fmt: skip
    return out


def drones(wall: list[str], rng: np.random.Generator) -> list[dict[str, Any]]:
    out = []
    for k in range(20):
        decoy = k % 5 != 4
        frac = float(rng.uniform(0.03, 0.97))
        lat, lon = along(frac)
        start = T0 + timedelta(minutes=float(rng.uniform(0, 90)))
        speed = float(rng.uniform(38, 48)) if decoy else float(rng.uniform(12, 18))
        alt = float(rng.uniform(400, 1500)) if decoy else float(rng.uniform(100, 300))
        east = (lat + float(rng.normal(0, 0.05)), lon + 0.6)  # launched 40 km out
        route = [
            {
                "lat": round(east[0], 4),
                "lon": round(east[1], 4),
                "alt_m": round(alt),
                "t": iso(start),
            },
            {"lat": lat, "lon": lon, "alt_m": round(alt), "speed_mps": round(speed, 1)},
        ]
        route[0]["t"] = iso(start)
        if decoy and k % 3 == 0:  # deep: 130-330 km inland
            goal = INLAND[k % len(INLAND)]
            route.append({"lat": goal[0], "lon": goal[1], "alt_m": round(alt * 0.7),
                          "speed_mps": round(speed, 1)})  # fmt: skip
        else:  # falls 10-60 km inside
            km = float(rng.uniform(10, 60)) if decoy else float(rng.uniform(3, 12))
            route.append({"heading_deg": round(float(rng.uniform(240, 300))),
                          "speed_mps": round(speed, 1), "duration_s": round(km * 1000 / speed),
                          "alt_m": 50})  # fmt: skip
        out.append({"id": f"wall-{'decoy' if decoy else 'scout'}-{k + 1:02d}",
                    "kind": "decoy_drone" if decoy else "drone", "identity": None,
                    "transponder": False, "route": route, "sensors": wall})  # fmt: skip
    return out


def airliners(rng: np.random.Generator) -> list[dict[str, Any]]:
    out = []
    for k in range(8):
        start = T0 + timedelta(minutes=float(rng.uniform(0, 120)))
        lat = float(rng.uniform(50.5, 54.0))
        westbound = k % 2 == 0
        a, b = (27.5, 16.0) if westbound else (16.0, 27.5)
        route = [{"lat": round(lat, 3), "lon": a, "alt_m": 11000, "t": iso(start)},
                 {"lat": round(lat + float(rng.normal(0, 0.4)), 3), "lon": b, "alt_m": 11000,
                  "speed_mps": 235}]  # fmt: skip
        address = f"icao:{0x4B0000 + 0x1111 * (k + 1):06x}"
        out.append({"id": f"overflight-{k + 1}", "kind": "airliner", "identity": address,
                    "transponder": True, "callsign": f"THY{1700 + k}",
                    "squawk": f"{0o2000 + 7 * k:04o}", "category": "A3", "route": route,
                    "sensors": ["adsb-net", "PL-ASOC"]})  # fmt: skip
    return out


def main() -> None:
    rng = np.random.default_rng(20250910)
    sens = sensors()
    wall = [s["id"] for s in sens if s["id"] != "adsb-net"]
    doc = {
        "name": "drone-wall-poland",
        "title": "Drone wall: 300 km of Poland's eastern border at night",
        "description": "Twenty drones cross the Belarusian and Ukrainian borders at night, some "
        "flying 300 km inland, watched by the national air picture (CAT062), four border "
        "drone-detection radars (CAT048 plots with clutter, wind farms and birds), ten RF "
        "detectors and twenty acoustic arrays (SAPIENT); airliners fly over on ADS-B. "
        "Generated by tools/build_drone_wall.py.",
        "sensors": sens,
        "actors": [*drones(wall, rng), *airliners(rng)],
        "expected": [{"zone": "sovereign:POL", "owner": "POL", "objects": 18}],
    }
    text = "# Generated by tools/build_drone_wall.py: edit that script, not this file.\n"
    OUT.write_text(text + yaml.safe_dump(doc, sort_keys=False, width=100), encoding="utf-8")
    print(OUT)


if __name__ == "__main__":
    main()
