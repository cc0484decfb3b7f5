"""Schemathesis against the published OpenAPI schema: no input makes a server error.

Every operation of the schema is exercised with generated requests, valid and invalid
(schemathesis' positive and negative modes), as a commander (who may call every route),
through the real ASGI app over a copy of the demo store.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from server_helpers import add_users, copy_db

from airsentry.airspace import default_catalogue
from airsentry.server import ServerContext, create_app


@pytest.fixture(scope="module")
def served(demo_db, tmp_path_factory):
    db = copy_db(demo_db, tmp_path_factory.mktemp("schema") / "schema.sqlite")
    ctx = ServerContext.open(db, default_catalogue().zones)
    tokens = add_users(ctx)
    app = create_app(ctx)  # schemathesis runs the lifespan on each call: close here
    with TestClient(app):
        yield app, tokens
    ctx.close()


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_no_input_makes_a_server_error(served, mode):
    app, tokens = served
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {tokens['commander']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    calls = 0
    for operation in operations:

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def check(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()
    print(f"schemathesis {mode}: {calls} requests over {len(operations)} operations")
    assert calls >= len(operations)
