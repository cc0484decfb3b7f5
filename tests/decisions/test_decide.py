"""Engagement is never automatic: without an authorisation on record, there is none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airsentry.cli import main
from airsentry.decisions.audit import AuditLog, default_log_path
from airsentry.decisions.desk import AuthorisationError, Desk, Roster
from airsentry.incidents import DecisionKind, IncidentBook, IncidentStore, local_anchor
from airsentry.model import Action
from airsentry.respond.playbook import Responder, load
from incident_builders import make_incident

NOW = datetime(2025, 9, 19, 8, 0, tzinfo=UTC)
ROSTER = Roster(
    {
        "Kadri Tamm": frozenset({"national_authority"}),
        "Jaan Kask": frozenset({"air_policing_commander"}),
        "Mari": frozenset({"operator"}),
    }
)


@pytest.fixture
def db(store_target: Path | str) -> Path | str:
    return store_target


@pytest.fixture
def store(db: Path | str) -> Iterator[IncidentStore]:
    with IncidentStore(db) as s:
        book = IncidentBook(s, Responder(load()))
        book.add(make_incident("site", ["drone"] * 3, dwell_s=1800, depth_m=30_000).events)
        book.add(make_incident("sovereign", ["fast_jet"] * 3).events)
        yield s


@pytest.fixture
def desk(store: IncidentStore, db: Path | str) -> Desk:
    return Desk(store, AuditLog(default_log_path(local_anchor(db))), load(), ROSTER)


def ids(store: IncidentStore) -> dict[str, str]:
    return {i.zone_kind: i.id for i in store.list()}


def test_the_book_recommends_but_nothing_is_authorised(store: IncidentStore, desk: Desk) -> None:
    site = store.get(ids(store)["site"])
    assert site is not None
    assert site.recommendation is not None
    assert site.recommendation.action is Action.ENGAGE
    assert site.recommendation.needs_decision
    assert store.decisions_for(site.id) == []
    assert desk.engagement_authorised(site.id) is None


@pytest.mark.parametrize(
    ("operator", "role", "reasons", "why"),
    [
        ("", "national_authority", ["threat to base"], "not named"),
        ("Mallory", "national_authority", ["threat to base"], "does not hold"),
        ("Mari", "national_authority", ["threat to base"], "does not hold"),
        ("Jaan Kask", "air_policing_commander", ["threat to base"], "needs the authority"),
        ("Kadri Tamm", "national_authority", [" "], "no reasons"),
    ],
)
def test_engagement_refused_without_proper_authorisation(
    store: IncidentStore, desk: Desk, operator: str, role: str, reasons: list[str], why: str
) -> None:
    site = ids(store)["site"]
    with pytest.raises(AuthorisationError, match=why):
        desk.authorise(site, Action.ENGAGE, operator=operator, role=role, reasons=reasons, time=NOW)
    assert store.decisions_for(site) == []
    assert desk.engagement_authorised(site) is None
    refusals = [e for e in desk.log.entries() if e["kind"] == "refusal"]
    assert refusals
    assert refusals[-1]["data"]["incident_id"] == site


def test_engagement_the_playbook_does_not_recommend_is_refused_even_to_the_top(
    store: IncidentStore, desk: Desk
) -> None:
    jets = ids(store)["sovereign"]
    with pytest.raises(AuthorisationError, match="does not recommend engage"):
        desk.authorise(
            jets, "engage", operator="Kadri Tamm", role="national_authority",
            reasons=["hostile"], time=NOW,
        )  # fmt: skip
    # ...while the intercept it does recommend may be authorised by its commander.
    d = desk.authorise(
        jets, Action.INTERCEPT_ESCORT, operator="Jaan Kask", role="air_policing_commander",
        reasons=["QRA airborne"], time=NOW,
    )  # fmt: skip
    assert d.action == "intercept_and_escort"
    assert d.operator == "Jaan Kask"


def test_authorised_engagement_is_recorded_with_time_role_and_reasons(
    store: IncidentStore, desk: Desk
) -> None:
    site = ids(store)["site"]
    desk.acknowledge(site, "Mari", time=NOW, note="seen on the console")
    d = desk.authorise(
        site, Action.ENGAGE, operator="Kadri Tamm", role="national_authority",
        reasons=["three drones over the base", "no response to warnings"], time=NOW,
    )  # fmt: skip
    assert d.time == NOW
    assert "national_authority" in d.note
    assert "no response to warnings" in d.note
    assert desk.engagement_authorised(site) == d
    kinds = [e["kind"] for e in desk.log.entries()]
    assert kinds[-2:] == ["acknowledgement", "decision"]
    assert desk.log.verify() == []


def test_a_decision_written_behind_the_desk_does_not_count(
    store: IncidentStore, desk: Desk
) -> None:
    site = ids(store)["site"]
    store.record_decision(site, time=NOW, operator="mallory", action="engage", note="")
    assert desk.engagement_authorised(site) is None


def test_a_tampered_audit_log_voids_the_authorisation(store: IncidentStore, desk: Desk) -> None:
    site = ids(store)["site"]
    desk.authorise(
        site, "engage", operator="Kadri Tamm", role="national_authority",
        reasons=["attack on the base"], time=NOW,
    )  # fmt: skip
    assert desk.engagement_authorised(site) is not None
    text = desk.log.path.read_text().replace("Kadri Tamm", "Jaan Kask")
    desk.log.path.write_text(text)
    assert desk.engagement_authorised(site) is None


def test_cli_refuses_engagement_without_authorisation(
    store: IncidentStore, db: Path | str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = ids(store)["site"]
    roster = tmp_path / "roster.yaml"
    roster.write_text("operators:\n  Mari: [operator]\n  Kadri Tamm: [national_authority]\n")
    base = ["decide", "authorise", site, "--db", str(db), "--action", "engage"]
    with pytest.raises(SystemExit):  # no roster, role or reason: argparse refuses
        main([*base, "--operator", "Mari"])
    capsys.readouterr()
    args = ["--roster", str(roster), "--reason", "drones over the base"]
    assert main([*base, "--operator", "Mari", "--role", "national_authority", *args]) == 2
    assert "does not hold the role" in capsys.readouterr().err
    assert main([*base, "--operator", "Mari", "--role", "operator", *args]) == 2
    assert "needs the authority of national_authority" in capsys.readouterr().err
    assert main(["decide", "status", site, "--db", str(db)]) == 0
    assert "engagement authorised: no" in capsys.readouterr().out
    ok = [*base, "--operator", "Kadri Tamm", "--role", "national_authority", *args]
    assert main(ok) == 0
    assert main(["decide", "status", site, "--db", str(db)]) == 0
    assert "engagement authorised: yes, by Kadri Tamm" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", str(db)]) == 0


def test_a_refused_engagement_is_audited_and_never_authorises(
    store: IncidentStore, desk: Desk
) -> None:
    site = ids(store)["site"]
    d = desk.refuse(
        site, Action.ENGAGE, operator="Kadri Tamm", role="national_authority",
        reasons=["the drones are police drones"], time=NOW,
    )  # fmt: skip
    assert (d.kind, d.action) == (DecisionKind.REFUSE, Action.ENGAGE)
    assert desk.engagement_authorised(site) is None
    [entry] = [e["data"] for e in desk.log.entries() if e["kind"] == "decision"]
    assert (entry["verdict"], entry["action"], entry["operator"]) == (
        "refuse",
        "engage",
        "Kadri Tamm",
    )
    # a refusal is held to the same rules as an authorisation
    with pytest.raises(AuthorisationError, match="needs the authority"):
        desk.refuse(
            site, Action.ENGAGE, operator="Jaan Kask", role="air_policing_commander",
            reasons=["not ours to engage"], time=NOW,
        )  # fmt: skip
    assert [d.kind for d in store.decisions_for(site)] == [DecisionKind.REFUSE]
