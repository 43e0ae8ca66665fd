"""Speed of the exact EMD (network simplex) against scipy's HiGHS LP, and of MIT's EMD pipeline.

Run:  python benchmarks/bench_emd.py [--repeats 20] [--no-lp]

Prints one table row per case: grid, number of sources x sinks, median and max time of
``emd_grid`` over the repeats (first call excluded: it loads the compiled kernel), pivots, the
primal-dual gap of the network simplex, and the time and result difference of
``scipy.optimize.linprog(method="highs-ds")`` on the same sparse transportation LP.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _smooth_map(rng, shape, n_blobs, width):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    out = np.zeros(shape)
    for _ in range(n_blobs):
        cy, cx = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        s = width * rng.uniform(0.5, 1.5)
        out += rng.uniform(0.2, 1.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    return out


def _cases(rng):
    """(name, P, Q) pairs, each normalised to unit mass."""
    unit = lambda a: a / a.sum()  # noqa: E731
    cases = []
    for shape, tag in [((24, 32), "downsize 32"), ((48, 64), "downsize 16")]:
        noise_p, noise_q = unit(rng.random(shape)), unit(rng.random(shape))
        cases.append((f"{tag}: uniform noise vs noise", noise_p, noise_q))
        fix = _smooth_map(rng, shape, 12, shape[0] / 12) + 1e-6
        sal = _smooth_map(rng, shape, 4, shape[0] / 5) + 0.05
        cases.append((f"{tag}: fixation density vs smooth map", unit(fix), unit(sal)))
        peak = np.full(shape, 1e-9)
        peak[2, 3] = 1.0
        cases.append((f"{tag}: one peak vs fixation density", unit(peak), unit(fix)))
    return cases


def _linprog(d):
    from scipy import sparse
    from scipy.optimize import linprog

    src, snk = np.argwhere(d > 0), np.argwhere(d < 0)
    a, b = d[d > 0], -d[d < 0]
    b = b * (a.sum() / b.sum())  # exact balance for an equality-constrained LP
    n1, n2 = len(src), len(snk)
    cost = np.sqrt(((src[:, None, :] - snk[None, :, :]) ** 2).sum(-1)).ravel()
    a_eq = sparse.vstack([sparse.kron(sparse.eye(n1), np.ones((1, n2))),
                          sparse.kron(np.ones((1, n1)), sparse.eye(n2))]).tocsc()
    t = time.perf_counter()
    res = linprog(cost, A_eq=a_eq, b_eq=np.concatenate([a, b]), method="highs-ds",
                  options={"primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10})
    return time.perf_counter() - t, res.fun


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-lp", action="store_true", help="skip the (slow) scipy LP column")
    args = parser.parse_args()

    from salbench.metrics._emd import _transport_grid, emd_grid, emd_mit
    from salbench.metrics.resize import resize_map

    rng = np.random.default_rng(0)
    t = time.perf_counter()
    emd_grid(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    print(f"first call (loads or compiles the Numba kernels): {time.perf_counter() - t:.2f} s\n")

    header = (f"{'case':45s} {'src x snk':>11s} {'median ms':>10s} {'max ms':>8s} {'pivots':>7s} "
              f"{'gap':>9s} {'HiGHS ms':>9s} {'|diff|':>9s}")
    print(header)
    print("-" * len(header))
    for name, p, q in _cases(rng):
        d = p - q
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            emd_grid(p, q)
            times.append(time.perf_counter() - t)
        cost, dual, pivots = _transport_grid(d)
        lp_ms, diff = "-", "-"
        if not args.no_lp and d.size <= 768:
            lp_t, lp_cost = _linprog(d)
            lp_ms, diff = f"{lp_t * 1e3:9.0f}", f"{abs(lp_cost - cost):9.1e}"
        print(f"{name:45s} {f'{(d > 0).sum()}x{(d < 0).sum()}':>11s} "
              f"{np.median(times) * 1e3:10.1f} {max(times) * 1e3:8.1f} {pivots:7d} "
              f"{abs(cost - dual):9.1e} {lp_ms:>9s} {diff:>9s}")

    print("\nMIT pipeline on 768 x 1024 maps (resize 1/32 -> 24 x 32, histogram matching, EMD)")
    fix = _smooth_map(rng, (768, 1024), 15, 25.0)
    sal = _smooth_map(rng, (768, 1024), 5, 120.0) + 0.02 * rng.random((768, 1024))
    fix = fix / fix.max()
    for label, fn in [
        ("resize_map(768x1024, scale=1/32)", lambda: resize_map(fix, scale=1 / 32)),
        ("emd_mit(sal, fix) (histogram_matching='hist')", lambda: emd_mit(sal, fix)),
        ("emd_mit(..., histogram_matching='histo_mex')",
         lambda: emd_mit(sal, fix, histogram_matching="histo_mex")),
        ("emd_mit(..., histogram_matching='none')",
         lambda: emd_mit(sal, fix, histogram_matching="none")),
    ]:
        fn()
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        print(f"  {label:48s} median {np.median(times) * 1e3:7.1f} ms   "
              f"max {max(times) * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
