"""``airsentry decide``: acknowledge a recommendation, or authorise an action, on record.

::

    airsentry decide ack INCIDENT --operator NAME [--note TEXT]
    airsentry decide authorise INCIDENT --action ACTION --operator NAME --role ROLE
                     --reason TEXT [--reason TEXT ...] --roster ROSTER.yaml [--playbook FILE]
    airsentry decide status INCIDENT

``authorise`` goes through :class:`airsentry.decisions.desk.Desk`: it is refused (exit 2,
with the reason) unless the roster gives the operator the role, the playbook
recommends the action for this incident and the role may decide it, and reasons are
given. Every outcome is written to the audit log. There is no other way to record an
engagement: ``status`` reports an engagement as authorised only when the audit log,
verified intact, holds its decision.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_db_option, deployment_from_args
from airsentry.errors import AirsentryError
from airsentry.model import Action


def register(sub: Any) -> None:
    p = sub.add_parser("decide", help="acknowledge or authorise, on the record")
    dsub = p.add_subparsers(dest="decide_action", required=True)
    ack = dsub.add_parser("ack", help="acknowledge an incident's recommendation")
    ack.add_argument("incident")
    ack.add_argument("--operator", required=True)
    ack.add_argument("--note", default="")
    auth = dsub.add_parser("authorise", help="authorise a recommended action")
    auth.add_argument("incident")
    auth.add_argument("--action", required=True, choices=[a.value for a in Action])
    auth.add_argument("--operator", required=True)
    auth.add_argument("--role", required=True)
    auth.add_argument("--reason", action="append", default=[], required=True)
    auth.add_argument("--roster", type=Path, required=True, help="YAML: operators: {name: [roles]}")
    auth.add_argument("--playbook", type=Path, help="rules of engagement (default: shipped)")
    status = dsub.add_parser("status", help="decisions on an incident; is engagement authorised")
    status.add_argument("incident")
    for sp in (ack, auth, status):
        sp.add_argument("--config", type=Path, help="deployment YAML (its db, log, playbook)")
        add_db_option(sp)
        sp.add_argument(
            "--audit-log",
            "--log",
            dest="audit_log",
            type=Path,
            help="audit log (default: beside the database)",
        )
        sp.add_argument("--audit-key", type=Path, help="the log's key file (default: <log>.key)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.build import database, decision_desk
    from airsentry.decisions.desk import Roster, load_roster
    from airsentry.incidents import IncidentStore, store_exists

    deployment = deployment_from_args(args)
    db = database(deployment)
    if not store_exists(db):
        raise AirsentryError(f"{db}: no incident database (run a replay or the demo first)")
    now = datetime.now(UTC)
    with IncidentStore(db) as store:
        roster = load_roster(args.roster) if args.decide_action == "authorise" else Roster({})
        desk = decision_desk(deployment, store, roster)
        if args.decide_action == "ack":
            d = desk.acknowledge(args.incident, args.operator, time=now, note=args.note)
            print(f"{d.incident_id}: acknowledged by {d.operator} (decision {d.id})")
        elif args.decide_action == "authorise":
            d = desk.authorise(
                args.incident,
                args.action,
                operator=args.operator,
                role=args.role,
                reasons=args.reason,
                time=now,
            )
            print(f"{d.incident_id}: {d.action} authorised by {d.operator} (decision {d.id})")
        else:
            for d in store.decisions_for(args.incident):
                what = f"{d.kind} {d.action}" if d.action else str(d.kind)
                print(f"{d.time.isoformat()} {d.operator}: {what} {d.note}")
            engaged = desk.engagement_authorised(args.incident)
            who = f"yes, by {engaged.operator}" if engaged else "no"
            print(f"engagement authorised: {who}")
    return 0
