"""Running a scan: stage every file, run every partition, reduce; on processes or Dask.

Both engines run the same two task functions (:func:`~airsentry.scan.stage.stage_file`
per input file, :func:`~airsentry.scan.partition.run_partition` per partition) and the
same reduce step in this process; only who runs the tasks differs:

- ``local``: a pool of worker processes on this machine (one per core by default);
- ``dask``: a ``dask.distributed`` cluster, an existing one (``scheduler``, an address
  such as ``tcp://10.0.0.5:8786``) or a local one of ``workers`` processes. Workers
  read the input files and write into the output directory, so on several machines
  both must be on a shared file system, at the same paths.

The output directory holds ``scan.json`` (what was asked: files, format, partitions),
``manifest.jsonl`` (one line per file staged and per partition finished, written when
it finished), ``pieces/``, ``parts/``, ``quarantine/`` and the results. A scan started
again over the same directory redoes nothing the manifest lists; asked something else
there, it refuses.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from airsentry.config import DeploymentConfig
from airsentry.errors import AirsentryError, DecodeError
from airsentry.scan.partition import run_partition
from airsentry.scan.stage import StageResult, stage_file
from airsentry.sources.base import Quarantine


@dataclass(frozen=True)
class ScanPlan:
    """What to scan, how to cut it, and where to write."""

    files: tuple[Path, ...]
    fmt: str
    out_dir: Path
    deployment: DeploymentConfig
    options: dict[str, Any] = field(default_factory=dict)
    partitions: int = 8

    def identity(self) -> dict[str, Any]:
        """What a resumed scan must agree on: the files (by path, size and mtime), the
        format, the partitions, and what of the deployment shapes a partition's results
        (pipeline settings, zones and their files), not where results are written."""
        dep = self.deployment
        pipe = dep.pipeline
        protect = sorted(pipe.protect) if pipe.protect is not None else None
        shaping = dataclasses.replace(
            dep, db=None, audit_log=None, audit_key=None, events_out=None, quarantine=None,
            outputs=(), pipeline=dataclasses.replace(pipe, protect=None),
        )  # fmt: skip

        def stamp(p: Path) -> list[Any]:
            return [str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns]

        return {
            "files": [stamp(p) for p in self.files],
            "format": self.fmt,
            "options": {k: str(v) for k, v in sorted(self.options.items())},
            "partitions": self.partitions,
            "deployment": repr(shaping),
            "protect": protect,
            "zone_files": [stamp(Path(p)) for p in dep.zone_files],
        }


@dataclass
class ScanProgress:
    """Counts shown on stderr as the scan goes (rows read, partitions done, rate)."""

    out: IO[str] | None = field(default_factory=lambda: sys.stderr)  # None: quiet
    files_done: int = 0
    files: int = 0
    rows: int = 0
    rejected: int = 0
    skipped: int = 0
    partitions_done: int = 0
    partitions: int = 0
    partition_rows: int = 0
    started: float = field(default_factory=time.perf_counter)

    def say(self, text: str) -> None:
        if self.out is not None:
            print(f"scan: {text}", file=self.out, flush=True)

    def rate(self, rows: int) -> str:
        dt = max(time.perf_counter() - self.started, 1e-9)
        return f"{rows / dt:,.0f} rows/s"

    def staged(self, r: StageResult, resumed: bool = False) -> None:
        self.files_done += 1
        self.rows += r.accepted
        self.rejected += r.rejected
        self.skipped += r.skipped
        how = "already staged" if resumed else self.rate(self.rows)
        self.say(
            f"read {self.files_done}/{self.files} files, {self.rows:,} rows "
            f"({r.rejected:,} rejected, {r.skipped:,} skipped in {Path(r.path).name}); {how}"
        )

    def finished(self, summary: dict[str, Any], resumed: bool = False) -> None:
        self.partitions_done += 1
        self.partition_rows += int(summary["rows"])
        how = "already done" if resumed else self.rate(self.partition_rows)
        self.say(
            f"partitions {self.partitions_done}/{self.partitions} done "
            f"({self.partition_rows:,} rows through the pipeline); {how}"
        )


class Runner:
    """Runs task functions somewhere; results as they complete."""

    def __init__(self, submit: Callable[..., Any], completed: Callable[[list[Any]], Any]) -> None:
        self._submit = submit
        self._completed = completed

    def run(self, fn: Callable[..., Any], calls: list[tuple[Any, ...]]) -> Iterator[Any]:
        futures = [self._submit(fn, *args) for args in calls]
        for fut in self._completed(futures):
            yield fut.result()


@contextmanager
def local_runner(workers: int | None = None) -> Iterator[Runner]:
    """Worker processes on this machine (all cores by default)."""
    import multiprocessing

    n = workers or os.cpu_count() or 1
    ctx = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx)

    def submit(fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return pool.submit(fn, *args)

    try:
        yield Runner(submit, lambda fs: as_completed(fs))
    except BaseException:
        # interrupted: drop what has not started (the manifest keeps what finished)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextmanager
def dask_runner(scheduler: str | None = None, workers: int | None = None) -> Iterator[Runner]:
    """A ``dask.distributed`` client: of the cluster at ``scheduler``, else of a local
    cluster of ``workers`` single-threaded worker processes on 127.0.0.1."""
    from importlib import import_module

    dist: Any = import_module("distributed")  # untyped: used through Any

    cluster: Any = None
    if scheduler:
        client = dist.Client(scheduler)
    else:
        cluster = dist.LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = dist.Client(cluster)
    try:

        def submit(fn: Callable[..., Any], *args: Any) -> Any:
            return client.submit(fn, *args, pure=False)

        yield Runner(submit, lambda fs: dist.as_completed(fs))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def guarded_stage(
    path: str, fmt: str, options: dict[str, Any], index: int, partitions: int, out_dir: str
) -> StageResult:
    """:func:`stage_file`, with a file that breaks the decoder quarantined as a whole
    (its place and the error) instead of stopping the scan."""
    try:
        return stage_file(path, fmt, options, index, partitions, out_dir)
    except Exception as exc:  # any failure of one file must not end the scan
        qdir = Path(out_dir) / "quarantine"
        qdir.mkdir(parents=True, exist_ok=True)
        with Quarantine(qdir / f"{index:06d}.jsonl") as q:
            q.reject(DecodeError(f"file failed: {type(exc).__name__}: {exc}", source=path), b"")
        reason = f"file failed: {type(exc).__name__}"
        return StageResult(index, path, 0, 1, 0, {}, {reason: 1})


class Manifest:
    """``manifest.jsonl``: what is finished, one JSON line each, appended and flushed."""

    def __init__(self, out_dir: Path, plan: ScanPlan) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        spec = out_dir / "scan.json"
        ident = plan.identity()
        if spec.exists():
            if json.loads(spec.read_text(encoding="utf-8")) != ident:
                raise AirsentryError(
                    f"{out_dir}: holds a different scan (files, format, partitions or "
                    "deployment); "
                    "give a new --out directory"
                )
        else:
            spec.write_text(json.dumps(ident, indent=1), encoding="utf-8")
        self.path = out_dir / "manifest.jsonl"
        self.staged: dict[int, StageResult] = {}
        self.done: dict[int, dict[str, Any]] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a crash: that step is simply redone
                if "stage" in doc:
                    r = StageResult.from_json(doc["stage"])
                    self.staged[r.file_index] = r
                elif (
                    "partition" in doc
                    and (out_dir / "parts" / f"{doc['partition']:05d}.pkl").exists()
                ):
                    self.done[int(doc["partition"])] = doc
        self._fh = self.path.open("a", encoding="utf-8")

    def add(self, doc: dict[str, Any]) -> None:
        self._fh.write(json.dumps(doc) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


def map_step(plan: ScanPlan, runner: Runner, progress: ScanProgress) -> list[StageResult]:
    """Stage every file and run every partition not yet finished; the staged files."""
    out = plan.out_dir
    manifest = Manifest(out, plan)
    try:
        progress.files, progress.partitions = len(plan.files), plan.partitions
        for r in sorted(manifest.staged.values(), key=lambda r: r.file_index):
            progress.staged(r, resumed=True)
        todo = [
            (str(p), plan.fmt, plan.options, i, plan.partitions, str(out))
            for i, p in enumerate(plan.files)
            if i not in manifest.staged
        ]
        for r in runner.run(guarded_stage, todo):
            manifest.add({"stage": r.to_json()})
            manifest.staged[r.file_index] = r
            progress.staged(r)
        staged = [manifest.staged[i] for i in range(len(plan.files))]
        pieces: dict[int, list[str]] = {p: [] for p in range(plan.partitions)}
        for r in staged:
            for p, piece in r.pieces.items():
                pieces[p].append(piece)
        for p in sorted(manifest.done):
            progress.finished(manifest.done[p], resumed=True)
        deployment = dataclasses.replace(plan.deployment)
        calls = [
            (p, pieces[p], deployment, str(out))
            for p in range(plan.partitions)
            if p not in manifest.done
        ]
        for summary in runner.run(run_partition, calls):
            manifest.add(summary)
            progress.finished(summary)
        return staged
    finally:
        manifest.close()
