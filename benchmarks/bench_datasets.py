"""Datasets benchmark: load times, empirical-map times, baseline fits and information gains.

    python benchmarks/bench_datasets.py [--root ../shared/datasets] [--repeat 5]
                                        [--sections load cache maps baselines]

Prints four tables:
0. the converted-dataset cache (``--sections cache``): a synthetic dataset of 2000 images in 20
   category folders with 1,000,000 fixations and a ``category`` attribute, registered with a
   table loader (a stand-in for any loader: the cache does not depend on it), and OSIE: the
   first load (parse + cache write) and later loads (median of --repeat), with the peak of
   Python-tracked memory of a cached load (tracemalloc) per fixation;
1. loading OSIE / NUS Scene (median of --repeat runs): the MAT parse alone and the full load
   (with image sizes read from the JPEG headers);
2. computing every empirical map of OSIE: fixation maps, Gaussian density maps (sigma = 1 degree
   = 24 px) and MIT-style maps (MIT's Fourier blur, sigma = 24);
3. the baselines on each dataset's default split (salbench.datasets.split_images, seed 0:
   70/10/20 %): centre bias fitted on the training images, gold standard (leave one subject out)
   with a uniform or a centre-bias prior, its bandwidth and prior weight chosen on the training
   images; information gain in bits per fixation on the test
   images, as the mean over images of per-image means (the benchmark convention) with a 95%
   bootstrap interval over images, and pooled over all test fixations.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from pathlib import Path

import numpy as np

import salbench
from salbench.datasets import density_map, fixation_map, load, split_images
from salbench.datasets.loaders.nus_scene import read_nus_scene
from salbench.datasets.loaders.osie_layout import read_osie_layout
from salbench.models.baselines import CentreBiasModel, GoldStandardModel, UniformModel

DEFAULT_ROOT = Path(os.environ.get("SALBENCH_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "datasets"


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(title, header, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(v) for v in row) + " |")


def bootstrap_ci(values, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    values = np.asarray(values)
    means = values[rng.integers(0, values.size, (n, values.size))].mean(axis=1)
    return np.percentile(means, [2.5, 97.5])


def information_gains(dataset, split, models):
    """Per-image mean log-likelihoods (nats) of each model on the test images, and pooled."""
    per_image = {name: [] for name in models}
    pooled = {name: [] for name in models}
    for i in split.test:
        item = dataset[i]
        f = item.fixations
        if len(f) == 0:
            continue
        for name, model in models.items():
            ll = model.log_likelihoods(item.shape, f.x, f.y, image_id=item.id, subjects=f.subject)
            per_image[name].append(float(np.mean(ll)))
            pooled[name].append(ll)
    return ({k: np.array(v) for k, v in per_image.items()},
            {k: np.concatenate(v) for k, v in pooled.items()})


def _million_fixation_dataset(folder, n_images=2000, n_fixations=1_000_000, seed=0):
    """2000 tiny JPEGs in 20 category folders and a Parquet table of 1M fixations."""
    import pandas as pd
    from PIL import Image

    rng = np.random.default_rng(seed)
    names = []
    for i in range(n_images):
        rel = f"cat{i // 100:02d}/{i % 100 + 1:03d}.jpg"
        (folder / "Stimuli" / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (48, 27), (i % 256, 0, 0)).save(folder / "Stimuli" / rel)
        names.append(rel)
    image = np.sort(rng.integers(0, n_images, n_fixations))
    pd.DataFrame({"image": image, "x": rng.uniform(0, 48, n_fixations),
                  "y": rng.uniform(0, 27, n_fixations),
                  "subject": rng.integers(0, 18, n_fixations)}).to_parquet(folder / "fix.parquet")
    return names


def _table_loader(spec, folder):
    import pandas as pd

    from salbench.datasets import Dataset, Stimuli, read_fixations

    names = sorted(p.relative_to(folder / "Stimuli").as_posix()
                   for p in (folder / "Stimuli").glob("*/*.jpg"))
    fixations = read_fixations(folder / "fix.parquet", coordinates=("x", "y"), xy_order="xy",
                               one_based=False, image="image", subject="subject",
                               n_images=len(names))
    stimuli = Stimuli([folder / "Stimuli" / n for n in names])
    return Dataset(stimuli, fixations, spec.facts(),
                   attributes=pd.DataFrame({"category": [n.split("/")[0] for n in names]}))


def cache_section(args):
    import dataclasses
    import tempfile
    import tracemalloc

    from salbench.datasets import specs
    from salbench.datasets.registry import register

    rows = []
    with tempfile.TemporaryDirectory(prefix="salbench-bench-") as tmp:
        tmp = Path(tmp)
        _million_fixation_dataset(tmp / "million" / "bench_million")
        register(dataclasses.replace(specs.spec("cat2000_train"), name="bench_million",
                                     folder="bench_million", loader=_table_loader,
                                     fixation_files=("fix.parquet",)), replace=True)
        cases = [("bench_million (2000 images, 1,000,000 fixations)", "bench_million", tmp / "million"),
                 ("osie (700 images, 98,321 fixations)", "osie", args.root)]
        for label, name, root in cases:
            cache = tmp / "cache"
            start = time.perf_counter()
            first = load(name, root=root, cache=cache)
            first_s = time.perf_counter() - start
            cached_s = timed(lambda: load(name, root=root, cache=cache), args.repeat)
            tracemalloc.start()
            again = load(name, root=root, cache=cache)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert again.fixations.equals(first.fixations)
            n = len(again.fixations)
            size = sum(p.stat().st_size for p in cache.glob(f"{name}-*.npz"))
            rows.append([label, f"{first_s:.2f}", f"{cached_s:.3f}", f"{peak / 1e6:.1f}",
                         f"{peak / n:.0f}", f"{size / 1e6:.1f}"])
    table("Converted-dataset cache (seconds; memory of a cached load)",
          ["dataset", "first load (parse + write)", "cached load (median)", "peak MB (tracemalloc)",
           "bytes per fixation", "cache file MB"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--datasets", nargs="+", default=["osie", "nus_scene"])
    parser.add_argument("--sections", nargs="+", default=["load", "cache", "maps", "baselines"],
                        choices=["load", "cache", "maps", "baselines"])
    args = parser.parse_args()
    print(f"salbench {salbench.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, root {args.root}, "
          f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    if "cache" in args.sections:
        cache_section(args)
    if "load" in args.sections:
        load_section(args)
    if "maps" in args.sections:
        maps_section(args)
    if "baselines" in args.sections:
        baselines_section(args)


def load_section(args):
    """1. Loading OSIE and NUS Scene: the MAT parse alone and the full load."""
    rows = []
    osie_mat = args.root / "osie" / "eye" / "fixations.mat"
    rows.append(["osie", "parse fixations.mat", f"{timed(lambda: read_osie_layout(osie_mat), args.repeat):.3f}"])
    rows.append(["osie", "load (fixations + stimuli sizes)",
                 f"{timed(lambda: load('osie', root=args.root), args.repeat):.3f}"])
    nus_mat = args.root / "nus_scene" / "tidy"
    rows.append(["nus_scene", "parse fixations.mat + imgInfo.mat",
                 f"{timed(lambda: read_nus_scene(nus_mat / 'fixations.mat', nus_mat / 'imgInfo.mat'), args.repeat):.3f}"])
    rows.append(["nus_scene", "load (fixations + stimuli sizes)",
                 f"{timed(lambda: load('nus_scene', root=args.root), args.repeat):.3f}"])
    table("Loading (median seconds)", ["dataset", "what", "s"], rows)


def maps_section(args):
    """2. Every empirical map of OSIE, one at a time as the engine uses them."""
    osie = load("osie", root=args.root)
    f = osie.fixations
    shape = (600, 800)
    # compile / warm caches once
    density_map(f.for_image(0), shape, sigma=24)
    density_map(f.for_image(0), shape, sigma=24, method="mit")
    rows = []

    def stream(make):
        # The engine's access pattern: one map at a time, used and dropped (keeping 700 maps of
        # 3.8 MB would measure the memory system instead).
        checksum = 0.0
        for i in range(len(osie)):
            checksum += float(make(f.for_image(i))[300, 400])
        return checksum

    for label, make in [
        ("fixation maps (counts)", lambda fi: fixation_map(fi, shape)),
        ("density maps, Gaussian sigma 24 px (reflect)", lambda fi: density_map(fi, shape, sigma=24)),
        ("density maps, MIT Fourier blur sigma 24", lambda fi: density_map(fi, shape, sigma=24, method="mit")),
    ]:
        seconds = timed(lambda: stream(make), max(1, args.repeat // 2))
        rows.append([label, f"{seconds:.2f}", f"{1000 * seconds / len(osie):.2f}"])
    table("All 700 OSIE maps (median seconds)", ["maps", "total s", "ms per map"], rows)


def baselines_section(args):
    """3. The baselines' information gains on each dataset's default test split."""
    rows, fits = [], []
    for name in args.datasets:
        ds = load(name, root=args.root)
        split = split_images(ds)
        start = time.perf_counter()
        cb = CentreBiasModel().fit(ds, images=split.train)
        t_cb = time.perf_counter() - start
        start = time.perf_counter()
        # hyperparameters of the gold standard chosen on the training images too (its
        # leave-one-subject-out densities then score the test images)
        gs = GoldStandardModel().fit(ds, images=split.train)
        t_gs = time.perf_counter() - start
        start = time.perf_counter()
        gs_cb = GoldStandardModel(prior=cb).fit(ds, images=split.train)
        t_gs_cb = time.perf_counter() - start
        fits += [[name, "centre bias", f"{t_cb:.2f}", f"bandwidth {cb.bandwidth_:.4f} (x W, y H), uniform weight {cb.uniform_weight_:.2g}, CV IG {cb.cv_information_gain_:.3f} bit"],
                 [name, "gold standard (uniform prior)", f"{t_gs:.2f}", f"bandwidth {gs.bandwidth_:.4f} x max(H, W), prior weight {gs.prior_weight_:.3f}"],
                 [name, "gold standard (centre-bias prior)", f"{t_gs_cb:.2f}", f"bandwidth {gs_cb.bandwidth_:.4f} x max(H, W), prior weight {gs_cb.prior_weight_:.3f}"]]
        per_image, pooled = information_gains(ds, split, {
            "uniform": UniformModel(), "cb": cb, "gs": gs, "gs_cb": gs_cb})
        for label, a, b in [("centre bias over uniform", "cb", "uniform"),
                            ("gold standard (uniform prior) over centre bias", "gs", "cb"),
                            ("gold standard (centre-bias prior) over centre bias", "gs_cb", "cb")]:
            diff = (per_image[a] - per_image[b]) / math.log(2)
            lo, hi = bootstrap_ci(diff)
            pooled_ig = np.mean(pooled[a] - pooled[b]) / math.log(2)
            rows.append([name, label, f"{diff.mean():.3f}", f"[{lo:.3f}, {hi:.3f}]", f"{pooled_ig:.3f}",
                         f"{len(split.test)} images, {pooled[a].size} fixations"])
    table("Baseline fits (seconds)", ["dataset", "model", "fit s", "parameters"], fits)
    table("Information gain on the test split (bits per fixation)",
          ["dataset", "gain", "mean over images", "95% CI (bootstrap)", "pooled", "test set"], rows)


if __name__ == "__main__":
    main()
