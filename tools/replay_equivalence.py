"""Check that a speed change changed no result: this tree against a git revision.

Two checks, each run with the revision's ``src`` (extracted with ``git archive``) and
with this tree's:

* ``airsentry evaluate --json --seed 0`` of the quick library scenarios (every file in
  ``src/airsentry/sim/library`` except the big ``drone-wall-poland`` and
  ``september-2025``), compared byte for byte;
* the events and incidents of ``benchmarks/pipeline.py``'s replay of a package sample
  (``--sample``, default both; ``--copies`` 2), dumped by its child and compared as
  sets of canonical JSON lines.

Prints what differs and exits 1 if anything does. The traffic wheel comes from
``--wheel`` or ``AIRSENTRY_TRAFFIC_WHEEL``.

Run: ``python tools/replay_equivalence.py [--baseline b061101] [--skip-evaluate]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import pipeline as bench  # noqa: E402

BIG = {"drone-wall-poland", "september-2025"}


def scenarios() -> list[str]:
    library = ROOT / "src" / "airsentry" / "sim" / "library"
    return sorted(p.stem for p in library.glob("*.yaml") if p.stem not in BIG)


def evaluate(src: Path, names: list[str]) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "airsentry.cli", "evaluate", "--json", "--seed", "0", *names],
        env=bench.child_env(src),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"evaluate failed ({src}):\n{out.stderr}")
    return out.stdout


def replay(src: Path, path: Path, folder: Path, tag: str) -> set[str]:
    dump = folder / f"{tag}.jsonl"
    bench.run_child(src, path, folder, extra=["--dump", str(dump)])
    return set(dump.read_text().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--baseline", default="b061101")
    parser.add_argument("--wheel")
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--sample", choices=sorted(bench.SAMPLES), action="append")
    parser.add_argument("--skip-evaluate", action="store_true")
    parser.add_argument("--skip-replay", action="store_true")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        versions = {
            "baseline": bench.baseline_source(args.baseline, folder),
            "current": ROOT / "src",
        }
        if not args.skip_evaluate:
            names = scenarios()
            base, cur = (evaluate(src, names) for src in versions.values())
            same = base == cur
            failed |= not same
            print(f"evaluate --json of {len(names)} scenarios: {'identical' if same else 'DIFFER'}")
            if not same:
                for a, b in zip(base.splitlines(), cur.splitlines(), strict=False):
                    if a != b:
                        print(f"  baseline: {a[:300]}\n  current:  {b[:300]}")
                        break
        if not args.skip_replay:
            for sample in args.sample or sorted(bench.SAMPLES):
                csv_path, _, rows = bench.build_input(
                    bench.wheel(args.wheel), sample, args.copies, folder
                )
                base_set, cur_set = (
                    replay(src, csv_path, folder, f"{sample}-{name}")
                    for name, src in versions.items()
                )
                same = base_set == cur_set
                failed |= not same
                print(
                    f"replay {sample} x{args.copies} ({rows:,} rows): {len(cur_set):,} events and "
                    f"incidents, {'identical' if same else 'DIFFER'}"
                )
                for line in sorted(base_set - cur_set)[:3]:
                    print(f"  only baseline: {line[:400]}")
                for line in sorted(cur_set - base_set)[:3]:
                    print(f"  only current:  {line[:400]}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
