"""The track log's columnar chunks: what goes in comes back, on SQLite and PostgreSQL,
and a store of the row-per-state schema (version 6) keeps its states on upgrade."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from airsentry.incidents import IncidentStore
from airsentry.incidents.chunks import CHUNK_SPAN_S, pack, rows_of, states_of_rows
from airsentry.incidents.dialect import SQLITE
from airsentry.incidents.schema import MIGRATIONS, SCHEMA_VERSION
from airsentry.incidents.tracklog import TrackLog

T0 = 1_758_560_000.0  # a multiple of CHUNK_SPAN_S away from nothing in particular


def _rows() -> list[tuple[object, ...]]:
    """Two tracks; track 7 crosses a chunk window, changes class and callsign, and has
    an unknown altitude and speed; track 3 has one state."""
    rows: list[tuple[object, ...]] = []
    for k in range(40):
        t = T0 + 20.0 * k
        cls = "drone" if k < 25 else "decoy_drone"
        callsign = "" if k < 10 else "ABC123"
        alt = None if k == 5 else 100.0 + k
        rows.append((k, 7, t, 54.1 + k * 1e-3, 18.2, alt, None if k == 6 else 12.5, 90.0,
                     "icao:4b1801", callsign, cls, int(k >= 30)))  # fmt: skip
    rows.append((3, 3, T0 + 61.0, 55.0, 12.0, 300.0, 40.0, 270.0, "", "", "unknown", 0))
    return rows


def test_chunks_give_back_every_state_with_its_texts_and_unknowns() -> None:
    rows = _rows()
    found = pack(states_of_rows(rows))
    # one chunk per track and window: track 7's 780 s cross one multiple of the span
    windows = {math.floor(float(r[2]) / CHUNK_SPAN_S) for r in rows if r[1] == 7}  # type: ignore[arg-type]
    assert len(found) == 1 + len(windows)
    assert all(t1 - t0 <= CHUNK_SPAN_S for _, t0, t1, *_ in found)
    assert sum(n for *_, n, _, _ in found) == len(rows)
    back = list(rows_of([(tid, states, texts) for tid, _, _, _, states, texts in found],
                        -math.inf, math.inf))  # fmt: skip
    assert sorted(back) == sorted(rows)  # type: ignore[type-var]
    # a period takes only the states inside it
    some = list(rows_of([(r[0], r[4], r[5]) for r in found], T0 + 100.0, T0 + 200.0))
    assert sorted(r[2] for r in some) == [T0 + 100.0, T0 + 120.0, T0 + 140.0, T0 + 160.0,
                                          T0 + 180.0, T0 + 200.0]  # fmt: skip


def test_track_log_reads_chunks_by_time_and_track(db: Path | str) -> None:
    with IncidentStore(db) as store:
        log = TrackLog(store)
        log.put(_rows())  # type: ignore[arg-type]
        first, last, n = log.span()
        assert (first, last, n) == (T0, T0 + 20.0 * 39, 41)
        at = {t["id"]: t for t in log.at(T0 + 61.0 + 5.0, trail_s=60.0)}
        assert sorted(at) == [3, 7]
        assert at[7]["t"] == T0 + 60.0
        assert at[7]["callsign"] == ""
        assert [p[1] for p in at[7]["trail"]] == pytest.approx([54.1 + k * 1e-3 for k in (1, 2, 3)])
        late = {t["id"]: t for t in log.at(T0 + 20.0 * 39)}
        assert late[7]["target_class"] == "decoy_drone"
        assert late[7]["violator"]
        assert late[7]["callsign"] == "ABC123"
        paths = log.paths([7], T0 + 580.0, T0 + 640.0)  # across the chunk boundary
        assert [p[2] for p in paths[7]] == [T0 + 580.0, T0 + 600.0, T0 + 620.0, T0 + 640.0]
        # the same chunks again are not stored twice
        log.put(_rows())  # type: ignore[arg-type]
        assert log.span()[2] == 41


def test_an_upgrade_carries_the_row_per_state_log_over(tmp_path: Path) -> None:
    path = tmp_path / "v6.sqlite"
    raw = sqlite3.connect(path, isolation_level=None)
    for version, step in enumerate(MIGRATIONS[:6]):
        raw.execute("BEGIN IMMEDIATE")
        step(raw, SQLITE)  # type: ignore[arg-type]
        raw.execute(f"PRAGMA user_version = {version + 1}")
        raw.execute("COMMIT")
    raw.executemany(
        "INSERT INTO track_states (slot, track_id, t, lat, lon, alt_m, speed_mps, "
        "heading_deg, identity, callsign, class, violator) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _rows(),
    )
    raw.close()
    with IncidentStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        with store.reading("tables") as conn:
            assert not store.dialect.has_table(conn, "track_states")
            found = conn.execute("SELECT track_id, states, texts FROM track_chunks").fetchall()
        assert sorted(rows_of(found, -math.inf, math.inf)) == sorted(_rows())  # type: ignore[type-var]
        assert TrackLog(store).span()[2] == 41
