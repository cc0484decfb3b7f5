"""The events file: every event of a run as one JSON line (``--events-out``).

Each step's lines go to the file in one unbuffered write, so a reader tailing the file
(or a crash) sees whole steps. ``append`` keeps what an earlier run wrote (a live
deployment restarting); otherwise the file is started anew.

The file is a best-effort sink (:mod:`airsentry.outputs.base`): on a full disk the
watch goes on, and the steps it could not write are retried. A step is written whole
or not at all (a write cut short by the disk is taken back), so a retry never writes a
line twice. When the path names another file than the one open (rotated away by
logrotate, or replaced), the file is opened again at the path, so events follow it.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from airsentry.outputs.base import SinkPolicy
from airsentry.step import Step


class EventsFile:
    """A sink that writes each step's events as JSON lines."""

    policy = SinkPolicy.BEST_EFFORT

    def __init__(self, path: str | Path, *, append: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mode = os.O_APPEND if append else os.O_TRUNC
        self._fd: int | None = None
        self._ident = (0, 0)
        self._open(mode)

    def _open(self, mode: int) -> int:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | mode, 0o644)
        st = os.fstat(fd)
        self._fd, self._ident = fd, (st.st_dev, st.st_ino)
        return fd

    def _current(self) -> int:
        """The open file if the path still names it; else the path opened again."""
        if self._fd is not None:
            try:
                st = os.stat(self.path)
                if (st.st_dev, st.st_ino) == self._ident:
                    return self._fd
            except OSError:
                pass
            os.close(self._fd)
            self._fd = None
        return self._open(os.O_APPEND)

    def write(self, step: Step) -> None:
        if not step.events:
            return
        data = "".join(json.dumps(e.to_dict()) + "\n" for e in step.events).encode()
        fd = self._current()
        start = os.fstat(fd).st_size
        done = 0
        try:
            while done < len(data):
                done += os.write(fd, data[done:])
        except OSError:
            if done:  # a step cut short: take it back, so that the retry writes it whole
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
            raise

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
