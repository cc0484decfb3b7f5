"""``airsentry audit repair``: the one way a torn audit log is mended, never silently.

A crash in the middle of an append leaves a partial last line (or, between the line's
``fsync`` and the head's, a whole last entry that the head does not name yet). The log
then refuses appends (:class:`~airsentry.decisions.audit.AuditError`), so no decision is
taken on a log in doubt, until an operator repairs it: the torn bytes are moved aside
into ``<log>.torn-<time>``, the head is moved to a whole keyed last entry, and the
repair itself is logged (bytes removed, their SHA-256, where they were kept).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from airsentry.decisions.audit import (
    GENESIS,
    AuditError,
    AuditLog,
    last_entry,
    verify,
    write_head,
)

TORN = "the last line is torn"
PAST_HEAD = "goes past its recorded head"


@dataclass(frozen=True, slots=True)
class Repair:
    """What :func:`repair` did: bytes of the torn line removed, where they were kept,
    whether the head was moved to the last whole entry."""

    removed: int
    saved_to: Path | None
    head_advanced: bool


def repair(log: AuditLog, *, time: datetime) -> Repair:
    """Mend a log whose only problems are a torn last line and a head one entry behind.

    Anything else (an edited, removed or forged entry; a missing head with entries)
    raises :class:`AuditError` and leaves the files as they are.
    """
    path = log.path
    problems = verify(path, key_file=log.key_file)
    other = [p for p in problems if TORN not in p.reason and PAST_HEAD not in p.reason]
    if other:
        raise AuditError(str(path), "not repairable: " + "; ".join(map(str, other[:3])))
    if not problems:
        raise AuditError(str(path), "nothing to repair: the log is intact")
    data = path.read_bytes()
    cut = data.rfind(b"\n") + 1
    torn = data[cut:]
    saved: Path | None = None
    if torn:
        saved = path.with_name(f"{path.name}.torn-{time.strftime('%Y%m%dT%H%M%SZ')}")
        saved.write_bytes(torn)
        with path.open("r+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.truncate(cut)
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    advanced = any(PAST_HEAD in p.reason for p in problems)
    if advanced:  # the last whole entry carries the key's MAC: airsentry wrote it
        write_head(path, *(last_entry(path) if cut else (0, GENESIS)))
    left = verify(path, key_file=log.key_file)
    if left:
        raise AuditError(str(path), "repair left problems: " + "; ".join(map(str, left[:3])))
    log.append(
        "repair",
        {"removed_bytes": len(torn), "sha256": hashlib.sha256(torn).hexdigest(),
         "saved_to": str(saved) if saved else None, "head_advanced": advanced},
        time=time,
    )  # fmt: skip
    return Repair(len(torn), saved, advanced)
