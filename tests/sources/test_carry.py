"""Carrying each identity's latest values forward (``sources._carry.Carry``) against a
row-by-row reference, over random chunks.

The reference walks the rows in file order with a dict per identity, as the module
docstring describes the rule: a row's value is its own, else the latest value of its
identity's current run (a run breaks where the identity fell silent for ``forget_s``);
after each chunk the identities silent for ``forget_s`` behind the newest ``now`` are
forgotten. The vectorised class must give the same values, times and memory for every
chunk: it sorts only the identities a chunk holds, so chunks that skip some identities
and bring back others after a silence are the cases to cover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from airsentry.sources._carry import Carry

FIELDS: dict[str, type] = {"callsign": str, "alt": float}


@dataclass
class Reference:
    forget_s: float
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)
    newest: float = -math.inf

    def fill(self, keys: list[str], t: list[float], columns: dict[str, list[Any]], now: float):
        out: dict[str, tuple[list[Any], list[float]]] = {n: ([], []) for n in FIELDS}
        for i, (key, ti) in enumerate(zip(keys, t, strict=True)):
            mem = self.memory.get(key)
            if mem is None or ti - mem["last_t"] > self.forget_s:  # a new run
                fresh = {n: ("" if k is str else math.nan, math.nan) for n, k in FIELDS.items()}
                seen = -math.inf if mem is None else mem["seen"]
                mem = self.memory[key] = {"values": fresh, "seen": seen}
            for name, kind in FIELDS.items():
                own = columns[name][i]
                if (own != "") if kind is str else not math.isnan(own):
                    mem["values"][name] = (own, ti)
                value, when = mem["values"][name]
                out[name][0].append(value)
                out[name][1].append(when)
            mem["last_t"] = ti
            mem["seen"] = max(mem["seen"], ti)
        for mem in self.memory.values():  # the next chunk's first row follows this
            mem["last_t"] = mem["seen"]
        if not math.isnan(now):
            self.newest = max(self.newest, now)
        if keys or self.memory:
            self.memory = {
                k: m for k, m in self.memory.items() if m["seen"] >= self.newest - self.forget_s
            }
        return out


@pytest.mark.parametrize("seed", range(12))
def test_carry_matches_the_row_by_row_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    forget_s = 50.0
    carry, ref = Carry(dict(FIELDS), forget_s=forget_s), Reference(forget_s)
    population = [f"icao:{0x400000 + i:06x}" for i in range(int(rng.integers(3, 40)))]
    clock = 0.0
    for _ in range(30):
        n = int(rng.integers(0, 60))
        # a few identities per chunk, some back after a long silence; times mostly rise
        present = rng.choice(population, size=int(rng.integers(1, len(population) + 1)))
        keys = [str(k) for k in rng.choice(present, size=n)]
        clock += float(rng.choice([1.0, 5.0, 80.0], p=[0.7, 0.2, 0.1]))
        t = list(clock + rng.normal(0.0, 3.0, n).cumsum() * (rng.random() < 0.5))
        callsign = [str(c) for c in rng.choice(["", "", "", "AFR1", "DLH2"], size=n)]
        alt = list(np.where(rng.random(n) < 0.6, np.nan, rng.uniform(0, 1e4, n)))
        now = float(clock if rng.random() < 0.8 else np.nan)
        got = carry.fill(
            np.array(keys, dtype=object),
            np.array(t, dtype=np.float64),
            {"callsign": np.array(callsign, dtype=object), "alt": np.array(alt)},
            now=now,
        )
        want = ref.fill(keys, t, {"callsign": callsign, "alt": alt}, now)
        for name in FIELDS:
            values, times = got[name]
            assert len(values) == n
            assert values.tolist() == pytest.approx(want[name][0], nan_ok=True)
            np.testing.assert_array_equal(times, np.array(want[name][1], dtype=np.float64))
        assert carry.keys.tolist() == sorted(ref.memory)
        remembered = {k: ref.memory[k] for k in sorted(ref.memory)}
        np.testing.assert_array_equal(carry.seen, [m["seen"] for m in remembered.values()])
        for name in FIELDS:
            want_values = [m["values"][name][0] for m in remembered.values()]
            assert carry.values[name].tolist() == pytest.approx(want_values, nan_ok=True)
