"""What several commands share: the deployment options, batching, printing a run.

Every command that runs the pipeline describes its deployment with the same flags
(:func:`add_deployment_options`), or with ``--config FILE`` (the YAML of ``airsentry
run``) which the flags then override; :func:`deployment_from_args` turns them into the
:class:`~airsentry.config.DeploymentConfig` that :mod:`airsentry.build` builds from.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def _db_target(text: str) -> Path | str:
    """``--db``: a PostgreSQL URL as given, else a file path (the parser stays light, so
    this is not :func:`airsentry.incidents.db_target`, which it mirrors)."""
    return text if text.startswith(("postgresql://", "postgres://")) else Path(text)


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=_db_target,
        help="incident database: an SQLite file or a postgresql:// URL "
        "(default: a file in the data directory)",
    )


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
        help="the fused tracker (default: keyed and anonymous reports, one track per "
        "object) or the identity-keyed one",
    )
    p.add_argument(
        "--registers",
        type=Path,
        action="append",
        default=[],
        help="clearances, drone permits and own forces (YAML; repeatable)",
    )
    p.add_argument("--events-out", type=Path, help="write every event as a JSON line")
    p.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="URL",
        help="send tracks and incidents to cot+tcp|udp|tls://, mqtt(s)://, http(s):// "
        "(signed webhooks) or file:PATH.jsonl|.geojson (repeatable; docs/outputs.md)",
    )
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
    registers = tuple(getattr(args, "registers", None) or ())
    if registers:
        from airsentry.identify.registers import load_registers

        load_registers(registers)  # a faulty register fails before anything runs
        pipe = replace(pipe, registers=(*pipe.registers, *registers))
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
    urls = getattr(args, "output", None) or []
    if urls:
        from airsentry.outputs.urls import parse_output

        dep = replace(dep, outputs=(*dep.outputs, *(parse_output(u, "--output") for u in urls)))
    if getattr(args, "quarantine", None) is not None:
        dep = replace(dep, quarantine=args.quarantine)
    if not dep.default_zones and not dep.zone_files:
        raise AirsentryError("no zones to watch: give --zones or drop --no-default-zones")
    return dep


def add_option_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a decoder option of the input format (see `airsentry formats`); VALUE is "
        "read as YAML (numbers, lists, mappings); repeatable",
    )


def decoder_options(pairs: list[str]) -> dict[str, Any]:
    """``--option KEY=VALUE`` pairs as decoder options (values read as YAML scalars or
    structures, so ``start=2025-09-19T07:00:00Z`` stays text and ``receiver=[54.4, 18.6]``
    is a list)."""
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise AirsentryError(f"--option {pair!r}: expected KEY=VALUE")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError as exc:
            raise AirsentryError(f"--option {key}: not a readable value: {exc}") from None
        if isinstance(value, list):
            value = tuple(value)
        out[key.strip()] = str(value) if hasattr(value, "isoformat") else value
    return out


def check_recordings(files: Sequence[Path]) -> None:
    """Refuse, before any work, a recording that is missing or is a directory."""
    for path in files:
        if not path.exists():
            raise AirsentryError(f"{path}: no such file")
        if path.is_dir():
            raise AirsentryError(f"{path}: a directory; give the recording files")
