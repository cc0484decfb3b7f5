"""The register as a CSV table: the same entries, checks and admissions as the YAML file."""

from __future__ import annotations

import re

import pytest
import yaml
from test_registers import CLEARANCE, EGYPT_AF, FRANCE, PERMIT, crossing

from airsentry.build import open_run
from airsentry.config import DeploymentConfig, PipelineConfig
from airsentry.errors import InputError
from airsentry.identify.registers import load_registers

TABLE = "".join(
    f"{row}\n"
    for row in (
        "kind,reference,state,addresses,callsigns,zones,valid_from,valid_to"
        ",holder,remote_ids,unit,sensors,source",
        "clearance,FR-DIP-2025-0919,EGY,,EGY1071,FRA,2025-09-19T00:00:00Z"
        ",2025-09-20T00:00:00Z,,,,,",
        "permit,DK-UAS-0007,,,,airport:EKCH,2025-09-19T00:00:00Z,2025-09-20T00:00:00Z"
        ",Copenhagen Police drone unit,1581F5FKD229400G0000,,,",
        "own_force,,POL,48d800-48dfff 48e001,VIPER1;VIPER2,,,,,,1st Tactical Air Wing"
        ",blue-force,national register",
    )
)

OWN = {
    "own_forces": [
        {
            "unit": "1st Tactical Air Wing",
            "state": "POL",
            "addresses": [{"first": "48d800", "last": "48dfff"}, "48e001"],
            "callsigns": ["VIPER1", "VIPER2"],
            "sensors": ["blue-force"],
            "source": "national register",
        }
    ]
}


def test_a_csv_table_holds_the_same_entries_as_the_yaml_register(tmp_path):
    (tmp_path / "reg.csv").write_text(TABLE)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(CLEARANCE))
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(PERMIT))
    (tmp_path / "o.yaml").write_text(yaml.safe_dump(OWN))
    from_csv = load_registers([tmp_path / "reg.csv"])
    from_yaml = load_registers([tmp_path / n for n in ("c.yaml", "p.yaml", "o.yaml")])
    assert from_csv == from_yaml
    assert [c.reference for c in from_csv.clearances] == ["FR-DIP-2025-0919"]
    assert len(from_csv.own_forces) == 1


def test_a_clearance_from_a_csv_table_admits_its_flight(tmp_path):
    table = tmp_path / "clearances.csv"
    table.write_text(TABLE)
    dep = DeploymentConfig(
        db=tmp_path / "book.sqlite", pipeline=PipelineConfig(protect=None, registers=(table,))
    )
    flight = crossing(EGYPT_AF, transponder=True, callsign="EGY1071")
    with open_run(dep, zones=[FRANCE]) as r:
        events = [e for s in r.pipeline.run([flight]) for e in s.events]
        assert r.incidents() == []
    entry = next(e for e in events if e.zone_id == FRANCE.id and e.kind == "entry")
    assert entry.authorised is True
    assert "FR-DIP-2025-0919" in entry.reasons[0]


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ("reference,state\nr,EGY\n", "line 1: the table needs a 'kind' column"),
        ("kind,colour\nclearance,blue\n", "unknown column 'colour'"),
        ("kind,reference\nfriend,r\n", "line 2: kind 'friend'"),
        (
            "kind,reference,state,callsigns,valid_to\nclearance,r,EGY,X1,2025-09-19\n",
            "line 2: clearances[0].valid_to",
        ),
        ("kind,reference,state,addresses\nclearance,r,EGY,zz\n", "line 2: clearances[0].addresses"),
        ("kind,unit,state\nown_force,u,POL,extra\n", "line 2: more cells than columns"),
    ],
)
def test_table_mistakes_name_the_line_and_the_key(tmp_path, table, where):
    path = tmp_path / "reg.csv"
    path.write_text(table)
    with pytest.raises(InputError, match=re.escape(where)) as info:
        load_registers([path])
    assert "reg.csv" in str(info.value)
