"""Airspace: the zone catalogue and the vectorised point-in-zone index.

* :mod:`~airsentry.airspace.zones`: :class:`Catalogue`, :class:`AirspaceConfig`,
  :func:`default_catalogue` (sovereign airspace, early-warning bands, airports).
* :mod:`~airsentry.airspace.userzones`: user zones from GeoJSON.
* :mod:`~airsentry.airspace.index`: :class:`ZoneIndex` (which zones hold each point of
  a batch, with altitude limits and time windows) and :func:`depth_m`.
* :mod:`~airsentry.airspace.borders`, :mod:`~airsentry.airspace.airports`: the shipped
  data (``data/``, built by ``tools/build_airspace.py``; see ``data/ATTRIBUTION.txt``).
"""

from airsentry.airspace.index import Membership, ZoneIndex, depth_m
from airsentry.airspace.userzones import check_user_zones, load_user_zones, parse_user_zones
from airsentry.airspace.zones import (
    DEFAULT_ADMITS,
    AirportRadius,
    AirspaceConfig,
    Catalogue,
    default_catalogue,
)

__all__ = [
    "DEFAULT_ADMITS",
    "AirportRadius",
    "AirspaceConfig",
    "Catalogue",
    "Membership",
    "ZoneIndex",
    "check_user_zones",
    "default_catalogue",
    "depth_m",
    "load_user_zones",
    "parse_user_zones",
]
