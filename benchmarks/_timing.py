"""Shared timing for the in-process benchmarks: interleaved runs, CPU-time medians.

Each benchmark names its contenders (the current code and a baseline kept in the
benchmark) as callables returning what they computed; :func:`interleaved` runs them
in turn, ``runs`` rounds, timing each call in CPU time (``time.process_time``), and
hands back the times and the last result of each, so the caller can check that the
contenders agree before it prints the medians (:func:`medians`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any


def interleaved(
    contenders: Mapping[str, Callable[[], Any]], runs: int
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """CPU-s of every run of each contender (one of each in turn), and its last result."""
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    results: dict[str, Any] = {}
    for _ in range(runs):
        for name, fn in contenders.items():
            start = time.process_time()
            results[name] = fn()
            cpu[name].append(time.process_time() - start)
    return cpu, results


def medians(cpu: Mapping[str, list[float]]) -> dict[str, float]:
    """The median CPU-s of each contender."""
    return {name: statistics.median(v) for name, v in cpu.items()}
