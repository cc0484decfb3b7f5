"""Build step: compile the vendored SAPIENT .proto files into a descriptor set.

Everything else about the package is declared in pyproject.toml. ``build_py`` (run by
``pip install``, ``pip install -e`` and ``python -m build``) first runs protoc, from
grpcio-tools (a build requirement), over ``src/airsentry/sources/sapient_proto`` and
writes ``sapient.binpb`` beside the sources, so the installed package (and an editable
checkout) carries the compiled messages; :mod:`airsentry.sources._sapient_proto` loads it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "src" / "airsentry" / "sources"))


class BuildWithProtos(build_py):
    """``build_py`` that compiles the SAPIENT descriptor set first."""

    def run(self) -> None:
        from _sapient_compile import compile_descriptor_set

        compile_descriptor_set()
        super().run()


setup(cmdclass={"build_py": BuildWithProtos})
