"""The vectorised threat geometry equals the per-object loop it replaced, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from airsentry.respond import threat
from threat_reference import random_scene, reference_objects


@pytest.mark.parametrize(("objects", "sites", "seed"), [(1, 0, 1), (40, 25, 2), (300, 80, 3)])
def test_objects_equal_the_per_object_reference(objects: int, sites: int, seed: int) -> None:
    paths, entries, own = random_scene(objects, sites, seed)
    s_lat = np.array([s.lat for s in own], dtype=np.float64)
    s_lon = np.array([s.lon for s in own], dtype=np.float64)
    want = reference_objects(paths, entries, own, s_lat, s_lon, 20.0, 3600.0)
    got = threat._objects(paths, dict(entries), own, s_lat, s_lon, 20.0, 3600.0)
    assert got.headings == want["headings"]
    assert got.heading_to == want["heading_to"]
    assert (got.straight, got.loiter, got.turned_in, got.turned_out) == (
        want["straight"], want["loiter"], want["turned_in"], want["turned_out"],
    )  # fmt: skip
    if objects > 100:  # the scene exercises every branch
        assert want["heading_to"]
        assert want["loiter"]
        assert want["straight"]
        assert want["turned_in"] + want["turned_out"]


def test_site_chunks_do_not_change_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    paths, entries, own = random_scene(120, 30, 4)
    s_lat = np.array([s.lat for s in own], dtype=np.float64)
    s_lon = np.array([s.lon for s in own], dtype=np.float64)
    whole = threat._objects(paths, dict(entries), own, s_lat, s_lon, 20.0, 3600.0)
    monkeypatch.setattr(threat, "SITE_CHUNK", 7)
    chunked = threat._objects(paths, dict(entries), own, s_lat, s_lon, 20.0, 3600.0)
    assert chunked.heading_to == whole.heading_to
