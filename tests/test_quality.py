"""One gate: the test suite also runs the linters and the type checker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["src", "tests", "tools", "benchmarks"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_lint_is_clean():
    res = run(sys.executable, "-m", "ruff", "check", *PATHS)
    assert res.returncode == 0, res.stdout + res.stderr


def test_ruff_format_is_clean():
    res = run(sys.executable, "-m", "ruff", "format", "--check", *PATHS)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_strict_is_clean():
    res = run(sys.executable, "-m", "mypy")
    assert res.returncode == 0, res.stdout + res.stderr


def test_no_module_is_a_god_module():
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "src").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert not too_long, f"modules over 500 lines: {too_long}"
