"""Benchmark: airsentry's fused tracker against a Stone Soup tracker, same scenario, same run.

Scenario (numpy, seeded): ``N`` targets fly straight at 50-250 m/s in random directions
over a square whose side grows with ``sqrt(N)`` (constant density, ~1 target per
225 km²; 475 km across at 1,000 targets, so geodesy matters). One radar scan every
4 s: each target detected with probability 0.9, 50 m Gaussian noise per axis, Poisson
clutter of ``N / 10`` plots per scan uniform over the square.

Truth and plots are made in an azimuthal-equidistant plane centred on the square (exact
to 0.05 % at 350 km). Stone Soup works in that plane; airsentry gets the same plots as
latitude/longitude and works on the ellipsoid, and its estimates are projected back
into the plane for scoring.

Both trackers are assembled from the same parts: constant-velocity Kalman filter
(white acceleration 1 m/s²), Mahalanobis gate (chi-square 99.9 %), global nearest
neighbour (optimal 2D assignment), M-of-N initiation (Stone Soup: ``min_points=3``
updates; airsentry: 3 of 5) and deletion after 5 scans without update.

Printed per size: mean time per scan of each tracker and the mean GOSPA (c = 500 m,
p = 2) over the scans after the first 10 (once tracks are confirmed), computed by
airsentry's GOSPA and checked against Stone Soup's ``GOSPAMetric`` on the same sets.
Stone Soup's run is capped at ``--cap-s`` seconds per size; when capped, the scans it
reached are scored and the figures say so.

Run: ``python benchmarks/tracking.py`` (one core; needs ``stonesoup``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import pyproj  # noqa: E402

from airsentry.model import ReportBatch  # noqa: E402
from airsentry.tracking.gospa import gospa  # noqa: E402
from airsentry.tracking.imm import IMM  # noqa: E402
from airsentry.tracking.management import Management  # noqa: E402
from airsentry.tracking.motion import MotionModel  # noqa: E402
from airsentry.tracking.mtt import FusedConfig, FusedTracker  # noqa: E402

LAT0, LON0 = 52.0, 21.0
T0 = 1_758_265_200.0
PERIOD, NOISE, P_D, SIGMA_A = 4.0, 50.0, 0.9, 1.0
C, P = 500.0, 2.0
WARMUP = 10


@dataclass
class Scene:
    truth: list[np.ndarray]  # per scan: (N, 2) plane positions
    plots: list[np.ndarray]  # per scan: (k, 2) plane positions (detections and clutter)


def make_scene(n: int, scans: int, seed: int) -> Scene:
    rng = np.random.default_rng(seed)
    half = 0.5 * np.sqrt(n) * 15_000.0
    pos = rng.uniform(-half, half, (n, 2))
    speed = rng.uniform(50.0, 250.0, n)
    hdg = rng.uniform(0.0, 2 * np.pi, n)
    vel = np.column_stack([speed * np.sin(hdg), speed * np.cos(hdg)])
    truth, plots = [], []
    for _ in range(scans):
        truth.append(pos.copy())
        det = pos[rng.random(n) < P_D]
        det = det + rng.normal(0.0, NOISE, det.shape)
        clutter = rng.uniform(-half, half, (rng.poisson(n / 10), 2))
        plots.append(np.vstack([det, clutter]))
        pos = pos + vel * PERIOD + rng.normal(0.0, SIGMA_A, (n, 2)) * PERIOD**2 / 2
        vel = vel + rng.normal(0.0, SIGMA_A, (n, 2)) * PERIOD
    return Scene(truth, plots)


def plane() -> tuple[pyproj.Transformer, pyproj.Transformer]:
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={LAT0} +lon_0={LON0} +datum=WGS84 +units=m")
    fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return fwd, inv


def run_airsentry(scene: Scene) -> tuple[list[float], list[np.ndarray]]:
    fwd, inv = plane()
    cfg = FusedConfig(
        imm=IMM(models=(MotionModel("cv", sigma_a=SIGMA_A),)),
        management=Management(m=3, n=5, expire_s=5 * PERIOD),
        init_speed_sigma=150.0,
    )
    tracker = FusedTracker.from_config(cfg)
    times, estimates = [], []
    for k, plots in enumerate(scene.plots):
        lon, lat = inv.transform(plots[:, 0], plots[:, 1])
        t = T0 + k * PERIOD
        batch = ReportBatch.build(t=np.full(len(plots), t), lat=lat, lon=lon, accuracy=NOISE,
                                  sensor="radar")  # fmt: skip
        start = time.perf_counter()
        tracker.process(batch)
        times.append(time.perf_counter() - start)
        _, e_lat, e_lon = tracker.estimates(t)
        x, y = fwd.transform(e_lon, e_lat)
        estimates.append(np.column_stack([x, y]))
    return times, estimates


def run_stonesoup(scene: Scene, cap_s: float) -> tuple[list[float], list[np.ndarray]]:
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    transition = CombinedLinearGaussianTransitionModel(
        [ConstantVelocity(SIGMA_A**2), ConstantVelocity(SIGMA_A**2)]
    )
    measurement = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.eye(2) * NOISE**2)
    predictor, updater = KalmanPredictor(transition), KalmanUpdater(measurement)
    hypothesiser = DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=3.717)
    associator = GNNWith2DAssignment(hypothesiser)
    prior = GaussianState(np.zeros((4, 1)), np.diag([0.0, 150.0**2, 0.0, 150.0**2]))
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        measurement_model=measurement,
        deleter=UpdateTimeStepsDeleter(2),
        data_associator=associator,
        updater=updater,
        min_points=3,
    )
    epoch = dt.datetime(2025, 9, 19, 7, tzinfo=dt.UTC)
    feed = []
    for k, plots in enumerate(scene.plots):
        when = epoch + dt.timedelta(seconds=k * PERIOD)
        feed.append((when, {Detection(p.reshape(2, 1), timestamp=when,
                                      measurement_model=measurement) for p in plots}))  # fmt: skip
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(5),
        detector=feed,
        data_associator=associator,
        updater=updater,
    )
    it = iter(tracker)
    times, estimates, spent = [], [], 0.0
    for _ in scene.plots:
        start = time.perf_counter()
        _, tracks = next(it)
        times.append(time.perf_counter() - start)
        spent += times[-1]
        est = [tr.state_vector[[0, 2], 0].astype(float) for tr in tracks]
        estimates.append(np.array(est).reshape(-1, 2))
        if spent > cap_s:
            break
    return times, estimates


def check_against_stonesoup(truth: np.ndarray, est: np.ndarray) -> float:
    """Stone Soup's GOSPA of the same sets (its own implementation)."""
    from stonesoup.metricgenerator.ospametric import GOSPAMetric
    from stonesoup.types.state import State

    when = dt.datetime(2025, 9, 19, 7, tzinfo=dt.UTC)
    metric = GOSPAMetric(c=C, p=P)
    meas = [State(np.r_[e].reshape(2, 1), timestamp=when) for e in est]
    tru = [State(np.r_[t].reshape(2, 1), timestamp=when) for t in truth]
    value, _ = metric.compute_gospa_metric(meas, tru)
    return float(value.value["distance"])


def score(scene: Scene, estimates: list[np.ndarray]) -> float:
    scans = range(WARMUP, len(estimates))
    return float(np.mean([gospa(scene.truth[k], estimates[k], C, P).distance for k in scans]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--scans", type=int, default=40)
    ap.add_argument("--cap-s", type=float, default=120.0, help="Stone Soup time cap per size")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    print(f"{args.scans} scans of {PERIOD:.0f} s; GOSPA c={C:.0f} m p={P:.0f}, scans {WARMUP}+")
    print(f"{'targets':>8} {'tracker':>10} {'ms/scan':>10} {'GOSPA m':>9} {'scans':>6}  note")
    for n in args.targets:
        scene = make_scene(n, args.scans, args.seed)
        a_times, a_est = run_airsentry(scene)
        s_times, s_est = run_stonesoup(scene, args.cap_s)
        k = len(s_est) - 1
        ours = gospa(scene.truth[k], s_est[k], C, P).distance
        theirs = check_against_stonesoup(scene.truth[k], s_est[k])
        if abs(ours - theirs) > 1e-6 * max(1.0, theirs):
            raise SystemExit(f"GOSPA disagrees with Stone Soup's: {ours} vs {theirs}")
        a_ms, s_ms = 1e3 * np.mean(a_times), 1e3 * np.mean(s_times)
        capped = len(s_est) < args.scans
        note = f"capped at {args.cap_s:.0f} s" if capped else ""
        print(f"{n:>8} {'airsentry':>10} {a_ms:>10.2f} {score(scene, a_est):>9.1f} "
              f"{len(a_est):>6}")  # fmt: skip
        s_gospa = f"{score(scene, s_est):>9.1f}" if len(s_est) > WARMUP else f"{'n/a':>9}"
        print(f"{n:>8} {'stonesoup':>10} {s_ms:>10.2f} {s_gospa} {len(s_est):>6}  {note}")
        print(f"{'':>8} speed-up {s_ms / a_ms:.1f}x; GOSPA checked against Stone Soup's")


if __name__ == "__main__":
    main()
