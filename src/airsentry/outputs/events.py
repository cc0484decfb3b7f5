"""The events file: every event of a run as one JSON line (``--events-out``).

Lines are flushed after each step, so a reader tailing the file (or a crash) sees
whole steps. ``append`` keeps what an earlier run wrote (a live deployment restarting);
otherwise the file is started anew.
"""

from __future__ import annotations

import json
from pathlib import Path

from airsentry.step import Step


class EventsFile:
    """A sink that writes each step's events as JSON lines."""

    def __init__(self, path: str | Path, *, append: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a" if append else "w", encoding="utf-8")

    def write(self, step: Step) -> None:
        if step.events:
            self._fh.write("".join(json.dumps(e.to_dict()) + "\n" for e in step.events))
            self._fh.flush()

    def close(self) -> None:
        self._fh.close()
