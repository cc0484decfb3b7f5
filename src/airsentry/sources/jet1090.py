"""jet1090 / rs1090 JSON lines: one decoded Mode S message a line.

As written by ``jet1090 --output file.jsonl`` (and shipped in ``traffic``'s samples)::

    {"timestamp":1720248189.525,"frame":"8f3933...","df":"17","icao24":"393322",
     "bds":"06","groundspeed":0.375,"track":90,"parity":"even",
     "latitude":49.0058,"longitude":2.5735}

Positions are the lines with ``latitude`` and ``longitude`` (BDS 0,5 airborne, BDS 0,6
surface, as rs1090 decoded them: the file's own values are used). Callsign (BDS 0,8
and 2,0), squawk (DF5/21), altitude (ft: DF0/4/16/20, BDS 0,5) and velocity (BDS 0,9:
``groundspeed`` kt, ``track`` deg, ``vertical_rate`` ft/min) are carried onto later
positions of the same aircraft, kinematics only while younger than ``max_age``.
Accuracy comes from ``NUCp`` (95 % containment radius RCu, DO-260A); the NIC of that
NUCp rides on the batch's ``nav`` (:mod:`airsentry.nav`).

Blocks of lines are parsed by Arrow's JSON reader with a fixed schema (fields not
listed are ignored). A block that fails is split in halves until the bad lines are
isolated; those are quarantined with their line numbers.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from airsentry.errors import DecodeError
from airsentry.model import ReportBatch
from airsentry.nav import NavIntegrity
from airsentry.sources._carry import Carry
from airsentry.sources._columns import velocity_en
from airsentry.sources._lines import Lines
from airsentry.sources.base import Quarantine, register
from airsentry.sources.modes.fields import FPM, FT, KT, SIGMA_PER_R95, nic

SCHEMA = pa.schema(
    [
        ("timestamp", pa.float64()),
        ("icao24", pa.string()),
        ("bds", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("altitude", pa.float64()),
        ("callsign", pa.string()),
        ("squawk", pa.string()),
        ("groundspeed", pa.float64()),
        ("track", pa.float64()),
        ("vertical_rate", pa.float64()),
        ("NUCp", pa.float64()),
    ]
)
_OPTIONS = pj.ParseOptions(explicit_schema=SCHEMA, unexpected_field_behavior="ignore")
NUCP_RCU_M = np.array([np.nan, 18520, 9260, 1852, 926, 463, 185, 93, 10, 3])
_CARRIED: dict[str, type] = {
    "callsign": str,
    "squawk": str,
    "alt": float,
    "gs": float,
    "track": float,
    "vr": float,
    "nucp": float,
}


@register("jet1090")
class Jet1090Decoder:
    """Decodes jet1090/rs1090 JSON lines, recorded or live, ``block_lines`` at a time.

    Complete lines are parsed by Arrow in blocks of at most ``block_lines``; the carry
    of callsign, squawk, altitude and velocity lasts for the life of the decoder.
    """

    def __init__(
        self,
        *,
        source: str = "jet1090",
        recording: Path | None = None,
        max_age: float = 60.0,
        block_lines: int = 50_000,
    ) -> None:
        self.source = source
        self.max_age = max_age
        self.block_lines = block_lines
        self._carry = Carry(dict(_CARRIED))
        self._buffer = Lines(source)
        self._line = 1  # number of the next line to decode

    def feed(self, data: bytes, quarantine: Quarantine) -> ReportBatch:
        self._line, block = self._buffer.take_block(data, quarantine)
        return self._lines(block, quarantine)

    def flush(self, quarantine: Quarantine) -> ReportBatch:
        self._line, rest = self._buffer.rest()
        return self._lines(rest[0] if rest else b"", quarantine)

    def resync(self, quarantine: Quarantine) -> None:
        self._buffer.cut(quarantine)

    def _lines(self, text: bytes, quarantine: Quarantine) -> ReportBatch:
        """Reports of whole lines (the last one may lack its newline)."""
        if not text:
            return ReportBatch.empty()
        lines = _split(text)
        out = []
        for lo in range(0, len(lines), self.block_lines):
            block = lines[lo : lo + self.block_lines]
            # blank as JSON sees it (RFC 8259 whitespace), as the Arrow reader does
            blank = sum(1 for x in block if not x.strip(b" \t\r\n"))
            quarantine.skip("blank line", blank)
            block = _objects_only(block, self._line, self.source, quarantine)
            table = _parse(block, self._line, self.source, quarantine)
            self._line += len(block)
            out.append(self._reports(table, self._carry, quarantine))
        return ReportBatch.concat(out)

    def _reports(self, table: pa.Table, carry: Carry, q: Quarantine) -> ReportBatch:
        c = {name: table.column(name).to_numpy(zero_copy_only=False) for name in SCHEMA.names}
        floats = [k for k in c if SCHEMA.field(k).type == pa.float64()]
        f = {k: np.asarray(c[k], dtype=np.float64) for k in floats}
        t = f["timestamp"]
        col = table.column("icao24")
        six = pc.fill_null(pc.equal(pc.utf8_length(col), 6), False).to_numpy(zero_copy_only=False)
        bad = np.isnan(t) | ~np.asarray(six, dtype=np.bool_)
        ident = pc.binary_join_element_wise("icao:", pc.utf8_lower(col), "")
        if bad.any():
            q.skip("jet1090 line without timestamp or icao24", int(bad.sum()))
        keep = ~bad
        bds = np.asarray(c["bds"], dtype=object)[keep]
        t = t[keep]
        identity = np.asarray(ident.to_numpy(zero_copy_only=False), dtype=object)[keep]
        vel = bds == "09"
        nan = np.full(len(t), np.nan)
        cols = {
            "callsign": _text(c["callsign"])[keep],
            "squawk": _text(c["squawk"])[keep],
            "alt": f["altitude"][keep],
            "gs": np.where(vel, f["groundspeed"][keep], nan),
            "track": np.where(vel, f["track"][keep], nan),
            "vr": np.where(vel, f["vertical_rate"][keep], nan),
            "nucp": f["NUCp"][keep],
        }
        positioned = ~np.isnan(f["latitude"][keep])
        now = float(np.fmax.reduce(np.where(positioned, t, np.nan), initial=np.nan))
        filled = carry.fill(identity, t, cols, now)
        value = {k: v[0] for k, v in filled.items()}
        for k in ("alt", "gs", "track", "vr"):
            with np.errstate(invalid="ignore"):
                value[k] = np.where(t - filled[k][1] > self.max_age, np.nan, value[k])
        lat, lon = f["latitude"][keep], f["longitude"][keep]
        pos = ~np.isnan(lat) & ~np.isnan(lon)
        q.skip("jet1090 message without a position", int((~pos).sum()))
        surface = bds == "06"
        gs = np.where(surface, f["groundspeed"][keep], value["gs"])
        trk = np.where(surface, f["track"][keep], value["track"])
        ve, vn = velocity_en(gs * KT, trk)
        nucp = np.nan_to_num(value["nucp"], nan=0, posinf=9, neginf=0).clip(0, 9).astype(np.int64)
        return ReportBatch.build(
            t=t[pos],
            lat=lat[pos],
            lon=lon[pos],
            alt=np.where(surface, np.nan, value["alt"] * FT)[pos],
            vel_e=ve[pos],
            vel_n=vn[pos],
            vel_u=np.where(surface, 0.0, value["vr"] * FPM)[pos],
            accuracy=(NUCP_RCU_M[nucp] * SIGMA_PER_R95)[pos],
            sensor="jet1090",
            identity=identity[pos],
            callsign=value["callsign"][pos],
            squawk=value["squawk"][pos],
            transponder=True,
            on_ground=surface[pos],
        ).replace_columns(nav=_nav(value["nucp"][pos]))


def _nav(nucp: np.ndarray) -> NavIntegrity:
    """NIC of a DO-260A NUCp (through the airborne type code it comes from: TC = 18 -
    NUCp); NACp and SIL are not in rs1090's position lines."""
    ok = np.isfinite(nucp) & (nucp >= 0) & (nucp <= 9)
    tc = np.where(ok, 18 - np.where(ok, nucp, 0), 0).astype(np.int64)
    return NavIntegrity.build(len(nucp), nic=np.where(ok, nic(tc), np.nan))


def _text(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    return np.where(arr == None, "", arr).astype(object)  # noqa: E711


def _parse(lines: list[bytes], first: int, source: str, q: Quarantine) -> pa.Table:
    """Parse lines with Arrow; bisect a failing block down to its bad lines."""
    try:
        table = pj.read_json(io.BytesIO(b"".join(_ended(lines))), parse_options=_OPTIONS)
        table.validate(full=True)  # the reader lets invalid UTF-8 through in strings
        # ... and reads some garbage (a lone non-UTF-8 byte) as no row at all, silently
        if table.num_rows == sum(1 for x in lines if x.strip(b" \t\r\n")):
            return table
        problem = "no JSON object on the line"
    except pa.ArrowException as exc:
        problem = str(exc).splitlines()[0]
    if len(lines) == 1:
        reason = f"not a JSON object of the rs1090 schema: {problem}"
        q.reject(DecodeError(reason, source=source, line=first), _raw(lines[0]))
        return SCHEMA.empty_table()
    half = len(lines) // 2
    return pa.concat_tables(
        [
            _parse(lines[:half], first, source, q),
            _parse(lines[half:], first + half, source, q),
        ]
    )


def _objects_only(lines: list[bytes], first: int, source: str, q: Quarantine) -> list[bytes]:
    """Reject the lines that do not start with ``{`` (after blanks) before Arrow sees
    them, each in place of an empty line (so line numbers hold). Arrow 26's JSON reader
    crashes the process (SIGSEGV) on a block whose first value is ``null``; no JSON
    value but an object is an rs1090 line anyway."""
    out = lines
    for i, x in enumerate(lines):
        head = x.lstrip(b" \t\r\n")[:1]
        if head and head != b"{":
            if out is lines:
                out = list(lines)
            reason = "not a JSON object of the rs1090 schema: not a JSON object"
            q.reject(DecodeError(reason, source=source, line=first + i), _raw(x))
            out[i] = b"\n"
    return out


def _split(text: bytes) -> list[bytes]:
    """Lines of ``text`` cut after each newline, as a file's ``readlines`` gives them."""
    lines = text.split(b"\n")
    last = lines.pop()
    out = [x + b"\n" for x in lines]
    return [*out, last] if last else out


def _ended(lines: list[bytes]) -> list[bytes]:
    return [x if x.endswith(b"\n") else x + b"\n" for x in lines]


def _raw(line: bytes) -> str | bytes:
    try:
        return line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return line
