"""What several commands share: the deployment options, batching, printing a run.

Every command that runs the pipeline describes its deployment with the same flags
(:func:`add_deployment_options`), or with ``--config FILE`` (the YAML of ``airsentry
run``) which the flags then override; :func:`deployment_from_args` turns them into the
:class:`~airsentry.config.DeploymentConfig` that :mod:`airsentry.build` builds from.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from airsentry.errors import AirsentryError
from airsentry.model import ReportBatch

if TYPE_CHECKING:  # the configuration pulls in the live stack: imported when a command runs
    from airsentry.config import DeploymentConfig, PipelineConfig

BATCH_ROWS = 20_000


def chunks(batch: ReportBatch, rows: int = BATCH_ROWS) -> Iterator[ReportBatch]:
    """Split a batch into pieces of at most ``rows`` reports."""
    for start in range(0, len(batch), rows):
        yield batch.take(slice(start, start + rows))


def parse_protect(text: str) -> frozenset[str] | None:
    """``default`` (NATO and EU), ``all`` (None) or comma-separated ISO3 codes."""
    from airsentry.config import DEFAULT_PROTECTED, unknown_states

    if text == "default":
        return DEFAULT_PROTECTED
    if text == "all":
        return None
    codes = frozenset(c.strip().upper() for c in text.split(",") if c.strip())
    bad = unknown_states(codes) if codes else repr(text)
    if bad:
        raise AirsentryError(
            f"--protect: {bad}: not the ISO 3166 alpha-3 code of a known state "
            "(or 'all', 'default')"
        )
    return codes


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, help="incident database (default: in the data directory)")


def add_audit_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--audit-log", type=Path, help="audit log (default: beside the database, <db>.audit.jsonl)"
    )
    p.add_argument(
        "--audit-key", type=Path, help="the audit log's key file (default: <audit log>.key)"
    )


def add_deployment_options(p: argparse.ArgumentParser, *, zones: bool = True) -> None:
    """The flags that describe a deployment, the same on every command that runs one."""
    p.add_argument("--config", type=Path, help="deployment YAML (the flags below override it)")
    add_db_option(p)
    add_audit_option(p)
    p.add_argument("--playbook", type=Path, help="rules of engagement YAML (default: shipped)")
    p.add_argument(
        "--tracker",
        choices=["cooperative", "fused"],
        help="identity-keyed tracker (default) or the fused multi-target tracker",
    )
    p.add_argument("--events-out", type=Path, help="write every event as a JSON line")
    if zones:
        p.add_argument(
            "--zones",
            type=Path,
            action="append",
            default=[],
            help="GeoJSON of user zones (repeatable)",
        )
        p.add_argument("--no-default-zones", action="store_true", help="watch only the --zones")
        p.add_argument(
            "--protect",
            help="comma-separated ISO3 states to watch, 'all', or 'default' (NATO and EU)",
        )


def deployment_from_args(args: argparse.Namespace) -> DeploymentConfig:
    """The deployment the flags describe (on top of ``--config`` when given)."""
    from airsentry.config import DeploymentConfig, load_config

    config: Path | None = getattr(args, "config", None)
    dep = load_config(config) if config is not None else DeploymentConfig()
    pipe: PipelineConfig = dep.pipeline
    no_default = bool(getattr(args, "no_default_zones", False))
    extra = tuple(getattr(args, "zones", None) or ())
    if extra or no_default:
        dep = replace(dep, zone_files=(*dep.zone_files, *extra))
    if no_default:
        dep = replace(dep, default_zones=False)
    protect = getattr(args, "protect", None)
    if protect is not None:
        pipe = replace(pipe, protect=parse_protect(protect))
    elif no_default and config is None:
        pipe = replace(pipe, protect=None)  # user zones are watched whoever owns them
    if getattr(args, "playbook", None) is not None:
        pipe = replace(pipe, playbook=args.playbook)
    tracker = getattr(args, "tracker", None)
    if tracker is not None:
        from airsentry.tracking.mtt import FusedConfig

        pipe = replace(pipe, fused=FusedConfig() if tracker == "fused" else None)
    dep = replace(dep, pipeline=pipe)
    for flag, key in (
        ("db", "db"), ("audit_log", "audit_log"), ("audit_key", "audit_key"),
        ("events_out", "events_out"),
    ):  # fmt: skip
        value = getattr(args, flag, None)
        if value is not None:
            dep = replace(dep, **{key: value})
    if getattr(args, "quarantine", None) is not None:
        dep = replace(dep, quarantine=args.quarantine)
    if not dep.default_zones and not dep.zone_files:
        raise AirsentryError("no zones to watch: give --zones or drop --no-default-zones")
    return dep
