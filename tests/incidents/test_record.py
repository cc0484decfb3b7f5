"""The public record: rows checked, imported once, counted in ordinals exactly once."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from incidents_helpers import entry, exit_, recommend

from airsentry.cli import main
from airsentry.errors import InputError
from airsentry.incidents import IncidentBook, IncidentStore
from airsentry.incidents.record import load, parse_csv, shipped

HEADER = "date,until,state,kind,count,objects,duration_s,description,sources\n"


def rows(*lines: str) -> str:
    return HEADER + "\n".join(lines) + "\n"


def test_the_shipped_record_cites_a_source_on_every_row() -> None:
    record = shipped()
    assert record
    assert all(r.sources and r.description for r in record)
    estonia = [r for r in record if r.state == "EST" and r.kind == "sovereign"]
    assert sum(r.count for r in estonia) == 4  # the MiG-31s were "the fourth this year"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("2025-13-01,,EST,sovereign,1,,,x,src", "expected YYYY-MM-DD"),
        ("2025-09-19,2025-09-18,EST,sovereign,1,,,x,src", "before date"),
        ("2025-09-19,,ESTONIA,sovereign,1,,,x,src", "ISO 3166"),
        ("2025-09-19,,EST,buffer,1,,,x,src", "kind 'buffer'"),
        ("2025-09-19,,EST,sovereign,0,,,x,src", "count must be at least 1"),
        ("2025-09-19,,EST,sovereign,1,,-5,x,src", "negative"),
        ("2025-09-19,,EST,sovereign,1,,,x,", "cite at least one source"),
        ("2025-09-19,,EST,sovereign,1,,,,src", "description is required"),
    ],
)
def test_a_faulty_row_is_named_with_its_line(line: str, why: str) -> None:
    with pytest.raises(InputError, match=why) as err:
        parse_csv(rows(line), "mine.csv")
    assert err.value.source == "mine.csv"
    assert err.value.line == 2


def test_json_rows_and_unknown_columns(tmp_path: Path) -> None:
    good = [{"date": "2025-05", "state": "LVA", "kind": "sovereign", "description": "d",
             "sources": ["a report"]}]  # fmt: skip
    (tmp_path / "r.json").write_text(json.dumps(good))
    [row] = load(tmp_path / "r.json")
    assert (row.state, row.count, row.year) == ("LVA", 1, 2025)
    (tmp_path / "bad.json").write_text(json.dumps([{**good[0], "colour": "red"}]))
    with pytest.raises(InputError, match="unknown column 'colour'"):
        load(tmp_path / "bad.json")


def ordinal(store: IncidentStore, incident_id: str) -> int | None:
    return store.ordinals([incident_id])[incident_id]


def test_earlier_rows_count_before_a_booked_incident_and_a_matching_row_only_once(
    new_db: Callable[[], Path | str],
) -> None:
    """Two violations reported in May and one on the incident's own day: the incident is
    the third that year (its own day's row *is* the incident), whichever came first."""
    record = parse_csv(
        rows(
            "2025-05,,EST,sovereign,2,,,two earlier violations,a report",
            "2025-09-19,,EST,sovereign,1,3,720,the same day as the booked incident,a report",
            "2025-09-19,,EST,airport,1,,,an airport closure is no violation,a report",
        ),
        "r.csv",
    )
    with IncidentStore(new_db()) as store:
        [booked] = IncidentBook(store, recommend).add([entry(1, 0), exit_(1, 12)])
        assert ordinal(store, booked.id) == 1
        assert store.import_record(record) == 3
        assert ordinal(store, booked.id) == 3  # renumbered by the import
        assert store.import_record(record) == 0  # idempotent
        assert store.violations_by_owner_year() == {("EST", 2025): 3}
    with IncidentStore(new_db()) as store:  # the record first this time
        store.import_record(record)
        [booked] = IncidentBook(store, recommend).add([entry(1, 0), exit_(1, 12)])
        assert ordinal(store, booked.id) == 3
        assert store.get(booked.id) is not None


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_incidents_import_adds_each_row_once(tmp_path: Path, db: Path | str) -> None:
    path = tmp_path / "lithuania.csv"
    path.write_text(rows("2025-07,,LTU,sovereign,2,,,two balloon incursions,a report"))
    db = str(db)
    code, out, _ = cli("incidents", "import", str(path), "--db", db)
    assert code == 0
    assert "1 rows (2 violations or closures), 1 new" in out
    code, out, _ = cli("incidents", "import", str(path), "--db", db)
    assert "0 new" in out
    with IncidentStore(db) as store:
        assert store.violations_by_owner_year()[("LTU", 2025)] == 2
        assert store.violations_by_owner_year()[("EST", 2025)] == 4  # the shipped record
    path.write_text(rows("2025-07,,LTU,sovereign,two,,,x,a report"))
    code, _, err = cli("incidents", "import", str(path), "--db", db)
    assert code == 2
    assert f"{path}:2: count 'two' is not a whole number" in err


def test_the_demo_reports_the_fourth_violation_of_estonian_airspace(db: Path | str) -> None:
    code, out, _ = cli("demo", "--db", str(db))
    assert code == 0
    estonia = next(block for block in out.split("\n\n") if "sovereign:EST" in block)
    assert "the 4th violation of Estonian airspace in 2025" in estonia
    poland = next(block for block in out.split("\n\n") if "sovereign:POL" in block)
    assert "the 1st violation of Polish airspace in 2025" in poland  # its row *is* it
