"""The shipped Mode S code tables (``sources/modes/data/code13.npz``) against pyModeS.

The decoders look the 13-bit altitude (AC) and identity (ID) codes up in tables
instead of decoding them; the tables ship with the package (building them from
pyModeS at run time made the first frame of a live Beast feed ~80 ms late). Every one
of the 8,192 entries of each must be what pyModeS, the reference, answers for a DF4
and a DF5 reply carrying that code.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pyModeS

from airsentry.sources.modes import fields

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_modes_tables.py"


def test_every_altitude_code_is_pyModeS_answer() -> None:
    table = fields.altitude_ft(np.arange(8192, dtype=np.int64))
    for code in range(8192):
        want = pyModeS.decode(f"{(4 << 51) | (code << 24):014X}").get("altitude")
        got = float(table[code])
        assert (want is None and math.isnan(got)) or got == want, (code, got, want)
    # the table is not empty of either kind: Gillham and 25 ft codes, and codes with none
    assert np.isnan(table).sum() == 4864
    assert table[np.isfinite(table)].min() == -1200.0


def test_every_identity_code_is_pyModeS_squawk() -> None:
    table = fields.squawk(np.arange(8192, dtype=np.int64))
    for code in range(8192):
        want = pyModeS.decode(f"{(5 << 51) | (code << 24):014X}")["squawk"]
        assert table[code] == want, (code, table[code], want)
    assert len(set(table.tolist())) == 4096  # every Mode 3/A code once (X bit aside)


def test_the_shipped_file_is_what_the_tool_builds(tmp_path: Path) -> None:
    """Regenerated from pyModeS, the same bytes: the file is reproducible."""
    shipped = Path(fields.__file__).parent / "data" / "code13.npz"
    spec = importlib.util.spec_from_file_location("build_modes_tables", TOOL)
    assert spec is not None
    assert spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(["--out", str(tmp_path)])
    assert (tmp_path / "code13.npz").read_bytes() == shipped.read_bytes()


def test_the_tables_cannot_be_changed_by_a_caller() -> None:
    table = fields._altitude_table()
    assert not table.flags.writeable
