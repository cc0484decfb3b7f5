"""A tamper-evident audit log: every recommendation, acknowledgement and decision.

The log is a JSON Lines file. Each entry is one JSON object::

    {"seq": 7, "time": "2025-09-19T07:02:11.000Z", "kind": "decision",
     "data": {...}, "prev": "<hash of entry 6>", "mac": "hmac-sha256", "hash": "<hex>"}

``hash`` is computed over the *canonical JSON* of the entry without its ``hash`` field
(keys sorted, no insignificant white space, UTF-8), so every field, ``prev`` included,
is covered. Chaining each entry to the hash of the one before makes any change visible
to :func:`verify`:

- an **edited** entry no longer matches its own hash;
- a **deleted**, **inserted** or **reordered** entry breaks the ``seq`` numbering and
  the ``prev`` link of the entry after it;
- a **forged** entry, even one whose hash the forger recomputed, needs the log's secret
  key: hashes are HMAC-SHA256 under a 32-byte key kept beside the log
  (``<log>.key``, created with mode 0600 when the log is created). Without the key a
  forger can only write plain SHA-256 entries, which a keyed log refuses;
- a **truncated** log (last entries removed) disagrees with the head file
  (``<log>.head``: the last ``seq`` and ``hash``, rewritten atomically on each append).

What this does not protect against: someone who can read the key file can rewrite the
whole log consistently. Keep the key on other storage (``key=``) where that matters.

Appends take an exclusive ``flock`` on the log, so two processes append in turn.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airsentry.errors import AirsentryError
from airsentry.model import isoformat
from airsentry.step import Step

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""
HMAC = "hmac-sha256"
PLAIN = "sha256"


class AuditError(AirsentryError):
    """The audit log cannot be read or written (not: it was tampered with; see verify)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def canonical(obj: Any) -> bytes:
    """The canonical JSON bytes of ``obj``: sorted keys, compact separators, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Mapping[str, Any], key: bytes | None) -> str:
    """The hash an entry must carry: over every field but ``hash`` itself."""
    body = canonical({k: v for k, v in entry.items() if k != "hash"})
    if entry.get("mac") == HMAC:
        if key is None:
            return ""
        return hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


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
    return log.with_name(log.name + ".key")


def head_path(log: Path) -> Path:
    return log.with_name(log.name + ".head")


def default_log_path(db: Path) -> Path:
    """Where a store's audit log lives: beside the database, ``<db>.audit.jsonl``."""
    return db.with_name(db.name + ".audit.jsonl")


def _read_key(path: Path) -> bytes | None:
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AuditError(str(path), f"unreadable audit key: {exc}") from exc


class AuditLog:
    """Append-only, hash-chained JSONL log (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], *, key: bytes | None = None) -> None:
        self.path = Path(path)
        if key is None:
            key = _read_key(key_path(self.path))
            if key is None and not self.path.exists():
                key = secrets.token_bytes(32)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(key_path(self.path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(key.hex() + "\n")
        self.key = key

    def append(self, kind: str, data: Mapping[str, Any], *, time: datetime) -> dict[str, Any]:
        """Append one entry (under an exclusive lock) and return it as written."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    seq, prev = _tail(fh)
                    entry: dict[str, Any] = {
                        "seq": seq + 1,
                        "time": isoformat(time),
                        "kind": kind,
                        "data": json.loads(canonical(dict(data))),
                        "prev": prev,
                        "mac": HMAC if self.key is not None else PLAIN,
                    }
                    entry["hash"] = entry_hash(entry, self.key)
                    fh.seek(0, os.SEEK_END)
                    fh.write(canonical(entry) + b"\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                    _write_head(self.path, entry["seq"], entry["hash"])
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        except OSError as exc:
            raise AuditError(str(self.path), f"cannot append: {exc.strerror or exc}") from exc
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        """The entries that parse as JSON objects, in file order (no checking)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    yield obj

    def verify(self) -> list[Problem]:
        return verify(self.path, key=self.key)


def _tail(fh: Any) -> tuple[int, str]:
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
    last = json.loads(lines[-1])
    return int(last["seq"]), str(last["hash"])


def _write_head(log: Path, seq: int, digest: str) -> None:
    head = head_path(log)
    tmp = head.with_name(head.name + ".tmp")
    tmp.write_text(json.dumps({"seq": seq, "hash": digest}) + "\n", encoding="utf-8")
    os.replace(tmp, head)


def verify(path: str | os.PathLike[str], *, key: bytes | None = None) -> list[Problem]:
    """Every problem found in the log at ``path``; an empty list means it is intact."""
    log = Path(path)
    if key is None:
        key = _read_key(key_path(log))
    if not log.exists():
        raise AuditError(str(log), "no such audit log")
    problems: list[Problem] = []
    prev, expected = GENESIS, 1
    with log.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            try:
                entry = json.loads(line)
                seq = int(entry["seq"])
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                problems.append(Problem(lineno, None, "not a valid audit entry"))
                expected += 1
                continue
            if seq != expected:
                problems.append(
                    Problem(
                        lineno,
                        seq,
                        f"sequence {seq} where {expected} was expected: "
                        "an entry was deleted, inserted or moved",
                    )
                )
            if entry.get("prev") != prev:
                problems.append(
                    Problem(
                        lineno,
                        seq,
                        "does not chain to the entry before it: "
                        "an entry was deleted, inserted or moved",
                    )
                )
            if key is not None and entry.get("mac") != HMAC:
                problems.append(Problem(lineno, seq, "unkeyed entry in a keyed log: forged"))
            elif entry.get("hash") != entry_hash(entry, key) or not entry.get("hash"):
                why = "no key to check it" if key is None and entry.get("mac") == HMAC else ""
                problems.append(
                    Problem(lineno, seq, why or "hash does not match its content: edited or forged")
                )
            prev, expected = str(entry.get("hash")), seq + 1
    head = head_path(log)
    if head.exists():
        try:
            want = json.loads(head.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            want = None
        if not isinstance(want, dict) or want.get("hash") != prev:
            seq_w = want.get("seq") if isinstance(want, dict) else None
            problems.append(
                Problem(
                    expected,
                    seq_w,
                    "the log ends before its recorded head: entries were removed from the end",
                )
            )
    return problems


class RecommendationTrail:
    """Writes each incident's recommendation to the audit log when it changes.

    The book recomputes recommendations whenever an incident changes; what the log
    keeps is every *distinct* recommendation (action, target, authority) of each
    incident, with its reasons at that moment. What was last logged per incident is
    read back from the log on first use, so a replay or a restart adds nothing new.
    """

    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self._last: dict[str, tuple[str, str, str]] | None = None

    def _logged(self) -> dict[str, tuple[str, str, str]]:
        if self._last is None:
            self._last = {}
            for e in self.log.entries():
                d = e.get("data") or {}
                if e.get("kind") == "recommendation" and isinstance(d, dict):
                    key = (str(d.get("action")), str(d.get("target")), str(d.get("authority")))
                    self._last[str(d.get("incident_id"))] = key
        return self._last

    def write(self, step: Step) -> None:
        """As a sink of the pipeline: log the step's changed recommendations, stamped
        with the wall-clock time (the log records when airsentry said it; each entry
        holds the incident's event time too)."""
        if step.incidents:
            self.record(step.incidents, time=datetime.now(UTC))

    def close(self) -> None:
        pass

    def record(self, incidents: Iterable[Any], *, time: datetime) -> int:
        """Log the changed recommendations of ``incidents``; return how many were new."""
        last = self._logged()
        n = 0
        for inc in incidents:
            rec = inc.recommendation
            if rec is None or not inc.id:
                continue
            key = (str(rec.action), rec.target, rec.authority)
            if last.get(inc.id) == key:
                continue
            self.log.append(
                "recommendation",
                {
                    "incident_id": inc.id,
                    "zone_id": inc.zone_id,
                    "action": str(rec.action),
                    "target": rec.target,
                    "authority": rec.authority,
                    "needs_decision": rec.needs_decision,
                    "reasons": list(rec.reasons),
                    "incident_end": isoformat(inc.end),
                },
                time=time,
            )
            last[inc.id] = key
            n += 1
        return n
