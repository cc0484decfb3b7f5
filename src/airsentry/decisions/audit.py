"""A tamper-evident audit log: every recommendation, acknowledgement, decision and attempt.

The log is a JSON Lines file. Each entry is one JSON object::

    {"seq": 7, "time": "2025-09-19T07:02:11.000Z", "kind": "decision",
     "data": {...}, "prev": "<hash of entry 6>", "mac": "hmac-sha256", "hash": "<hex>"}

``hash`` is the HMAC-SHA256, under the log's secret key, of the *canonical JSON* of the
entry without its ``hash`` field (keys sorted, no insignificant white space, UTF-8), so
every field, ``prev`` included, is covered. Chaining each entry to the hash of the one
before makes any change visible to :func:`verify`:

- an **edited** entry no longer matches its own hash;
- a **deleted**, **inserted** or **reordered** entry breaks the ``seq`` numbering and
  the ``prev`` link of the entry after it;
- a **forged** entry needs the key: an entry under another key, or a plain SHA-256
  chain rewritten without it, is refused;
- a **truncated** log (last entries removed) disagrees with the head file
  (``<log>.head``: the last ``seq`` and ``hash``, rewritten atomically on each append),
  and with any head recorded elsewhere (``verify(head=...)``; ``airsentry audit verify``
  prints the head so that it can be kept on other storage);
- a **torn** last line (a crash in the middle of a write) is reported, refuses further
  appends, and is removed only by :func:`repair` (``airsentry audit repair``), which
  keeps the torn bytes aside and logs the repair.

The key is a 32-byte secret in a file of its own (mode 0600), created with the log.
Its place is the deployment's ``audit_key`` (keep it on other storage than the log, so
that whoever can rewrite the log cannot also re-key it); by default ``<log>.key``. A
missing key or head file is an error, never a reason to fall back to an unkeyed or
unchecked log: :class:`AuditLog` refuses to open a log with entries whose key is
missing, and :func:`verify` reports a missing head.

Appends take an exclusive ``flock`` on the log, so two processes append in turn.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from airsentry.errors import AirsentryError
from airsentry.model import isoformat

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""
HMAC = "hmac-sha256"
REPAIR = "airsentry audit repair"


class AuditError(AirsentryError):
    """The audit log cannot be read or written, or must not be (key or head missing,
    last line torn); tampering is reported by :func:`verify` instead."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def canonical(obj: Any) -> bytes:
    """The canonical JSON bytes of ``obj``: sorted keys, compact separators, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Mapping[str, Any], key: bytes) -> str:
    """The hash an entry must carry: the keyed MAC of every field but ``hash`` itself."""
    body = canonical({k: v for k, v in entry.items() if k != "hash"})
    return hmac.new(key, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of :func:`verify`: which entry (1-based line) and what is wrong."""

    line: int
    seq: int | None
    reason: str

    def __str__(self) -> str:
        which = f"entry {self.seq}" if self.seq is not None else "entry ?"
        return f"line {self.line} ({which}): {self.reason}"


def key_path(log: Path) -> Path:
    """The default place of a log's key (a deployment should set ``audit_key``)."""
    return log.with_name(log.name + ".key")


def head_path(log: Path) -> Path:
    return log.with_name(log.name + ".head")


def default_log_path(db: Path) -> Path:
    """Where a store's audit log lives: beside the database, ``<db>.audit.jsonl``."""
    return db.with_name(db.name + ".audit.jsonl")


def load_key(path: Path) -> bytes:
    """The key in ``path``; :class:`AuditError` when it is missing or unreadable."""
    try:
        key = bytes.fromhex(path.read_text("ascii").strip())
    except FileNotFoundError:
        raise AuditError(
            str(path), "audit key missing: the log can be neither checked nor extended"
        ) from None
    except (OSError, ValueError) as exc:
        raise AuditError(str(path), f"unreadable audit key: {exc}") from exc
    if len(key) < 16:
        raise AuditError(str(path), "audit key shorter than 16 bytes")
    return key


def _has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


class AuditLog:
    """Append-only, hash-chained, keyed JSONL log (see the module docstring).

    ``key_file`` is where the key is (default ``<log>.key``); it is created when neither
    it nor the log's entries exist yet. A log with entries but no key is refused.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        key_file: str | os.PathLike[str] | None = None,
        key: bytes | None = None,
    ) -> None:
        self.path = Path(path)
        self.key_file = Path(key_file) if key_file is not None else key_path(self.path)
        if key is None:
            if not self.key_file.exists() and not _has_content(self.path):
                _create_key(self.key_file)
            key = load_key(self.key_file)
        self.key = key

    def append(self, kind: str, data: Mapping[str, Any], *, time: datetime) -> dict[str, Any]:
        """Append one entry (under an exclusive lock) and return it as written.

        Refuses (:class:`AuditError`) when the log does not end where its head says
        (a torn last line, a missing head, removed entries): nothing is written after
        a log in doubt.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    seq, prev = _tail(fh, self.path)
                    _check_head(self.path, seq, prev)
                    entry: dict[str, Any] = {
                        "seq": seq + 1,
                        "time": isoformat(time),
                        "kind": kind,
                        "data": json.loads(canonical(dict(data))),
                        "prev": prev,
                        "mac": HMAC,
                    }
                    entry["hash"] = entry_hash(entry, self.key)
                    fh.seek(0, os.SEEK_END)
                    fh.write(canonical(entry) + b"\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                    write_head(self.path, entry["seq"], entry["hash"])
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        except OSError as exc:
            raise AuditError(str(self.path), f"cannot append: {exc.strerror or exc}") from exc
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        """The entries that parse as JSON objects, in file order (no checking)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    yield obj

    def verify(self, *, head: str | None = None) -> list[Problem]:
        return verify(self.path, key_file=self.key_file, head=head)


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_bytes(32).hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _tail(fh: Any, path: Path) -> tuple[int, str]:
    """``(seq, hash)`` of the last entry of an open log, ``(0, GENESIS)`` when empty."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    if size == 0:
        return 0, GENESIS
    block = min(size, 65536)
    while True:
        fh.seek(size - block)
        chunk = fh.read(block)
        lines = chunk.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or block == size:
            break
        block = min(size, block * 4)
    try:
        if not chunk.endswith(b"\n"):
            raise ValueError("no newline")
        last = json.loads(lines[-1])
        return int(last["seq"]), str(last["hash"])
    except (ValueError, KeyError, TypeError):
        raise AuditError(
            str(path), f"the last line is torn (a write cut short): run `{REPAIR}`"
        ) from None


def _read_head(log: Path) -> tuple[int, str] | None:
    """The head file's ``(seq, hash)``; None when there is no head file."""
    head = head_path(log)
    try:
        want = json.loads(head.read_text(encoding="utf-8"))
        return int(want["seq"]), str(want["hash"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AuditError(str(head), f"unreadable audit head: {exc}") from exc


def _check_head(log: Path, seq: int, digest: str) -> None:
    recorded = _read_head(log)
    if recorded is None:
        if seq:
            raise AuditError(
                str(head_path(log)), "audit head missing: truncation cannot be ruled out"
            )
        return
    if recorded != (seq, digest):
        raise AuditError(
            str(log),
            f"the log ends at entry {seq}, its head says {recorded[0]}: "
            "run `airsentry audit verify`",
        )


def write_head(log: Path, seq: int, digest: str) -> None:
    head = head_path(log)
    tmp = head.with_name(head.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"seq": seq, "hash": digest}) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, head)


def verify(
    path: str | os.PathLike[str],
    *,
    key_file: str | os.PathLike[str] | None = None,
    head: str | None = None,
) -> list[Problem]:
    """Every problem found in the log at ``path``; an empty list means it is intact.

    ``head`` is a hash recorded elsewhere (printed by an earlier ``audit verify``): it
    must be the hash of one of the log's entries, or entries were removed or rewritten
    since. Raises :class:`AuditError` when the log or its key is missing.
    """
    log = Path(path)
    if not log.exists():
        raise AuditError(str(log), "no such audit log")
    key = load_key(Path(key_file) if key_file is not None else key_path(log))
    problems: list[Problem] = []
    prev, expected, seen = GENESIS, 1, set()
    lineno = 0
    with log.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.endswith(b"\n"):
                problems.append(
                    Problem(lineno, None, f"the last line is torn (a write cut short): `{REPAIR}`")
                )
                break
            try:
                entry = json.loads(raw)
                seq = int(entry["seq"])
            except (ValueError, KeyError, TypeError):
                problems.append(Problem(lineno, None, "not a valid audit entry"))
                expected += 1
                continue
            problems += _entry_problems(entry, seq, lineno, expected, prev, key)
            prev, expected = str(entry.get("hash")), seq + 1
            seen.add(prev)
    problems += _head_problems(log, expected - 1, prev, lineno)
    if head is not None and head.strip().lower() not in seen:
        problems.append(
            Problem(
                lineno,
                None,
                f"the head recorded elsewhere ({head.strip()[:16]}…) is not in the log: "
                "entries were removed or rewritten",
            )
        )
    return problems


def _entry_problems(
    entry: dict[str, Any], seq: int, lineno: int, expected: int, prev: str, key: bytes
) -> list[Problem]:
    out = []
    moved = "an entry was deleted, inserted or moved"
    if seq != expected:
        out.append(Problem(lineno, seq, f"sequence {seq} where {expected} was expected: {moved}"))
    if entry.get("prev") != prev:
        out.append(Problem(lineno, seq, f"does not chain to the entry before it: {moved}"))
    if entry.get("mac") != HMAC:
        out.append(Problem(lineno, seq, "unkeyed entry: forged"))
    elif not hmac.compare_digest(str(entry.get("hash", "")), entry_hash(entry, key)):
        out.append(Problem(lineno, seq, "hash does not match its content: edited or forged"))
    return out


def _head_problems(log: Path, last_seq: int, last_hash: str, lineno: int) -> list[Problem]:
    try:
        recorded = _read_head(log)
    except AuditError as exc:
        return [Problem(lineno + 1, None, exc.reason)]
    if recorded is None:
        if last_seq > 0:
            return [Problem(lineno + 1, None, "audit head missing: truncation cannot be ruled out")]
        return []
    if recorded[1] == last_hash:
        return []
    if recorded[0] > last_seq or last_seq == 0:
        why = "the log ends before its recorded head: entries were removed from the end"
    else:
        why = f"the log goes past its recorded head (entry {recorded[0]}): a write cut short"
    return [Problem(lineno + 1, recorded[0], why)]


def last_entry(path: Path) -> tuple[int, str]:
    """``(seq, hash)`` of the log's last entry (``(0, GENESIS)`` when empty)."""
    with path.open("rb") as fh:
        return _tail(fh, path)
