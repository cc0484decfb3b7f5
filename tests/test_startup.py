"""The command line starts light: parsing arguments imports no heavy library.

``airsentry --help`` (and the parsing every command does before it runs) builds the
parser of every subcommand; the geodesy, geometry, tracking and web stacks are imported
only when a command runs. A regression here costs every invocation of the CLI.
"""

from __future__ import annotations

import subprocess
import sys

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
