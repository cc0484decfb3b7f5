"""The server holds no SQL: the store owns the database; and only NotFound is a 404."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi.testclient import TestClient

from airsentry.errors import NotFound
from airsentry.server import ServerContext, create_app

SERVER = Path(__file__).resolve().parents[2] / "src" / "airsentry" / "server"
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(TABLE|INDEX)|PRAGMA\s)",
    re.IGNORECASE | re.DOTALL,
)


def test_nothing_under_server_imports_sqlite_or_holds_sql() -> None:
    files = sorted(SERVER.rglob("*.py"))
    assert files
    for path in files:
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                names = []
            assert not [n for n in names if n.split(".")[0] in {"sqlite3", "sqlalchemy"}], path
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not SQL.search(node.value), f"{path}: SQL {node.value[:60]!r}"


def test_not_found_is_a_404_and_a_stray_key_error_is_not(tmp_path: Path) -> None:
    ctx = ServerContext.open(tmp_path / "store.sqlite", [])
    app = create_app(ctx, close_on_shutdown=True)

    @app.get("/test/missing")
    def missing() -> None:
        raise NotFound("incident", "EST-2025-0042")

    @app.get("/test/bug")
    def bug() -> None:
        raise KeyError("a bug, not a missing incident")

    with TestClient(app, raise_server_exceptions=False) as client:
        res = client.get("/test/missing")
        assert res.status_code == 404
        assert res.json() == {
            "detail": "no incident 'EST-2025-0042'",
            "kind": "incident",
            "key": "EST-2025-0042",
        }
        assert client.get("/test/bug").status_code == 500


def test_a_decision_on_a_missing_incident_is_a_404(tmp_path: Path) -> None:
    ctx = ServerContext.open(tmp_path / "store.sqlite", [])
    token = ctx.users.add("kask", "commander")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        res = client.post(
            "/api/incidents/EST-2025-0042/notes", json={"text": "hm"}, headers=headers
        )
        assert res.status_code == 404
