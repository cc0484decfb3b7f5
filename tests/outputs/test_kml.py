"""``airsentry incidents export --format kml``: zones, paths, entry and exit points, times."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

from airsentry.cli import main

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastkml import KML


def _walk(feature: object) -> list[object]:
    out = [feature]
    for child in getattr(feature, "features", []) or []:
        out += _walk(child)
    return out


def test_kml_export_of_the_demo_reads_back_with_paths_points_and_timespans(
    tmp_path: Path,
) -> None:
    db = tmp_path / "k.sqlite"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", "--db", str(db)]) == 0
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["incidents", "export", "--format", "kml", "--db", str(db)]) == 0
    doc = KML.from_string(out.getvalue())
    (document,) = doc.features
    folders = list(document.features)
    assert folders
    for folder in folders:
        assert folder.times is not None  # the incident's TimeSpan
        assert folder.times.begin.dt <= folder.times.end.dt
        marks = _walk(folder)[1:]
        kinds = {type(m.geometry).__name__ for m in marks}
        assert "LineString" in kinds or "Point" in kinds
    everything = [m for f in folders for m in _walk(f)[1:]]
    assert any(m.name.startswith("zone ") for m in everything)
    assert any(m.name.endswith(" entry") for m in everything)
    paths = [m for m in everything if m.name.endswith(" path")]
    assert paths
    assert all(m.times is not None for m in paths)
