"""SAPIENT (BSI Flex 335) decoding: messages built from the compiled protos, framed with
their 4-byte little-endian length, read from a file, piecewise and over a real TCP feed;
truncated and garbage frames quarantined with their place and reason."""

from __future__ import annotations

import asyncio
import math
import struct
from pathlib import Path

import numpy as np
import pyproj
import pytest
import sapient_sample as sample
from test_live_support import KillableServer

from airsentry.model import ReportBatch
from airsentry.sources import _sapient_proto as proto
from airsentry.sources.base import Quarantine, decoder, read_file
from airsentry.sources.live import Backoff, Feed, LiveRunner, TcpClient
from airsentry.sources.sapient import SapientDecoder

GEOD = pyproj.Geod(ellps="WGS84")
DATA = Path(__file__).parent / "data" / "sapient.bin"


def decode(data: bytes, **options: object) -> tuple[ReportBatch, Quarantine, SapientDecoder]:
    q = Quarantine()
    dec = SapientDecoder(source="test", **options)  # type: ignore[arg-type]
    batch = ReportBatch.concat([dec.feed(data, q), dec.flush(q)])
    return batch, q, dec


def test_the_committed_recording_is_what_the_protos_build_today():
    assert DATA.read_bytes() == sample.sample()


def test_detections_become_reports_with_their_sensor_frame():
    batch, q, dec = decode(sample.sample(), nodes=sample.NODES)
    messages = 17
    assert len(batch) + q.count + sum(q.skipped.values()) == messages  # exact accounting
    assert q.count == 1
    assert "no site known for node 'stranger'" in q.records[0]["reason"]
    radar = batch.take(batch.sensor == "radar-1")
    assert len(radar) == 5
    # range 3000 m at azimuth 80 deg, elevation 2 deg from the status report's location
    lat0, lon0, alt0 = sample.RADAR[1:]
    ground = 3000.0 * math.cos(math.radians(2.0))
    lon, lat, _ = GEOD.fwd(lon0, lat0, 80.0, ground)
    assert radar.lat[0] == pytest.approx(lat, abs=1e-9)
    assert radar.lon[0] == pytest.approx(lon, abs=1e-9)
    assert radar.alt[0] == pytest.approx(alt0 + 3000.0 * math.sin(math.radians(2.0)), abs=1.0)
    assert radar.frame is not None
    assert radar.frame.range_m[0] == 3000.0
    assert radar.frame.azimuth_rad[0] == pytest.approx(math.radians(80.0))
    assert radar.frame.sigma_range_m[0] == 8.0
    assert radar.frame.site_lat[0] == lat0
    assert set(radar.track_number) == {1}
    assert set(radar.category) == {"drone"}  # "Quadcopter"
    assert radar.vel_e[0] == -20.0
    assert radar.vel_n[0] == 3.0
    assert radar.t[0] == pytest.approx(sample.T0 + 1.0)
    rf = batch.take(batch.sensor == "rf-1")
    assert rf.frame is not None
    assert rf.frame.bearing_only.all()  # no range: a bearing from the nodes option's site
    assert rf.frame.site_lat[0] == sample.RF[1]
    assert np.isnan(rf.lat).all()  # by default a bearing has no position, only its frame
    placed, _, _ = decode(sample.sample(), nodes=sample.NODES, bearing_range_m=2000.0)
    rf2 = placed.take(placed.sensor == "rf-1")
    assert np.isfinite(rf2.lat).all()
    assert rf2.accuracy[0] == 2000.0  # the placeholder range is as uncertain as it is far
    cam = batch.take(batch.sensor == "cam-1")
    assert (cam.lat[0], cam.lon[0], cam.alt[0]) == (52.3, 23.7, 120.0)
    assert cam.category[0] == "bird"
    assert np.isnan(cam.frame.azimuth_rad[0]) if cam.frame is not None else True
    # status reports: the node's health and location
    assert dec.nodes["radar-1"].system == "goodbye"
    assert dec.nodes["rf-1"].system == "ok"
    assert dec.nodes["rf-1"].site is None
    assert dec.sites["radar-1"].lat == lat0
    assert q.skipped["SAPIENT status report: sensor health, not a report"] == 3


def test_without_a_site_a_range_bearing_is_rejected_not_guessed():
    batch, q, _ = decode(sample.sample())  # no nodes option: rf-1 has no site
    assert not (batch.sensor == "rf-1").any()
    reasons = {r["reason"] for r in q.records}
    assert any("rf-1" in r for r in reasons)
    assert q.count == 6  # five rf-1 bearings and the stranger


def test_frames_are_framed_as_the_bsi_flex_335_reference_middleware_frames_them():
    """Dstl's Apex middleware (the BSI Flex 335 reference fusion node) writes every binary
    message as ``struct.pack("<I", len(body)) + body`` and reads a 4-byte little-endian
    size: a stream framed that way, independently of our encoder, decodes in full, and
    our encoder's frames are byte for byte the same."""
    msgs = [
        sample.detection("node-a", 1_757_455_000.0 + k, f"obj-{k}",
                         location=sample.location(52.0 + k * 1e-3, 23.5, 300.0))
        for k in range(3)
    ]  # fmt: skip
    bodies = [m.SerializeToString() for m in msgs]
    apex = b"".join(struct.pack("<I", len(b)) + b for b in bodies)
    assert apex == b"".join(proto.frame(m) for m in msgs)
    assert apex[:4] == len(bodies[0]).to_bytes(4, "little")
    batch, q, _ = decode(apex)
    assert len(batch) == 3
    assert q.count == 0


def test_pieces_decode_as_the_whole():
    data = sample.sample()
    whole, whole_q, _ = decode(data, nodes=sample.NODES)
    q = Quarantine()
    dec = SapientDecoder(source="test", nodes=sample.NODES)
    rng = np.random.default_rng(3)
    cuts = sorted(rng.choice(np.arange(1, len(data)), 60, replace=False).tolist())
    parts = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    got = ReportBatch.concat([*(dec.feed(p, q) for p in parts), dec.flush(q)])
    assert len(got) == len(whole)
    np.testing.assert_array_equal(got.lat, whole.lat)
    assert q.by_reason == whole_q.by_reason
    assert q.skipped == whole_q.skipped


def test_truncated_and_garbage_frames_are_quarantined_with_place_and_reason():
    good = sample.sample()
    garbage = struct.pack("<I", 5) + b"\xff\xff\xff\xff\xff"
    empty = proto.frame(proto.new("SapientMessage", node_id="x"))
    no_time = proto.frame(sample.detection("cam-1", 0.0, "o").__class__(node_id="cam-1"))
    undated = sample.detection("cam-1", sample.T0, "o", location=sample.location(52.0, 23.0))
    undated.ClearField("timestamp")
    stream = garbage + good + empty + no_time + proto.frame(undated) + good[:30]
    batch, q, _ = decode(stream, nodes=sample.NODES)
    assert len(batch) == 2 * 10 // 2 + 1  # the recording's 11 reports, once
    reasons = [r["reason"] for r in q.records]
    assert reasons[0].startswith("not a SapientMessage")
    assert q.records[0]["line"] == 0  # the byte offset of the bad frame
    assert "SapientMessage without content" in reasons
    assert "detection report without a valid timestamp" in reasons
    assert reasons[-1] == "stream ended inside a frame"
    assert q.records[-1]["line"] == len(stream) - 30


def test_an_impossible_length_is_rejected_and_the_stream_goes_on():
    q = Quarantine()
    dec = SapientDecoder(source="test", nodes=sample.NODES, max_message_bytes=4096)
    first = dec.feed(struct.pack("<I", 1 << 30) + b"junk", q)
    after = dec.feed(sample.sample(), q)
    assert len(first) == 0
    assert "frame length 1073741824 beyond 4096 bytes" in q.records[0]["reason"]
    assert q.records[1]["line"] == 4  # "junk" read as a length: too long as well
    assert q.count == 2 + 1  # and the recording's own reject
    assert len(after) == 11


def test_registered_format_reads_a_file_with_options(tmp_path: Path):
    path = tmp_path / "feed.sapient"
    path.write_bytes(sample.sample())
    q = Quarantine()
    batch = ReportBatch.concat(list(read_file(path, "sapient", q, nodes=sample.NODES)))
    assert len(batch) == 11
    assert isinstance(decoder("sapient"), SapientDecoder)


def test_a_tcp_feed_of_sapient_frames():
    data = sample.sample()
    whole, _, _ = decode(data, nodes=sample.NODES)
    got: list[ReportBatch] = []
    q = Quarantine()
    fast = Backoff(initial_s=0.05, max_s=0.2, factor=2.0, jitter=0.5)

    async def scenario() -> None:
        server = KillableServer(data, chunk=37)  # frames cut across TCP segments
        port = await server.start()
        feed = Feed(
            "cuas", TcpClient("127.0.0.1", port, idle_timeout_s=5), "sapient",
            options={"nodes": sample.NODES}, backoff=fast,
        )  # fmt: skip
        runner = LiveRunner([feed], got.append, q, window_s=0.2, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        for _ in range(250):
            if sum(len(b) for b in got) >= len(whole):
                break
            await asyncio.sleep(0.02)
        runner.stop()
        await task
        await server.kill()

    asyncio.run(asyncio.wait_for(scenario(), 15))
    merged = ReportBatch.concat(got)
    assert len(merged) == len(whole)
    assert sorted(np.nan_to_num(merged.lat).tolist()) == sorted(np.nan_to_num(whole.lat).tolist())
    assert set(merged.sensor) == {"cuas"}  # a live feed's reports carry the feed's name
    # ... and the nodes' objects stay apart by track number
    assert sorted(set(merged.track_number.tolist())) == sorted(set(whole.track_number.tolist()))


def test_a_bearing_without_a_placeholder_range_has_only_its_frame():
    batch, _, _ = decode(sample.sample(), nodes=sample.NODES, bearing_range_m=None)
    rf = batch.take(batch.sensor == "rf-1")
    assert len(rf) == 5
    assert np.isnan(rf.lat).all()
    assert rf.frame is not None
    assert rf.frame.bearing_only.all()
    assert rf.frame.azimuth_rad[0] == pytest.approx(math.radians(200.0))
