"""Speed and memory of the framework-free FastGaze runtime against PyTorch, side by side.

For each input size the same network (Twitter's ``fastgaze.vxm``, or any ``.vxm`` / ``.npz``) runs
through salbench's numpy/Numba runtime and through the equivalent ``torch.nn`` module
(:func:`salbench.models.fastgaze.torch_module.to_torch_module`, CPU, ``inference_mode``), the two
**interleaved** (ours, torch, ours, torch, ...) so that load from other processes hits both alike.
Reported: median and minimum wall time per image, the ratio ours / torch (of the medians, and of
the minima), GFLOP (paper convention, from the layer shapes) and achieved GFLOP/s, and peak memory:

* ``ours array peak`` — tracemalloc's peak of numpy allocations during one forward pass (exact);
* ``RSS peak +`` — growth of the process's resident memory during one forward pass (sampled every
  0.5 ms from ``/proc/self/statm``; Linux only), in a fresh subprocess per implementation after a
  small warm-up, so the two are measured alike;
* ``largest activation`` — the biggest layer output, for scale.

Run (from the repository root; torch must be installed)::

    .venv/bin/python benchmarks/bench_fastgaze.py [--repeats 20] [--sizes 384x512 600x800]

Both use every CPU of the process by default (salbench: worker threads over row tiles with
single-threaded OpenBLAS; torch: its intra-op threads). ``--threads N`` sets both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from salbench.models.fastgaze.flops import conv_flops, layer_costs  # noqa: E402
from salbench.models.fastgaze.model import load  # noqa: E402
from salbench.models.fastgaze.runtime import Runtime  # noqa: E402

SHARED = Path(os.environ.get("SALBENCH_SHARED", ROOT.parent / "shared"))
DEFAULT_MODEL = SHARED / "models" / "fastgaze" / "fastgaze.vxm"


def parse_size(text):
    h, w = text.lower().split("x")
    return int(h), int(w)


def make_input(size):
    return np.random.default_rng(0).normal(0, 50, size=(3,) + size).astype(np.float32)


def memory_probe(kind, model_path, size, threads):
    """Run in a subprocess: peak-RSS growth (bytes) of one forward pass after a small warm-up."""
    network = load(model_path)
    x = make_input(size)
    small = make_input((64, 64))
    if kind == "ours":
        runtime = Runtime(network, threads=threads)
        run = runtime.forward
        run(small)
    else:
        import torch

        from salbench.models.fastgaze.torch_module import to_torch_module

        if threads:
            torch.set_num_threads(threads)
        module = to_torch_module(network)
        xt = torch.from_numpy(x)[None]

        def run(a):
            with torch.inference_mode():
                return module(torch.from_numpy(a)[None] if a is not x else xt)

        run(small)
    # The process's high-water mark (ru_maxrss) was set by imports and compilation, so the
    # resident size is sampled every 0.5 ms by a thread while the forward pass runs.
    page = os.sysconf("SC_PAGE_SIZE")

    def rss():
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * page

    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.0005)

    before = rss()
    sampler = threading.Thread(target=sample)
    sampler.start()
    run(x)
    done.set()
    sampler.join()
    print(json.dumps({"rss_peak_growth": max(peak[0], rss()) - before}))


def rss_growth(kind, model_path, size, threads):
    command = [sys.executable, __file__, "--probe", kind, "--model", str(model_path),
               "--sizes", f"{size[0]}x{size[1]}"] + (["--threads", str(threads)] if threads else [])
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["rss_peak_growth"]


def time_side_by_side(network, size, repeats, threads):
    import torch

    from salbench.models.fastgaze.torch_module import to_torch_module

    if threads:
        torch.set_num_threads(threads)
    runtime = Runtime(network, threads=threads)
    module = to_torch_module(network)
    x = make_input(size)
    xt = torch.from_numpy(x)[None]
    ours_times, torch_times = [], []
    with torch.inference_mode():
        expected = module(xt).numpy()[0]
        got = runtime.forward(x)  # also compiles / loads the Numba kernels
        difference = float(np.abs(got - expected).max() / max(np.abs(expected).max(), 1e-30))
        for _ in range(2):  # warm-up
            runtime.forward(x), module(xt)
        for _ in range(repeats):
            start = time.perf_counter()
            runtime.forward(x)
            ours_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            module(xt)
            torch_times.append(time.perf_counter() - start)
    tracemalloc.start()
    runtime.forward(x)
    array_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (np.array(ours_times) * 1e3, np.array(torch_times) * 1e3, difference, array_peak,
            torch.get_num_threads(), runtime._threads)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--sizes", nargs="+", default=["384x512", "480x640", "600x800"])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--probe", choices=["ours", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        memory_probe(args.probe, args.model, parse_size(args.sizes[0]), args.threads)
        return
    network = load(args.model)
    rows = []
    for text in args.sizes:
        size = parse_size(text)
        ours, theirs, difference, array_peak, torch_threads, our_threads = time_side_by_side(
            network, size, args.repeats, args.threads)
        gflop = conv_flops(network, *size) / 1e9
        largest = max(int(np.prod(c.output_shape)) for c in layer_costs(network, *size)) * 4
        rows.append({
            "size": text, "ours_ms": float(np.median(ours)), "ours_min_ms": float(ours.min()),
            "torch_ms": float(np.median(theirs)), "torch_min_ms": float(theirs.min()),
            "ratio_median": float(np.median(ours) / np.median(theirs)),
            "ratio_min": float(ours.min() / theirs.min()), "gflop": gflop,
            "ours_gflops": gflop / (np.median(ours) / 1e3),
            "ours_array_peak_mb": array_peak / 2**20,
            "ours_rss_mb": rss_growth("ours", args.model, size, args.threads) / 2**20,
            "torch_rss_mb": rss_growth("torch", args.model, size, args.threads) / 2**20,
            "largest_activation_mb": largest / 2**20, "max_rel_difference": difference,
            "threads": f"{our_threads}/{torch_threads}",
        })
    load_average = os.getloadavg()[0]
    print(f"network: {args.model} ({network.parameter_count} parameters); repeats: {args.repeats} "
          f"interleaved; CPUs: {os.cpu_count()}; 1-min load average at the end: {load_average:.2f}")
    print()
    print("| input | ours ms (median / min) | torch ms (median / min) | ratio (median / min) | "
          "GFLOP | ours GFLOP/s | ours array peak MB | RSS peak + MB ours / torch | "
          "largest activation MB | max rel. diff | threads ours/torch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['size']} | {r['ours_ms']:.1f} / {r['ours_min_ms']:.1f} | "
              f"{r['torch_ms']:.1f} / {r['torch_min_ms']:.1f} | "
              f"{r['ratio_median']:.2f} / {r['ratio_min']:.2f} | {r['gflop']:.2f} | "
              f"{r['ours_gflops']:.0f} | {r['ours_array_peak_mb']:.1f} | "
              f"{r['ours_rss_mb']:.1f} / {r['torch_rss_mb']:.1f} | "
              f"{r['largest_activation_mb']:.1f} | {r['max_rel_difference']:.1e} | {r['threads']} |")


if __name__ == "__main__":
    main()
