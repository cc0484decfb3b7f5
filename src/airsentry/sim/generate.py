"""Turn a scenario's truth into the reports its sensors would make.

Kept for its callers; the sensor models live in :mod:`airsentry.sim.sensors`.
"""

from __future__ import annotations

from airsentry.sim.sensors import Feed, generate, observe, truth, truth_velocity

__all__ = ["Feed", "generate", "observe", "truth", "truth_velocity"]
