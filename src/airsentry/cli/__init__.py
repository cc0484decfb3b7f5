"""``airsentry`` command line: thin faces over the pipeline and the incident store.

Each subcommand lives in its own module of this package with a ``register(subparsers)``
function; :func:`build_parser` finds them all, so a new command is a new module and
nothing else changes. Errors that come from the user's input print one clear line and
exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from airsentry import __version__
from airsentry.errors import AirsentryError


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AirsentryError as exc:
        print(f"airsentry: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="airsentry", description="Airspace-incursion monitoring.")
    p.add_argument("--version", action="version", version=f"airsentry {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return p
