"""The AUC and normalisation-check kernels against the ones they replaced, in one process.

The shared development machine is often loaded, which moves wall-clock ratios to a memory-bound
floor (``bench_metrics.py``) a long way. This benchmark compares kernels with each other instead,
on the same maps, interleaved, by CPU time of the calling thread (``time.thread_time``: time the
thread was descheduled does not count), one thread:

* all-pixel AUC: the bucketed histogram (``ranking.histogram_all``, what ``auc`` ran before and
  ``auc_per_fixation`` still runs) against the rank sum (``step_sum``);
* AUC_Judd: the histogram of min-max normalised pixels (``ranking.histogram_all_minmax``)
  against the rank sum over raw pixels with ``mit.raw_thresholds``;
* the normalisation check: ``sum_exp`` (degree-12 exp, 4e-16) against ``sum_exp_check``
  (degree 8, 3e-10), beside a plain sum (the floor).

Workload: ``--maps`` smooth 768x1024 float64 maps (as ``bench_metrics.py``), 100 centre-biased
fixations each; every figure is the best of ``--repeat`` passes over all maps, per map.

    python benchmarks/bench_rank_kernels.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table  # noqa: E402
from bench_metrics import _plain_sum, make_workload  # noqa: E402

from salbench.metrics._kernels import mit, moments, ranking, step_sum  # noqa: E402
from salbench.metrics._kernels.distinct import distinct_pixels, distinct_with_inverse  # noqa: E402
from salbench.metrics._kernels.vector_exp import sum_exp, sum_exp_check  # noqa: E402


def best_per_map(function, items, repeat):
    for item in items[:2]:
        function(*item)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.thread_time()
        for item in items:
            function(*item)
        best = min(best, time.thread_time() - t0)
    return best / len(items)


def auc_histogram(flat_map, flat):
    w, _ = distinct_with_inverse(flat_map[flat])
    counts = np.zeros(2 * w.shape[0] + 1, dtype=np.int64)
    ranking.histogram_all(flat_map, w, *ranking.build_table(w), counts)
    return ranking.below_and_equal(counts)


def auc_rank_sum(flat_map, flat):
    w, inverse = distinct_with_inverse(flat_map[flat])
    _, *table = step_sum.step_table(w, np.bincount(inverse, minlength=w.shape[0]), 2, 1)
    return step_sum.step_sum(flat_map, w, *table, 2, 1)


def judd_histogram(flat_map, flat):
    _, lo, hi = moments.sum_min_max(flat_map)
    fixated = distinct_pixels(flat)
    w, _ = distinct_with_inverse((flat_map[fixated] - lo) / (hi - lo))
    counts = np.zeros(2 * w.shape[0] + 1, dtype=np.int64)
    ranking.histogram_all_minmax(flat_map, lo, hi - lo, w, *ranking.build_table(w), counts)
    return ranking.below_and_equal(counts)


def judd_rank_sum(flat_map, flat):
    _, lo, hi = moments.sum_min_max(flat_map)
    fixated = distinct_pixels(flat)
    w, inverse = distinct_with_inverse(mit.raw_thresholds(flat_map[fixated], lo, hi - lo))
    weights = 2 * np.bincount(inverse, minlength=w.shape[0])
    weights[0] -= 1
    _, *table = step_sum.step_table(w, weights, 1, 0)
    return step_sum.step_sum(flat_map, w, *table, 1, 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--maps", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    data = make_workload(args.maps, args.maps, 100, 768, 1024, 24.0)
    n = data["n"]
    items = []
    for i, m in enumerate(data["maps"]):
        k = n == i
        items.append((m.reshape(-1), data["y"][k].astype(np.int64) * 1024
                      + data["x"][k].astype(np.int64)))
    logs = [(L.reshape(-1),) for L in data["log_densities"]]
    t = {
        "floor": best_per_map(lambda a: _plain_sum(a), logs, args.repeat),
        "auc_hist": best_per_map(auc_histogram, items, args.repeat),
        "auc_sum": best_per_map(auc_rank_sum, items, args.repeat),
        "judd_hist": best_per_map(judd_histogram, items, args.repeat),
        "judd_sum": best_per_map(judd_rank_sum, items, args.repeat),
        "exp12": best_per_map(sum_exp, logs, args.repeat),
        "exp8": best_per_map(sum_exp_check, logs, args.repeat),
    }
    rows = [
        ["all-pixel AUC", f"{t['auc_hist'] * 1e3:.3f}", f"{t['auc_sum'] * 1e3:.3f}",
         f"{t['auc_hist'] / t['auc_sum']:.2f}"],
        ["AUC_Judd", f"{t['judd_hist'] * 1e3:.3f}", f"{t['judd_sum'] * 1e3:.3f}",
         f"{t['judd_hist'] / t['judd_sum']:.2f}"],
        ["normalisation check (sum of exp)", f"{t['exp12'] * 1e3:.3f}", f"{t['exp8'] * 1e3:.3f}",
         f"{t['exp12'] / t['exp8']:.2f}"],
    ]
    print(f"{args.maps} maps of 768x1024, 100 fixations; CPU ms per map, one thread "
          f"(plain read of a map: {t['floor'] * 1e3:.3f} ms)")
    print_table(["kernel", "before ms", "now ms", "speed-up"], rows)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
