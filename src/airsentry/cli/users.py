"""``airsentry users``: console users and their tokens (no default user, no default password).

``add`` creates a user and prints its token (shown once); ``list`` names users and
roles; ``set-role`` changes a role, ``rotate`` issues a new token (the old one is refused
at once) and ``remove`` deletes a user. A running server reads users from the store on
every request, so each change takes effect on the next request.
"""

from __future__ import annotations

import argparse
from typing import Any

from airsentry.cli._common import add_db_option

ROLES = ["viewer", "operator", "commander"]


def register(sub: Any) -> None:
    p = sub.add_parser("users", help="console users: add, list, set-role, rotate, remove")
    verbs = p.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", help="create a user and print its new token (shown once)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--replace", action="store_true", help="re-issue the token of a user")
    add.set_defaults(func=run_add)
    ls = verbs.add_parser("list", help="list users and roles")
    ls.set_defaults(func=run_list)
    role = verbs.add_parser("set-role", help="give a user another role (next request on)")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    role.set_defaults(func=run_set_role)
    rot = verbs.add_parser("rotate", help="print a new token for a user; the old one stops")
    rot.add_argument("name")
    rot.set_defaults(func=run_rotate)
    rm = verbs.add_parser("remove", help="delete a user; its token stops working at once")
    rm.add_argument("name")
    rm.set_defaults(func=run_remove)
    for verb in (add, ls, role, rot, rm):
        add_db_option(verb)


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


def run_set_role(args: argparse.Namespace) -> int:
    from airsentry.incidents import IncidentStore, default_db_path
    from airsentry.server.auth import UserBook

    with IncidentStore(args.db or default_db_path()) as store:
        UserBook(store).set_role(args.name, args.role)
    print(f"{args.name}: now {args.role}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    from airsentry.incidents import IncidentStore, default_db_path
    from airsentry.server.auth import UserBook

    with IncidentStore(args.db or default_db_path()) as store:
        print(UserBook(store).rotate(args.name))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from airsentry.incidents import IncidentStore, default_db_path
    from airsentry.server.auth import UserBook

    with IncidentStore(args.db or default_db_path()) as store:
        UserBook(store).remove(args.name)
    print(f"{args.name}: removed")
    return 0
