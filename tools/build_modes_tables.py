"""Build the Mode S code tables the decoders ship: ``sources/modes/data/code13.npz``.

The 13-bit altitude (AC) and identity (ID) fields of Mode S replies are the two codes
that are fiddly to decode (the Gillham altitude code, the interleaved squawk bits), so
airsentry does not decode them itself: it looks every code up in a table made from
pyModeS's own decoder (the reference), one entry per possible code:

* ``altitude_ft``: float64[8192], the feet pyModeS gives for a DF4 reply with that AC
  field, NaN where it gives none (no altitude, or metric);
* ``squawk``: S4[8192], the four octal digits pyModeS gives for a DF5 reply with that
  ID field.

Building them took 94 ms of CPU (16,384 ``pyModeS.decode`` calls), paid by the first
frame of a live Beast feed: that frame's alert came ~80 ms late (issue 12,
``benchmarks/live_latency.py``). Shipped, they load in well under a millisecond, and
``tests/sources/test_modes_tables.py`` holds them equal to pyModeS's answers.

Reproducible: the same pyModeS gives the same bytes. Usage (pyModeS from the test
extra)::

    python tools/build_modes_tables.py [--out src/airsentry/sources/modes/data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyModeS

CODES = 8192
OUT = Path(__file__).resolve().parent.parent / "src" / "airsentry" / "sources" / "modes" / "data"


def reference_altitude_ft() -> npt.NDArray[np.float64]:
    """Feet of each 13-bit AC code by pyModeS's DF4 decoder (NaN: none or metric)."""
    out = np.full(CODES, np.nan)
    for code in range(CODES):
        frame = (4 << 51) | (code << 24)  # DF4 with this AC field; parity is irrelevant
        alt = pyModeS.decode(f"{frame:014X}").get("altitude")
        if alt is not None:
            out[code] = alt
    return out


def reference_squawk() -> npt.NDArray[np.bytes_]:
    """The squawk (4 octal digits) of each 13-bit ID code by pyModeS's DF5 decoder."""
    out = np.empty(CODES, dtype="S4")
    for code in range(CODES):
        frame = (5 << 51) | (code << 24)
        out[code] = pyModeS.decode(f"{frame:014X}")["squawk"].encode("ascii")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "code13.npz"
    np.savez_compressed(path, altitude_ft=reference_altitude_ft(), squawk=reference_squawk())
    print(f"wrote {path} ({path.stat().st_size:,} bytes, pyModeS {pyModeS.__version__})")


if __name__ == "__main__":
    main()
