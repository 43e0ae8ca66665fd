"""The Lite gaze models against Twitter's FastGaze and the GazeNet family, in and out of domain.

Scored through the evaluation engine (``salbench.evaluate``) on

* **OSIE test** (``split_images(osie, seed=0)``, 140 images; in domain: every model was fitted or
  trained on OSIE's training split, every choice made on its validation split), and
* **NUS Scene**, all 500 stimuli (out of domain: another lab, other images and observers; no model
  saw them — the Lite models never, the GazeNet family as unlabelled distillation inputs only).

Information gain in bits/fixation over **one** centre bias fitted on the OSIE training images
(``baseline="centre-bias:osie:train"``), for every model and both datasets; ``explained_ig`` is
the percentage of the gold standard's IG (leave one observer out). Beside the leaderboard means
(95 % bootstrap intervals over images) the table gives each model's IG as a percentage of
Twitter FastGaze's with a 95 % **paired** bootstrap interval (the same resampled images for both
models: ``salbench.stats.ratio_of_means``, 2,000 resamples).

Rows: Twitter FastGaze + centre bias (480×640, its settled input; logit scale and prior weight
fitted on OSIE train: ``FastGazeModel.fitted``), GazeNet unpruned and its default ``pruned-12``,
and every Lite variant in ``salbench/data/models/index.json``.

Speed, for one 384×512 image (resize, network, upsampling, prior, normalisation): ``ms`` median
wall time of ``log_density`` on one core for the Lite models (their runtime is single-threaded)
and with 2 threads for the FastGaze runtime; ``img/s (2 cores)`` the throughput of two worker
threads scoring images side by side. For each Lite network the runtime's forward pass is compared
with the PyTorch twin's (same weights, same threads).

Writes ``docs/lite_models.md`` and ``docs/images/speed_accuracy_lite.png``. Run from the repository
root::

    .venv/bin/python benchmarks/bench_lite_models.py
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from salbench.datasets import load, split_images  # noqa: E402
from salbench.evaluation import evaluate, evaluate_baselines  # noqa: E402
from salbench.models.base import ProbabilisticModel  # noqa: E402
from salbench.reports import leaderboard  # noqa: E402

SHARED = Path(os.environ.get("SALBENCH_SHARED", ROOT.parent / "shared"))
# The IG baseline spec "centre-bias:osie:train" loads OSIE by name while NUS Scene is scored.
os.environ.setdefault("SALBENCH_DATA", str(SHARED / "datasets"))
METRICS = ["information_gain", "auc", "sauc", "nss", "cc", "kld", "sim"]
BASELINE = "centre-bias:osie:train"
TIMING_SIZE = (384, 512)
TWITTER = "Twitter FastGaze + CB (480×640)"


class Named(ProbabilisticModel):
    """A model under a fixed name, with its GFLOP at 384×512 recorded."""

    def __init__(self, model, *, name: str, family: str, gflops: float):
        self.model, self.name, self.family, self.gflops = model, name, family, float(gflops)
        self.thread_safe = getattr(model, "thread_safe", False)

    def log_density(self, image, *, image_id=None):
        return self.model.log_density(image, image_id=image_id)

    def describe(self) -> dict:
        d = self.model.describe()
        d["name"] = self.name
        d["gflop_384x512"] = self.gflops
        return d

    def fingerprint(self) -> dict:
        # The wrapped model's weights and settings, not this script's code: editing the report
        # must not invalidate the scores.
        from salbench._fingerprint import model_fingerprint

        return {"name": self.name, "model": model_fingerprint(self.model)}


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def build_models(osie, split, threads: int, families=("twitter", "gazenet", "lite")):
    from salbench.models.default import default_model, variants
    from salbench.models.fastgaze.model import FastGazeModel

    vxm = SHARED / "models" / "fastgaze" / "fastgaze.vxm"
    twitter = FastGazeModel.fitted(vxm, osie, split.train, max_fit_images=100,
                                   input_pixels=480 * 640, final_blur="image", threads=threads)
    size = twitter.input_size(TIMING_SIZE)
    out = [Named(twitter, name=TWITTER, family="twitter", gflops=twitter.gflops(*size))]
    for tag in ("unpruned", "pruned-12") if "gazenet" in families else ():
        m = default_model(tag, threads=threads)
        size = m.input_size(TIMING_SIZE)
        out.append(Named(m, name=f"GazeNet {tag}", family="gazenet", gflops=m.gflops(*size)))
    for tag in variants(family="lite") if "lite" in families else ():
        m = default_model(tag)
        size = m.input_size(TIMING_SIZE)
        out.append(Named(m, name=f"Lite {tag}", family="lite", gflops=m.gflops(*size)))
    return out


def time_models(models, image, repeats: int) -> dict:
    """``{name: (ms one image, images/s with 2 worker threads)}``."""
    out = {}
    for named in models:
        model = named.model
        model.log_density(image)
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            model.log_density(image)
            samples.append(time.perf_counter() - t0)
        rate = math.nan
        if named.family == "lite":
            n = 2 * repeats
            with ThreadPoolExecutor(2) as pool:
                t0 = time.perf_counter()
                list(pool.map(lambda _: model.log_density(image), range(n)))
                rate = n / (time.perf_counter() - t0)
        out[named.name] = (1e3 * statistics.median(samples), rate)
        log(f"{named.name}: {out[named.name][0]:.1f} ms, {rate:.1f} img/s")
    return out


def torch_comparison(models, image, repeats: int) -> list:
    """Runtime vs the PyTorch twin on the same Lite network (one image, 1 and 2 threads)."""
    import torch

    from salbench.models.lite import runtime
    from salbench.models.lite.torch_net import from_lite_network
    from salbench.models.fastgaze.model import preprocess

    rows = []
    for named in models:
        if named.family != "lite":
            continue
        model = named.model
        net = model.network
        twin = from_lite_network(net)
        size = model.input_size(image.shape[:2])
        x = preprocess(image, model._preprocessing, size)
        raw = torch.from_numpy(np.ascontiguousarray(
            np.asarray(x) * np.asarray(net.std, np.float32)[:, None, None]
            + np.asarray(net.mean, np.float32)[:, None, None]))[None]

        def med(f):
            f()
            samples = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                f()
                samples.append(time.perf_counter() - t0)
            return 1e3 * statistics.median(samples)

        from salbench._blas import single_threaded

        with single_threaded():
            ours = med(lambda: runtime.forward(net, x))
        before = torch.get_num_threads()
        results = {}
        for threads in (1, 2):
            torch.set_num_threads(threads)
            with torch.no_grad():
                results[threads] = med(lambda: twin.head(twin.features(raw)))
        torch.set_num_threads(before)
        with torch.no_grad():
            diff = float(np.abs(runtime.forward(net, x)
                                - twin.head(twin.features(raw))[0, 0].numpy()).max())
        rows.append((named.name, "×".join(map(str, size)), ours, results[1], results[2], diff))
        log(f"{named.name}: runtime {ours:.1f} ms, torch {results[1]:.1f} ms (1 thread), "
            f"{results[2]:.1f} ms (2 threads), max |diff| {diff:.2g}")
    return rows


def paired_ratios(results, reference: str, *, n_bootstrap=2000, seed=0) -> dict:
    """``{model: (100·ratio, low, high)}`` of mean IG over the reference's, paired over images."""
    from salbench.stats import bootstrap_indices, percentile_interval, ratio_of_means

    by_name = {r.model: r for r in results}
    ref = by_name[reference].images.set_index("image")["information_gain"]
    rng = np.random.default_rng(seed)
    indices = bootstrap_indices(len(ref), n_bootstrap, rng)
    out = {}
    for name, r in by_name.items():
        if r.role != "model":
            continue
        values = r.images.set_index("image")["information_gain"].reindex(ref.index).to_numpy(float)
        point = float(np.nanmean(values) / np.nanmean(ref.to_numpy(float)))
        low, high = percentile_interval(ratio_of_means(values, ref.to_numpy(float), indices), 0.95)
        out[name] = (100 * point, 100 * low, 100 * high)
    return out


def score(dataset, split, models, out: Path, threads: int, overwrite: bool):
    options = dict(split=split, metrics=METRICS, n_threads=threads, progress=False,
                   overwrite=overwrite, baseline=BASELINE)
    name = dataset.name
    results = evaluate_baselines(dataset, out=out / name / "baselines", **options)
    for model in models:
        t0 = time.perf_counter()
        target = out / name / model.name.replace(" ", "_").replace("/", "-").replace("×", "x")
        results.append(evaluate(model, dataset, out=target, allow_fit_overlap=False, **options))
        log(f"{name}: {model.name} scored in {time.perf_counter() - t0:.0f} s")
    return results


def table(results, models, ratios, timings) -> list:
    board = leaderboard(results, metrics=METRICS + ["explained_ig"], seed=0)
    means, lows, highs = board.wide(), board.wide("ci_low"), board.wide("ci_high")
    header = ["model", "GFLOP @384×512", "ms", "img/s (2 cores)", "IG (bits/fix)",
              "% of FastGaze IG (paired 95 %)", "explained IG %", "AUC", "sAUC", "NSS", "CC",
              "KLD", "SIM"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    names = [m.name for m in models] + ["gold standard", "centre bias", "uniform"]
    by_model = {m.name: m for m in models}
    for name in names:
        if name not in means.index:
            continue
        m = by_model.get(name)
        ig = means.loc[name, "information_gain"]
        cells = [name, f"{m.gflops:.2f}" if m else "–",
                 f"{timings[name][0]:.1f}" if m else "–",
                 (f"{timings[name][1]:.1f}" if m and not math.isnan(timings[name][1]) else "–"),
                 f"{ig:.3f} ({lows.loc[name, 'information_gain']:.3f}–"
                 f"{highs.loc[name, 'information_gain']:.3f})",
                 (f"{ratios[name][0]:.1f} ({ratios[name][1]:.1f}–{ratios[name][2]:.1f})"
                  if name in ratios else "–")]
        cells.append(f"{means.loc[name, 'explained_ig']:.1f}" if "explained_ig" in means else "–")
        for metric in ("auc", "sauc", "nss", "cc", "kld", "sim"):
            cells.append(f"{means.loc[name, metric]:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines, board


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "salbench-lite-bench")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--score-only", nargs="*", default=None, metavar="FAMILY",
                        help="only score these families (twitter, gazenet, lite) into --out and "
                             "stop: results are reused by the full run")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    osie = load("osie", root=SHARED / "datasets")
    nus = load("nus_scene", root=SHARED / "datasets")
    split = split_images(osie, seed=0)
    if args.score_only is not None:
        models = build_models(osie, split, args.threads, families=["twitter", *args.score_only])
        for dataset, part in ((osie, "test"), (nus, None)):
            score(dataset, part, models, args.out, args.threads, args.overwrite)
        return
    models = build_models(osie, split, args.threads)

    from PIL import Image

    photo = osie.stimuli.load(split.test[0])
    image = np.asarray(Image.fromarray(photo).resize(TIMING_SIZE[::-1], Image.Resampling.BILINEAR))
    load_before = os.getloadavg()[0]
    timings = time_models(models, image, args.repeats)
    torch_rows = torch_comparison(models, image, args.repeats)
    load_after = os.getloadavg()[0]

    sections, plot_rows = [], []
    for dataset, part, label in ((osie, "test", "OSIE test (140 images, in domain)"),
                                 (nus, None, "NUS Scene (all 500 images, out of domain)")):
        results = score(dataset, part, models, args.out, args.threads, args.overwrite)
        ratios = paired_ratios(results, TWITTER)
        lines, board = table(results, models, ratios, timings)
        sections += [f"### {label}", "", *lines, ""]
        means = board.wide()
        for m in models:
            plot_rows.append({"model": f"{m.name} [{dataset.name}]", "role": "model",
                              "information_gain": means.loc[m.name, "information_gain"],
                              "ci_low": board.wide("ci_low").loc[m.name, "information_gain"],
                              "ci_high": board.wide("ci_high").loc[m.name, "information_gain"],
                              "ms": timings[m.name][0]})
        print("\n".join(lines))

    import pandas as pd

    from salbench.plotting import plot_speed_accuracy, save_figure

    ax = plot_speed_accuracy(pd.DataFrame(plot_rows), metric="information_gain", cost="ms",
                             title="IG over the OSIE-train centre bias against time per image")
    ax.set_xlabel("ms per 384×512 image (log scale)")
    image_path = args.docs / "images" / "speed_accuracy_lite.png"
    save_figure(ax.figure, image_path, dpi=110)

    torch_lines = ["| network | input | runtime ms (1 core) | PyTorch ms (1 thread) | "
                   "PyTorch ms (2 threads) | max abs. difference of logits |",
                   "|---|---|---:|---:|---:|---:|"]
    torch_lines += [f"| {n} | {s} | {a:.1f} | {b:.1f} | {c:.1f} | {d:.1e} |"
                    for n, s, a, b, c, d in torch_rows]
    from salbench._io import write_text_atomic

    text = "\n".join([
        "# Lite gaze models: EfficientNet-Lite0 features against Twitter's FastGaze",
        "",
        "Generated by `benchmarks/bench_lite_models.py` (do not edit by hand). IG: bits/fixation "
        "over a centre bias fitted on the OSIE training images (the same baseline for every row "
        "and both datasets), mean over images with its 95 % bootstrap interval; `% of FastGaze "
        "IG`: mean IG over FastGaze's, with a 95 % paired bootstrap interval over images; "
        "explained IG: percent of the gold standard's IG (leave one observer out). Speed for one "
        f"384×512 image; 1-minute load average {load_before:.1f} before and {load_after:.1f} after "
        "the timing on the shared 2-core machine (above 2 means other jobs shared the cores: the "
        "times are upper bounds).",
        "",
        *sections,
        "![IG against time](images/speed_accuracy_lite.png)",
        "",
        "### Framework-free runtime against PyTorch on the same network",
        "",
        *torch_lines,
        "",
        f"Benchmark wall time: {(time.perf_counter() - started) / 60:.1f} minutes.",
        "",
    ])
    path = write_text_atomic(args.docs / "lite_models.md", text)
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
