"""Data flows one way: the real import graph of ``src/airsentry``, read with ``ast``.

Every ``import`` and ``from … import`` of an airsentry module counts, wherever it stands
(module top, inside a function, under ``TYPE_CHECKING``): a deferred import is still a
dependency. Each package sits at a level of the data flow; a module may import its own
package and anything at a lower level, nothing at its level or above, and no chain of
imports may lead back to where it started.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "airsentry"

LEVELS: dict[str, int] = {
    # vocabulary every stage speaks
    "errors": 0,
    "frame": 0,
    "nav": 0,
    "columns": 1,
    "model": 2,
    "order": 2,
    "step": 3,
    # the stages, in data-flow order
    "sources": 10,
    "tracking": 11,
    "identify": 12,
    "airspace": 13,
    "watch": 14,
    "respond": 15,
    "incidents": 16,
    "decisions": 17,
    "outputs": 18,
    # composition: the deployment description and the one builder
    "config": 30,
    "pipeline": 31,
    "build": 32,
    # wings and faces over the pipeline
    "sim": 40,
    "gnss": 40,
    "batch": 40,
    "scan": 40,
    "server": 41,
    "cli": 50,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PKG.rglob("*.py")}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The airsentry modules ``name`` imports (a ``from pkg import mod`` names ``pkg.mod``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("airsentry"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_pkg else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            if not base.startswith("airsentry"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else base)
    return {m for m in out if m in known and m != name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def level(module: str) -> tuple[str, int]:
    parts = module.split(".")
    if len(parts) == 1:  # the package itself (its version)
        return "airsentry", -1
    top = parts[1]
    assert top in LEVELS, f"{module}: its package {top!r} has no place in the data flow"
    return top, LEVELS[top]


def test_every_package_has_a_level() -> None:
    for module in modules():
        level(module)


def test_no_module_imports_its_level_or_above() -> None:
    bad = []
    for module, deps in graph().items():
        top, mine = level(module)
        for dep in deps:
            dtop, theirs = level(dep)
            if dtop != top and theirs >= mine:
                bad.append(f"{module} imports {dep}")
    assert not bad, "imports against the data flow:\n" + "\n".join(sorted(bad))


def test_no_import_circle() -> None:
    g = graph()
    # Tarjan's strongly connected components, iteratively
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0
    for root in g:
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(g[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        component.append(m)
                        if m == node:
                            break
                    if len(component) > 1:
                        circles.append(sorted(component))
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


def test_the_checker_sees_deferred_and_relative_imports(tmp_path: Path) -> None:
    """The graph reader itself: a function-level and a relative import both count."""
    pkg = tmp_path / "airsentry" / "watch"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    mod = pkg / "x.py"
    mod.write_text(
        "from . import y\n"
        "def f():\n    from airsentry.server import app\n    import airsentry.cli.main\n"
    )
    known = {"airsentry.watch.y", "airsentry.server.app", "airsentry.cli.main"}
    assert imports("airsentry.watch.x", mod, known) == known
