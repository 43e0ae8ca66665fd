"""Speed of salbench's metrics against their floor and against pysaliency (issues 2 and 14).

Workload: ``--images`` (default 200) images of 768x1024 float64 smooth random maps (``--distinct``
maps reused cyclically), 100 centre-biased fixations per image, empirical reference maps (each
image's fixations blurred with a Gaussian of sigma = 24 px) precomputed; log-densities for IG and
LL are the normalised maps, against a centre-bias baseline (one array for every image, read-only).

Tables printed (every time is the best of a few runs, wall clock, ``--threads`` threads):

1. ``score_maps`` per metric: ours, the *floor* (a plain parallel pass that reads every map the
   metric needs once, measured in the same run), their ratio and the issue-14 target ratio,
   pysaliency's time on the same data when pysaliency is importable, the speed-up, the largest
   difference between the two and the peak memory our calls add.
2. The public ``information_gain`` / ``log_likelihood`` called per image (images on the threads):
   with the normalisation check, against the floor of reading the log-densities once; with the
   check switched off, against a plain gather of the fixated values (what pysaliency does).
3. The fixed cost of one public call per metric on a 240x320 map: the call, the kernels it runs
   called directly on validated arrays, and the target ``15 us + 1.5 x kernel``.
4. ``StreamingScores.update`` with five metrics on a batch of 8 maps of 96x128 (target 3 ms).
5. First-call latency in a fresh process, with and without Numba's on-disk cache.

The machine's load (``os.getloadavg``) is printed before and after: the timings are only as good
as the machine was quiet.

    python benchmarks/bench_metrics.py                  # ~3 min without pysaliency
    python benchmarks/bench_metrics.py --images 1003    # issue 2's workload
    PYTHONPATH=/path/to/pysaliency-only-dir python benchmarks/bench_metrics.py  # with pysaliency
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
    baseline.flags.writeable = False  # one frozen baseline: verified once (the documented rule)
    n = np.repeat(np.arange(n_images), n_fixations)
    return dict(maps=maps, references=references, log_densities=log_densities,
                baselines=[baseline] * n_images, x=x.ravel(), y=y.ravel(), n=n)


# --- our side ---------------------------------------------------------------------------------

OURS = {
    "auc": dict(metrics=["auc"], target=3.0),
    "auc_per_fixation": dict(per_fixation=True, metrics=["auc"], target=3.0),
    "sauc": dict(metrics=["sauc"], target=3.0),
    "auc_judd": dict(metrics=["auc_judd"], target=3.0),
    "nss": dict(metrics=["nss"], target=1.3),
    "cc": dict(metrics=["cc"], references=True, target=1.3),
    "kld": dict(metrics=["kld"], references=True, target=1.8),
    "sim": dict(metrics=["sim"], references=True, target=1.3),
    "information_gain": dict(metrics=["information_gain"], log=True, target=1.5),
    "log_likelihood": dict(metrics=["log_likelihood"], log=True, target=1.5),
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
    if name == "log_likelihood":
        return [data["log_densities"]]
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

    def log_likelihood():
        L = data["log_densities"]
        return [np.mean(L[i][y_int[k], x_int[k]]) for i, k in enumerate(per_image)]

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
        "log_likelihood": log_likelihood,
    }[name]


def best_seconds(function, *, repeat=3, number=1):
    """Best wall-clock seconds of ``number`` calls, over ``repeat`` runs."""
    function()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def on_threads(function, n, threads):
    """A callable running ``function(i)`` for ``i < n`` on ``threads`` threads."""
    def run():
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(function, range(n)))
    return run


def public_likelihood_table(data, threads):
    """The public IG / LL functions per image: check on against the floor, check off against a
    plain gather (pysaliency's way: index the two maps, subtract, average)."""
    L, B = data["log_densities"], data["baselines"]
    n_images = len(L)
    fixations = [np.flatnonzero(data["n"] == i) for i in range(n_images)]
    xs = [data["x"][k] for k in fixations]
    ys = [data["y"][k] for k in fixations]
    rows_of = [data["y"][k].astype(np.int64) for k in fixations]
    cols_of = [data["x"][k].astype(np.int64) for k in fixations]
    # the writeable twin of the frozen baseline: checked on every call
    fresh = [np.array(B[i]) for i in range(min(n_images, len(set(map(id, L)))))]

    def ig(check, baseline=None):
        def one(i):
            b = B[i] if baseline is None else baseline[i % len(baseline)]
            M.information_gain(L[i], b, xs[i], ys[i], check_normalization=check)
        return one

    def ll(check):
        def one(i):
            M.log_likelihood(L[i], xs[i], ys[i], check_normalization=check)
        return one

    def gather_ig(i):
        r, c = rows_of[i], cols_of[i]
        np.mean((L[i][r, c] - B[i][r, c]) / math.log(2))

    def gather_ll(i):
        np.mean(L[i][rows_of[i], cols_of[i]])

    floor_ig = floor_seconds([L, B], threads)
    floor_ll = floor_seconds([L], threads)
    t = {
        "ig": best_seconds(on_threads(ig(True), n_images, threads)),
        "ig_fresh": best_seconds(on_threads(ig(True, fresh), n_images, threads)),
        "ll": best_seconds(on_threads(ll(True), n_images, threads)),
        "ig_off": best_seconds(on_threads(ig(False), n_images, threads), repeat=5),
        "ll_off": best_seconds(on_threads(ll(False), n_images, threads), repeat=5),
        "gather_ig": best_seconds(on_threads(gather_ig, n_images, threads), repeat=5),
        "gather_ll": best_seconds(on_threads(gather_ll, n_images, threads), repeat=5),
    }
    rows = [
        ["information_gain, check on (frozen baseline: verified once)", t["ig"], floor_ig,
         "floor", 1.5],
        ["information_gain, check on (writeable baseline: checked every call)", t["ig_fresh"],
         floor_ig, "floor", 1.5],
        ["log_likelihood, check on", t["ll"], floor_ll, "floor", 1.5],
        ["information_gain, check off", t["ig_off"], t["gather_ig"], "plain gather", 1.2],
        ["log_likelihood, check off", t["ll_off"], t["gather_ll"], "plain gather", 1.2],
    ]
    return [[label, f"{ours:.4f}", f"{ref:.4f} ({what})", f"{ours / ref:.2f}", f"<= {target}",
             "yes" if ours / ref <= target else "no"] for label, ours, ref, what, target in rows], t


def fixed_cost_table():
    """One public call on a 240x320 map against the kernels it runs, called directly."""
    from salbench.metrics._kernels import divergence, mit, moments, ranking, step_sum
    from salbench.metrics._kernels.distinct import distinct_pixels, distinct_with_inverse
    from salbench.metrics._kernels.vector_exp import sum_exp_check as sum_exp

    rng = np.random.default_rng(1)
    s = rng.random((240, 320)) + 0.01
    r = rng.random((240, 320)) + 0.01
    x, y = rng.uniform(0, 320, 20), rng.uniform(0, 240, 20)
    nx, ny = rng.uniform(0, 320, 200), rng.uniform(0, 240, 200)
    L = np.log(s / s.sum())
    B = np.log(r / r.sum())
    fs, fr, fL, fB = s.reshape(-1), r.reshape(-1), L.reshape(-1), B.reshape(-1)
    flat = y.astype(np.int64) * 320 + x.astype(np.int64)
    negatives = np.sort(ny.astype(np.int64) * 320 + nx.astype(np.int64))
    total_s, total_r = fs.sum(), fr.sum()
    ps = np.array([0.0, 1 / total_s, 0.0])
    pr = np.array([0.0, 1 / total_r, 0.0])

    def rank_kernels(all_pixels):
        w, inverse = distinct_with_inverse(fs[flat])
        if all_pixels:  # the rank sum of step_sum
            weights = np.bincount(inverse, minlength=w.shape[0])
            _, *table = step_sum.step_table(w, weights, 2, 1)
            step_sum.step_sum(fs, w, *table, 2, 1)
            return
        table = ranking.build_table(w)
        counts = np.zeros(2 * w.shape[0] + 1, dtype=np.int64)
        moments.sum_min_max(fs)
        ranking.histogram_at(fs, negatives, w, *table, counts, 1)
        ranking.histogram_at(fs, flat, w, *table, counts, -1)
        ranking.below_and_equal(counts)

    def judd_kernels():
        _, lo, hi = moments.sum_min_max(fs)
        fixated = distinct_pixels(flat)
        w, inverse = distinct_with_inverse(mit.raw_thresholds(fs[fixated], lo, hi - lo))
        weights = 2 * np.bincount(inverse, minlength=w.shape[0])
        weights[0] -= 1
        _, *table = step_sum.step_table(w, weights, 1, 0)
        step_sum.step_sum(fs, w, *table, 1, 0)

    cases = {
        "nss": (lambda: M.nss(s, x, y),
                lambda: (moments.map_moments(fs), moments.gather_sum(fs, flat))),
        "cc": (lambda: M.cc(s, r), lambda: moments.joint_moments(fs, fr)),
        "sim": (lambda: M.sim(s, r),
                lambda: (moments.pair_sum_min_max(fs, fr), divergence.intersection(fs, fr, ps, pr))),
        "kld": (lambda: M.kld(s, r),
                lambda: (moments.pair_sum_min_max(fs, fr),
                         divergence.kl_regularised(fs, fr, ps, pr, 2.2204e-16))),
        "auc": (lambda: M.auc(s, x, y), lambda: rank_kernels(True)),
        "sauc": (lambda: M.sauc(s, x, y, nx, ny), lambda: rank_kernels(False)),
        "auc_judd": (lambda: M.auc_judd(s, x, y), judd_kernels),
        "information_gain": (lambda: M.information_gain(L, B, x, y),
                             lambda: (sum_exp(fL), sum_exp(fB), moments.gather_sum(fL, flat),
                                      moments.gather_sum(fB, flat))),
        "log_likelihood": (lambda: M.log_likelihood(L, x, y),
                           lambda: (sum_exp(fL), moments.gather_sum(fL, flat))),
        "information_gain, check off": (
            lambda: M.information_gain(L, B, x, y, check_normalization=False),
            lambda: (moments.gather_sum(fL, flat), moments.gather_sum(fB, flat))),
    }
    rows, out = [], {}
    for name, (public, kernels) in cases.items():
        # interleaved, best of many: small calls are what a loaded machine disturbs most
        call = min(best_seconds(public, repeat=7, number=40) for _ in range(3))
        kernel_time = min(best_seconds(kernels, repeat=7, number=40) for _ in range(3))
        allowed = 15e-6 + 1.5 * kernel_time
        out[name] = {"call_s": call, "kernel_s": kernel_time}
        rows.append([name, f"{call * 1e6:.1f}", f"{kernel_time * 1e6:.1f}",
                     f"{(call - kernel_time) * 1e6:.1f}", f"{allowed * 1e6:.1f}",
                     "yes" if call <= allowed else "no"])
    return rows, out


def streaming_update_seconds():
    """``StreamingScores.update`` for five metrics on 8 maps of 96x128: (best, median) seconds."""
    rng = np.random.default_rng(2)
    maps = rng.random((8, 96, 128))
    refs = rng.random((8, 96, 128))
    x, y = rng.uniform(0, 128, 80), rng.uniform(0, 96, 80)
    n = np.repeat(np.arange(8), 10)
    scores = M.StreamingScores(["auc", "sauc", "nss", "cc", "sim"])
    scores.update(maps, x, y, n, reference_maps=refs)
    times = []
    for _ in range(60):
        t0 = time.perf_counter()
        scores.update(maps, x, y, n, reference_maps=refs)
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


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


def load_text():
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=100)
    parser.add_argument("--fixations", type=int, default=100)
    parser.add_argument("--height", type=int, default=768)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--sigma", type=float, default=24.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--metrics", nargs="*", default=list(OURS))
    parser.add_argument("--no-pysaliency", action="store_true")
    parser.add_argument("--skip-latency", action="store_true",
                        help="skip the fresh-process first-call latency")
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

    loads = {"start": load_text()}
    print(f"Machine: {loads['start']}", flush=True)
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
            ours, values = timed(run_ours, name, data, args.threads, repeat=3)
        floor = min(floor, floor_seconds(maps_read(name, data), args.threads))
        entry = {"ours_s": ours, "floor_s": floor, "peak_extra_mb": memory.increase / 2**20,
                 "target_ratio": OURS[name]["target"]}
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
        target = OURS[name]["target"]
        rows.append([
            name, f"{ours:.3f}", f"{floor:.3f}", f"{ours / floor:.2f}", f"<= {target}",
            "yes" if ours / floor <= target else "no",
            f"{entry.get('pysaliency_s', math.nan):.2f}",
            f"{entry.get('pysaliency_s', math.nan) / ours:.1f}",
            f"{entry.get('max_abs_difference', math.nan):.1e}", f"{entry['peak_extra_mb']:.0f}",
        ])
        print(f"  {name}: {ours:.3f} s (floor {floor:.3f} s)", flush=True)
    if group <= set(args.metrics):
        rows.append([
            "{auc,sauc,nss,cc,kld,sim}", f"{totals['ours']:.3f}", f"{totals['floor']:.3f}",
            f"{totals['ours'] / totals['floor']:.2f}", "", "", f"{totals['pysaliency']:.2f}",
            f"{totals['pysaliency'] / totals['ours']:.1f}", "", "",
        ])
    print()
    print(f"score_maps on {args.images} images of {args.height}x{args.width}, "
          f"{args.fixations} fixations each, {args.threads} threads "
          f"(pysaliency {'0.2.22 in the same run' if have_pysaliency else 'not installed'}):")
    print()
    print_table(["metric", "ours s", "floor s", "ours/floor", "target", "met", "pysaliency s",
                 "speed-up", "max |diff|", "extra MB"], rows)

    print()
    print(f"Public functions, one call per image ({args.images} images on {args.threads} "
          "threads; seconds for all):")
    print()
    table, public = public_likelihood_table(data, args.threads)
    print_table(["call", "ours s", "reference s", "ratio", "target", "met"], table)

    print()
    print("Fixed cost of one public call on a 240x320 map (20 fixations; microseconds):")
    print()
    fixed_rows, fixed = fixed_cost_table()
    print_table(["metric", "call us", "kernels us", "fixed us", "allowed us (15 + 1.5 x kernels)",
                 "met"], fixed_rows)

    best, median = streaming_update_seconds()
    print()
    print(f"StreamingScores.update, 5 metrics (auc, sauc, nss, cc, sim), 8 maps of 96x128: "
          f"best {best * 1e3:.2f} ms, median {median * 1e3:.2f} ms (target 3 ms)")

    latency = None
    if not args.skip_latency:
        latency = first_call_latency()
        print()
        print("First call in a fresh process (seconds):")
        print()
        names = list(next(iter(latency.values())))
        print_table(["cache"] + names,
                    [[label] + [f"{v[k]:.2f}" for k in names] for label, v in latency.items()])
    loads["end"] = load_text()
    print()
    print(f"Machine at the end: {loads['end']}")
    if args.json:
        args.json.write_text(json.dumps({
            "args": vars(args) | {"json": str(args.json)}, "results": results,
            "public": public, "fixed_cost": fixed,
            "streaming_update_s": {"best": best, "median": median}, "latency": latency,
            "load": loads}, indent=2))


if __name__ == "__main__":
    main()
