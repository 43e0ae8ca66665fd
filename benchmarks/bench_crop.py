"""Crop rules: speed of the summed-area search, and how well FastGaze's crops keep OSIE fixations.

1. Speed: ``crop_boxes`` (argmax, mass, centre at Twitter's five ratios) on 600 x 800 and
   1200 x 1600 maps, against a direct search that sums every candidate window with ``numpy.sum``.
2. Quality: :func:`salbench.cropping.crop_scores` of Twitter's FastGaze network (no centre bias, no
   fitting: the network alone, as Twitter's cropper used it) on the first ``--images`` OSIE images,
   summarised with bootstrap 95% intervals: the fraction of human fixations and of the empirical
   density each rule keeps, the centre crop and the best window of that size for comparison.
   ``--fitted`` scores instead ``FastGazeModel.fitted``: a centre bias fitted on the other OSIE
   images (those after the first ``--images``) and the logit scale / prior weight fitted on 100 of
   them, so no scored image is used for fitting.

Run from the repository root::

    .venv/bin/python benchmarks/bench_crop.py [--images 100] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, timed  # noqa: E402

from salbench.cropping import DEFAULT_RATIOS, crop_boxes, crop_scores, crop_size, summarise_crop_scores  # noqa: E402,E501


def direct_mass_crop(m, ratio):
    """Every window summed directly (what a summed-area table avoids)."""
    h, w = crop_size(m.shape, ratio)
    best, where = -np.inf, None
    for i in range(m.shape[0] - h + 1):
        for j in range(m.shape[1] - w + 1):
            s = m[i:i + h, j:j + w].sum()
            if s > best:
                best, where = s, (i, j)
    return where


def speed():
    rng = np.random.default_rng(0)
    rows = []
    for shape in ((600, 800), (1200, 1600)):
        m = rng.gamma(0.5, size=shape)
        seconds, _ = timed(crop_boxes, m, ratios=DEFAULT_RATIOS, repeat=5)
        t0 = time.perf_counter()
        for r in DEFAULT_RATIOS:
            direct_mass_crop(m, r)
        direct = time.perf_counter() - t0
        rows.append([f"{shape[0]}x{shape[1]}", f"{1000 * seconds:.1f}", f"{1000 * direct:.0f}",
                     f"{direct / seconds:.0f}x"])
    print("crop_boxes (3 rules x 5 ratios) vs direct window sums (mass rule only)\n")
    print_table(["map", "crop_boxes ms", "direct ms", "speed-up"], rows)


def quality(shared: Path, n_images: int, fitted: bool):
    from salbench.datasets import load
    from salbench.models.fastgaze import FastGazeModel

    osie = load("osie", root=shared / "datasets")
    dataset = osie.subset(range(n_images))
    weights = shared / "models" / "fastgaze" / "fastgaze.vxm"
    if fitted:
        t0 = time.perf_counter()
        model = FastGazeModel.fitted(weights, osie, range(n_images, len(osie)), max_fit_images=100)
        print(f"\nfitted on OSIE images {n_images}..{len(osie) - 1} in "
              f"{time.perf_counter() - t0:.0f} s: logit_scale {model.logit_scale:.3f}, "
              f"centre_bias_weight {model.centre_bias_weight:.3f}")
    else:
        model = FastGazeModel(weights)
    t0 = time.perf_counter()
    table = crop_scores(model, dataset, progress=False)
    seconds = time.perf_counter() - t0
    summary = summarise_crop_scores(table, n_boot=2000, seed=0)
    which = "fitted FastGaze (centre bias + scale)" if fitted else "FastGaze (network only)"
    print(f"\n{which} crops on OSIE images 0..{n_images - 1} ({seconds:.0f} s, "
          f"{seconds / n_images:.2f} s per image incl. the network); mean over images, "
          "[95% bootstrap interval]; 'vs centre' is the paired difference\n")
    rows = []
    for row in summary.itertuples():
        rows.append([f"{row.ratio:g}", row.method, row.metric, f"{row.mean:.3f}",
                     f"[{row.ci_low:.3f}, {row.ci_high:.3f}]",
                     f"{row.minus_centre:+.3f} [{row.minus_centre_low:+.3f}, "
                     f"{row.minus_centre_high:+.3f}]"])
    print_table(["ratio", "method", "metric", "mean", "95% CI", "vs centre"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--shared", type=Path,
                        default=Path(os.environ.get("SALBENCH_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--fitted", action="store_true",
                        help="Score FastGaze with a centre bias fitted on the other OSIE images.")
    args = parser.parse_args()
    if not args.skip_speed:
        speed()
    if not args.skip_quality:
        quality(args.shared, args.images, args.fitted)


if __name__ == "__main__":
    main()
