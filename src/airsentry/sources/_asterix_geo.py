"""Where radar measurements are on the Earth: sites, polar plots, system planes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj

from airsentry.errors import ConfigError
from airsentry.frame import SensorFrame
from airsentry.model import FloatArray
from airsentry.sources._asterix_fields import NM

EARTH_RADIUS = 6_371_000.0
_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class Site:
    """A sensor's position: WGS84 degrees and metres above mean sea level."""

    lat: float
    lon: float
    alt: float = 0.0


def ground_range(slant: FloatArray, alt: FloatArray, site_alt: float) -> FloatArray:
    """Great-circle distance (m) under a slant range, with target altitude when known.

    On a sphere of radius R, radar at R + h_r and target at R + h, the central angle
    obeys cos a = ((R+h_r)^2 + (R+h)^2 - d^2) / (2 (R+h_r)(R+h)). Unknown altitude:
    the slant range itself.
    """
    r1, r2 = EARTH_RADIUS + site_alt, EARTH_RADIUS + alt
    with np.errstate(invalid="ignore"):
        cos_a = np.clip((r1**2 + r2**2 - slant**2) / (2 * r1 * r2), -1.0, 1.0)
    return np.asarray(np.where(np.isnan(alt), slant, EARTH_RADIUS * np.arccos(cos_a)))


def polar_to_wgs84(
    site: Site,
    slant: FloatArray,
    azimuth_deg: FloatArray,
    alt: FloatArray,
    range_sigma_m: float,
    azimuth_sigma_deg: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Latitude, longitude and 1-sigma horizontal error of radar plots from ``site``.

    The ground range (see :func:`ground_range`) is walked along the WGS84 geodesic
    leaving the site at the azimuth; the error combines the range error with the
    azimuth error at that distance.
    """
    ground = ground_range(slant, alt, site.alt)
    n = len(ground)
    lon, lat, _ = _GEOD.fwd(np.full(n, site.lon), np.full(n, site.lat), azimuth_deg, ground)
    accuracy = np.hypot(range_sigma_m, ground * np.radians(azimuth_sigma_deg))
    return np.asarray(lat), np.asarray(lon), np.asarray(accuracy)


def stereographic(ref: Site) -> pyproj.Proj:
    """The system plane of a CAT062 SDPS: stereographic, tangent at the reference point."""
    return pyproj.Proj(proj="stere", lat_0=ref.lat, lon_0=ref.lon, k_0=1.0, ellps="WGS84")


def sites(value: Mapping[str, Site | Mapping[str, float]] | Site | None) -> dict[str, Site]:
    """Sites by SAC/SIC (``"*"`` for any); a mapping of lat, lon, alt becomes a Site."""
    if value is None:
        return {}
    if isinstance(value, Site):
        return {"*": value}
    out = {k: v if isinstance(v, Site) else Site(**v) for k, v in value.items()}
    for key, site in out.items():
        if not (-90 <= site.lat <= 90 and -180 <= site.lon <= 180):
            raise ConfigError(f"asterix site {key}", f"position {site.lat}, {site.lon} invalid")
    return out


def plot_frame(
    site: FloatArray, rho_nm: FloatArray, theta_deg: FloatArray, sigmas: tuple[float, float],
    height: FloatArray | None = None, height_sigma_m: float | None = None,
) -> SensorFrame | None:  # fmt: skip
    """What the radars measured: slant range and azimuth from their sites (rows of
    ``site``: lat, lon, alt), with the configured noise ``sigmas`` (range in metres,
    azimuth in degrees); None when no CAT048 plot has a site. A 3D radar's measured
    ``height`` (I110, metres; NaN where none) with a configured ``height_sigma_m`` also
    gives the elevation and its noise (spherical Earth, as :func:`ground_range`), so that
    a tracker knows how precise the plot's altitude is."""
    placed = np.isfinite(site[0])
    if not placed.any():
        return None
    slant = np.where(placed, rho_nm * NM, np.nan)
    el = sig_el = np.full(len(rho_nm), np.nan)
    if height is not None and height_sigma_m is not None:
        r1, r2 = EARTH_RADIUS + site[2], EARTH_RADIUS + height
        with np.errstate(invalid="ignore", divide="ignore"):
            sin_el = np.clip((r2**2 - r1**2 - slant**2) / (2 * r1 * slant), -1.0, 1.0)
            el = np.arcsin(sin_el)
            # d(height)/d(elevation) = slant * r1 * cos(el) / r2
            sig_el = height_sigma_m * r2 / (slant * r1 * np.maximum(np.cos(el), 1e-3))
        ok = placed & np.isfinite(el) & (slant > 0)
        el, sig_el = np.where(ok, el, np.nan), np.where(ok, sig_el, np.nan)
    return SensorFrame.build(
        len(rho_nm), site_lat=site[0], site_lon=site[1], site_alt=site[2],
        range_m=slant,
        azimuth_rad=np.where(placed, np.radians(theta_deg % 360.0), np.nan),
        elevation_rad=el,
        sigma_range_m=np.where(placed, sigmas[0], np.nan),
        sigma_azimuth_rad=np.where(placed, np.radians(sigmas[1]), np.nan),
        sigma_elevation_rad=sig_el,
    )  # fmt: skip


def place_plots(
    radars: Mapping[str, Site],
    sigmas: tuple[float, float],
    mask: Any,
    sensor: Any,
    rho_nm: FloatArray,
    theta_deg: FloatArray,
    alt: FloatArray,
    out: tuple[FloatArray, FloatArray, FloatArray],
    site_out: FloatArray,
) -> None:
    """Fill ``out`` (lat, lon, accuracy) of CAT048 plots in place, radar by radar, and
    each plot's radar site (rows of ``site_out``: lat, lon, alt) for the sensor frame.
    ``radars`` is keyed by SAC/SIC (``"*"``: any); plots of an unknown radar stay NaN."""
    lat, lon, accuracy = out
    for name in np.unique(sensor[mask]):
        site = radars.get(str(name).split(":", 1)[1]) or radars.get("*")
        sel = mask & (sensor == name) & np.isfinite(rho_nm)
        if site is None or not sel.any():
            continue
        site_out[:, sel] = np.array([[site.lat], [site.lon], [site.alt]])
        lat[sel], lon[sel], accuracy[sel] = polar_to_wgs84(
            site, rho_nm[sel] * NM, theta_deg[sel], alt[sel], sigmas[0], sigmas[1]
        )


def place_cartesian(
    refs: Mapping[str, Site],
    mask: Any,
    sensor: Any,
    x: FloatArray,
    y: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
) -> None:
    """Fill lat/lon of CAT062 tracks that carry only I100 (Cartesian x, y in metres)
    from their system's reference point, in place."""
    todo = mask & np.isnan(lat) & np.isfinite(x)
    for name in np.unique(sensor[todo]):
        ref = refs.get(str(name).split(":", 1)[1]) or refs.get("*")
        if ref is None:
            continue
        sel = todo & (sensor == name)
        lon[sel], lat[sel] = stereographic(ref)(x[sel], y[sel], inverse=True)
