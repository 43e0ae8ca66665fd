"""How should the Gaussian blur of Twitter's FastGaze network treat the map's border?

The ``.vxm`` file gives the blur's kernel size (19) and std (3) but not its border handling. The
runtime pads with zeros. This script runs the network *without* its blur layer on the same OSIE
images as ``fastgaze_preprocessing.py`` (settled preprocessing: BGR 0–255 minus the ImageNet mean,
480×640, the settled resolution, by default), then applies the blur with each border mode — or not at all, or at full image resolution after upsampling
(std 3 *pixels* instead of 3 map cells) — fits ``s`` and ``w`` on the
training subsample and scores the validation images.

Run (from the repository root)::

    .venv/bin/python benchmarks/fastgaze_blur_padding.py [--train-images 100]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastgaze_preprocessing import SHARED, Study  # noqa: E402

from salbench import metrics  # noqa: E402
from salbench.models.fastgaze.model import (  # noqa: E402
    DEFAULT_INPUT_PIXELS, FastGazeModel, upsample_logits,
)
from salbench.models.fastgaze.network import GaussianBlur, Network  # noqa: E402
from salbench.models.fastgaze.vxm import read_vxm  # noqa: E402

LN2 = math.log(2.0)


def blur(map_, taps, mode):
    if mode == "zeros, renormalised":  # divide by the kernel mass inside the map
        inside = blur(np.ones_like(map_), taps, "constant")
        return blur(map_, taps, "constant") / inside
    out = ndimage.correlate1d(map_, taps, axis=1, mode=mode, cval=0.0)
    return ndimage.correlate1d(out, taps, axis=0, mode=mode, cval=0.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-images", type=int, default=100)
    parser.add_argument("--input-pixels", type=int, default=DEFAULT_INPUT_PIXELS,
                        help="network input size in pixels (default: the settled 480×640)")
    parser.add_argument("--validation-images", type=int, default=0)
    parser.add_argument("--vxm", default=str(SHARED / "models" / "fastgaze" / "fastgaze.vxm"))
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir())
                                               / "salbench-fastgaze-blur-padding"))
    args = parser.parse_args(argv)
    study = Study(args)
    full = read_vxm(args.vxm)
    blur_layer = full.layers[-1]
    assert isinstance(blur_layer, GaussianBlur)
    unblurred = Network(full.layers[:-1])
    model = FastGazeModel(unblurred, centre_bias=study.centre_bias, input_pixels=args.input_pixels)
    indices = list(study.train) + list(study.validation)
    raw, _ = study.logits(model, f"unblurred-bgr-mean-{args.input_pixels}px", indices)
    raw = {i: r.astype(np.float64) for i, r in zip(indices, raw)}
    taps = blur_layer.kernel().astype(np.float64)
    print(f"{len(study.train)} training images for s, w; {len(study.validation)} validation "
          f"images; network input {model.input_size((600, 800))}")
    print()
    print("| blur border | IG over CB (bits/fix) | LL (bits/fix) | AUC | s | w |")
    print("|---|---|---|---|---|---|")
    modes = ("constant", "zeros, renormalised", "nearest", "reflect", "mirror", "no blur",
             "after upsampling, zeros", "after upsampling, nearest")
    for mode in modes:
        def up(i):
            shape = tuple(study.dataset.stimuli.shape(int(i)))
            at_map = mode == "no blur" or mode.startswith("after")
            logits = raw[i] if at_map else blur(raw[i], taps, mode)
            upsampled = upsample_logits(logits, shape, model.input_size(shape), 16)
            if mode.startswith("after"):  # kernel 19, std 3 in image pixels
                upsampled = blur(upsampled, taps, "constant" if "zeros" in mode else "nearest")
            return upsampled

        fitted = FastGazeModel(unblurred, centre_bias=study.centre_bias, input_pixels=args.input_pixels)
        fitted.fit(study.dataset, images=study.train, logit_maps=[up(i) for i in study.train])
        ll, ig, auc, n = [], [], [], []
        for i in study.validation:
            f = study.dataset.fixations.for_image(int(i))
            shape = tuple(study.dataset.stimuli.shape(int(i)))
            prior = study.centre_bias.log_density(shape, image_id=study.ids[i])
            log_p = fitted.combine(up(i), prior)
            ll.append(metrics.log_likelihood(log_p, f.x, f.y))
            ig.append(metrics.information_gain(log_p, prior, f.x, f.y))
            auc.append(metrics.auc(log_p, f.x, f.y))
            n.append(len(f.x))
        n = np.array(n, float)
        name = "zeros (the runtime's)" if mode == "constant" else mode
        print(f"| {name} | {np.dot(ig, n) / n.sum():.4f} | {np.dot(ll, n) / n.sum() / LN2:.4f} | "
              f"{np.mean(auc):.4f} | {fitted.logit_scale:.3f} | {fitted.centre_bias_weight:.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
