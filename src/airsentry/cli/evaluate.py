"""``airsentry evaluate``: run scenarios through the pipeline and score them against truth.

Prints one table per scenario (or a JSON array with ``--json``) and exits with status 1
when any scenario fails: a true or declared incident missed, a declared incident whose
object count, dwell or recommendation is off, or anything raised on a control scenario.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from airsentry.model import isoformat


def register(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="score the pipeline on scenarios with known truth")
    p.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="library name or scenario file (default: the whole library)",
    )
    p.add_argument("--json", action="store_true", help="print the scores as a JSON array")
    p.add_argument("--seed", type=int, default=0, help="sensor-noise seed (default 0)")
    p.add_argument(
        "--tracker",
        choices=("cooperative", "fused"),
        default="fused",
        help="the fused tracker (default) or the identity-keyed one",
    )
    p.add_argument(
        "--variant",
        choices=("wire", "plots"),
        default="wire",
        help="wire: the scenarios as written; plots: every radar sends ASTERIX CAT048 "
        "plots with clutter (see docs/scenarios.md)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.config import PipelineConfig
    from airsentry.sim.scenario import library_names, resolve
    from airsentry.sim.score import ScoreSettings, evaluate
    from airsentry.sim.variants import variant
    from airsentry.tracking.mtt import FusedConfig

    names = args.scenarios or library_names()
    scenarios = [variant(resolve(n), args.variant) for n in names]  # errors before any run
    config = PipelineConfig(fused=FusedConfig() if args.tracker == "fused" else None)
    settings = ScoreSettings(seed=args.seed)
    scores = [evaluate(sc, settings=settings, config=config) for sc in scenarios]
    if args.json:
        print(json.dumps([s.to_dict() for s in scores], indent=2))
    else:
        print("\n\n".join(table(s.to_dict()) for s in scores))
    return 0 if all(s.passed for s in scores) else 1


def _f(x: float | None, unit: str = "", digits: int = 1) -> str:
    return "—" if x is None else f"{x:.{digits}f}{unit}"


def table(d: dict[str, Any]) -> str:
    """One scenario's score as text: the summary line, then one row per incident."""
    verdict = "PASS" if d["passed"] else "FAIL"
    kind = " (control)" if d["control"] else ""
    lines = [
        f"{d['scenario']}{kind}: {verdict} — {d['reports']:,} reports; "
        f"found {d['found']}, missed {d['missed']}, false {d['false']}; "
        f"precision {d['precision']:.2f}, recall {d['recall']:.2f}",
        f"  time to alert (median) {_f(d['median_time_to_alert_s'], ' s')}; "
        f"worst dwell error {_f(d['max_dwell_error_s'], ' s')}; "
        f"worst object-count error {_f(d['max_count_error'], digits=0)}",
        f"  tracks: GOSPA {d['gospa_mean_m']:.0f} m (mean), paired error "
        f"{d['gospa_localisation_m']:.0f} m, missed {d['missed_fraction']:.1%}, "
        f"false {d['false_fraction']:.1%}",
    ]
    if d["incidents"]:
        lines.append(
            f"  {'zone':<18} {'status':<7} {'incident':<15} {'true start':<21} "
            f"{'objects':>9} {'alert s':>8} {'dwell err s':>11}"
        )
    for m in d["incidents"]:
        start = isoformat(m["true_start"])[:19] if m["true_start"] is not None else "—"
        objects = f"{m['objects'] if m['objects'] is not None else '—'}/" + (
            f"{m['true_objects']}" if m["true_objects"] is not None else "—"
        )
        lines.append(
            f"  {m['zone_id']:<18} {m['status']:<7} {m['incident'] or '—':<15} {start:<21} "
            f"{objects:>9} {_f(m['time_to_alert_s']):>8} {_f(m['dwell_error_s']):>11}"
        )
    for e in d["expected"]:
        state = "met" if e["met"] else "NOT MET: " + "; ".join(e["problems"])
        lines.append(f"  expected {e['zone']}: {e['incident'] or '—'} {state}")
    for a in d.get("actors", []):
        state = "met" if a["met"] else "NOT MET: " + "; ".join(a["problems"])
        lines.append(f"  actor {a['actor']}: {a['class'] or '—'}, {a['action']} {state}")
    return "\n".join(lines)
