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
