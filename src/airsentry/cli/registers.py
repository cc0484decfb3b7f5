"""``airsentry registers``: the clearances, drone permits and own forces kept in the store.

::

    airsentry registers list [--all] [--db DB]
    airsentry registers add FILE.yaml --operator NAME [--db DB] [--audit-log LOG]
    airsentry registers withdraw ID --operator NAME [--note TEXT] [--db DB] [--audit-log LOG]

``add`` takes a file in the register format (``clearances``, ``permits``,
``own_forces``: :mod:`airsentry.identify.registers`) and adds every entry, all or none.
Each add and withdrawal is written to the store and the deployment's audit log together
(kinds ``register_add``, ``register_withdraw``), as the console's
``/api/registers`` routes do. Whoever can write the database and its audit log holds
the authority here, as with ``airsentry users``; the console lets only commanders write.
A running console's pipeline picks the change up from its next batch on.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_audit_option, add_db_option, deployment_from_args
from airsentry.errors import InputError


def register(sub: Any) -> None:
    p = sub.add_parser("registers", help="clearances, drone permits, own forces: list, add")
    verbs = p.add_subparsers(dest="verb", required=True)
    ls = verbs.add_parser("list", help="the entries in force (--all: withdrawn ones too)")
    ls.add_argument("--all", action="store_true", help="also withdrawn entries")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.set_defaults(func=run_list)
    add = verbs.add_parser("add", help="add every entry of a register YAML file (all or none)")
    add.add_argument("file", type=Path)
    add.set_defaults(func=run_add)
    wd = verbs.add_parser("withdraw", help="withdraw an entry by its id")
    wd.add_argument("id", type=int)
    wd.add_argument("--note", default="", help="why it is withdrawn")
    wd.set_defaults(func=run_withdraw)
    for verb in (ls, add, wd):
        verb.add_argument("--config", type=Path, help="deployment YAML (its db and audit log)")
        add_db_option(verb)
    for verb in (add, wd):
        verb.add_argument("--operator", required=True, help="who makes the change (audited)")
        add_audit_option(verb)


def run_list(args: argparse.Namespace) -> int:
    from airsentry.build import database
    from airsentry.incidents import IncidentStore

    with IncidentStore(database(deployment_from_args(args))) as store:
        for e in store.registers.entries(in_force_only=not args.all):
            if args.json:
                print(json.dumps(e.to_dict(), sort_keys=True))
                continue
            state = "in force" if e.in_force else f"withdrawn by {e.withdrawn_by}"
            print(f"{e.id}\t{e.kind}\t{e.reference}\tadded by {e.added_by}\t{state}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    import yaml

    from airsentry.build import audit_log, database
    from airsentry.identify.registers import KINDS, load_registers
    from airsentry.incidents import IncidentStore

    load_registers([args.file])  # the whole file checked first, naming file and entry
    doc = yaml.safe_load(args.file.read_text("utf-8")) or {}
    deployment = deployment_from_args(args)
    log = audit_log(deployment)
    now = datetime.now(UTC)
    with IncidentStore(database(deployment)) as store, store.transaction():
        for kind in KINDS:
            for entry in doc.get(kind) or []:
                try:
                    added = store.registers.add(kind, entry, by=args.operator, time=now.timestamp())
                except InputError as exc:
                    raise InputError(exc.reason, source=str(args.file)) from None
                _audit(log, "register_add", added.to_dict(), args.operator, now)
                print(f"{added.id}\t{kind}\t{added.reference}\tadded")
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    from airsentry.build import audit_log, database
    from airsentry.incidents import IncidentStore

    deployment = deployment_from_args(args)
    log = audit_log(deployment)
    now = datetime.now(UTC)
    with IncidentStore(database(deployment)) as store, store.transaction():
        gone = store.registers.withdraw(
            args.id, by=args.operator, time=now.timestamp(), note=args.note
        )
        _audit(log, "register_withdraw", gone.to_dict(), args.operator, now)
    print(f"{gone.id}\t{gone.kind}\t{gone.reference}\twithdrawn")
    return 0


def _audit(log: Any, kind: str, entry: dict[str, Any], operator: str, now: datetime) -> None:
    data = {"operator": operator, "role": "cli"} | {
        k: v for k, v in entry.items() if k not in ("added", "withdrawn")
    }
    log.append(kind, data, time=now)
