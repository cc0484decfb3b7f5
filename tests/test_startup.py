"""The command line starts light: parsing arguments imports no heavy library.

``airsentry --help`` (and the parsing every command does before it runs) builds the
parser of every subcommand; the geodesy, geometry, tracking and web stacks are imported
only when a command runs. A regression here costs every invocation of the CLI.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("scipy", "pyproj", "shapely", "fastapi", "uvicorn", "pyarrow")


def test_parsing_the_command_line_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from airsentry.cli import build_parser\n"
        "build_parser().format_help()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"imported while parsing the command line: {out}"


def test_building_the_pipeline_imports_no_scipy(tmp_path: object) -> None:
    """``open_run`` (every command's builder) leaves SciPy out: its ``special`` module
    alone cost 0.1 CPU-s of a replay's start-up (target 0.4 CPU-s, issue 12), and a
    replay of cooperative traffic never needs it. The tracker imports the parts it
    uses on first use (a crowd's Poisson tail, a k-d tree)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from airsentry.build import open_run\n"
        "from airsentry.config import DeploymentConfig\n"
        f"with open_run(DeploymentConfig(db=Path({str(tmp_path)!r}) / 'x.sqlite')) as run:\n"
        "    assert run.pipeline is not None\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"imported while building the pipeline: {out}"


def test_replaying_cooperative_reports_imports_no_pyproj(tmp_path: object) -> None:
    """A replay of ADS-B state vectors (a real OpenSky recording) from a warm disk cache
    never imports pyproj: its import cost some 45 ms of the 0.4 CPU-s start-up budget,
    and only plots, bearings, sited sensors and geometry built afresh need it. The first
    run warms the caches (zone grids, airport circles), which may use pyproj."""
    data = Path(__file__).parent / "sources" / "data" / "rega.csv"
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from airsentry.build import open_run\n"
        "from airsentry.config import DeploymentConfig\n"
        "from airsentry.sources.base import Quarantine, read_file\n"
        "db = Path(sys.argv[1])\n"
        "with open_run(DeploymentConfig(db=db)) as run:\n"
        "    q = Quarantine()\n"
        "    run.pipeline.consume(iter(read_file(Path(sys.argv[2]), 'opensky', q)))\n"
        "    print(run.totals.reports, file=sys.stderr)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'pyproj')))\n"
    )
    outs = []
    for run in range(2):
        db = Path(str(tmp_path)) / f"run{run}.sqlite"
        done = subprocess.run(
            [sys.executable, "-c", code, str(db), str(data)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(done.stderr.strip().splitlines()[-1]) == 339  # every row of the recording
        outs.append(done.stdout.strip())
    assert outs[1] == "", f"imported by a warm replay: {outs[1]}"
