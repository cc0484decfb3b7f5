"""Benchmark: the SAPIENT decoder against the bare protobuf parse of the same messages.

Input: the counter-UAS nodes of the ``drone-wall-poland`` scenario (ten RF detectors
and twenty acoustic arrays), their detections encoded by the simulator as SAPIENT
(status reports every minute, a range-bearing detection per measurement), one
length-prefixed stream per node, concatenated.

* **airsentry**: ``SapientDecoder.feed`` of the whole stream (framing, parse, node
  sites, range-bearing to latitude/longitude, the sensor frame, the ReportBatch);
* **baseline**: the floor any Python SAPIENT reader pays: the same frames, already cut,
  each parsed with ``SapientMessage.FromString``, nothing else.

Interleaved, ``--runs`` each, CPU time (``time.process_time``), medians; messages per
second and the ratio are printed. Run: ``python benchmarks/sapient.py`` (a few seconds).
"""

from __future__ import annotations

import argparse
import statistics
import struct
import time

from airsentry.sim.scenario import load_library
from airsentry.sim.sensors import observe
from airsentry.sim.wire import _polar
from airsentry.sim.wire_sapient import detections
from airsentry.sources import _sapient_proto as proto
from airsentry.sources.base import Quarantine
from airsentry.sources.sapient import SapientDecoder


def stream() -> bytes:
    sc = load_library("drone-wall-poland")
    feed = observe(sc, seed=0)
    out = bytearray()
    for spec in sc.sensors:
        if spec.kind not in ("passive_rf", "acoustic") or spec.site is None:
            continue
        batch = feed.reports.take(feed.reports.sensor == spec.id).sorted_by_time()
        if not len(batch):
            continue
        ground, az = _polar(batch, spec.site)
        out += detections(
            batch, spec.id, site=spec.site, ground_m=ground, azimuth_deg=az,
            range_sigma_m=0.2 * ground, azimuth_sigma_deg=spec.bearing_noise_deg,
        )  # fmt: skip
    return bytes(out)


def frames(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        out.append(data[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    data = stream()
    cut = frames(data)
    cls = proto.message_class("SapientMessage")

    def ours() -> int:
        q = Quarantine()
        dec = SapientDecoder()
        return len(dec.feed(data, q))

    def floor() -> int:
        for body in cut:
            cls.FromString(body)
        return len(cut)

    times: dict[str, list[float]] = {"airsentry": [], "baseline": []}
    reports = ours()
    for _ in range(args.runs):
        for name, fn in (("airsentry", ours), ("baseline", floor)):
            t = time.process_time()
            fn()
            times[name].append(time.process_time() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{len(cut):,} SAPIENT messages ({len(data):,} bytes), {reports:,} reports")
    for name, label in (("airsentry", "SapientDecoder.feed"), ("baseline", "FromString only")):
        print(f"  {label:<22} {med[name]:.3f} CPU-s  {len(cut) / med[name]:>12,.0f} msg/s")
    print(f"  ratio airsentry / baseline: {med['airsentry'] / med['baseline']:.2f}x the CPU time")


if __name__ == "__main__":
    main()
