"""Several writers on one store at once: two processes, each with its own connections and
its own incident book, book the same events (and some of their own) at the same time.

On PostgreSQL as on SQLite, write transactions queue on one lock (SQLite's file lock;
the ``revision`` row), each book reloads what the other wrote, and an incident's natural
key and span make both books converge on one incident per episode: none lost, none
doubled, the numbering without gaps.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

from incidents_helpers import EST_AIRPORT, LVA_SOV, at

from airsentry.incidents import IncidentStore

SHARED, OWN = 12, 6  # episodes both writers book; episodes each books alone
EPISODE_MIN = 300  # five hours apart: well beyond the book's one-hour gap
# Writer a's own episodes start 100 minutes after each shared one, b's 200 after.
# Every episode has jets of its own: an exit belongs to one incident, whoever books it.


def _episodes(count: int, offset: int, zone: str) -> str:
    """Python for the events of ``count`` episodes: three jets (tracks of their own)
    enter ``zone`` and leave it twelve minutes later."""
    start = f"{EPISODE_MIN} * k + {offset}"
    jets = "(10 * k + 1, 10 * k + 2, 10 * k + 3)"
    return (
        f"[e for k in range({count}) for t in {jets} for e in ("
        f"entry(t, {start} + t % 10 / 60, zone={zone}, identity=f'icao:{offset}:{{t}}'),"
        f"exit_(t, {start} + 12 + t % 10 / 60, zone={zone}, dwell_s=720.0))]"
    )


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {here!r})
    from incidents_helpers import EST_AIRPORT, EST_SOV, LVA_SOV, entry, exit_, recommend
    from airsentry.incidents import IncidentBook, IncidentStore

    shared = {shared}
    own = {own}
    batch = {batch}
    events = sorted(shared + own, key=lambda e: e.time)
    with IncidentStore({db!r}) as store:
        book = IncidentBook(store, recommend)
        Path({ready!r}).touch()
        while not Path({go!r}).exists():
            time.sleep(0.01)
        for i in range(0, len(events), batch):
            book.add(events[i : i + batch])
    """
)


def _writer(db: Path | str, tmp: Path, name: str, zone: str, offset: int, batch: int) -> str:
    return WRITER.format(
        here=str(Path(__file__).parent),
        shared=_episodes(SHARED, 0, "EST_SOV"),
        own=_episodes(OWN, offset, zone),
        batch=batch,
        db=str(db),
        ready=str(tmp / f"{name}.ready"),
        go=str(tmp / "go"),
    )


def test_two_writers_at_once_lose_and_double_no_incident(db: Path | str, tmp_path: Path) -> None:
    scripts = [
        ("a", _writer(db, tmp_path, "a", "LVA_SOV", 100, batch=4)),
        ("b", _writer(db, tmp_path, "b", "EST_AIRPORT", 200, batch=5)),
    ]
    IncidentStore(db).close()  # the schema exists before both start
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
        for _, script in scripts
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"{n}.ready").exists() for n, _ in scripts):
        assert all(p.poll() is None for p in procs), [p.stderr.read() for p in procs if p.stderr]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (tmp_path / "go").touch()  # both books start writing together
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()

    with IncidentStore(db) as store:
        incidents = store.list()
        by_zone = Counter(i.zone_id for i in incidents)
        assert by_zone == {"EST-sov": SHARED, LVA_SOV["zone_id"]: OWN, EST_AIRPORT["zone_id"]: OWN}
        # Each episode is one incident with its three jets and all six events, once.
        assert {i.object_count for i in incidents} == {3}
        assert [len(store.events_for(i.id)) for i in incidents] == [6] * len(incidents)
        assert store.event_count() == 6 * (SHARED + 2 * OWN)
        # One episode, one incident: the starts are those of the episodes, none twice.
        starts = Counter((i.zone_id, i.start) for i in incidents)
        assert max(starts.values()) == 1
        est_sov = sorted(i.start for i in incidents if i.zone_id == "EST-sov")
        assert est_sov == [at(EPISODE_MIN * k + 1 / 60) for k in range(SHARED)]
        # Numbering per owner and year has no gaps and no doubles.
        for owner in ("EST", "LVA"):
            seqs = sorted(int(i.id.rsplit("-", 1)[1]) for i in incidents if i.owner == owner)
            assert seqs == list(range(1, len(seqs) + 1)), owner
