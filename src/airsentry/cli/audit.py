"""``airsentry audit verify|repair``: check the audit log; mend a torn last line.

``verify`` exits 0 when every entry is intact (and prints the head: the last entry's
number and hash, to record elsewhere and give back later as ``--head``), 1 when any
entry was edited, deleted, reordered, inserted or forged, the head file is missing or
disagrees, the given ``--head`` is not in the log, or the last line is torn (each problem
printed with its line and entry number), 2 when the log or its key cannot be read.

``repair`` is the only thing that mends a log: it removes a torn last line (kept in
``<log>.torn-<time>``) and moves the head to a whole last entry, logs the repair, and
refuses anything else.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_db_option, deployment_from_args


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="the tamper-evident audit log")
    asub = p.add_subparsers(dest="audit_action", required=True)
    v = asub.add_parser("verify", help="check every entry's hash chain and the head")
    _log_options(v)
    v.add_argument(
        "--head",
        help="a head hash recorded elsewhere (printed by an earlier verify): must be in the log",
    )
    r = asub.add_parser("repair", help="remove a torn last line (kept aside) and log it")
    _log_options(r)
    p.set_defaults(func=run)


def _log_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--log",
        "--audit-log",
        dest="audit_log",
        type=Path,
        help="audit log (default: the deployment's, beside the incident database)",
    )
    p.add_argument("--audit-key", type=Path, help="the log's key file (default: <log>.key)")
    p.add_argument("--config", type=Path, help="deployment YAML (its db and audit log)")
    add_db_option(p)


def run(args: argparse.Namespace) -> int:
    from airsentry.build import audit_log_path
    from airsentry.decisions.audit import AuditError, AuditLog, last_entry, verify
    from airsentry.decisions.audit_repair import repair

    dep = deployment_from_args(args)
    log = audit_log_path(dep)
    try:
        if args.audit_action == "repair":
            done = repair(AuditLog(log, key_file=dep.audit_key), time=datetime.now(UTC))
            kept = f", kept in {done.saved_to}" if done.saved_to else ""
            moved = "; head moved to the last whole entry" if done.head_advanced else ""
            print(f"{log}: repaired: {done.removed} torn bytes removed{kept}{moved}")
            return 0
        problems = verify(log, key_file=dep.audit_key, head=args.head)
        if problems:
            for problem in problems:
                print(f"{log}: {problem}", file=sys.stderr)
            print(f"{log}: {len(problems)} problem(s): the log was changed", file=sys.stderr)
            return 1
        seq, digest = last_entry(log)
    except AuditError as exc:
        print(f"airsentry: {exc}", file=sys.stderr)
        return 2
    print(f"{log}: {seq} entries, chain intact; head {seq} {digest}")
    return 0
