"""``airsentry audit verify``: check that the audit log has not been changed.

Exit status 0 when every entry is intact, 1 when any entry was edited, deleted,
reordered, inserted or forged (each problem is printed with its line and entry
number), 2 when the log cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_db_option, deployment_from_args


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="the tamper-evident audit log")
    asub = p.add_subparsers(dest="audit_action", required=True)
    v = asub.add_parser("verify", help="check every entry's hash chain")
    v.add_argument(
        "--log",
        "--audit-log",
        dest="audit_log",
        type=Path,
        help="audit log (default: the deployment's, beside the incident database)",
    )
    v.add_argument("--config", type=Path, help="deployment YAML (its db and audit log)")
    add_db_option(v)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.build import audit_log_path
    from airsentry.decisions.audit import verify

    log = audit_log_path(deployment_from_args(args))
    problems = verify(log)
    if problems:
        for problem in problems:
            print(f"{log}: {problem}", file=sys.stderr)
        print(f"{log}: {len(problems)} problem(s): the log was changed", file=sys.stderr)
        return 1
    n = sum(1 for _ in log.open(encoding="utf-8"))
    print(f"{log}: {n} entries, chain intact")
    return 0
