"""The incident dossier: HTML and PDF (headless Chromium) with map, timeline and decisions."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pypdf

from airsentry.cli import main
from airsentry.incidents import DecisionKind, IncidentStore

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def test_the_dossier_pdf_has_the_map_timeline_decisions_and_audit_references(
    tmp_path: Path,
) -> None:
    db = tmp_path / "d.sqlite"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", "--db", str(db)]) == 0
    with IncidentStore(db) as store:
        inc = next(i for i in store.list() if i.ordinal is not None)
        store.record_decision(
            inc.id, time=inc.end, operator="duty-officer", kind=DecisionKind.ACKNOWLEDGE,
            note="handed to the national authority",
        )  # fmt: skip
        first_event = store.get(inc.id, with_events=True).events[0]  # type: ignore[union-attr]
    html_out, pdf_out = tmp_path / "d.html", tmp_path / "d.pdf"
    args = ["incidents", "report", inc.id, "--db", str(db), "--html", str(html_out)]
    assert main([*args, "--pdf", str(pdf_out)]) == 0

    page = html_out.read_text(encoding="utf-8")
    assert "<svg" in page
    assert "<polyline" in page  # the objects' paths
    assert "<polygon" in page  # over the zone's outline
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(pdf_out).pages)
    flat = " ".join(unicodedata.normalize("NFKC", text).split())  # "ﬁ" ligatures to "fi"
    assert f"Incident {inc.id}" in flat
    for heading in ("Map", "Timeline", "Classification", "Decisions", "Audit chain"):
        assert heading in flat
    assert "duty-officer" in flat
    assert "recommendation" in flat  # the audit log's entry for this incident
    assert first_event.time.strftime("%Y-%m-%dT%H:%M") in flat
    assert f"{inc.ordinal}" in flat
    assert f"violation of {inc.owner} airspace" in flat

    # a picture of the first page, kept for people to look at (artifacts/ is git-ignored)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dossier.png"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
         "--window-size=1000,1300", f"--user-data-dir={tmp_path / 'profile'}",
         html_out.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert shot.stat().st_size > 10_000
