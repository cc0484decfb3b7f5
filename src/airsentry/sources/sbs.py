"""SBS-1 / BaseStation text, as served on port 30003 by dump1090 and readsb.

One message a line, 22 comma-separated fields for ``MSG`` lines::

    MSG,3,1,1,4CA1D3,1,2025/09/19,10:15:30.123,2025/09/19,10:15:30.123,,11000,,,59.81,26.35,,,0,0,0,0

Fields by index: 0 message type; 1 transmission type (1 identification, 2 surface
position, 3 airborne position, 4 airborne velocity, 5 surveillance altitude,
6 surveillance ID, 7 air-to-air, 8 all-call reply); 2 session id; 3 aircraft id; 4 hex
ident; 5 flight id; 6-7 date and time generated; 8-9 date and time logged; 10 callsign;
11 altitude (ft); 12 ground speed (kt); 13 track (deg); 14 lat; 15 lon; 16 vertical rate
(ft/min); 17 squawk; 18 alert; 19 emergency; 20 SPI; 21 is-on-ground (flags are 0, or
-1/1 for true).

Every line with a position becomes a report (types 2 and 3 in practice); the other
``MSG`` lines only update their aircraft's latest callsign, altitude, speed, track,
vertical rate and squawk, which are carried onto its later positions (also across
chunks; see :mod:`airsentry.sources._carry`). Altitude, speed, track and vertical rate
are carried only while younger than ``max_age`` seconds, so a lost velocity does not
linger; a surface position (type 2) takes no altitude but its own. Callsign and squawk
are carried for as long as the aircraft is heard: one silent for ten minutes
(``_carry.FORGET_S``) is forgotten, so a live feed's memory follows its traffic.
``SEL``, ``ID``, ``AIR``, ``STA`` and ``CLK`` lines are valid but carry no position:
they are counted as skipped, as are blank lines and ``MSG`` lines without a position.

Times: the report time is the date/time *generated* (fields 6-7). The time zone of
those fields is the ``tz`` option: readsb writes UTC (the default), dump1090-fa and
the original dump1090 write the receiver's local time, so a dump1090-fa recording needs
``tz="Europe/Helsinki"`` (or wherever it was made). Wall times repeated when clocks go
back are read as the first of the two.

Addresses: a hex ident prefixed with ``~`` is not an ICAO address (TIS-B, ADS-R or an
anonymous/self-assigned address, as dump1090 marks them). It is accepted with identity
``icao:~xxxxxx``: the tilde keeps it apart from the real ICAO address with the same
digits, and downstream stages must not read it as a registered airframe.

Lines end with ``\\n`` (a ``\\r`` before it is dropped). Line numbers are 1-based.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from airsentry.errors import ConfigError, DecodeError
from airsentry.model import BoolArray, FloatArray, ReportBatch
from airsentry.sources import _columns as col
from airsentry.sources._carry import Carry
from airsentry.sources._sbs_time import utc_seconds, wall_seconds, zone
from airsentry.sources.base import Quarantine, register

FT = 0.3048  # metres per foot
KT = 1852.0 / 3600.0  # metres per second per knot
FPM = FT / 60.0  # metres per second per foot per minute

WIDTH = 22
OTHER_KINDS = ("SEL", "ID", "AIR", "STA", "CLK")

_FLOAT_FIELDS: dict[str, tuple[int, str, tuple[float, float]]] = {
    # name: (field index, wording in reasons, accepted range in the file's unit)
    "alt": (11, "altitude", (-2_000.0, 150_000.0)),
    "gs": (12, "ground speed", (0.0, 4_000.0)),
    "track": (13, "track", (0.0, 360.0)),
    "lat": (14, "lat", (-90.0, 90.0)),
    "lon": (15, "lon", (-180.0, 180.0)),
    "vr": (16, "vertical rate", (-65_000.0, 65_000.0)),
}
_FLAGS = ((18, "alert"), (19, "emergency"), (20, "spi"), (21, "is-on-ground"))
_CARRIED: dict[str, type] = {
    "callsign": str,
    "squawk": str,
    "alt": float,
    "gs": float,
    "track": float,
    "vr": float,
}
_KINEMATIC = ("alt", "gs", "track", "vr")


@register("sbs")
class SbsDecoder:
    """Decodes SBS-1 (BaseStation) text, recorded or live from port 30003, line by line.

    Each ``feed`` decodes its complete lines as one vectorised block; the carry of
    callsign, altitude and velocity lasts for the life of the decoder, so a position
    after a reconnection still gets its aircraft's callsign. ``tz`` is the time zone of
    the date/time fields (an IANA name or a tzinfo); ``max_age`` how long (s) altitude
    and velocity are carried onto later positions; a line longer than
    ``max_line_bytes`` is rejected unread (its first bytes kept) and skipped to its end.
    ``flush`` decodes a last line without its newline (an SBS line stands alone).
    """

    def __init__(
        self,
        *,
        source: str = "sbs",
        recording: Path | None = None,
        tz: str | tzinfo = "UTC",
        max_age: float = 60.0,
        max_line_bytes: int = 1 << 20,
    ) -> None:
        self.tz = zone(tz)
        if max_line_bytes < 1 or not max_age > 0:
            raise ConfigError("sbs", "max_age and max_line_bytes must be positive")
        self.max_age = max_age
        self.max_line_bytes = max_line_bytes
        self.source = source
        self._carry = Carry(dict(_CARRIED))
        self._tail = b""
        self._line = 1  # number of the first line of the tail
        self._discarding = False  # inside a line too long to keep

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        if self._discarding:
            cut = data.find(b"\n")
            if cut < 0:
                return ReportBatch.empty()
            data, self._discarding = data[cut + 1 :], False
            self._line += 1
        buf = self._tail + data
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._tail = buf
            if len(buf) > self.max_line_bytes:
                reason = f"line longer than {self.max_line_bytes} bytes"
                err = DecodeError(reason, source=self.source, line=self._line)
                quarantine.reject(err, _raw(buf[:256]))
                self._tail, self._discarding = b"", True
            return ReportBatch.empty()
        block, self._tail = buf[:cut], buf[cut + 1 :]
        first = self._line
        self._line += block.count(b"\n") + 1
        return self._decode(block, first, quarantine)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        tail, self._tail = self._tail, b""
        if not tail or self._discarding:
            self._discarding = False
            return ReportBatch.empty()
        first = self._line
        self._line += 1
        return self._decode(tail, first, quarantine)

    def resync(self, quarantine: Quarantine) -> None:
        if self._tail:
            err = DecodeError("stream cut inside a line", source=self.source, line=self._line)
            quarantine.reject(err, _raw(self._tail[:256]))
            self._line += 1
        self._tail, self._discarding = b"", False

    def _decode(self, block: bytes, first: int, quarantine: Quarantine) -> ReportBatch:
        """Decode one block of whole lines (``first`` is the number of its first line)."""
        block = block.replace(b"\r\n", b"\n").removesuffix(b"\r")
        lines = pc.split_pattern(pa.array([block], pa.binary()), b"\n").flatten()
        fields = pc.split_pattern(lines, b",")
        width = _np(pc.list_value_length(fields)).astype(np.int64)
        kind = pc.list_element(fields, 0)
        blank = _np(pc.binary_length(lines)) == 0
        is_msg = _np(pc.equal(kind, b"MSG"))
        other = _np(pc.is_in(kind, value_set=pa.array([k.encode() for k in OTHER_KINDS])))
        quarantine.skip("blank line", int(blank.sum()))
        for name, count in zip(*np.unique(_np(kind)[other], return_counts=True), strict=True):
            quarantine.skip(f"{name.decode()} message: no position", int(count))

        v = col.Verdicts(len(lines))
        v.flag(
            ~(blank | is_msg | other),
            lambda i: (
                f"message type {col.cell_text(kind, i)!r} is not one of MSG, "
                + ", ".join(OTHER_KINDS)
            ),
        )
        v.flag(is_msg & (width != WIDTH), lambda i: f"expected {WIDTH} fields, got {width[i]}")
        rows = np.flatnonzero(v.good & is_msg)
        msg = fields if len(rows) == len(lines) else fields.take(pa.array(rows, pa.int64()))
        cells = _cells(msg) if len(rows) else {}
        sub = col.Verdicts(len(rows))
        parsed = self._parse(cells, sub) if len(rows) else None

        for i, reason in sub.reasons.items():
            v.reasons[int(rows[i])] = reason
        v.bad[rows[sub.bad]] = True
        for i in sorted(v.reasons):  # rejected lines only
            err = DecodeError(v.reasons[i], source=self.source, line=first + i)
            quarantine.reject(err, _raw(lines[i].as_py()))
        if parsed is None:
            return ReportBatch.empty()
        return self._reports(parsed, sub.good, quarantine)

    def _parse(self, c: dict[int, pa.Array], v: col.Verdicts) -> dict[str, Any]:
        """Check and convert the 22 columns of the MSG lines, in field order."""
        out: dict[str, Any] = {}
        tt = col.parse_text(c[1], "transmission type", v, r"^[1-8]$", "1 to 8", required=True)
        ident = col.parse_text(
            c[4], "hex ident", v, r"^~?[0-9A-Fa-f]{6}$", "6 hex digits", required=True
        )
        date = col.parse_text(
            c[6], "date generated", v, r"^\d{4}/\d\d/\d\d$", "a date YYYY/MM/DD", required=True
        )
        clock = col.parse_text(
            c[7],
            "time generated",
            v,
            r"^\d\d:\d\d:\d\d(\.\d+)?$",
            "a time HH:MM:SS.sss",
            required=True,
        )
        out["t"] = utc_seconds(wall_seconds(date, clock, v), self.tz)
        callsign = col.parse_text(c[10], "callsign", v, col.PRINTABLE, "printable ASCII")
        out["callsign"] = col.to_objects(pc.utf8_trim_whitespace(callsign))
        out.update(_parse_floats(c, v))
        lat_nan, lon_nan = np.isnan(out["lat"]), np.isnan(out["lon"])
        v.flag(lon_nan & ~lat_nan, lambda i: "lat given without lon")
        v.flag(lat_nan & ~lon_nan, lambda i: "lon given without lat")
        out["squawk"] = col.parse_squawk(c[17], "squawk", v)
        out["ground_flag"] = _parse_flags(c, v)[-1]
        out["tt"] = _np(pc.cast(pc.fill_null(tt, "0"), pa.int64())).astype(np.int64)
        out["identity"] = col.to_objects(
            pc.binary_join_element_wise("icao:", pc.utf8_lower(ident), "")
        )
        return out

    def _reports(self, p: dict[str, Any], good: BoolArray, quarantine: Quarantine) -> ReportBatch:
        """Carry state forward over the good MSG lines and build the position reports."""
        cols = {k: np.asarray(v)[good] for k, v in p.items()}
        t = cols["t"]
        now = float(np.fmax.reduce(np.where(np.isnan(cols["lat"]), np.nan, t), initial=np.nan))
        filled = self._carry.fill(cols["identity"], t, {name: cols[name] for name in _CARRIED}, now)
        value = {name: f[0] for name, f in filled.items()}
        for name in _KINEMATIC:
            _, when = filled[name]
            with np.errstate(invalid="ignore"):
                value[name] = np.where(t - when > self.max_age, np.nan, value[name])
        surface = cols["tt"] == 2
        value["alt"] = np.where(surface, cols["alt"], value["alt"])

        has_pos = ~np.isnan(cols["lat"])
        counts = np.bincount(cols["tt"][~has_pos], minlength=9)
        for tt in np.flatnonzero(counts):
            quarantine.skip(f"MSG,{tt}: no position", int(counts[tt]))
        vel_e, vel_n = col.velocity_en(value["gs"] * KT, value["track"])
        return ReportBatch.build(
            t=t[has_pos],
            lat=cols["lat"][has_pos],
            lon=cols["lon"][has_pos],
            alt=(value["alt"] * FT)[has_pos],
            vel_e=vel_e[has_pos],
            vel_n=vel_n[has_pos],
            vel_u=(value["vr"] * FPM)[has_pos],
            sensor="sbs",
            identity=cols["identity"][has_pos],
            callsign=value["callsign"][has_pos],
            squawk=value["squawk"][has_pos],
            transponder=True,
            on_ground=(surface | cols["ground_flag"])[has_pos],
        )


_TRUE, _FALSE = pa.array([b"-1", b"1"]), pa.array([b"0"])
_NULL = pa.scalar(None, pa.binary())


def _cells(msg: pa.ListArray) -> dict[int, pa.Array]:
    """The fields the decoder reads, by index (the six numbers and the four flags each as
    one column of consecutive fields, so that each group is parsed in one pass)."""
    out = {j: pc.list_element(msg, j) for j in (1, 4, 6, 7, 10, 17)}
    n = len(msg)
    flat = pc.list_flatten(msg)  # every row has WIDTH fields: row r's field j is r*WIDTH+j
    base = np.arange(n, dtype=np.int64) * WIDTH
    for first, count in ((11, 6), (18, 4)):
        at = (np.arange(first, first + count, dtype=np.int64)[:, None] + base).reshape(-1)
        out[-first] = flat.take(pa.array(at))  # field-major: all rows of a field together
    return out


def _parse_floats(c: dict[int, pa.Array], v: col.Verdicts) -> dict[str, FloatArray]:
    """The six numeric fields (11-16) parsed as one column, then checked field by field in
    field order, with the reasons :func:`~airsentry.sources._columns.parse_float` gives."""
    text = col.as_bytes(c[-11])
    n = len(text) // len(_FLOAT_FIELDS)
    has = col.present(text)
    try:  # the common case: every cell is a number, and one cast settles the block
        values = _np(pc.cast(text, pa.float64())).astype(np.float64)
    except pa.ArrowInvalid:  # some are not: find them with the pattern
        clean = pc.if_else(pa.array(col.matches(text, col.NUMBER)), text, _NULL)
        values = _np(pc.cast(clean, pa.float64())).astype(np.float64)
    ok = np.isfinite(values)  # 'nan', 'inf' and '1e999' are not numbers here
    values = np.where(ok, values, np.nan)
    out = {}
    for k, (name, (_, words, (lo, hi))) in enumerate(_FLOAT_FIELDS.items()):
        part = slice(k * n, (k + 1) * n)
        at = k * n
        has_k, values_k = has[part], values[part]
        v.flag(has_k & ~ok[part], _reason(text, at, words + " {!r} is not a number"))
        with np.errstate(invalid="ignore"):
            outside = has_k & ~np.isnan(values_k) & ~((values_k >= lo) & (values_k <= hi))
        v.flag(outside, _reason(text, at, f"{words} {{}} out of range [{lo:g}, {hi:g}]"))
        out[name] = np.where(v.bad, np.nan, values_k)
    return out


def _reason(text: pa.Array, at: int, template: str) -> Callable[[int], str]:
    """Words row ``i``'s reason: ``template`` with the cell ``at + i`` of ``text``."""
    return lambda i: template.format(col.cell_text(text, at + i))


def _parse_flags(c: dict[int, pa.Array], v: col.Verdicts) -> list[BoolArray]:
    """The four flags (fields 18-21) parsed as one column: -1 or 1 true, 0 false, empty
    false; anything else rejected (field by field, as ``parse_flag`` words it)."""
    text = col.as_bytes(c[-18])
    n = len(text) // len(_FLAGS)
    yes = _np(pc.fill_null(pc.is_in(text, value_set=_TRUE), False)).astype(np.bool_)
    no = _np(pc.fill_null(pc.is_in(text, value_set=_FALSE), False)).astype(np.bool_)
    bad = col.present(text) & ~yes & ~no
    out = []
    for k, (_, words) in enumerate(_FLAGS):
        why = _reason(text, k * n, words + " {!r} is not one of '-1', '1', '0'")
        v.flag(bad[k * n : (k + 1) * n], why)
        out.append(yes[k * n : (k + 1) * n])
    return out


def _np(arr: pa.Array) -> np.ndarray[Any, Any]:
    return np.asarray(arr.to_numpy(zero_copy_only=False))


def _raw(line: bytes) -> str | bytes:
    """A rejected line as text when it is UTF-8, else as bytes (kept as base64)."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line
