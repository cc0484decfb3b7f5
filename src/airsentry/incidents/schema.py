"""The SQLite schema of the incident store and the migrations that build it: every table.

Every table of the store file is created here and nowhere else: events, incidents,
their tracks and decisions, the console's users and the store's revision counter.

The same tables and migrations serve SQLite and PostgreSQL; what differs in spelling
(types, placeholders, the version's home, locking) is translated in
:mod:`airsentry.incidents.dialect`. The schema version lives in ``PRAGMA
user_version`` (a ``schema_version`` table on PostgreSQL). :data:`MIGRATIONS` is a list
whose item ``i`` takes a database from version ``i`` to ``i + 1``; :func:`migrate`
applies the missing ones, each in its own transaction, so a crash mid-upgrade leaves
the database at a whole version. A database newer than this code is refused rather
than guessed at.

Times are stored as REAL epoch seconds UTC (exact to the microsecond, and cheap to
compare in range queries); the event JSON keeps the ISO 8601 text of
:meth:`~airsentry.model.Event.to_dict`. Lists (track ids, reasons) are JSON text.
Enumerations (:mod:`airsentry.incidents.kinds`) are stored as their string values.

Version history:

1. events, incidents, incident_tracks, decisions (a decision's ``action`` was free
   text: ``acknowledge``, ``note``, an action, or ``refuse:<action>``).
2. ``users`` (formerly ``server_users``, created outside the schema by the server;
   its rows are carried over); decisions get a ``kind`` and a nullable ``action``
   (``refuse:<action>`` rows become kind ``refuse`` with that action); the one-row
   ``revision`` table, bumped by every write transaction, so a process can tell that
   another one has written (portable, unlike SQLite's ``PRAGMA data_version``).
3. ``record``: violations from public reports (:mod:`airsentry.incidents.record`),
   counted in the ordinals of booked incidents.
4. ``outbox``: incident- and decision-level messages waiting for (or delivered to) each
   output (:mod:`airsentry.incidents.outbox`), so that they survive restarts and
   receiver outages.
5. ``track_states``: sampled track states for the console's replay; since version 7
   ``track_chunks``, the same states as columnar chunks (:mod:`airsentry.incidents.chunks`).
6. ``register_entries``: clearances, drone permits and own forces added through the API
   or ``airsentry registers`` (:mod:`airsentry.incidents.register_store`), never deleted
   (a withdrawal is stamped on the row), and the one-row ``register_version``, bumped by
   every register write, which a running pipeline polls to reload its register.
7. ``track_chunks``: the track log as columnar chunks (see 5), the states logged carried over.
8. ``events`` keyed by ``(time, dedup)``: the replay key was a unique index on the
   sha256 alone, a random key whose B-tree took every insert somewhere new. Event time
   leads the key now, so inserts append at the tree's end (the event's time is part of
   what the hash covers, so a replayed event still matches its stored copy), and the
   index serves time ranges, which ``events_time`` did. ``events_track`` is dropped:
   no query read it. Storing an event cost half as much (issue 12).

The SQL is written in SQLite's spelling and kept to what PostgreSQL means the same way;
tables are created after the tables they reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from airsentry.incidents import chunks
from airsentry.incidents.dialect import SQLITE, Connection, Dialect

Migration = Callable[[Connection, Dialect], None]
"""One step of the schema: run on a connection inside the migration's transaction."""

_V1: Sequence[str] = (
    """
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,             -- OWNER-YEAR-nnnn
        seq INTEGER NOT NULL,            -- the nnnn
        natural_key TEXT NOT NULL UNIQUE,-- zone|start|first identity or track (replays)
        zone_id TEXT NOT NULL,
        zone_kind TEXT NOT NULL,
        zone_name TEXT NOT NULL,
        owner TEXT NOT NULL,
        id_year INTEGER NOT NULL,        -- the year in the id, fixed at creation
        year INTEGER NOT NULL,           -- UTC year of start
        start_time REAL NOT NULL,
        end_time REAL NOT NULL,
        track_ids TEXT NOT NULL,
        identities TEXT NOT NULL,
        classes TEXT NOT NULL,
        object_count INTEGER NOT NULL,
        dwell_s REAL NOT NULL,
        depth_m REAL NOT NULL,
        severity INTEGER NOT NULL,
        recommendation TEXT,             -- JSON of Recommendation.to_dict() or NULL
        reasons TEXT NOT NULL,
        status TEXT NOT NULL,
        ordinal INTEGER,                 -- among owner's sovereign incidents that year
        UNIQUE (owner, id_year, seq)
    )
    """,
    "CREATE INDEX incidents_owner_year ON incidents(owner, year, zone_kind)",
    "CREATE INDEX incidents_status ON incidents(status)",
    "CREATE INDEX incidents_start ON incidents(start_time)",
    """
    CREATE TABLE incident_tracks (
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        track_key TEXT NOT NULL,         -- track:<id> or identity:<identity>
        track_id INTEGER,
        identity TEXT NOT NULL,
        target_class TEXT NOT NULL,
        first_time REAL NOT NULL,
        last_time REAL NOT NULL,
        last_entry REAL,
        last_exit REAL,
        dwell_s REAL NOT NULL,
        depth_m REAL NOT NULL,
        PRIMARY KEY (incident_id, track_key)
    )
    """,
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        dedup TEXT NOT NULL UNIQUE,      -- sha256 of the canonical event JSON
        kind TEXT NOT NULL,
        time REAL NOT NULL,              -- epoch seconds UTC
        zone_id TEXT NOT NULL,
        zone_kind TEXT NOT NULL,
        owner TEXT NOT NULL,
        track_id INTEGER,
        identity TEXT NOT NULL,
        incident_id TEXT REFERENCES incidents(id),
        data TEXT NOT NULL               -- JSON of Event.to_dict()
    )
    """,
    "CREATE INDEX events_incident ON events(incident_id, time)",
    "CREATE INDEX events_time ON events(time)",
    "CREATE INDEX events_zone ON events(zone_id, time)",
    "CREATE INDEX events_kind ON events(kind, time)",
    "CREATE INDEX events_track ON events(track_id, identity)",
    """
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        time REAL NOT NULL,
        operator TEXT NOT NULL,
        action TEXT NOT NULL,
        note TEXT NOT NULL
    )
    """,
    "CREATE INDEX decisions_incident ON decisions(incident_id, time)",
)


_DECISION_KINDS = "'acknowledge', 'note', 'authorise', 'refuse'"

_V2_DECISIONS = f"""
    CREATE TABLE decisions_v2 (
        id INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        time REAL NOT NULL,
        operator TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ({_DECISION_KINDS})),
        action TEXT,                     -- the Action decided on; NULL for acknowledge, note
        note TEXT NOT NULL,
        CHECK ((kind IN ('authorise', 'refuse')) = (action IS NOT NULL))
    )
"""

# Old free-text actions: 'acknowledge', 'note', 'refuse:<action>' or an action's value.
_V2_COPY_DECISIONS = """
    INSERT INTO decisions_v2 (id, incident_id, time, operator, kind, action, note)
    SELECT id, incident_id, time, operator,
        CASE WHEN action IN ('acknowledge', 'note') THEN action
             WHEN action LIKE 'refuse:%' THEN 'refuse'
             ELSE 'authorise' END,
        CASE WHEN action IN ('acknowledge', 'note') THEN NULL
             WHEN action LIKE 'refuse:%' THEN SUBSTR(action, 8)
             ELSE action END,
        note
    FROM decisions
"""

_V2_USERS = """
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        token_sha256 TEXT NOT NULL UNIQUE,
        created REAL NOT NULL            -- epoch seconds UTC
    )
"""


def _v2(conn: Connection, dialect: Dialect) -> None:
    """Users into the schema, decisions with a kind, the revision counter."""
    conn.execute(_V2_USERS)
    if dialect.has_table(conn, "server_users"):
        conn.execute(
            "INSERT INTO users (name, role, token_sha256, created) "
            "SELECT name, role, token_sha256, created FROM server_users"
        )
        conn.execute("DROP TABLE server_users")
    conn.execute(_V2_DECISIONS)
    conn.execute(_V2_COPY_DECISIONS)
    conn.execute("DROP TABLE decisions")
    conn.execute("ALTER TABLE decisions_v2 RENAME TO decisions")
    dialect.reset_identity(conn, "decisions")
    conn.execute("CREATE INDEX decisions_incident ON decisions(incident_id, time)")
    conn.execute(
        "CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)"
    )
    conn.execute("INSERT INTO revision (id, n) VALUES (1, 0)")


def _script(statements: Sequence[str]) -> Migration:
    def run(conn: Connection, dialect: Dialect) -> None:
        # One statement at a time: executescript() would commit the open transaction.
        for statement in statements:
            conn.execute(statement)

    return run


_V3: Sequence[str] = (
    """
    CREATE TABLE record (
        key TEXT PRIMARY KEY,            -- sha of state, kind, span, description
        state TEXT NOT NULL,             -- ISO3
        kind TEXT NOT NULL,              -- sovereign | airport
        year INTEGER NOT NULL,
        first_time REAL NOT NULL,        -- epoch seconds UTC: the row's span
        last_time REAL NOT NULL,
        count INTEGER NOT NULL,          -- violations the row stands for
        objects INTEGER,
        duration_s REAL,
        description TEXT NOT NULL,
        sources TEXT NOT NULL            -- JSON list of the reports cited
    )
    """,
    "CREATE INDEX record_state ON record(state, year, kind)",
)

_V4: Sequence[str] = (
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        output TEXT NOT NULL,            -- the output's name (its URL without secrets)
        key TEXT NOT NULL,               -- idempotency key of the message
        topic TEXT NOT NULL,             -- incidents | decisions
        body TEXT NOT NULL,              -- the message JSON
        created REAL NOT NULL,           -- epoch seconds UTC
        attempts INTEGER NOT NULL DEFAULT 0,
        delivered REAL,                  -- epoch seconds UTC; NULL while pending
        UNIQUE (output, key)
    )
    """,
    "CREATE INDEX outbox_pending ON outbox(output, delivered, id)",
)

_V5_TRACK_STATES: Sequence[str] = (
    # The console's replay: sampled track states (one per track per slot of
    # airsentry.incidents.tracklog.INTERVAL_S), bounded by event-time retention.
    """
    CREATE TABLE track_states (
        slot INTEGER NOT NULL,           -- floor((t + phase of the track) / interval)
        track_id INTEGER NOT NULL,
        t REAL NOT NULL,                 -- epoch seconds UTC
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        alt_m REAL,
        speed_mps REAL,
        heading_deg REAL,
        identity TEXT NOT NULL,
        callsign TEXT NOT NULL,
        class TEXT NOT NULL,
        violator INTEGER NOT NULL,
        PRIMARY KEY (slot, track_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX track_states_time ON track_states(t)",
)

_V6_REGISTERS: Sequence[str] = (
    """
    CREATE TABLE register_entries (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('clearances', 'permits', 'own_forces')),
        reference TEXT NOT NULL,         -- a clearance's or permit's reference, a unit
        body TEXT NOT NULL,              -- JSON: the entry in the register file's format
        added REAL NOT NULL,             -- epoch seconds UTC (wall clock)
        added_by TEXT NOT NULL,
        withdrawn REAL,                  -- epoch seconds UTC; NULL while in force
        withdrawn_by TEXT,
        withdraw_note TEXT
    )
    """,
    # one entry in force per kind and reference
    "CREATE UNIQUE INDEX register_in_force ON register_entries(kind, reference) "
    "WHERE withdrawn IS NULL",
    "CREATE TABLE register_version (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)",
    "INSERT INTO register_version (id, n) VALUES (1, 0)",
)

_V7_TRACK_CHUNKS = """
    CREATE TABLE track_chunks (
        track_id INTEGER NOT NULL,
        t0 REAL NOT NULL,                -- first state's time, epoch seconds UTC
        t1 REAL NOT NULL,                -- last state's time (t1 - t0 <= CHUNK_SPAN_S)
        n INTEGER NOT NULL,              -- states in the chunk
        states BLOB NOT NULL,            -- n packed records (incidents/chunks.py)
        texts TEXT NOT NULL,             -- JSON runs of identity, callsign, class
        PRIMARY KEY (track_id, t0)
    )
"""


def _v7(conn: Connection, dialect: Dialect) -> None:
    """The track log as columnar chunks (one row per track per write, not per state);
    the states already logged are carried over."""
    conn.execute(_V7_TRACK_CHUNKS)
    conn.execute("CREATE INDEX track_chunks_time ON track_chunks(t0)")
    old = conn.execute(
        "SELECT slot, track_id, t, lat, lon, alt_m, speed_mps, heading_deg, identity, "
        "callsign, class, violator FROM track_states"
    ).fetchall()
    if old:
        conn.executemany(
            "INSERT INTO track_chunks (track_id, t0, t1, n, states, texts) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            chunks.pack(chunks.states_of_rows(old)),
        )
    conn.execute("DROP TABLE track_states")


_V8_EVENTS = """
    CREATE TABLE events_v8 (
        id INTEGER PRIMARY KEY,
        dedup TEXT NOT NULL,             -- sha256 of the canonical event JSON
        kind TEXT NOT NULL,
        time REAL NOT NULL,              -- epoch seconds UTC
        zone_id TEXT NOT NULL,
        zone_kind TEXT NOT NULL,
        owner TEXT NOT NULL,
        track_id INTEGER,
        identity TEXT NOT NULL,
        incident_id TEXT REFERENCES incidents(id),
        data TEXT NOT NULL               -- JSON of Event.to_dict()
    )
"""
_EVENT_COLUMNS = (
    "id, dedup, kind, time, zone_id, zone_kind, owner, track_id, identity, incident_id, data"
)


def _v8(conn: Connection, dialect: Dialect) -> None:
    """Events keyed by (time, dedup), without the unused indexes; rows carried over
    with their ids (SQLite cannot drop a column's UNIQUE in place: the table is
    rebuilt, the same way on both databases)."""
    conn.execute(_V8_EVENTS)
    conn.execute(f"INSERT INTO events_v8 ({_EVENT_COLUMNS}) SELECT {_EVENT_COLUMNS} FROM events")
    conn.execute("DROP TABLE events")
    conn.execute("ALTER TABLE events_v8 RENAME TO events")
    dialect.reset_identity(conn, "events")
    for statement in (
        "CREATE UNIQUE INDEX events_dedup ON events(time, dedup)",
        "CREATE INDEX events_incident ON events(incident_id, time)",
        "CREATE INDEX events_zone ON events(zone_id, time)",
        "CREATE INDEX events_kind ON events(kind, time)",
    ):
        conn.execute(statement)


MIGRATIONS: list[Migration] = [
    _script(_V1),
    _v2,
    _script(_V3),
    _script(_V4),
    _script(_V5_TRACK_STATES),
    _script(_V6_REGISTERS),
    _v7,
    _v8,
]
"""Item ``i`` upgrades a database from schema version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: Connection, dialect: Dialect = SQLITE) -> int:
    """The version recorded in the database (0 for a new, empty one)."""
    return dialect.schema_version(conn)


def migrate(conn: Connection, dialect: Dialect = SQLITE) -> int:
    """Bring ``conn``'s database up to :data:`SCHEMA_VERSION`; return the old version.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each migration
    runs in its own write transaction (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's
    advisory lock) together with the version bump. Raises ``ValueError`` when the
    database is newer than this code.
    """
    start = schema_version(conn, dialect)
    if start > SCHEMA_VERSION:
        raise ValueError(
            f"schema version {start} is newer than this airsentry ({SCHEMA_VERSION}); "
            "upgrade airsentry to open it"
        )
    for version in range(start, SCHEMA_VERSION):
        dialect.begin_migration(conn)
        try:
            # Re-check under the write lock: another process may have migrated meanwhile.
            if schema_version(conn, dialect) != version:
                conn.execute("ROLLBACK")
                continue
            MIGRATIONS[version](conn, dialect)
            dialect.set_schema_version(conn, version + 1)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start
