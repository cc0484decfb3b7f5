"""``airsentry formats``: every input format and the options its decoder takes.

The options are read from each decoder's own signature, so this list cannot drift from
what ``replay --option KEY=VALUE``, ``serve --option`` and a feed's ``options:`` in the
deployment YAML accept.
"""

from __future__ import annotations

import argparse
import inspect
from typing import Any

_INTERNAL = {"source", "recording", "clock"}
"""Parameters the reader and the live feeds set themselves."""


def register(sub: Any) -> None:
    p = sub.add_parser("formats", help="list the input formats and their options")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.sources.base import decoder_factory, formats

    for name in formats():
        factory = decoder_factory(name)
        doc = (inspect.getdoc(factory) or "").split("\n\n")[0].replace("\n", " ")
        print(f"{name}: {doc}")
        for param in inspect.signature(factory).parameters.values():
            if param.name in _INTERNAL or param.kind is not param.KEYWORD_ONLY:
                continue
            default = "" if param.default is param.empty else f" (default {param.default!r})"
            print(f"    --option {param.name}=VALUE{default}")
    return 0
