"""``airsentry users``: console users and their tokens (no default user, no default password)."""

from __future__ import annotations

import argparse
from typing import Any

from airsentry.cli._common import add_db_option


def register(sub: Any) -> None:
    p = sub.add_parser("users", help="console users: add one (prints its token) or list them")
    verbs = p.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", help="create a user and print its new token (shown once)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["viewer", "operator", "commander"])
    add.add_argument("--replace", action="store_true", help="re-issue the token of a user")
    add_db_option(add)
    add.set_defaults(func=run_add)
    ls = verbs.add_parser("list", help="list users and roles")
    add_db_option(ls)
    ls.set_defaults(func=run_list)


def run_add(args: argparse.Namespace) -> int:
    from airsentry.incidents import IncidentStore, default_db_path
    from airsentry.server.auth import UserBook

    with IncidentStore(args.db or default_db_path()) as store:
        token = UserBook(store).add(args.name, args.role, replace=args.replace)
    print(token)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from airsentry.incidents import IncidentStore, default_db_path
    from airsentry.server.auth import UserBook

    with IncidentStore(args.db or default_db_path()) as store:
        for user in UserBook(store).users():
            print(f"{user.name}\t{user.role}")
    return 0
