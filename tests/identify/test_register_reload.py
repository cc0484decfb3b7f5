"""Every pipeline admits by the register files plus the store's entries in force, and a
running one (``serve``, ``run``) picks up an edit before its next batch."""

from __future__ import annotations

from test_registers import KASTRUP, PERMIT, hovering_drone

from airsentry.build import open_run, watch_registers
from airsentry.config import DeploymentConfig, PipelineConfig
from airsentry.identify.registers import Registers

SERIAL = PERMIT["permits"][0]["remote_ids"][0]


def deployment(tmp_path) -> DeploymentConfig:
    return DeploymentConfig(db=tmp_path / "book.sqlite", pipeline=PipelineConfig(protect=None))


def test_a_permit_in_the_store_admits_its_drone_from_the_first_batch(tmp_path):
    with open_run(deployment(tmp_path), zones=[KASTRUP]) as r:
        r.store.registers.add("permits", PERMIT["permits"][0], by="duty", time=0.0)
    with open_run(deployment(tmp_path), zones=[KASTRUP]) as r:
        r.pipeline.run([hovering_drone(SERIAL)])
        assert r.incidents() == []


def test_a_running_pipeline_reloads_the_register_when_the_store_changes(tmp_path):
    with open_run(deployment(tmp_path), zones=[KASTRUP]) as r:
        watch = watch_registers(r.deployment, r.store, r.pipeline)
        watch.poll()
        assert r.pipeline.identifier.registers == Registers()
        entry = r.store.registers.add("permits", PERMIT["permits"][0], by="duty", time=0.0)
        assert watch.poll()
        assert [p.reference for p in r.pipeline.identifier.registers.permits] == ["DK-UAS-0007"]
        r.pipeline.run([hovering_drone(SERIAL)])
        assert r.incidents() == []
        r.store.registers.withdraw(entry.id, by="duty", time=1.0)
        assert watch.poll()
        assert r.pipeline.identifier.registers == Registers()
        assert not watch.poll()
