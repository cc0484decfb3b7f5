"""Sensor-frame measurements: what a radar or a direction finder actually measured.

A radar plot is a slant range, an azimuth and (for 3D radars) an elevation seen from
the radar's site, each with the radar's own noise; a passive RF direction finder or
an acoustic array measures a bearing (and sometimes an elevation) and no range. The
position columns of a :class:`~airsentry.model.ReportBatch` are a convenience derived
from these; a tracker that wants to be exact updates in the sensor's frame instead
(the measurement noise is an ellipse in range and azimuth, a banana in latitude and
longitude), and a bearing-only row has no position at all until bearings from two or
more sites are crossed.

Units are SI: metres and radians. Azimuth is true, clockwise from north; elevation is
up from the local horizontal plane at the site. Rows that carry no sensor-frame
measurement (cooperative reports, ADS-B) are NaN in every column. A bearing-only row
has ``range_m`` NaN; a 2D radar has ``elevation_rad`` NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class SensorFrame:
    """Per-row sensor-frame measurement columns, aligned with a report batch."""

    site_lat: FloatArray  # degrees, the sensor's position
    site_lon: FloatArray  # degrees
    site_alt: FloatArray  # metres above mean sea level
    range_m: FloatArray  # slant range, metres; NaN for a bearing-only measurement
    azimuth_rad: FloatArray  # true, clockwise from north
    elevation_rad: FloatArray  # above the site's horizontal; NaN when not measured
    sigma_range_m: FloatArray  # 1-sigma of range, metres
    sigma_azimuth_rad: FloatArray  # 1-sigma of azimuth
    sigma_elevation_rad: FloatArray  # 1-sigma of elevation

    @classmethod
    def build(cls, n: int, **columns: Any) -> SensorFrame:
        """Columns by name (scalars broadcast); the ones not given are NaN."""
        names = {f.name for f in fields(cls)}
        unknown = set(columns) - names
        if unknown:
            raise ValueError(f"SensorFrame has no column(s) {sorted(unknown)}")
        out: dict[str, FloatArray] = {}
        for name in names:
            value = columns.get(name)
            if value is None:
                out[name] = np.full(n, np.nan)
                continue
            arr = np.asarray(value, dtype=np.float64)
            out[name] = np.full(n, float(arr)) if arr.ndim == 0 else arr.reshape(-1)
        frame = cls(**out)
        frame.check(n)
        return frame

    @classmethod
    def unmeasured(cls, n: int) -> SensorFrame:
        """``n`` rows without a sensor-frame measurement."""
        return cls.build(n)

    def check(self, n: int) -> None:
        for f in fields(self):
            col = getattr(self, f.name)
            if col.ndim != 1 or len(col) != n:
                raise ValueError(f"frame column {f.name} has shape {col.shape}, expected ({n},)")

    def __len__(self) -> int:
        return len(self.range_m)

    def take(self, idx: Any) -> SensorFrame:
        return SensorFrame(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @property
    def measured(self) -> npt.NDArray[np.bool_]:
        """Rows that carry a sensor-frame measurement (an azimuth from a known site)."""
        return np.isfinite(self.azimuth_rad) & np.isfinite(self.site_lat)

    @property
    def bearing_only(self) -> npt.NDArray[np.bool_]:
        """Rows that measured a bearing and no range (passive RF, acoustic)."""
        return self.measured & np.isnan(self.range_m)

    @staticmethod
    def concat(parts: Sequence[SensorFrame | None], lengths: Sequence[int]) -> SensorFrame:
        """Join frames of consecutive batches; a batch without one contributes NaN rows."""
        frames = [
            p if p is not None else SensorFrame.unmeasured(n)
            for p, n in zip(parts, lengths, strict=True)
        ]
        return SensorFrame(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in frames])
                for f in fields(SensorFrame)
            }
        )


FRAME_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(SensorFrame))
"""The frame's column names, in order (for files that store them beside the reports)."""
