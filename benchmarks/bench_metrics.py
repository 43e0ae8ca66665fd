"""Speed of ``salbench.metrics.score_maps`` against its floor and against pysaliency.

Workload (issue 2): 1003 images of 768x1024 float64 smooth random maps (100 distinct maps reused
cyclically), 100 centre-biased fixations per image, empirical reference maps (each image's
fixations blurred with a Gaussian of sigma = 24 px) precomputed; log-densities for IG are the
normalised maps against a centre-bias baseline.

For every metric it prints our time with ``--threads`` threads, the *floor* (a plain parallel pass
that reads every map the metric needs once, measured in the same run), their ratio, pysaliency's
time on the same data when pysaliency is importable, and the speed-up. It also checks that both
give the same numbers, reports the peak memory our calls add on top of the maps, and the
first-call latency of a fresh process with and without Numba's on-disk cache.

    python benchmarks/bench_metrics.py                 # the full workload (pysaliency: ~5 min)
    python benchmarks/bench_metrics.py --images 200    # quicker
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PeakMemory, print_table, timed  # noqa: E402

import salbench.metrics as M  # noqa: E402
from salbench._numba import kernel  # noqa: E402


@kernel
def _plain_sum(a):
    total = 0.0
    for p in range(a.shape[0]):
        total += a[p]
    return total


def floor_seconds(map_lists, threads):
    """Best of three plain parallel passes reading every map in ``map_lists`` once."""
    def read(i):
        return sum(_plain_sum(maps[i].reshape(-1)) for maps in map_lists)

    n = len(map_lists[0])
    read(0)
    best = float("inf")
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(3):
            t0 = time.perf_counter()
            list(pool.map(read, range(n)))
            best = min(best, time.perf_counter() - t0)
    return best


def make_workload(n_images, n_distinct, n_fixations, height, width, sigma, seed=0):
    rng = np.random.default_rng(seed)
    distinct = []
    for _ in range(n_distinct):
        low = rng.random((height // 32 + 3, width // 32 + 3))
        smooth = ndimage.zoom(low, 32, order=3)[16:16 + height, 16:16 + width]
        smooth = smooth - smooth.min() + 0.01
        distinct.append(np.ascontiguousarray(smooth))
    maps = [distinct[i % n_distinct] for i in range(n_images)]
    x = np.clip(rng.normal(width / 2, width / 5, (n_images, n_fixations)), 0, width - 1e-6)
    y = np.clip(rng.normal(height / 2, height / 5, (n_images, n_fixations)), 0, height - 1e-6)
    rows, cols = np.arange(height), np.arange(width)
    references = []
    for i in range(n_images):
        # sum of Gaussians at the fixated pixels = the count map blurred with sigma (no boundary)
        gy = np.exp(-((rows[None, :] - np.floor(y[i])[:, None]) ** 2) / (2 * sigma**2))
        gx = np.exp(-((cols[None, :] - np.floor(x[i])[:, None]) ** 2) / (2 * sigma**2))
        references.append(gy.T @ gx)
    log_maps = [np.log(m / m.sum()) for m in distinct]
    log_densities = [log_maps[i % n_distinct] for i in range(n_images)]
    centre = (np.exp(-((rows[:, None] - height / 2) ** 2) / (2 * (height / 4) ** 2)
                     - ((cols[None, :] - width / 2) ** 2) / (2 * (width / 4) ** 2)))
    baseline = np.log(centre / centre.sum())
    n = np.repeat(np.arange(n_images), n_fixations)
    return dict(maps=maps, references=references, log_densities=log_densities,
                baselines=[baseline] * n_images, x=x.ravel(), y=y.ravel(), n=n)


# --- our side ---------------------------------------------------------------------------------

OURS = {
    "auc": dict(metrics=["auc"]),
    "auc_per_fixation": dict(per_fixation=True, metrics=["auc"]),
    "sauc": dict(metrics=["sauc"]),
    "auc_judd": dict(metrics=["auc_judd"]),
    "nss": dict(metrics=["nss"]),
    "cc": dict(metrics=["cc"], references=True),
    "kld": dict(metrics=["kld"], references=True),
    "sim": dict(metrics=["sim"], references=True),
    "information_gain": dict(metrics=["information_gain"], log=True),
}


def run_ours(name, data, threads):
    spec = OURS[name]
    kwargs = dict(metrics=spec["metrics"], n_threads=threads)
    maps = data["maps"]
    if spec.get("log"):
        kwargs.update(log_densities=data["log_densities"],
                      baseline_log_densities=data["baselines"])
        maps = None
    if spec.get("references"):
        kwargs["reference_maps"] = data["references"]
    if spec.get("per_fixation"):
        table = M.score_fixations(maps, data["x"], data["y"], data["n"], **kwargs)
    else:
        table = M.score_maps(maps, data["x"], data["y"], data["n"], **kwargs)
    return table[spec["metrics"][0]].to_numpy()


def maps_read(name, data):
    spec = OURS[name]
    if spec.get("log"):
        return [data["log_densities"], data["baselines"]]
    if spec.get("references"):
        return [data["maps"], data["references"]]
    return [data["maps"]]


# --- pysaliency side: its own functions, in the per-image loops of its model methods -----------

def pysaliency_runner(name, data):
    if not hasattr(np, "trapz"):  # pysaliency 0.2.22 calls np.trapz, removed in numpy 2.4
        np.trapz = np.trapezoid
    import pysaliency.metrics as PM
    from pysaliency.roc import general_roc, general_rocs_per_positive

    maps, refs, n = data["maps"], data["references"], data["n"]
    x_int, y_int = data["x"].astype(int), data["y"].astype(int)
    per_image = [np.flatnonzero(n == i) for i in range(len(maps))]

    def auc(judd):
        return [general_roc(maps[i][y_int[k], x_int[k]].astype(float),
                            maps[i].flatten().astype(float), judd=judd)[0]
                for i, k in enumerate(per_image)]

    def auc_per_fixation():
        out = np.empty(len(n))
        for i, k in enumerate(per_image):
            out[k] = general_rocs_per_positive(maps[i][y_int[k], x_int[k]].astype(float),
                                               maps[i].flatten().astype(float))
        return out

    def sauc():
        out = []
        heights = np.array([m.shape[0] for m in maps], float)
        widths = np.array([m.shape[1] for m in maps], float)
        for i, k in enumerate(per_image):  # FullShuffledNonfixationProvider
            others = n != i
            xs = (data["x"][others] * (maps[i].shape[1] / widths[n[others]])).astype(int)
            ys = (data["y"][others] * (maps[i].shape[0] / heights[n[others]])).astype(int)
            out.append(general_roc(maps[i][y_int[k], x_int[k]].astype(float),
                                   maps[i][ys, xs].astype(float))[0])
        return out

    def nss():
        return [np.mean(PM.NSS(maps[i].copy(), x_int[k], y_int[k])) for i, k in enumerate(per_image)]

    def information_gain():
        L, B = data["log_densities"], data["baselines"]
        return [np.mean((L[i][y_int[k], x_int[k]] - B[i][y_int[k], x_int[k]]) / np.log(2))
                for i, k in enumerate(per_image)]

    return {
        "auc": lambda: auc(0),
        "auc_per_fixation": auc_per_fixation,
        "sauc": sauc,
        "auc_judd": lambda: auc(1),
        "nss": nss,
        "cc": lambda: [PM.CC(m, r) for m, r in zip(maps, refs)],
        "kld": lambda: [PM.MIT_KLDiv(m, r) for m, r in zip(maps, refs)],
        "sim": lambda: [PM.SIM(m, r) for m, r in zip(maps, refs)],
        "information_gain": information_gain,
    }[name]


def first_call_latency():
    """Seconds to import salbench.metrics and make the first call of each metric, fresh process."""
    script = r"""
import time, json
t0 = time.perf_counter()
import numpy as np
import salbench.metrics as M
t_import = time.perf_counter() - t0
s = np.random.default_rng(0).random((60, 80)); r = s[::-1].copy()
x = np.array([3.5, 40.2, 70.9]); y = np.array([2.5, 30.1, 55.5])
L = np.log(s / s.sum())
out = {"import": t_import}
for name, call in [("auc", lambda: M.auc(s, x, y)), ("sauc", lambda: M.sauc(s, x, y, x, y)),
                   ("auc_judd", lambda: M.auc_judd(s, x, y)), ("nss", lambda: M.nss(s, x, y)),
                   ("cc", lambda: M.cc(s, r)), ("kld", lambda: M.kld(s, r)),
                   ("sim", lambda: M.sim(s, r)), ("emd", lambda: M.emd(s, r, downsize=8)),
                   ("information_gain", lambda: M.information_gain(L, L, x, y))]:
    t0 = time.perf_counter(); call(); out[name] = time.perf_counter() - t0
print(json.dumps(out))
"""
    results = {}
    with tempfile.TemporaryDirectory() as cold_cache:
        for label, env in (("cold (empty Numba cache)", {"NUMBA_CACHE_DIR": cold_cache}),
                           ("warm (cached kernels)", {"NUMBA_CACHE_DIR": cold_cache})):
            proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                  env={**os.environ, **env}, check=True)
            results[label] = json.loads(proc.stdout.strip().splitlines()[-1])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1003)
    parser.add_argument("--distinct", type=int, default=100)
    parser.add_argument("--fixations", type=int, default=100)
    parser.add_argument("--height", type=int, default=768)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--sigma", type=float, default=24.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--metrics", nargs="*", default=list(OURS))
    parser.add_argument("--no-pysaliency", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    try:
        if args.no_pysaliency:
            raise ImportError
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pysaliency  # noqa: F401
        have_pysaliency = True
    except ImportError:
        have_pysaliency = False

    print(f"Generating {args.images} images ({args.distinct} distinct maps) of "
          f"{args.height}x{args.width}, {args.fixations} fixations each ...", flush=True)
    t0 = time.perf_counter()
    data = make_workload(args.images, args.distinct, args.fixations, args.height, args.width,
                         args.sigma)
    print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)

    small = {k: (v[:4] if isinstance(v, list) else v) for k, v in data.items()}
    sel = data["n"] < 4
    small.update(x=data["x"][sel], y=data["y"][sel], n=data["n"][sel])
    for name in args.metrics:
        run_ours(name, small, args.threads)  # compile / load kernels outside the timings

    rows, results = [], {}
    group = {"auc", "sauc", "nss", "cc", "kld", "sim"}
    totals = {"ours": 0.0, "floor": 0.0, "pysaliency": 0.0}
    for name in args.metrics:
        floor = floor_seconds(maps_read(name, data), args.threads)
        with PeakMemory() as memory:
            ours, values = timed(run_ours, name, data, args.threads, repeat=2)
        entry = {"ours_s": ours, "floor_s": floor, "peak_extra_mb": memory.increase / 2**20}
        if have_pysaliency:
            reference, expected = timed(pysaliency_runner(name, data))
            expected = np.asarray(expected, dtype=float)
            entry["pysaliency_s"] = reference
            entry["max_abs_difference"] = float(np.nanmax(np.abs(values - expected)))
        results[name] = entry
        if name in group:
            totals["ours"] += ours
            totals["floor"] += floor
            totals["pysaliency"] += entry.get("pysaliency_s", math.nan)
        rows.append([
            name, f"{ours:.3f}", f"{floor:.3f}", f"{ours / floor:.2f}",
            f"{entry.get('pysaliency_s', math.nan):.2f}",
            f"{entry.get('pysaliency_s', math.nan) / ours:.1f}",
            f"{entry.get('max_abs_difference', math.nan):.1e}", f"{entry['peak_extra_mb']:.0f}",
        ])
        print(f"  {name}: {ours:.3f} s (floor {floor:.3f} s)", flush=True)
    if group <= set(args.metrics):
        rows.append([
            "{auc,sauc,nss,cc,kld,sim}", f"{totals['ours']:.3f}", f"{totals['floor']:.3f}",
            f"{totals['ours'] / totals['floor']:.2f}", f"{totals['pysaliency']:.2f}",
            f"{totals['pysaliency'] / totals['ours']:.1f}", "", "",
        ])
    print()
    print(f"score_maps on {args.images} images of {args.height}x{args.width}, "
          f"{args.fixations} fixations each, {args.threads} threads "
          f"(pysaliency {'0.2.22 in the same run' if have_pysaliency else 'not installed'}):")
    print()
    print_table(["metric", "ours s", "floor s", "ours/floor", "pysaliency s", "speed-up",
                 "max |diff|", "extra MB"], rows)
    latency = first_call_latency()
    print()
    print("First call in a fresh process (seconds):")
    print()
    names = list(next(iter(latency.values())))
    print_table(["cache"] + names,
                [[label] + [f"{v[k]:.2f}" for k in names] for label, v in latency.items()])
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)},
                                         "results": results, "latency": latency}, indent=2))


if __name__ == "__main__":
    main()
