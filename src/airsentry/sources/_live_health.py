"""Per-feed health: connection state and counts, message rate, silences.

The watch stage raises ``sensor_silent``/``sensor_back`` from the reports' event times;
this is the other half, what only the live side knows: whether the feed is connected,
how often it dropped and was retried, when its last bytes arrived (wall clock), how
many reports per second it gives, and how often it fell silent while connected.
:meth:`FeedHealth.snapshot` returns a frozen :class:`HealthSnapshot` that a console or
an API can read at any moment without locking.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class FeedState(enum.StrEnum):
    CONNECTING = "connecting"  # first attempt under way
    CONNECTED = "connected"  # a session is open
    RETRYING = "retrying"  # the session ended or failed; waiting out the backoff
    STOPPED = "stopped"  # the run is over


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    """One feed's health at one instant; times are epoch seconds (wall clock), NaN = never."""

    name: str
    where: str
    state: FeedState
    connects: int  # sessions opened
    disconnects: int  # sessions that ended (peer closed, error, rotation)
    failures: int  # attempts that failed before a session opened
    last_error: str
    last_data: float  # wall time of the last bytes received
    last_report: float  # event time of the latest report decoded
    bytes: int
    reports: int
    rejected: int  # records the decoder sent to quarantine
    late: int  # reports older than the merge watermark
    rate: float  # reports per second, smoothed over ``rate_window_s``
    silent: bool  # connected, yet no bytes for ``silence_s``
    silences: int  # times it fell silent while connected


class FeedHealth:
    """Mutable health of one feed, updated by the feed's task (see :class:`HealthSnapshot`).

    ``rate`` is an exponentially weighted rate with time constant ``rate_window_s``;
    ``silence_s`` is how long a connected feed may stay quiet before it counts as silent.
    """

    def __init__(
        self, name: str, where: str, *, silence_s: float = 30.0, rate_window_s: float = 10.0
    ) -> None:
        self.name = name
        self.where = where
        self.silence_s = silence_s
        self.rate_window_s = rate_window_s
        self.state = FeedState.CONNECTING
        self.connects = self.disconnects = self.failures = 0
        self.last_error = ""
        self.last_data = math.nan
        self.last_report = math.nan
        self.bytes = self.reports = self.rejected = self.late = 0
        self.silences = 0
        self._silent = False
        self._rate = 0.0
        self._rate_at = math.nan
        self._since = math.nan  # when the current session opened

    def opened(self, now: float) -> None:
        self.state = FeedState.CONNECTED
        self.connects += 1
        self._since = now
        self._silent = False

    def closed(self, now: float, error: str = "") -> None:
        """A session ended (``error`` empty: the peer ended the stream)."""
        self.disconnects += 1
        self.last_error = error or "end of stream"
        self.state = FeedState.RETRYING

    def failed(self, error: str) -> None:
        self.failures += 1
        self.last_error = error
        self.state = FeedState.RETRYING

    def data(self, now: float, n_bytes: int) -> None:
        self.last_data = now
        self.bytes += n_bytes
        self._silent = False

    def decoded(self, now: float, n_reports: int, latest: float) -> None:
        self.reports += n_reports
        if n_reports and not latest <= self.last_report:
            self.last_report = latest
        self._decay(now)
        self._rate += n_reports / self.rate_window_s

    def check_silence(self, now: float) -> bool:
        """Update the silent flag; True when the feed has just fallen silent."""
        if self.state is not FeedState.CONNECTED or self._silent:
            return False
        since = self.last_data if self.last_data >= self._since else self._since
        if now - since >= self.silence_s:
            self._silent = True
            self.silences += 1
            return True
        return False

    def _decay(self, now: float) -> None:
        if not math.isnan(self._rate_at):
            self._rate *= math.exp(-max(0.0, now - self._rate_at) / self.rate_window_s)
        self._rate_at = now

    def snapshot(self, now: float) -> HealthSnapshot:
        self._decay(now)
        return HealthSnapshot(
            name=self.name,
            where=self.where,
            state=self.state,
            connects=self.connects,
            disconnects=self.disconnects,
            failures=self.failures,
            last_error=self.last_error,
            last_data=self.last_data,
            last_report=self.last_report,
            bytes=self.bytes,
            reports=self.reports,
            rejected=self.rejected,
            late=self.late,
            rate=self._rate,
            silent=self._silent,
            silences=self.silences,
        )
