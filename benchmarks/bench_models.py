"""Model adapters and fits: map reading speed, folder checks, the saliency-to-density fit and
metric-specific maps, on OSIE-sized data.

    python benchmarks/bench_models.py [--root ../shared/datasets] [--images 700] [--skip-fit]

1. Map reading: one 800x600 map written in each format (smooth content, realistic file sizes);
   time of :func:`salbench.models.adapters.read_map` per map (best of 20 reads).
2. Folder check: 700 PNG maps (one per OSIE stimulus) checked against OSIE with
   ``MapDirectoryModel.check`` — decoding every map (1 and 2 threads) and headers only — and a
   full pass of ``saliency_map`` over all images (1 thread).
3. Saliency map -> density (``SaliencyMapDensityModel``) on OSIE's deterministic split (seed 0,
   70/10/20): the model is a simple bottom-up contrast map computed from the pixels (|grey -
   local mean| blurred), fitted on the training images at two working-grid sizes; prints fit
   time, fitted blur and centre-bias weight, and the information gain over the centre bias on
   the *test* images (bits per fixation).
4. Metric-specific maps of that probabilistic model: time per image for each kind of map.

CPU time (``time.process_time``) is printed beside wall time: other processes on the shared CPUs
inflate the wall time, not the CPU time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table  # noqa: E402

DEFAULT_ROOT = Path(os.environ.get("SALBENCH_SHARED",
                                   Path(__file__).resolve().parents[2] / "shared")) / "datasets"


def smooth_map(shape, rng):
    from scipy.ndimage import gaussian_filter

    h, w = shape
    noise = gaussian_filter(rng.random((h // 4, w // 4)), 4)
    noise = np.kron(noise, np.ones((4, 4)))[:h, :w]
    return (noise - noise.min()) / (np.ptp(noise) + 1e-12)


def clock(function, repeat=1):
    best_wall, best_cpu, result = np.inf, np.inf, None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, result


def bench_formats(folder: Path):
    import scipy.io
    from PIL import Image

    from salbench.models.adapters import read_map

    from scipy.ndimage import gaussian_filter

    a = smooth_map((600, 800), np.random.default_rng(0))
    u8 = (255 * a).astype(np.uint8)
    # a map with detail at full resolution compresses less and decodes slower
    fine = gaussian_filter(np.random.default_rng(1).random((600, 800)), 10)
    fine_u8 = (255 * (fine - fine.min()) / np.ptp(fine)).astype(np.uint8)
    writers = {
        "PNG 8-bit": ("m8.png", lambda p: Image.fromarray(u8).save(p)),
        "PNG 8-bit, full-res detail": ("fine.png", lambda p: Image.fromarray(fine_u8).save(p)),
        "PNG 16-bit": ("m16.png", lambda p: Image.fromarray((65535 * a).astype(np.uint16)).save(p)),
        "JPEG": ("m.jpg", lambda p: Image.fromarray(u8).save(p, quality=95)),
        "TIFF float32": ("m.tiff", lambda p: Image.fromarray(a.astype(np.float32)).save(p)),
        "NPY float32": ("m32.npy", lambda p: np.save(p, a.astype(np.float32))),
        "NPY float64": ("m64.npy", lambda p: np.save(p, a)),
        "NPZ compressed": ("m.npz", lambda p: np.savez_compressed(p, a=a.astype(np.float32))),
        "MAT v5": ("m.mat", lambda p: scipy.io.savemat(p, {"a": a})),
    }
    rows = []
    for label, (name, write) in writers.items():
        path = folder / name
        write(path)
        wall, cpu, _ = clock(lambda: read_map(path), repeat=20)
        rows.append([label, f"{path.stat().st_size / 1e3:.0f}", f"{wall * 1e3:.2f}", f"{cpu * 1e3:.2f}"])
    print("\n### Reading one 800x600 map (best of 20)\n")
    print_table(["format", "file kB", "wall ms", "CPU ms"], rows)


def bench_folder(dataset, folder: Path):
    from PIL import Image

    from salbench.models.adapters import MapDirectoryModel

    rng = np.random.default_rng(1)
    for stem, shape in zip(dataset.stimuli.stems, dataset.stimuli.shapes):
        Image.fromarray((255 * smooth_map(tuple(shape), rng)).astype(np.uint8)).save(folder / f"{stem}.png")
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    _ = dataset.stimuli.ids  # hash the stimuli once (not part of the check's cost)
    rows = []
    for label, options in [("check, decode, 1 thread", {"threads": 1}),
                           ("check, decode, 2 threads", {"threads": 2}),
                           ("check, headers only", {"decode": False, "threads": 1})]:
        model = MapDirectoryModel(folder)
        wall, cpu, _ = clock(lambda: model.check(dataset, **options))
        rows.append([label, f"{wall:.2f}", f"{cpu:.2f}", f"{wall / len(dataset) * 1e3:.2f}"])
    model = MapDirectoryModel(folder)
    model.check(dataset, decode=False)
    ids, shapes = dataset.stimuli.ids, dataset.stimuli.shapes

    def read_all():
        for i, image_id in enumerate(ids):
            model.saliency_map(tuple(int(v) for v in shapes[i]), image_id=image_id)

    wall, cpu, _ = clock(read_all)
    rows.append(["saliency_map for every image, 1 thread", f"{wall:.2f}", f"{cpu:.2f}",
                 f"{wall / len(dataset) * 1e3:.2f}"])
    print(f"\n### {len(dataset)} PNG maps ({size:.1f} MB) against OSIE\n")
    print_table(["operation", "wall s", "CPU s", "wall ms/map"], rows)


def contrast_map(image):
    """A simple bottom-up map: local luminance contrast, blurred."""
    from scipy.ndimage import gaussian_filter, uniform_filter

    grey = image.astype(np.float64).mean(axis=2) if image.ndim == 3 else image.astype(np.float64)
    grey = grey[::2, ::2]
    contrast = np.abs(grey - uniform_filter(grey, 15))
    small = gaussian_filter(contrast, 4)
    return np.kron(small, np.ones((2, 2)))[:image.shape[0], :image.shape[1]]


def bench_fit(dataset):
    from salbench.datasets.splits import split_images
    from salbench.models import CallableModel, SaliencyMapDensityModel
    from salbench.models.baselines import CentreBiasModel
    from salbench.models.metric_maps import MetricMapModel

    split = split_images(dataset, seed=0)
    train, test = list(split.train), list(split.test)
    base = CallableModel(contrast_map, name="contrast")
    # Precompute maps once so that fits measure the fit, not the feature computation.
    w0, c0 = time.perf_counter(), time.process_time()
    ids = dataset.stimuli.ids
    maps = {ids[i]: base.saliency_map(dataset.stimuli.load(i)) for i in train + test}
    print(f"\n(contrast maps for {len(maps)} images: {time.perf_counter() - w0:.1f} s wall, "
          f"{time.process_time() - c0:.1f} s CPU)")

    from salbench.models.base import SaliencyMapModel

    class Stored(SaliencyMapModel):
        name = "contrast"
        needs_pixels = False

        def saliency_map(self, image, *, image_id=None):
            return maps[image_id]

    cb = CentreBiasModel().fit(dataset, images=train)

    def mean_ll(model, images):
        total, count = 0.0, 0
        for i in images:
            f = dataset.fixations.for_image(i)
            ll = model.log_likelihoods(dataset.stimuli.shape(i), f.x, f.y, image_id=ids[i])
            total, count = total + ll.sum(), count + ll.size
        return total / count / np.log(2)

    cb_test = mean_ll(cb, test)
    rows = []
    fitted = None
    for grid in (64, 100):
        model = SaliencyMapDensityModel(Stored(), centre_bias=cb, grid=grid)
        wall, cpu, _ = clock(lambda: model.fit(dataset, train=train))
        gain = mean_ll(model, test) - cb_test
        rows.append([grid, f"{wall:.1f}", f"{cpu:.1f}", f"{model.sigma_:.4f}",
                     f"{model.centre_bias_weight_:.3f}", f"{gain:+.4f}"])
        fitted = model
    print(f"\n### Saliency map -> density on OSIE ({len(train)} training, {len(test)} test "
          "images; contrast map)\n")
    print_table(["grid", "fit wall s", "fit CPU s", "sigma (of 800 px)", "centre-bias weight",
                 "test IG over centre bias, bits/fix"], rows)

    rows = []
    image = dataset.stimuli.shape(test[0])
    n_fix = int(round(np.mean([len(dataset.fixations.for_image(i)) for i in train])))
    for metric in ("auc", "sauc", "cc", "sim", "information_gain"):
        m = MetricMapModel(fitted, metric, sigma=24.0, n_fixations=n_fix, negatives=cb)
        wall, cpu, _ = clock(lambda: m.saliency_map(image, image_id=ids[test[0]]), repeat=3)
        rows.append([metric, f"{wall * 1e3:.0f}", f"{cpu * 1e3:.0f}"])
    print(f"\n### Metric-specific maps, one 800x600 image (sigma 24 px, {n_fix} fixations; best of 3)\n")
    print_table(["metric", "wall ms", "CPU ms"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--images", type=int, default=700)
    parser.add_argument("--skip-fit", action="store_true")
    args = parser.parse_args()

    from salbench.datasets import load

    dataset = load("osie", root=args.root)
    if args.images < len(dataset):
        dataset = dataset.subset(range(args.images))
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "formats").mkdir()
        bench_formats(tmp / "formats")
        (tmp / "maps").mkdir()
        bench_folder(dataset, tmp / "maps")
    if not args.skip_fit:
        bench_fit(dataset)


if __name__ == "__main__":
    main()
