"""The map as GeoJSON (the console layer's contract, see docs/gnss.md), Parquet or PNG.

GeoJSON: a FeatureCollection, one Polygon feature per cell-hour (the H3 cell's
boundary, [lon, lat], closed), ``id`` ``"<cell>/<hour>"``, properties ``cell``,
``hour`` (ISO UTC of the hour's start; null for a merged window), ``aircraft``,
``degraded``, ``share`` (null when insufficient), ``status``, ``nav_low``, ``jumps``,
``with_nav``; the collection's own ``properties`` say how it was made.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from airsentry.errors import InputError
from airsentry.gnss.cells import boundary, cell_text
from airsentry.gnss.grid import CellHours, GnssConfig
from airsentry.model import isoformat

COLOURS = {
    "insufficient": "#bdbdbd",
    "clean": "#2ca25f",
    "suspect": "#fec44f",
    "degraded": "#de2d26",
}


def _hour(h: int) -> str | None:
    return None if h < 0 else isoformat(float(h))


def geojson(table: CellHours, config: GnssConfig, **window: Any) -> dict[str, Any]:
    """The FeatureCollection of a map table (``window``: extra collection properties)."""
    names = cell_text(table.cell)
    rings = {int(c): boundary(int(c)) for c in np.unique(table.cell)}
    features = []
    for i, name in enumerate(names):
        hour = _hour(int(table.hour[i]))
        share = float(table.share[i])
        features.append(
            {
                "type": "Feature",
                "id": f"{name}/{hour or 'all'}",
                "geometry": {"type": "Polygon", "coordinates": [rings[int(table.cell[i])]]},
                "properties": {
                    "cell": name,
                    "hour": hour,
                    "aircraft": int(table.aircraft[i]),
                    "degraded": int(table.degraded[i]),
                    "share": None if math.isnan(share) else round(share, 4),
                    "status": str(table.status[i]),
                    "nav_low": int(table.nav_low[i]),
                    "jumps": int(table.jumps[i]),
                    "with_nav": int(table.with_nav[i]),
                },
            }
        )
    props = {
        "resolution": config.resolution,
        "min_aircraft": config.min_aircraft,
        "clean_below": config.clean_below,
        "degraded_from": config.degraded_from,
        "statuses": ["insufficient", "clean", "suspect", "degraded"],
        **window,
    }
    return {"type": "FeatureCollection", "properties": props, "features": features}


def arrow_table(table: CellHours) -> pa.Table:
    """The map as an Arrow table: one row per cell-hour (hour a UTC timestamp)."""
    hour = np.where(table.hour < 0, np.iinfo(np.int64).min, table.hour)
    return pa.table(
        {
            "cell": pa.array(cell_text(table.cell), pa.string()),
            "hour": pa.array(hour * 1_000_000, pa.timestamp("us", tz="UTC"), mask=table.hour < 0),
            "aircraft": table.aircraft,
            "degraded": table.degraded,
            "share": pa.array(table.share, pa.float64(), mask=np.isnan(table.share)),
            "status": pa.array(table.status.astype(str).tolist(), pa.string()),
            "nav_low": table.nav_low,
            "jumps": table.jumps,
            "with_nav": table.with_nav,
        }
    )


def write(path: Path, table: CellHours, config: GnssConfig, **window: Any) -> None:
    """Write the map; the format comes from the suffix (.geojson/.json, .parquet, .png)."""
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        path.write_text(json.dumps(geojson(table, config, **window)), encoding="utf-8")
    elif suffix == ".parquet":
        pq.write_table(arrow_table(table), path)
    elif suffix == ".png":
        _png(path, table)
    else:
        raise InputError("write .geojson, .parquet or .png", source=str(path))


def _png(path: Path, table: CellHours) -> None:
    """A picture of the map (the worst status of each cell over the window)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Polygon, Rectangle
    except ImportError:
        raise InputError(
            "a .png map needs matplotlib, which is not installed", source=str(path)
        ) from None
    rank = {s: i for i, s in enumerate(COLOURS)}
    worst: dict[int, str] = {}
    for c, s in zip(table.cell.tolist(), table.status.tolist(), strict=True):
        if rank[s] >= rank.get(worst.get(c, "insufficient"), 0):
            worst[c] = s
    fig, ax = plt.subplots(figsize=(8, 8))
    for c, s in worst.items():
        ax.add_patch(
            Polygon(boundary(c), closed=True, facecolor=COLOURS[s], edgecolor="#555", lw=0.3)
        )
    ax.autoscale_view()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title("GNSS interference: share of aircraft with degraded navigation")
    handles = [Rectangle((0, 0), 1, 1, color=v) for v in COLOURS.values()]
    ax.legend(handles, list(COLOURS), loc="best")
    fig.savefig(path, dpi=120)
    plt.close(fig)
