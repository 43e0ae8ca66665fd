"""Settle the input preprocessing of Twitter's FastGaze network with evidence from OSIE.

The ``.vxm`` file stores no preprocessing, so for each plausible choice (input scale, channel
order, mean subtraction, input resolution) this script

1. runs the network on a subsample of OSIE *training* images and fits the logit scale ``s`` and
   centre-bias weight ``w`` of :class:`FastGazeModel` there (maximum likelihood), with a
   :class:`CentreBiasModel` fitted on all training images (cross-validated, so a training image's
   prior never contains its own fixations);
2. scores the *validation* images: log-likelihood, information gain over the centre bias (bits per
   fixation), AUC of the model's density, and AUC of the network's raw logit map alone.

Split: ``salbench.datasets.splits.split_images(osie, seed=0)`` (70 / 10 / 20 %). The test part
is never touched. Stage 1 compares photometric choices (at native 600×800 unless
``--stage1-size``); stage 2 compares input resolutions for the best photometric choice of stage 1
(or BGR 0–255 minus the ImageNet mean with ``--stage 2``). ``--final-blur`` says where the
network's last layer, a Gaussian blur, runs (see ``FastGazeModel``; ``fastgaze_blur_padding.py``
compares the options).

Run (from the repository root); the model card's tables come from::

    .venv/bin/python benchmarks/fastgaze_preprocessing.py --final-blur network
    .venv/bin/python benchmarks/fastgaze_preprocessing.py --final-blur image --stage 2 \
        --resolutions 240x320 288x384 336x448 384x512 432x576 480x640 600x800 672x896 768x1024 900x1200
    .venv/bin/python benchmarks/fastgaze_preprocessing.py --final-blur image --stage 1 \
        --stage1-size 480x640

Network logits are cached in ``--cache`` (default: a folder in the system temp dir) so a rerun
only refits. Runtime of the first command: about 50 minutes on the (shared, loaded) 2-core
development machine; the others 10–20 minutes; a rerun with a warm cache a few minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from salbench import metrics  # noqa: E402
from salbench.datasets import load  # noqa: E402
from salbench.datasets.splits import split_images  # noqa: E402
from salbench.models.baselines import CentreBiasModel  # noqa: E402
from salbench.models.fastgaze.model import (  # noqa: E402
    IMAGENET_MEAN_RGB, FastGazeModel,
)
from salbench.models.fastgaze.network import Preprocessing  # noqa: E402

SHARED = Path(os.environ.get("SALBENCH_SHARED", ROOT.parent / "shared"))
LN2 = math.log(2.0)
MEAN_RGB = IMAGENET_MEAN_RGB
STD_RGB = (0.229, 0.224, 0.225)
MEAN01_RGB = (0.485, 0.456, 0.406)


def photometric_choices():
    """name -> (description, Preprocessing without input size)."""
    out = {}
    for order in ("rgb", "bgr"):
        flip = (lambda v: tuple(v[::-1])) if order == "bgr" else (lambda v: tuple(v))
        out[f"{order} 0-255"] = Preprocessing(channel_order=order)
        out[f"{order} 0-255 - ImageNet mean"] = Preprocessing(channel_order=order,
                                                              mean=flip(MEAN_RGB))
        out[f"{order} 0-1"] = Preprocessing(channel_order=order, scale=1 / 255)
        out[f"{order} 0-1 - ImageNet mean"] = Preprocessing(channel_order=order, scale=1 / 255,
                                                            mean=flip(MEAN01_RGB))
        out[f"{order} ImageNet standardised"] = Preprocessing(
            channel_order=order, scale=1 / 255, mean=flip(MEAN01_RGB), std=flip(STD_RGB))
        out[f"{order} -1..1"] = Preprocessing(channel_order=order, scale=1 / 127.5,
                                              mean=(1.0, 1.0, 1.0))
    return out


RESOLUTIONS = [(240, 320), (384, 512), (480, 640), (600, 800), (672, 896), (720, 960), (768, 1024),
               (900, 1200)]


def with_size(p: Preprocessing, size) -> Preprocessing:
    return Preprocessing(input_size=size, channel_order=p.channel_order, scale=p.scale,
                         mean=p.mean, std=p.std)


class Study:
    def __init__(self, args):
        self.dataset = load("osie", root=SHARED / "datasets")
        self.split = split_images(self.dataset, seed=0)
        train = np.array(self.split.train)
        # A deterministic, evenly spread subsample of the training part for fitting s and w.
        pick = np.linspace(0, train.size - 1, min(args.train_images, train.size)).round()
        self.train = train[pick.astype(np.int64)]
        self.validation = np.array(self.split.validation)
        if args.validation_images:
            self.validation = self.validation[: args.validation_images]
        self.centre_bias = CentreBiasModel().fit(self.dataset, images=self.split.train)
        self.ids = self.dataset.stimuli.ids
        self.cache = Path(args.cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.vxm = args.vxm
        self.final_blur = getattr(args, "final_blur", "network")
        self.images = {}

    def image(self, i):
        if i not in self.images:
            self.images[i] = self.dataset.stimuli.load(int(i))
        return self.images[i]

    def logits(self, model: FastGazeModel, key: str, indices):
        """Raw network logits per image, cached on disk by preprocessing spec."""
        path = self.cache / f"{key}.npz"
        cached = dict(np.load(path)) if path.exists() else {}
        missing = [i for i in indices if str(i) not in cached]
        started = time.perf_counter()
        for i in missing:
            cached[str(i)] = model.network_logits(self.image(i))
        if missing:
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, **cached)
            os.replace(tmp, path)
        per_image = (time.perf_counter() - started) / max(len(missing), 1)
        return [cached[str(i)] for i in indices], per_image if missing else float("nan")

    def run(self, name: str, preprocessing: Preprocessing):
        model = FastGazeModel(self.vxm, preprocessing=preprocessing, centre_bias=self.centre_bias,
                              input_pixels=None, final_blur=self.final_blur)
        spec = dict(preprocessing.spec(), blur=model.final_blur)
        if model.final_blur == "network":  # keeps the cache keys of the first study
            spec.pop("blur")
        key = hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:16]
        started = time.perf_counter()
        all_indices = list(self.train) + list(self.validation)
        raw, per_image = self.logits(model, key, all_indices)
        raw = dict(zip(all_indices, raw))

        def up(i):
            shape = tuple(self.dataset.stimuli.shape(int(i)))
            return model.finish_logits(raw[i], shape, model.input_size(shape))

        model.fit(self.dataset, images=self.train, logit_maps=[up(i) for i in self.train])
        ll, ig, auc_model, auc_logits, ll_cb, auc_cb, n = [], [], [], [], [], [], []
        for i in self.validation:
            f = self.dataset.fixations.for_image(int(i))
            shape = tuple(self.dataset.stimuli.shape(int(i)))
            logit_map = up(i)
            prior = self.centre_bias.log_density(shape, image_id=self.ids[i])
            log_p = model.combine(logit_map, prior)
            ll.append(metrics.log_likelihood(log_p, f.x, f.y))
            ll_cb.append(metrics.log_likelihood(prior, f.x, f.y))
            ig.append(metrics.information_gain(log_p, prior, f.x, f.y))
            auc_model.append(metrics.auc(log_p, f.x, f.y))
            auc_logits.append(metrics.auc(logit_map, f.x, f.y))
            auc_cb.append(metrics.auc(prior, f.x, f.y))
            n.append(len(f.x))
        n = np.array(n, float)

        def pooled(v):  # per-fixation average over all validation fixations
            return float(np.dot(v, n) / n.sum())

        return {
            "name": name, "input": "native 600×800" if preprocessing.input_size is None
            else f"{preprocessing.input_size[0]}×{preprocessing.input_size[1]}",
            "ll_bits": pooled(ll) / LN2, "ig_bits": pooled(ig), "auc": float(np.mean(auc_model)),
            "auc_logits": float(np.mean(auc_logits)), "s": model.logit_scale,
            "w": model.centre_bias_weight, "ms_per_image": per_image * 1e3,
            "cb_ll_bits": pooled(ll_cb) / LN2, "cb_auc": float(np.mean(auc_cb)),
            "seconds": time.perf_counter() - started,
            "ig_per_image": [float(v) for v in ig], "n_per_image": [int(v) for v in n],
        }


def paired_difference(row, best):
    """IG(row) - IG(best) pooled over fixations, with its standard error over images (paired)."""
    n = np.array(row["n_per_image"], float)
    d = np.array(row["ig_per_image"]) - np.array(best["ig_per_image"])
    mean = float(np.dot(d, n) / n.sum())
    se = float(np.sqrt(np.sum((n * (d - mean)) ** 2)) / n.sum())
    return mean, se


def table(rows, title):
    best = max(rows, key=lambda r: r["ig_bits"])
    lines = [f"**{title}**", "",
             "| preprocessing | input | IG over CB (bits/fix) | IG − best ± SE | LL (bits/fix) | AUC "
             "| AUC logits only | s | w |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        mean, se = paired_difference(r, best)
        diff = "best" if r is best else f"{mean:+.4f} ± {se:.4f}"
        lines.append(f"| {r['name']} | {r['input']} | {r['ig_bits']:.4f} | {diff} | "
                     f"{r['ll_bits']:.4f} | {r['auc']:.4f} | {r['auc_logits']:.4f} | {r['s']:.3f} "
                     f"| {r['w']:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-images", type=int, default=100,
                        help="training images used to fit s and w (of 490; default 100)")
    parser.add_argument("--validation-images", type=int, default=0,
                        help="limit the validation images (default 0 = all 70)")
    parser.add_argument("--vxm", default=str(SHARED / "models" / "fastgaze" / "fastgaze.vxm"))
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir())
                                               / "salbench-fastgaze-preprocessing"))
    parser.add_argument("--out", help="also write the tables (markdown) and rows (JSON) here")
    parser.add_argument("--stage", choices=["1", "2", "both"], default="both")
    parser.add_argument("--final-blur", choices=["network", "image"], default="network",
                        help="where the network's final blur runs (see FastGazeModel)")
    parser.add_argument("--resolutions", nargs="+", help="stage 2 sizes, e.g. 600x800 768x1024")
    parser.add_argument("--stage1-size", help="input size of stage 1, e.g. 480x640 (default: "
                        "native)")
    args = parser.parse_args(argv)
    study = Study(args)
    print(f"OSIE split seed 0: fitting s, w on {len(study.train)} of {len(study.split.train)} "
          f"training images; scoring {len(study.validation)} validation images "
          f"({int(sum(len(study.dataset.fixations.for_image(int(i)).x) for i in study.validation))}"
          f" fixations)", flush=True)
    output = []
    rows1 = []
    choices = photometric_choices()
    stage1_size = tuple(int(v) for v in args.stage1_size.split("x")) if args.stage1_size else None
    if args.stage in ("1", "both"):
        for name, p in choices.items():
            p = with_size(p, stage1_size)
            rows1.append(study.run(name, p))
            r = rows1[-1]
            print(f"  {name:32s} IG {r['ig_bits']:+.4f}  AUC {r['auc']:.4f}  "
                  f"({r['seconds']:.0f} s)", flush=True)
        where = f"{stage1_size[0]}×{stage1_size[1]}" if stage1_size else "native 600×800"
        output.append(table(rows1, f"Stage 1: photometric choices at {where} (final blur: "
                                   f"{args.final_blur})"))
        best = max(rows1, key=lambda r: r["ig_bits"])["name"]
    else:
        best = "bgr 0-255 - ImageNet mean"
    rows2 = []
    if args.stage in ("2", "both"):
        sizes = ([tuple(int(v) for v in t.split("x")) for t in args.resolutions]
                 if args.resolutions else RESOLUTIONS)
        for size in sizes:
            p = with_size(choices[best], None if size == (600, 800) else size)
            rows2.append(study.run(best, p))
            r = rows2[-1]
            print(f"  {r['input']:16s} IG {r['ig_bits']:+.4f}  AUC {r['auc']:.4f}  "
                  f"{r['ms_per_image']:.0f} ms/image", flush=True)
        output.append(table(rows2, f"Stage 2: input resolution ({best}; final blur: "
                                   f"{args.final_blur})"))
    rows = rows1 + rows2
    cb = rows[0]
    output.append(f"Centre bias alone on the same validation fixations: LL {cb['cb_ll_bits']:.4f} "
                  f"bits/fix, AUC {cb['cb_auc']:.4f} (IG over itself = 0).")
    output.append("IG − best: the paired difference to the best row of the table, pooled over "
                  "validation fixations; ± one standard error over images.")
    text = "\n\n".join(output)
    print()
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n\n```json\n" + json.dumps(rows, indent=1) + "\n```\n")


if __name__ == "__main__":
    main()
