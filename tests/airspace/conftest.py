"""Shared fixtures: the default catalogue and its index, built once per session.

Grids built during the tests are cached in a temporary directory, never in the user's
cache.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airsentry.airspace import Catalogue, ZoneIndex, default_catalogue


@pytest.fixture(scope="session", autouse=True)
def _private_grid_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRSENTRY_CACHE_DIR", str(tmp_path_factory.mktemp("grid-cache")))
        yield


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture(scope="session")
def index(catalogue: Catalogue) -> ZoneIndex:
    return catalogue.index
