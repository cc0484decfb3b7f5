"""Real positions from the ``traffic`` wheel's samples, for benchmarks that render their
own feeds. Imports nothing of airsentry, so a child measuring another revision of the
source (``--baseline``) can use it too."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import numpy as np

QUICKSTART = "traffic/data/samples/collections/quickstart.json.gz"


def quickstart_positions(wheel: str | Path, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Latitude, longitude and altitude (m) of ``n`` real positions, spread evenly over
    the quickstart recording (OpenSky state vectors over Paris)."""
    with zipfile.ZipFile(wheel) as z:
        records = json.loads(gzip.decompress(z.read(QUICKSTART)))
    rows = [r for r in records if r.get("latitude") is not None and r.get("altitude")]
    pick = np.linspace(0, len(rows) - 1, n).astype(int)
    lat = np.array([rows[i]["latitude"] for i in pick])
    lon = np.array([rows[i]["longitude"] for i in pick])
    alt = np.array([rows[i]["altitude"] * 0.3048 for i in pick])
    return lat, lon, alt
