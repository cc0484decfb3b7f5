"""GNSS-interference map: the share of aircraft with degraded navigation per H3 cell
and hour, from the integrity the aircraft report (NACp, NIC) and from position jumps
that no aircraft could fly. Over files (``airsentry gnss``), live (:class:`GnssLayer`,
a sink of the pipeline; ``GET /api/gnss``). See docs/gnss.md.
"""

from airsentry.gnss.export import arrow_table, geojson, write
from airsentry.gnss.grid import STATUSES, CellHours, GnssConfig, GnssMap
from airsentry.gnss.live import GnssLayer

__all__ = [
    "STATUSES",
    "CellHours",
    "GnssConfig",
    "GnssLayer",
    "GnssMap",
    "arrow_table",
    "geojson",
    "write",
]
