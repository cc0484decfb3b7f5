"""Rules of engagement as playbooks: each step fires on its trigger and not otherwise."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from airsentry.model import Action, Incident
from airsentry.respond.playbook import PlaybookError, Responder, facts, load, parse
from airsentry.respond.threat import Site, assess
from incident_builders import make_incident

PLAYBOOK = load()
DELIBERATE = dict(dwell_s=1800.0, depth_m=30_000.0)  # long and deep: evidence against error


# an airport 10 km ahead of make_incident's objects (they fly east along 59.5 N)
AHEAD = Site("Ahead Airport (EEAH)", "airport", "EST", 59.5, 25.27, "EEAH")


def fired(incident: Incident, sites: list[Site] | None = None) -> set[str]:
    f = facts(incident, assess(incident, sites or []))
    return {s.name for s in PLAYBOOK.fired(f)}


# step name -> (an incident that triggers it, one that differs in one condition only)
CASES = {
    "log": (make_incident("sovereign", ["drone"]), None),
    "alert_operator": (
        make_incident("site", ["light_aircraft"]),
        make_incident("site", ["light_aircraft"], authorised=True),
    ),
    "alert_air_defence_drones": (
        make_incident("sovereign", ["drone", "decoy_drone"]),
        make_incident("sovereign", ["helicopter", "light_aircraft"]),
    ),
    "alert_air_defence_swarm": (
        make_incident("site", ["unknown"] * 4, swarm=True),
        make_incident("site", ["unknown"] * 4),
    ),
    "qra_readiness": (
        make_incident("buffer", ["fast_jet"]),
        make_incident("buffer", ["airliner"]),
    ),
    "intercept_and_escort": (
        make_incident("sovereign", ["fast_jet"] * 3),
        make_incident("buffer", ["fast_jet"] * 3),
    ),
    "close_airport": (
        make_incident("airport", ["drone"] * 3),
        make_incident("airport", ["light_aircraft"] * 3),
    ),
    "engage_drone_at_site": (
        make_incident("site", ["drone"] * 3, **DELIBERATE),
        make_incident("site", ["drone"], identities=["icao:3c6589"], dwell_s=60, depth_m=500),
    ),
}


def test_every_default_step_has_a_case() -> None:
    assert {s.name for s in PLAYBOOK.steps} == set(CASES) | {"close_airport_ahead"}


def test_the_airport_on_a_drone_path_is_closed_before_they_arrive() -> None:
    drones = make_incident("sovereign", ["drone"] * 2)
    assert "close_airport_ahead" in fired(drones, [AHEAD])
    assert "close_airport_ahead" not in fired(drones, [])  # no airport on their path
    jets = make_incident("sovereign", ["fast_jet"] * 2)
    assert "close_airport_ahead" not in fired(jets, [AHEAD])  # the step is for drones
    rec = Responder(PLAYBOOK, sites=[AHEAD])(drones)
    assert rec.action is Action.CLOSE_AIRPORT
    assert rec.target == "EEAH"
    assert rec.reasons[0].startswith("2 drone(s) heading for Ahead Airport (EEAH), about ")


@pytest.mark.parametrize("step", sorted(CASES))
def test_step_fires_on_its_trigger_and_not_otherwise(step: str) -> None:
    yes, no = CASES[step]
    assert step in fired(yes)
    if no is not None:
        assert step not in fired(no)


def test_nothing_fires_beyond_log_when_everything_was_authorised() -> None:
    for kind, classes in [("sovereign", ["fast_jet"]), ("airport", ["drone"]), ("site", ["drone"])]:
        assert fired(make_incident(kind, classes * 3, authorised=True, **DELIBERATE)) == {"log"}


def test_recommendation_is_the_highest_step_and_lists_the_ladder() -> None:
    rec = Responder(PLAYBOOK)(make_incident("sovereign", ["fast_jet"] * 3))
    assert rec.action is Action.INTERCEPT_ESCORT
    assert rec.authority == "air_policing_commander"
    assert rec.needs_decision
    ladder = rec.details["ladder"]
    assert {s["step"] for s in ladder} >= {"log", "alert_operator", "qra_readiness"}
    for s in ladder:
        assert s["trigger"]
        assert s["reason"]
        assert s["authority"] in PLAYBOOK.roles
    assert "scramble to intercept" in rec.reasons[0]


def test_engagement_is_only_recommended_and_always_needs_a_decision() -> None:
    rec = Responder(PLAYBOOK)(make_incident("site", ["drone"] * 3, **DELIBERATE))
    assert rec.action is Action.ENGAGE
    assert rec.needs_decision
    assert rec.authority == "national_authority"
    # A jet in sovereign airspace is escorted, never engaged, however deliberate.
    jets = Responder(PLAYBOOK)(make_incident("sovereign", ["fast_jet"] * 3, **DELIBERATE))
    assert jets.action is Action.INTERCEPT_ESCORT


def test_close_airport_names_airport_and_estimates_impact_without_traffic() -> None:
    sites = [Site("Copenhagen Kastrup Airport (EKCH)", "airport", "DNK", 55.618, 12.656, "EKCH")]
    rec = Responder(PLAYBOOK, sites=sites)(make_incident("airport", ["drone"] * 2))
    assert rec.action is Action.CLOSE_AIRPORT
    assert rec.target == "EKCH"
    assert any("close EKCH" in r for r in rec.reasons)
    assert any(r.startswith("expected impact of closing EKCH") for r in rec.reasons)


def test_user_playbook_overrides_by_path(tmp_path: Path) -> None:
    path = tmp_path / "strict.yaml"
    path.write_text(
        "name: strict\nroles: {operator: [], minister: [operator]}\n"
        "steps:\n"
        "  - {name: log, action: monitor, when: {}, authority: operator, reason: seen}\n"
        "  - name: shoot\n    action: engage\n    authority: minister\n"
        "    when: {zone_kind: [sovereign], classes: [drone], min_objects: 2}\n"
        "    reason: '{drones} drones over {label}'\n"
    )
    pb = load(path)
    two = Responder(pb)(make_incident("sovereign", ["drone", "drone"]))
    assert two.action is Action.ENGAGE
    assert two.needs_decision
    assert two.authority == "minister"
    assert two.reasons[0] == "2 drones over Estonia airspace"
    one = Responder(pb)(make_incident("sovereign", ["drone"]))
    assert one.action is Action.MONITOR


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("{name: x, action: engage, authority: op, needs_decision: false}", "always needs"),
        ("{name: x, action: launch, authority: op}", "unknown action"),
        ("{name: x, action: monitor, authority: king}", "not a declared role"),
        ("{name: x, action: monitor, authority: op, when: {colour: red}}", "unknown condition"),
        ("{name: x, action: monitor, authority: op, when: {min_objects: -1}}", "bad value"),
    ],
)
def test_malformed_playbooks_are_refused_with_the_step_named(step: str, message: str) -> None:
    import yaml

    doc = yaml.safe_load(f"roles: {{op: []}}\nsteps: [{step}]")
    with pytest.raises(PlaybookError, match=message) as err:
        parse(doc, "mine.yaml")
    assert "mine.yaml" in str(err.value)
    assert "step 1 (x)" in str(err.value)


def test_roles_outrank_transitively() -> None:
    assert PLAYBOOK.may_decide("national_authority", "operator")
    assert PLAYBOOK.may_decide("air_policing_commander", "air_defence_commander")
    assert not PLAYBOOK.may_decide("air_defence_commander", "air_policing_commander")
    assert not PLAYBOOK.may_decide("airport_authority", "national_authority")
    assert not PLAYBOOK.may_decide("nobody", "operator")


@pytest.mark.parametrize("cls", ["helicopter", "airliner"])
def test_a_manned_aircraft_without_transponder_is_intercepted_not_treated_as_a_drone(
    cls: str,
) -> None:
    # A helicopter first seen cruising like a decoy: its latest class decides (issue 14).
    early = make_incident("sovereign", ["decoy_drone"])
    late = make_incident("sovereign", [cls])
    inc = replace(late, events=[*early.events[:1], *late.events[1:]])
    rec = Responder(PLAYBOOK)(inc)
    assert rec.action is Action.INTERCEPT_ESCORT
    assert "manned without transponder" in rec.reasons[0]
    # with a transponder (an identity heard) it is not this rule's business
    heard = make_incident("sovereign", [cls], identities=["icao:4ca123"])
    assert "intercept_and_escort" not in fired(heard)
    # a decoy stays a matter for air defence
    assert Responder(PLAYBOOK)(early).action is Action.ALERT_AIR_DEFENCE


def test_the_shipped_default_reads_as_the_file_given_by_path() -> None:
    """The default is parsed with libyaml where PyYAML has it (start-up), a playbook
    given by path with PyYAML's own parser: the same file gives the same playbook."""
    shipped = Path(__file__).resolve().parents[2] / "src/airsentry/respond/playbooks/default.yaml"
    by_path = load(shipped)
    assert replace(by_path, source=PLAYBOOK.source) == PLAYBOOK
    assert len(PLAYBOOK.steps) >= 5
