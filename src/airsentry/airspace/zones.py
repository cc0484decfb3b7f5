"""The zone catalogue: sovereign airspace, early-warning bands, airports, user zones.

:func:`default_catalogue` assembles the shipped data into :class:`~airsentry.model.Zone`
objects under an :class:`AirspaceConfig`; :class:`Catalogue` holds them in a stable
order (sovereign zones by ISO3, then bands by ISO3, then airports by ICAO, then any
zones added later in the order given), looks them up by id, filters them, and builds
the :class:`~airsentry.airspace.index.ZoneIndex` once. User zones come from GeoJSON
(:mod:`airsentry.airspace.userzones`).
"""

from __future__ import annotations

import functools
import hashlib
import math
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import shapely

from airsentry.airspace import airports as _airports
from airsentry.airspace import borders, geodesy, gridcache, storage
from airsentry.airspace.index import ZoneIndex
from airsentry.errors import ConfigError, ZoneDefinitionError
from airsentry.model import Admit, Zone, ZoneKind

SOVEREIGN_ADMITS = frozenset(
    {Admit.CIVIL_COOPERATIVE, Admit.STATE_OWN, Admit.STATE_ALLIED, Admit.DRONE_REMOTE_ID}
)

DEFAULT_ADMITS: dict[ZoneKind, frozenset[Admit]] = {
    ZoneKind.SOVEREIGN: SOVEREIGN_ADMITS,
    ZoneKind.BUFFER: SOVEREIGN_ADMITS,
    ZoneKind.AIRPORT: frozenset({Admit.NON_DRONE}),
    ZoneKind.SITE: frozenset({Admit.CIVIL_COOPERATIVE, Admit.STATE_OWN, Admit.STATE_ALLIED}),
    ZoneKind.TEMPORARY: frozenset(),
}
"""What each kind of zone admits unless told otherwise."""


class AirportRadius(NamedTuple):
    """A national rule: radius of the drone-restriction circle around an airport."""

    country: str  # ISO3
    civil_m: float
    military_m: float


DEFAULT_AIRPORT_RADII = (
    AirportRadius("DNK", 5_000.0, 8_000.0),
    AirportRadius("NOR", 5_000.0, 5_000.0),
)


@dataclass(frozen=True, slots=True)
class AirspaceConfig:
    """What :func:`default_catalogue` builds. Frozen and hashable: catalogues are cached
    per configuration.

    ``airport_radii`` lists national rules; countries without one use
    ``default_airport_radius_m`` (civil, military). ``states`` restricts the catalogue
    to those ISO3 codes (None: all shipped states).
    """

    buffer_width_m: float = borders.SHIPPED_BAND_M
    airport_radii: tuple[AirportRadius, ...] = DEFAULT_AIRPORT_RADII
    default_airport_radius_m: tuple[float, float] = (5_000.0, 5_000.0)
    airport_ceiling_m: float = 1_500.0
    states: frozenset[str] | None = None
    include_buffers: bool = True
    include_airports: bool = True
    _radius: dict[str, AirportRadius] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.buffer_width_m) and self.buffer_width_m > 0):
            raise ConfigError(
                "buffer_width_m", f"must be a positive distance, not {self.buffer_width_m}"
            )
        if not self.airport_ceiling_m > 0:
            raise ConfigError(
                "airport_ceiling_m", f"must be positive, not {self.airport_ceiling_m}"
            )
        rules = tuple(AirportRadius(*r) for r in self.airport_radii)
        for rule in (*rules, AirportRadius("*", *self.default_airport_radius_m)):
            if not (rule.civil_m > 0 and rule.military_m > 0):
                raise ConfigError("airport_radii", f"{rule.country}: radii must be positive")
        object.__setattr__(self, "airport_radii", rules)
        if self.states is not None:
            states = frozenset(self.states)
            unknown = sorted(states - set(borders.load_states()))
            if unknown:
                raise ConfigError("states", f"no shipped borders for {', '.join(unknown)}")
            object.__setattr__(self, "states", states)
        object.__setattr__(self, "_radius", {r.country: r for r in rules})

    def airport_radius_m(self, country: str, military: bool) -> float:
        """Radius (m) of the airport circle for an airport of ``country``."""
        rule = self._radius.get(country)
        civil, mil = (rule.civil_m, rule.military_m) if rule else self.default_airport_radius_m
        return mil if military else civil


class Catalogue:
    """Zones in a stable order, with lookup by id, filters, and the index built once."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        self._zones = tuple(zones)
        self._pos: dict[str, int] = {}
        for i, z in enumerate(self._zones):
            if z.id in self._pos:
                raise ZoneDefinitionError(f"duplicate zone id {z.id!r}", source="catalogue", line=i)
            self._pos[z.id] = i
        self._index: ZoneIndex | None = None

    @property
    def zones(self) -> tuple[Zone, ...]:
        """All zones, in the catalogue's order (the order the index numbers them)."""
        return self._zones

    def __len__(self) -> int:
        return len(self._zones)

    def __iter__(self) -> Iterator[Zone]:
        return iter(self._zones)

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._pos

    def __getitem__(self, zone_id: str) -> Zone:
        return self._zones[self._pos[zone_id]]

    def get(self, zone_id: str) -> Zone | None:
        i = self._pos.get(zone_id)
        return None if i is None else self._zones[i]

    def position(self, zone_id: str) -> int:
        """Index of a zone in :attr:`zones` (and in the index's answers)."""
        return self._pos[zone_id]

    def of_kind(self, *kinds: ZoneKind) -> list[Zone]:
        return [z for z in self._zones if z.kind in kinds]

    def of_owner(self, owner: str) -> list[Zone]:
        return [z for z in self._zones if z.owner == owner]

    def filter(self, *, kind: ZoneKind | None = None, owner: str | None = None) -> Catalogue:
        """A new catalogue with the zones of that kind and/or owner, order kept."""
        return Catalogue(
            z
            for z in self._zones
            if (kind is None or z.kind == kind) and (owner is None or z.owner == owner)
        )

    def extended(self, zones: Iterable[Zone]) -> Catalogue:
        """A new catalogue with ``zones`` appended (ids must stay unique)."""
        return Catalogue((*self._zones, *zones))

    @property
    def index(self) -> ZoneIndex:
        """The :class:`ZoneIndex` over :attr:`zones`, built on first use."""
        if self._index is None:
            self._index = ZoneIndex(self._zones)
        return self._index


def sovereign_zone(state: borders.State) -> Zone:
    """The SOVEREIGN zone of a state: its whole airspace, every altitude."""
    return Zone(
        id=f"sovereign:{state.iso3}",
        name=f"{state.name} airspace",
        kind=ZoneKind.SOVEREIGN,
        owner=state.iso3,
        geometry=state.geometry,
        admits=SOVEREIGN_ADMITS,
        allies=borders.alliance_of(state.iso3),
        properties={"sovereign": borders.SOVEREIGN_OF.get(state.iso3, state.iso3)},
    )


def buffer_zone(state: borders.State, width_m: float) -> Zone:
    """The BUFFER zone of a state: the early-warning band outside its border."""
    km = f"{width_m / 1000:g}"
    return Zone(
        id=f"buffer:{state.iso3}",
        name=f"{state.name} {km} km early-warning band",
        kind=ZoneKind.BUFFER,
        owner=state.iso3,
        geometry=borders.band(state.iso3, width_m),
        admits=SOVEREIGN_ADMITS,
        allies=borders.alliance_of(state.iso3),
        properties={"width_m": float(width_m)},
    )


@functools.lru_cache(maxsize=8)
def default_catalogue(config: AirspaceConfig | None = None) -> Catalogue:
    """The shipped catalogue under ``config`` (cached per configuration)."""
    config = config or AirspaceConfig()
    states = [
        s
        for code, s in borders.load_states().items()
        if config.states is None or code in config.states
    ]
    zones = [sovereign_zone(s) for s in states]
    if config.include_buffers:
        zones += [buffer_zone(s, config.buffer_width_m) for s in states]
    if config.include_airports:
        codes = {s.iso3 for s in states}
        chosen = [a for a in _airports.load_airports() if a.country in codes]
        zones += _airports.airport_zones(
            chosen,
            lambda a: config.airport_radius_m(a.country, a.military),
            ceiling_m=config.airport_ceiling_m,
        )
    origin = _provenance(config)
    gridcache.vouch([z.geometry for z in zones], [origin + z.id.encode() for z in zones])
    return Catalogue(zones)


def _provenance(config: AirspaceConfig) -> bytes:
    """What every shipped zone's geometry follows from: the configuration, the package
    data files (name, size, modification time), the code that turns them into
    geometries and the geometry libraries' versions. The grid cache's key takes this
    (and each zone's id) instead of hashing every vertex at each start-up."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(config).encode())
    h.update(f"{shapely.__version__}:{gridcache.library_token('pyproj')}:{np.__version__}".encode())
    for path in sorted(borders.data_dir().iterdir()):
        st = path.stat()
        h.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    for module in (borders, _airports, geodesy, storage, sys.modules[__name__]):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.digest() + b":"
