"""Fisher pruning: speed of physically pruned networks, and pruning criteria compared.

Part ``speed``: a FastGaze-sized GazeNet (VGG-style widths 64/128/256/512/512, readout 16; about
88 GFLOP at 384×512 like the unpruned layout of Twitter's network) is pruned *physically* with
:func:`salbench.models.pruning.remove_channel` to several FLOP budgets, and one 384×512 image is
timed through PyTorch (CPU, ``inference_mode``), ONNX Runtime (the :func:`export_onnx` graph) and
salbench's framework-free runtime (:func:`to_network`). Which maps are removed does not matter for
speed, only the resulting widths: here every layer keeps about the same fraction of its width
(weights are random; no training). One extra row times the *unpruned* network with the same maps
switched off by masks only, to show that the saving comes from physical removal. Implementations
are interleaved per repeat, so load from other processes hits all alike; medians and minima are
reported.

Part ``criteria``: the protocol of ``tests/test_pruning_fisher.py`` (a small network trained on the
synthetic red-disc task, then pruned with training continuing, 5 steps per removal) for several
data seeds: validation log-likelihood (nats/fixation relative to uniform) averaged over the points
where FLOPs first fall below 50 %, 30 %, 20 % and 10 %, for Fisher pruning, the hyper-parameter-free
Fisher-per-FLOP variant, weight magnitude, activation magnitude and random pruning.

Run from the repository root (torch, onnxruntime installed)::

    .venv/bin/python benchmarks/bench_pruning.py --part speed [--repeats 5] [--threads 2]
    .venv/bin/python benchmarks/bench_pruning.py --part criteria [--seeds 0 1 2 3 4]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import torch  # noqa: E402

from _common import print_table  # noqa: E402
from salbench.models.pruning import (  # noqa: E402
    GazeNet,
    export_onnx,
    mean_log_likelihood,
    network_flops,
    prune,
    remove_channel,
    synthetic_gaze_task,
    to_network,
    train,
)

FASTGAZE_WIDTHS = ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512))


def shrink_to(net, target_flops, size, alive):
    """Remove maps until FLOPs <= target, keeping every layer at about the same fraction of its
    original width (the layer with the largest remaining fraction loses its smallest-norm map).

    ``alive`` lists, per prunable layer, the original indices of the maps still present; it is
    updated in place so the same maps can be switched off in an unpruned copy.
    """
    original = [len(a) for a in alive]
    while network_flops(net, size) > target_flops:
        widths = net.widths()[:-1]
        candidates = [l for l, w in enumerate(widths) if w > 1]
        if not candidates:
            break
        layer = max(candidates, key=lambda l: (widths[l] / original[l], widths[l]))
        conv = net.convs[layer]
        norms = conv.weight.detach().pow(2).sum(dim=(1, 2, 3)) + conv.bias.detach().pow(2)
        channel = int(torch.argmin(norms))
        remove_channel(net, layer, channel)
        alive[layer].pop(channel)
    return net


def masked_copy(base, alive):
    """The unpruned network with every removed map switched off by its mask (same function)."""
    net = copy.deepcopy(base)
    for layer, keep in enumerate(alive):
        mask = torch.zeros(net.masks[layer].channels)
        mask[keep] = 1.0
        net.masks[layer].set_mask(mask)
    return net.eval()


def speed(args):
    import onnxruntime as ort

    from salbench.models.fastgaze.runtime import Runtime

    torch.set_num_threads(args.threads)
    size = (384, 512)
    torch.manual_seed(0)
    base = GazeNet(backbone=FASTGAZE_WIDTHS, readout=(16,), blur_sigma=1.0).eval()
    full = network_flops(base, size)
    image = torch.rand(1, 3, *size, generator=torch.Generator().manual_seed(0)) * 255
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    rows = []
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        net = base
        alive = [list(range(w)) for w in base.widths()[:-1]]
        variants = []
        for fraction in sorted(args.fractions, reverse=True):
            # Each budget continues from the previous (larger) network: same maps, less work.
            net = shrink_to(copy.deepcopy(net), fraction * full, size, alive).eval()
            variants.append((f"{fraction:.0%}", net))
            if fraction == args.masked_fraction:
                variants.append((f"{fraction:.0%} as masks only", masked_copy(base, alive)))
        for label, net in variants:
            flops = network_flops(net, size)
            path = export_onnx(net, Path(tmp) / f"net{len(rows)}.onnx", output="logits")
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            runtime = Runtime(to_network(net), threads=args.threads)
            x_np = image.numpy()
            preprocessed = ((image - net.input_mean) / net.input_std)[0].numpy()

            def run_torch():
                with torch.inference_mode():
                    return net.logits(image)

            def run_onnx():
                return session.run(None, {"images": x_np})[0]

            def run_runtime():
                return runtime.forward(preprocessed)

            times = {"torch": [], "onnx": [], "runtime": []}
            for fn in (run_torch, run_onnx, run_runtime):  # warm-up (and Numba compilation)
                fn()
            for _ in range(args.repeats):
                for name, fn in (("torch", run_torch), ("onnx", run_onnx), ("runtime", run_runtime)):
                    t0 = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t0)
            t_out = run_torch()[0, 0].numpy()
            diff = max(np.abs(run_onnx()[0, 0] - t_out).max(), np.abs(run_runtime()[0] - t_out).max())
            median = {k: statistics.median(v) * 1000 for k, v in times.items()}
            if reference is None:
                reference = median
            params = sum(p.numel() for p in net.parameters())
            rows.append([
                label, f"{flops / 1e9:.2f}", f"{params / 1e6:.2f}",
                " ".join(str(w) for w in net.widths()[:-1]),
                f"{median['torch']:.0f} (min {min(times['torch']) * 1000:.0f})",
                f"{median['onnx']:.0f} (min {min(times['onnx']) * 1000:.0f})",
                f"{median['runtime']:.0f} (min {min(times['runtime']) * 1000:.0f})",
                f"{reference['torch'] / median['torch']:.1f}× / {reference['onnx'] / median['onnx']:.1f}× / "
                f"{reference['runtime'] / median['runtime']:.1f}×",
                f"{diff:.1e}",
            ])
            print(f"done {label}", file=sys.stderr, flush=True)
    print(f"\n384×512 input, batch 1, {args.threads} thread(s), {args.repeats} repeats, "
          f"load average at end {os.getloadavg()[0]:.1f}\n")
    print_table(["FLOP budget", "GFLOP", "M params", "widths", "torch ms", "onnxruntime ms",
                 "salbench runtime ms", "speed-up torch / ort / runtime", "max |Δ logits|"], rows)


LEVELS = (0.5, 0.3, 0.2, 0.1)
CRITERIA = [("fisher (β=1000/GFLOP)", "fisher", {"beta": 1000.0}),
            ("fisher per FLOP", "fisher_per_flop", {}),
            ("weight magnitude", "weight_magnitude", {}),
            ("activation magnitude", "activation_magnitude", {}),
            ("random (seed 10)", "random", {"seed": 10}),
            ("random (seed 11)", "random", {"seed": 11}),
            ("random (seed 12)", "random", {"seed": 12})]


def criteria(args):
    torch.set_num_threads(1)
    size = (24, 24)
    table = {name: [] for name, _, _ in CRITERIA}
    bases = []
    for seed in args.seeds:
        # Seed 0 is exactly the configuration of tests/test_pruning_fisher.py.
        train_data, _ = synthetic_gaze_task(192, size=size, radius=2.0, seed=100 + seed)
        val_data, truth = synthetic_gaze_task(96, size=size, radius=2.0, seed=200 + seed)
        torch.manual_seed(seed)
        base = GazeNet(backbone=((8, 8), (12, 12), (12,)), readout=(6,), blur_sigma=0.5)
        train(base, train_data, steps=400, batch_size=16, lr=3e-3, seed=seed)
        full = network_flops(base, size)
        bases.append(mean_log_likelihood(base, val_data))
        for name, criterion, options in CRITERIA:
            net = copy.deepcopy(base)
            scores = {}

            def at_removal(row, net=net, scores=scores):
                for level in LEVELS:
                    if level not in scores and row["flops"] <= level * full:
                        scores[level] = mean_log_likelihood(net, val_data)

            prune(net, train_data, criterion=criterion, target_flops=min(LEVELS) * full, steps_per_removal=5,
                  batch_size=16, callback=at_removal, **{"seed": 0, **options})
            table[name].append(np.mean([scores[level] for level in LEVELS]))
        print(f"seed {seed} done", file=sys.stderr, flush=True)
    headers = ["criterion", *[f"seed {s}" for s in args.seeds], "mean"]
    rows = [["unpruned", *[f"{v:.3f}" for v in bases], f"{np.mean(bases):.3f}"]]
    for name, values in table.items():
        rows.append([name, *[f"{v:.3f}" for v in values], f"{np.mean(values):.3f}"])
    best_baseline = [max(table[n][i] for n in table if not n.startswith("fisher")) for i in range(len(args.seeds))]
    for name in ("fisher (β=1000/GFLOP)", "fisher per FLOP"):
        rows.append([f"margin: {name} − best baseline",
                     *[f"{a - b:+.3f}" for a, b in zip(table[name], best_baseline)],
                     f"{np.mean(table[name]) - np.mean(best_baseline):+.3f}"])
    print("\nValidation log-likelihood (nats/fixation vs uniform), mean over FLOP levels "
          f"{', '.join(f'{l:.0%}' for l in LEVELS)}\n")
    print_table(headers, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["speed", "criteria"], default="speed")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--fractions", type=float, nargs="+", default=[1.0, 0.5, 0.25, 0.1, 0.05])
    parser.add_argument("--masked-fraction", type=float, default=0.25,
                        help="also time the unpruned network with this budget's maps masked off")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    speed(args) if args.part == "speed" else criteria(args)


if __name__ == "__main__":
    main()
