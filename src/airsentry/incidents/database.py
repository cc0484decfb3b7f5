"""The store's connections: one writer, and a read connection per thread.

The store is an SQLite file (the embedded default) or a PostgreSQL database
(``postgresql://`` URL, psycopg 3); what differs between them is in
:mod:`airsentry.incidents.dialect`, what follows holds for both.

Every write goes through one writer (in the spirit of datasette's ``execute_write_fn``):
a dedicated connection used under one lock, so the pipeline thread and the API threads
never interleave transactions. Each write transaction starts with ``BEGIN IMMEDIATE``
(across processes SQLite's own locking serialises writers) and bumps the ``revision``
counter, so any process can tell that another one wrote since it last looked, without
SQLite-only means such as ``PRAGMA data_version``.

Reads go through separate connections, one per thread (``query_only``, so a read path
cannot write by mistake). WAL mode lets them read the last committed state while the
writer holds a transaction: a reader never waits for a writer and never sees its
uncommitted work. The one exception is the thread inside a write transaction: its
reads use the writer connection, so it reads its own writes.

On PostgreSQL the first statement of a write transaction, the revision's update, locks
the revision row: writers in other processes queue on it as on SQLite's write lock, and
a read transaction is one ``REPEATABLE READ`` snapshot.

Nothing lost: ``synchronous = FULL`` with WAL (PostgreSQL: its WAL, committed
synchronously) makes a committed transaction survive a
crash or power loss, and :meth:`Database.transaction` returns only after its commit.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from airsentry.errors import StoreError
from airsentry.incidents.dialect import Connection, Dialect, dialect_of, display, is_url
from airsentry.incidents.schema import migrate, schema_version


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return (str(exc) or type(exc).__name__).strip()


class _Reader:
    """One thread's read connection. The thread's local storage holds it, the store
    only a weak reference: when the thread ends, the connection goes with it."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __del__(self) -> None:
        # Closed, not just dropped: a PostgreSQL connection holds a server process.
        with contextlib.suppress(Exception):  # at interpreter shutdown: nothing to tell
            self.conn.close()


class Database:
    """The writer connection and the per-thread readers over one store: an SQLite file,
    or a PostgreSQL database named by a ``postgresql://`` URL.

    Opening creates the file (and its directory) when missing and migrates an older
    schema; it raises :class:`~airsentry.errors.StoreError` when the path cannot be
    written, the file is not an SQLite database, the server cannot be reached, or the
    schema is newer than this code.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout_s: float = 10.0) -> None:
        self.dialect: Dialect = dialect_of(path)
        self.url: str | None = str(path) if is_url(path) else None
        self.path: Path | None = None if self.url is not None else Path(path)
        self.location = display(self.url) if self.url is not None else str(self.path)
        """The store named for messages (a URL without its password)."""
        self._timeout_s = timeout_s
        self._lock = threading.RLock()
        self._depth = 0
        self._writer_thread: int | None = None
        self._revision = 0
        self._local = threading.local()
        self._readers: weakref.WeakSet[_Reader] = weakref.WeakSet()
        self._readers_lock = threading.Lock()
        self._closed = False
        self._db_errors = self.dialect.errors()
        self._open_errors: tuple[type[Exception], ...] = (*self._db_errors, ValueError)
        self._conn = self._open_writer()

    # -- opening and closing ------------------------------------------------------

    def _connect(self, *, reader: bool) -> Connection:
        target = self.url if self.url is not None else str(self.path)
        return self.dialect.connect(target, self._timeout_s, reader=reader)

    def _open_writer(self) -> Connection:
        where = self.location
        if self.path is not None:
            if self.path.is_dir():
                raise StoreError(where, "is a directory, not a database file")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(where, f"cannot create its directory: {_reason(exc)}") from exc
        try:
            conn = self._connect(reader=False)
        except self._open_errors as exc:
            raise StoreError(where, f"cannot open: {_reason(exc)}") from exc
        try:
            migrate(conn, self.dialect)
        except self._open_errors as exc:
            conn.close()
            raise StoreError(where, _reason(exc)) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _reader(self) -> Connection:
        """This thread's read connection, opened on first use."""
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is not None and self.dialect.lost(reader.conn):  # server restarted
            with self._readers_lock:
                self._readers.discard(reader)
            reader = self._local.reader = None
        if reader is None:
            with self._readers_lock:
                if self._closed:
                    raise StoreError(self.location, "the store is closed")
                conn = self._connect(reader=True)
                reader = _Reader(conn)
                self._readers.add(reader)
            self._local.reader = reader
        return reader.conn

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        with self._lock:
            self._conn.close()
        with self._readers_lock:
            self._closed = True
            for reader in list(self._readers):
                reader.conn.close()
            self._readers.clear()

    # -- writing ------------------------------------------------------------------

    def _in_own_transaction(self) -> bool:
        return self._depth > 0 and self._writer_thread == threading.get_ident()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one atomic, durable transaction; bump the revision.

        Nested uses join the outermost transaction. Any exception rolls everything
        back; SQLite errors come out as :class:`StoreError`. Returns after the commit.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self._errors("begin a transaction"):
                self._begin_write()
            self._depth = 1
            self._writer_thread = threading.get_ident()
            try:
                yield
            except BaseException:
                self._depth = 0
                self._writer_thread = None
                self._rollback()
                raise
            self._depth = 0
            self._writer_thread = None
            try:
                self._conn.execute("COMMIT")
            except self._db_errors as exc:
                self._rollback()
                raise StoreError(self.location, f"cannot commit: {_reason(exc)}") from exc

    def _begin_write(self) -> None:
        """Begin the writer's transaction and bump the revision; a connection the server
        dropped (restart, failover) is opened anew, once, as nothing was done yet."""
        for retry in (False, True):
            if self.dialect.lost(self._conn):
                self._conn.close()
                self._conn = self._connect(reader=False)
            try:
                # BEGIN IMMEDIATE takes SQLite's write lock; on PostgreSQL the revision
                # row's update is the lock every writer queues on (see dialect.py).
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute("UPDATE revision SET n = n + 1 WHERE id = 1")
                row = self._conn.execute("SELECT n FROM revision WHERE id = 1").fetchone()
                self._revision = int(row[0])
                return
            except self._db_errors:
                self._rollback()
                if retry or not self.dialect.lost(self._conn):
                    raise
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        """Roll the writer's transaction back, if any (a lost connection has none left)."""
        with contextlib.suppress(*self._db_errors):
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")

    @contextmanager
    def writing(self, doing: str) -> Iterator[Connection]:
        """The writer connection inside a (joined or new) transaction.

        For the store's own modules. ``doing`` completes "cannot …" in a
        :class:`StoreError` raised for an SQLite error.
        """
        with self.transaction(), self._errors(doing):
            yield self._conn

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except self._db_errors as exc:
            raise StoreError(self.location, f"cannot {doing}: {_reason(exc)}") from exc

    # -- reading ------------------------------------------------------------------

    @contextmanager
    def reading(self, doing: str) -> Iterator[Connection]:
        """A connection to read from, in one read transaction (one consistent snapshot).

        This thread's reader, which never waits for the writer; the writer connection
        itself when this thread is inside a write transaction (to read its own writes).
        Nested reads join the outer read's snapshot. For the store's own modules.
        """
        if self._in_own_transaction():
            with self._errors(doing):
                yield self._conn
            return
        with self._errors(doing):
            conn = self._reader()
            if conn.in_transaction:  # a read nested in another read joins its snapshot
                yield conn
                return
            try:
                self.dialect.begin_read(conn)
            except self._db_errors:
                if not self.dialect.lost(conn):
                    raise
                conn = self._reader()  # the server dropped it: a new one, once
                self.dialect.begin_read(conn)
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        with self.reading("read the schema version") as conn:
            return schema_version(conn, self.dialect)

    def revision(self) -> int:
        """The store's revision: bumped by every write transaction, whoever wrote.

        Inside this thread's write transaction, the revision that transaction will
        commit (one more than the revision it started from, unless another writer
        came between); outside, the last committed one.
        """
        if self._in_own_transaction():
            return self._revision
        with self.reading("read the revision") as conn:
            return int(conn.execute("SELECT n FROM revision WHERE id = 1").fetchone()[0])
