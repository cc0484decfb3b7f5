"""SAPIENT classification types become the classes the playbook acts on: a one-way attack
UAV (Shahed/Geran-type) is a ``decoy_drone``, the class of fixed-wing one-way attack drones
and their decoys, not a generic ``drone``."""

from __future__ import annotations

import numpy as np
import sapient_sample as sample

from airsentry.identify.classify import TrackClassifier
from airsentry.model import TrackUpdates
from airsentry.sources import _sapient_proto as proto
from airsentry.sources.base import Quarantine
from airsentry.sources.sapient import SapientDecoder


def camera_reports(cls: str):
    """Five detections of one object by a camera node that reports positions."""
    msgs = [
        sample.detection(
            "cam-1", sample.T0 + 2.0 * k, "obj-9", cls,
            location=sample.location(52.3, 23.7 + 0.001 * k, 300.0),
        )
        for k in range(5)
    ]  # fmt: skip
    q = Quarantine()
    dec = SapientDecoder(source="test")
    data = b"".join(proto.frame(m) for m in msgs)
    batch = dec.feed(data, q)
    assert q.count == 0
    return batch


def test_a_one_way_attack_uav_is_a_decoy_drone_hint():
    batch = camera_reports("One Way Attack UAV")
    assert set(batch.category) == {"decoy_drone"}
    assert set(camera_reports("Fixed Wing UAV").category) == {"drone"}


def test_the_classifier_takes_the_hint_as_a_one_way_attack_drone():
    batch = camera_reports("One Way Attack UAV")
    updates = TrackUpdates(track_id=np.full(len(batch), 7, dtype=np.int64), state=batch)
    out = TrackClassifier().update(updates)
    assert out.cls[-1] == "decoy_drone"
