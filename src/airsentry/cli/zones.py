"""``airsentry zones list``: the zone catalogue."""

from __future__ import annotations

import argparse
import math
from typing import Any

from airsentry.model import ZoneKind


def register(sub: Any) -> None:
    zones = sub.add_parser("zones", help="the zone catalogue")
    zsub = zones.add_subparsers(dest="action", required=True)
    zl = zsub.add_parser("list", help="list zones")
    zl.add_argument("--kind", choices=[k.value for k in ZoneKind])
    zl.add_argument("--owner", help="ISO3 owner state")
    zones.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.airspace import default_catalogue

    owner = args.owner.upper() if args.owner else None
    for z in default_catalogue().zones:
        if (args.kind and z.kind != args.kind) or (owner and z.owner != owner):
            continue
        floor = "" if math.isinf(z.floor_m) else f" floor {z.floor_m:.0f} m"
        ceiling = "" if math.isinf(z.ceiling_m) else f" ceiling {z.ceiling_m:.0f} m"
        print(f"{z.id}\t{z.kind}\t{z.owner}\t{z.name}{floor}{ceiling}")
    return 0
