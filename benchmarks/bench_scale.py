"""100,000 images with bounded memory, on threads and on a dask cluster (issue 14, section 2).

A synthetic dataset of ``N`` images of 480x640 with 50 fixations each is generated from a seed
(fixation columns in memory, ~32 bytes per fixation; no image files: the model needs no pixels),
and a synthetic probabilistic model computes each image's log-density on the fly from the image's
id (a smooth separable density, exactly normalised). ``salbench.evaluate`` scores it with every
*fast* metric (cost linear in the image's pixels, independent of the dataset size) and streams
the results to a results directory chunk by chunk. Left out: ``sauc`` and ``sauc_mit``, whose
negatives are every fixation of every other image (at 100k images each image would read 5M
fixations: quadratic in N), and ``emd`` (a super-linear exact solver).

For each ``--sizes`` N it prints images/s, ms per image and the peak RSS (this process and, for
dask, the sum over the worker processes, sampled every 50 ms); then threads against a
``distributed.LocalCluster(processes=True)`` with the same cores, the Numba warm-up of a fresh
worker (cold and cached on-disk kernels), the cost of the dataset fingerprint, a chunk-size sweep
on dask, and projections for SALICON, COCO-FreeView and a DHF1K-sized video set.

    python benchmarks/bench_scale.py --sizes 10000 30000 100000 --dask-sizes 10000
    python benchmarks/bench_scale.py --sizes 2000 --dask-sizes 2000      # quick
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table  # noqa: E402

import salbench  # noqa: E402
import salbench.evaluation  # noqa: E402,F401 - imported here, not inside the timings
from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli  # noqa: E402
from salbench.models.base import ProbabilisticModel  # noqa: E402

SHAPE = (480, 640)
FIXATIONS_PER_IMAGE = 50
FAST_METRICS = ["auc", "auc_unfixated", "auc_judd", "auc_borji", "nss", "cc", "kld", "sim",
                "log_likelihood", "information_gain", "info_gain_mit"]


# ------------------------------------------------------------------------- synthetic data
def synthetic_dataset(n_images, *, shape=SHAPE, per_image=FIXATIONS_PER_IMAGE, seed=0):
    """``n_images`` images of ``shape`` with ``per_image`` centre-biased fixations each."""
    height, width = shape
    rng = np.random.default_rng(seed)
    total = n_images * per_image
    x = np.clip(rng.normal(width / 2, width / 5, total), 0, np.nextafter(width, 0))
    y = np.clip(rng.normal(height / 2, height / 5, total), 0, np.nextafter(height, 0))
    n = np.repeat(np.arange(n_images, dtype=np.int64), per_image)
    subject = np.tile(np.arange(per_image, dtype=np.int64) % 10, n_images)
    # ids from the seed: "synthetic-<index>.png:<hash>", no files behind them
    hashes = [hashlib.sha256(f"{seed}:{i}".encode()).hexdigest() for i in range(n_images)]
    stimuli = Stimuli([f"synthetic-{i:07d}.png" for i in range(n_images)],
                      shapes=np.tile(np.array(shape, dtype=np.int64), (n_images, 1)),
                      hashes=hashes)
    fixations = Fixations(x, y, n, subject=subject, n_images=n_images)
    return Dataset(stimuli, fixations, DatasetFacts(name=f"synthetic-{n_images}"))


def _image_seed(image_id) -> int:
    return int(str(image_id).rsplit(":", 1)[-1][:12], 16)


class SyntheticModel(ProbabilisticModel):
    """A smooth random log-density per image, from the image's id: ``log gy[r] + log gx[c]``.

    Separable, so it is exactly normalised from two 1-D sums and costs one pass over the map.
    """

    name = "synthetic"
    needs_pixels = False

    def log_density(self, image, *, image_id=None):
        height, width = image
        rng = np.random.default_rng(_image_seed(image_id))
        gy = _profile(rng, height)
        gx = _profile(rng, width)
        out = np.empty((height, width))
        np.add(np.log(gy / gy.sum())[:, None], np.log(gx / gx.sum())[None, :], out=out)
        return out


def _profile(rng, length):
    t = np.linspace(0, 1, length)
    bumps = rng.uniform(0.05, 0.95, 3)
    widths = rng.uniform(0.05, 0.3, 3)
    return 0.05 + sum(np.exp(-((t - b) / w) ** 2 / 2) for b, w in zip(bumps, widths))


class CentreBaseline(ProbabilisticModel):
    """A fixed centre-bias log-density per size, returned frozen (read-only): verified once."""

    name = "centre"
    needs_pixels = False

    def __init__(self):
        self._maps = {}

    def __getstate__(self):
        return {"_maps": {}}

    def log_density(self, image, *, image_id=None):
        shape = tuple(int(v) for v in image)
        cached = self._maps.get(shape)
        if cached is None:
            height, width = shape
            rows, cols = np.arange(height), np.arange(width)
            g = np.exp(-((rows[:, None] - height / 2) ** 2) / (2 * (height / 4) ** 2)
                       - ((cols[None, :] - width / 2) ** 2) / (2 * (width / 4) ** 2))
            cached = np.log(g / g.sum())
            cached.flags.writeable = False
            self._maps[shape] = cached
        return cached


# ------------------------------------------------------------------------- measuring
class RssSampler:
    """Peak RSS of this process and of extra process ids (dask workers), every ``interval`` s."""

    def __init__(self, pids=(), interval=0.05):
        import psutil

        self._procs = [psutil.Process()] + [psutil.Process(p) for p in pids]
        self.interval = interval
        self.peak_total = self.peak_self = 0
        self._stop = threading.Event()

    def _sample(self):
        total = 0
        for k, proc in enumerate(self._procs):
            try:
                rss = proc.memory_info().rss
            except Exception:  # noqa: BLE001 - a worker that went away counts 0
                rss = 0
            total += rss
            if k == 0:
                self.peak_self = max(self.peak_self, rss)
        self.peak_total = max(self.peak_total, total)

    def __enter__(self):
        self._cpu_start = self.cpu_seconds()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            time.sleep(self.interval)

    def cpu_seconds(self):
        """User + system CPU seconds of all the sampled processes so far."""
        total = 0.0
        for proc in self._procs:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except Exception:  # noqa: BLE001
                pass
        return total

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()
        self.cpu = self.cpu_seconds() - self._cpu_start


def evaluate_once(n_images, *, executor=None, threads=2, chunk_size=None, out, pids=(),
                  dataset=None):
    """Evaluate the synthetic model on ``n_images``; timings and peak memory."""
    t0 = time.perf_counter()
    dataset = dataset if dataset is not None else synthetic_dataset(n_images)
    generated = time.perf_counter() - t0
    t0 = time.perf_counter()
    fingerprint = salbench.evaluation.dataset_fingerprint(dataset)
    fingerprint_seconds = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    with RssSampler(pids) as rss:
        t0 = time.perf_counter()
        results = salbench.evaluate(SyntheticModel(), dataset, metrics=FAST_METRICS,
                                    baseline=CentreBaseline(), executor=executor,
                                    n_threads=threads, chunk_size=chunk_size, out=out,
                                    per_fixation=False, progress=False)
        seconds = time.perf_counter() - t0
    run = results.manifest["timings"]["runs"][-1]
    return {
        "images": n_images, "seconds": seconds, "images_per_second": n_images / seconds,
        "ms_per_image": 1000 * seconds / n_images,
        "scoring_wall_seconds": run["scoring_wall_seconds"],
        "peak_rss_mb": rss.peak_total / 2**20, "peak_rss_client_mb": rss.peak_self / 2**20,
        # CPU time of this process and the workers: what an image costs, whatever share of a
        # loaded machine the run got
        "cpu_ms_per_image": 1000 * rss.cpu / n_images,
        "generate_seconds": generated, "fingerprint_seconds": fingerprint_seconds,
        "fingerprint": fingerprint, "means": results.means(),
        "executor": run["executor"],
    }


def local_cluster(workers, *, env=None):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, env=env or {})
    return cluster, Client(cluster)


def worker_pids(client):
    return list(client.run(os.getpid).values())


def _warm_up():
    """First call of every fast metric in this (fresh) process: import + kernels."""
    t0 = time.perf_counter()
    import salbench.metrics as M

    rng = np.random.default_rng(0)
    s = rng.random((60, 80)) + 0.1
    L = np.log(s / s.sum())
    x, y = np.array([3.5, 40.2, 70.9]), np.array([2.5, 30.1, 55.5])
    M.score_maps([s], x, y, np.zeros(3, np.int64), metrics=FAST_METRICS[:8],
                 reference_maps=[s[::-1].copy()], n_threads=1)
    M.score_maps(None, x, y, np.zeros(3, np.int64), metrics=FAST_METRICS[8:10],
                 log_densities=[L], baseline_log_densities=[L], n_threads=1)
    return time.perf_counter() - t0


def numba_warm_up(workers):
    """Seconds of the first metric calls on fresh dask workers: empty cache, then cached."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        for label in ("cold (empty Numba cache)", "warm (on-disk cache)"):
            cluster, client = local_cluster(workers, env={"NUMBA_CACHE_DIR": cache})
            try:
                times = client.run(_warm_up)
                out[label] = max(times.values())
            finally:
                client.close()
                cluster.close()
    return out


PROJECTIONS = [  # name, images, (height, width), fixations per image
    ("SALICON (train+val)", 20_000, (480, 640), 50),
    ("COCO-FreeView", 5_000, (1050, 1680), 50),
    ("DHF1K-sized video set", 600_000, (360, 640), 50),
]


def projections(ms_per_image_per_worker, measured_shape=SHAPE):
    """Hours for each dataset on N workers, scaling the per-image cost with the pixel count."""
    rows = []
    pixels = measured_shape[0] * measured_shape[1]
    for name, n, shape, _ in PROJECTIONS:
        per_image = ms_per_image_per_worker * (shape[0] * shape[1]) / pixels / 1000
        cells = [name, f"{n:,}", f"{shape[1]}x{shape[0]}", f"{per_image * 1000:.1f}"]
        for workers in (1, 2, 8, 32):
            cells.append(_duration(n * per_image / workers))
        rows.append(cells)
    return rows


def _duration(seconds):
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def load_text():
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 30_000, 100_000])
    parser.add_argument("--dask-sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--workers", type=int, default=2, help="threads, and dask workers")
    parser.add_argument("--chunk-sweep", type=int, nargs="*", default=[4, 16, 64],
                        help="dask chunk sizes to compare")
    parser.add_argument("--chunk-sweep-images", type=int, default=2000)
    parser.add_argument("--order", choices=["dask-first", "threads-first"], default="dask-first",
                        help="dask-first: threads at the smallest size, then dask, then the "
                             "larger thread runs (the longest last)")
    parser.add_argument("--out", type=Path, default=None, help="results directory (temporary)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    base = args.out or Path(tempfile.mkdtemp(prefix="salbench-scale-"))
    report = {"load": {"start": load_text()}, "threads": [], "dask": [], "chunks": []}
    print(f"Machine: {report['load']['start']}; results under {base}", flush=True)

    def save():
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str))

    def thread_run(n):
        r = evaluate_once(n, threads=args.workers, out=base / f"threads-{n}")
        report["threads"].append(r)
        print(f"  threads ({args.workers}), {n} images: {r['seconds']:.1f} s, "
              f"{r['images_per_second']:.1f} images/s, peak RSS {r['peak_rss_mb']:.0f} MB "
              f"({load_text()})", flush=True)
        save()

    sizes = sorted(args.sizes)
    first_sizes = sizes[:1] if args.order == "dask-first" else sizes
    for n in first_sizes:
        thread_run(n)

    if args.dask_sizes:
        cluster, client = local_cluster(args.workers)
        try:
            pids = worker_pids(client)
            for n in args.dask_sizes:
                r = evaluate_once(n, executor=client, out=base / f"dask-{n}", pids=pids)
                report["dask"].append(r)
                print(f"  dask ({args.workers} worker processes), {n} images: "
                      f"{r['seconds']:.1f} s, {r['images_per_second']:.1f} images/s, peak RSS "
                      f"{r['peak_rss_mb']:.0f} MB in all ({load_text()})", flush=True)
                save()
            dataset = synthetic_dataset(args.chunk_sweep_images)
            for chunk in args.chunk_sweep:
                r = evaluate_once(args.chunk_sweep_images, executor=client, chunk_size=chunk,
                                  out=base / f"chunk-{chunk}", pids=pids, dataset=dataset)
                r["chunk_size"] = chunk
                report["chunks"].append(r)
                print(f"  dask chunk size {chunk}: {r['images_per_second']:.1f} images/s, "
                      f"peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
                save()
        finally:
            client.close()
            cluster.close()
        report["numba_warm_up"] = numba_warm_up(args.workers)
        print(f"  Numba warm-up per fresh worker: {report['numba_warm_up']}", flush=True)
        save()

    if args.order == "dask-first":
        for n in sizes[1:]:
            thread_run(n)

    report["load"]["end"] = load_text()
    print()
    print(f"salbench.evaluate, synthetic {SHAPE[1]}x{SHAPE[0]} images, {FIXATIONS_PER_IMAGE} "
          f"fixations each, {len(FAST_METRICS)} metrics ({', '.join(FAST_METRICS)}), results "
          "streamed to a results directory (per-image table; per_fixation=False):")
    print()
    rows = []
    for kind in ("threads", "dask"):
        for r in report[kind]:
            rows.append([r["executor"], f"{r['images']:,}", f"{r['seconds']:.1f}",
                         f"{r['images_per_second']:.1f}", f"{r['ms_per_image']:.2f}",
                         f"{r.get('cpu_ms_per_image', math.nan):.1f}", f"{r['peak_rss_mb']:.0f}",
                         f"{r['fingerprint_seconds']:.3f}"])
    print_table(["executor", "images", "seconds", "images/s", "ms/image (wall)",
                 "CPU ms/image", "peak RSS MB (all processes)", "fingerprint s"], rows)
    same = {}
    for r in report["dask"]:
        match = [t for t in report["threads"] if t["images"] == r["images"]]
        if match:
            t = match[0]
            ratio = t["images_per_second"] / r["images_per_second"]
            same[r["images"]] = ratio
            equal = t["means"] == r["means"]
            print(f"\n{r['images']:,} images: threads / dask throughput = {ratio:.2f} (target "
                  f"<= 1.2); identical means: {equal}")
    if report["chunks"]:
        print()
        print(f"Dask chunk size (images per task) against throughput and memory "
              f"({args.chunk_sweep_images:,} images):")
        print()
        print_table(["chunk size", "images/s", "peak RSS MB (all processes)"],
                    [[r["chunk_size"], f"{r['images_per_second']:.1f}", f"{r['peak_rss_mb']:.0f}"]
                     for r in report["chunks"]])
    if "numba_warm_up" in report:
        print()
        print("First metric calls on a fresh dask worker process (seconds, slowest worker):")
        for label, seconds in report["numba_warm_up"].items():
            print(f"  {label}: {seconds:.2f}")
    largest = max(report["threads"], key=lambda r: r["images"]) if report["threads"] else None
    if largest:
        per_worker = largest["ms_per_image"] * args.workers
        print()
        print(f"Projections from the {largest['images']:,}-image thread run: "
              f"{per_worker:.1f} ms per {SHAPE[1]}x{SHAPE[0]} image per worker (core), scaled "
              "by pixel count, linear in workers (dask's measured overhead aside):")
        print()
        print_table(["dataset", "images", "size", "ms/image/worker", "1 worker", "2 workers",
                     "8 workers", "32 workers"], projections(per_worker))
    print(f"\nMachine at the end: {report['load']['end']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    if args.out is None:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
