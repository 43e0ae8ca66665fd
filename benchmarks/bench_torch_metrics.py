"""Cost of validation metrics in a training loop: ``salbench.torch`` beside the numpy path.

Workload (issue 15): a batch of 32 maps of 240x320 with 20 fixations each (centre-biased,
continuous coordinates), reference maps (the fixations blurred, sigma 8 px), the maps'
log-softmax as log-densities and one centre-bias baseline; all metrics the torch path covers
that a training loop reports: auc, sauc (negatives: the batch's other images), nss, cc, kld,
sim, log_likelihood, information_gain.

Prints the median and best time over ``--repeat`` calls of

* ``salbench.torch.score_batch`` on the tensors (float32 and float64; ``validate=True``, the
  default, and ``validate=False``), and per metric;
* the numpy path on the same data: ``salbench.metrics.score_maps`` on the float64 arrays and on
  the float32 arrays (what ``StreamingScores.update`` does);

with the load average (``os.getloadavg``) before and after, because the development machine is
shared: a loaded machine inflates every number here.

    python benchmarks/bench_torch_metrics.py                     # CPU, 2 threads
    python benchmarks/bench_torch_metrics.py --device cuda       # where a GPU is available
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import print_table  # noqa: E402

METRICS = ["auc", "sauc", "nss", "cc", "kld", "sim", "log_likelihood", "information_gain"]


def workload(batch=32, height=240, width=320, fixations=20, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    centre = np.exp(-(((yy - height / 2) / (height / 4)) ** 2 + ((xx - width / 2) / (width / 4)) ** 2))
    noise = ndimage.gaussian_filter(rng.random((batch, height, width)), (0, 6, 6))
    maps = centre[None] * (0.5 + noise)
    x = np.clip(rng.normal(width / 2, width / 6, (batch, fixations)), 0, width - 1e-3)
    y = np.clip(rng.normal(height / 2, height / 6, (batch, fixations)), 0, height - 1e-3)
    refs = np.zeros_like(maps)
    for b in range(batch):
        np.add.at(refs[b], (y[b].astype(int), x[b].astype(int)), 1.0)
        refs[b] = ndimage.gaussian_filter(refs[b], 8)
    logits = np.log(maps)
    log_p = logits - np.logaddexp.reduce(logits.reshape(batch, -1), axis=1)[:, None, None]
    base = np.log(centre / centre.sum())
    return maps, refs, log_p, base, x, y


def measure(function, repeat):
    function()  # warm-up (compilation, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3, min(times) * 1e3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args(argv)

    os.environ.setdefault("NUMBA_NUM_THREADS", str(args.threads))
    import torch

    import salbench.metrics as M
    import salbench.torch as T

    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    maps, refs, log_p, base, x, y = workload(args.batch)
    batch, k = x.shape
    n = np.repeat(np.arange(batch), k)
    lengths = torch.full((batch,), k, device=args.device)
    tx, ty = (torch.tensor(v, device=args.device) for v in (x, y))
    load_before = os.getloadavg()

    def sync():
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    rows = []
    for dtype in (torch.float32, torch.float64):
        t = {name: torch.tensor(a, dtype=dtype, device=args.device)
             for name, a in (("maps", maps), ("refs", refs), ("log_p", log_p), ("base", base))}
        label = str(dtype).replace("torch.", "")

        def all_metrics(validate=True, metrics=METRICS):
            out = T.score_batch(t["log_p"], tx, ty, lengths, metrics=metrics, log_density=True,
                                reference_maps=t["refs"], baseline_log_density=t["base"],
                                validate=validate)
            sync()
            return out

        def saliency_metrics(metrics, validate=True):
            out = T.score_batch(t["maps"], tx, ty, lengths, metrics=metrics,
                                reference_maps=t["refs"], validate=validate)
            sync()
            return out

        rows.append([f"salbench.torch, all 8 metrics (log-density maps), {label}",
                     *(f"{v:.2f}" for v in measure(all_metrics, args.repeat))])
        rows.append([f"salbench.torch, all 8, validate=False, {label}",
                     *(f"{v:.2f}" for v in measure(lambda: all_metrics(False), args.repeat))])
        saliency = [m for m in METRICS if not M.get(m).uses("log_density")]
        rows.append([f"salbench.torch, {'+'.join(saliency)} (saliency maps), {label}",
                     *(f"{v:.2f}" for v in measure(lambda: saliency_metrics(saliency),
                                                   args.repeat))])
        for metric in METRICS:
            if M.get(metric).uses("log_density"):
                call = (lambda m=metric: all_metrics(metrics=[m]))
            else:
                call = (lambda m=metric: saliency_metrics([m]))
            rows.append([f"  {metric}, {label}", *(f"{v:.2f}" for v in measure(call,
                                                                                args.repeat))])

    for dtype in (np.float64, np.float32):
        a = {name: v.astype(dtype) for name, v in (("maps", np.exp(log_p)), ("refs", refs),
                                                    ("log_p", log_p), ("base", base))}
        label = np.dtype(dtype).name

        def numpy_path():
            return M.score_maps(a["maps"], x.reshape(-1), y.reshape(-1), n, metrics=METRICS,
                                reference_maps=a["refs"], log_densities=a["log_p"],
                                baseline_log_densities=[a["base"]] * batch,
                                n_threads=args.threads)

        rows.append([f"numpy score_maps, all 8 metrics, {label}",
                     *(f"{v:.2f}" for v in measure(numpy_path, max(3, args.repeat // 5)))])

    load_after = os.getloadavg()
    print(f"batch {batch} x 240 x 320, {k} fixations each; device {args.device}; "
          f"{args.threads} threads (torch and Numba)")
    print(f"load average (1, 5, 15 min) before {load_before}, after {load_after}")
    print_table(["call", "median ms", "best ms"], rows)

    # the two paths agree on this workload
    t = {name: torch.tensor(v, device=args.device) for name, v in (("log_p", log_p),
                                                                   ("refs", refs),
                                                                   ("base", base))}
    got = T.score_batch(t["log_p"], tx, ty, lengths, metrics=METRICS, log_density=True,
                        reference_maps=t["refs"], baseline_log_density=t["base"])
    table = M.score_maps(np.exp(log_p), x.reshape(-1), y.reshape(-1), n, metrics=METRICS,
                         reference_maps=refs, log_densities=log_p,
                         baseline_log_densities=[base] * batch)
    worst = max(float(np.max(np.abs(got[m].cpu().numpy() - table[m].to_numpy())))
                for m in METRICS)
    print(f"largest |salbench.torch - salbench.metrics| over all metrics and images "
          f"(float64): {worst:.1e}")


if __name__ == "__main__":
    main()
