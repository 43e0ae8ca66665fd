"""Train a small gaze model on OSIE with salbench's losses, validating every epoch on the fly.

What a training script of your own would copy:

* the loss is ``salbench.losses.log_likelihood`` (differentiable, equal to the metric) on count
  maps built by ``salbench.losses.fixation_counts``;
* validation runs ``salbench.torch.StreamingScores`` — a torchmetrics ``Metric`` — on the model's
  log-densities where they are (no ``.cpu()``, no ``.numpy()``, no loop over images), with
  information gain over a centre bias fitted on the training images, AUC, NSS and CC against
  the empirical densities;
* a tqdm progress bar and a plot of the curves (``curves.png``) and their numbers
  (``history.json``) in ``--out``.

The model predicts a log-density over a low-resolution grid (default 48 x 64, OSIE's 3:4) from
the image at that resolution: a few convolutions give a logit map, a learned weight adds the
log centre bias, a log-softmax normalises. It is deliberately small: the point is the loop.

    python examples/train_with_salbench.py --out runs/osie            # ~2-4 min on 2 CPU cores
    python examples/train_with_salbench.py --epochs 2 --train-images 16 --val-images 8

OSIE is read from ``--data`` (a folder holding ``osie/``), ``$SALBENCH_DATA``, or the per-user
cache (``salbench datasets fetch osie`` downloads it). Training and validation images are the
"train" and "validation" parts of ``salbench.datasets.split_images(osie, seed=0)``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.environ.get("SALBENCH_DATA"),
                        help="folder holding osie/ (default: $SALBENCH_DATA or the user cache)")
    parser.add_argument("--out", default="runs/train_with_salbench")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--height", type=int, default=48)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--train-images", type=int, default=None, help="first N training images")
    parser.add_argument("--val-images", type=int, default=None, help="first N validation images")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args(argv)


def load_images(dataset, indices, shape):
    """Images resized to ``shape`` (float32, [0, 1], 3 x H x W) and their fixations rescaled."""
    from PIL import Image

    height, width = shape
    images, fixations = [], []
    for i in indices:
        item = dataset[int(i)]
        pixels = item.load()
        if pixels.ndim == 2:
            pixels = np.repeat(pixels[:, :, None], 3, axis=2)
        small = Image.fromarray(pixels).resize((width, height), Image.BILINEAR)
        images.append(np.asarray(small, dtype=np.float32).transpose(2, 0, 1) / 255.0)
        h0, w0 = item.shape
        # continuous coordinates scale with the image; clip the last fraction of a pixel
        x = np.minimum(item.fixations.x * (width / w0), width - 1e-6)
        y = np.minimum(item.fixations.y * (height / h0), height - 1e-6)
        fixations.append((x, y))
    return np.stack(images), fixations


def centre_bias(fixations, shape, sigma):
    """Log-density of all training fixations pooled and blurred (mixed with 1% uniform)."""
    import salbench

    x = np.concatenate([f[0] for f in fixations])
    y = np.concatenate([f[1] for f in fixations])
    density = salbench.density_map((x, y), shape, sigma=sigma)
    density = 0.99 * density + 0.01 / density.size
    return np.log(density / density.sum())


def build_model(torch, log_centre):
    nn = torch.nn

    class GazeModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 16, 5, padding=2), nn.ReLU(),
                nn.Conv2d(16, 32, 5, padding=4, dilation=2), nn.ReLU(),
                nn.Conv2d(32, 32, 5, padding=8, dilation=4), nn.ReLU(),
                nn.Conv2d(32, 1, 1),
            )
            self.register_buffer("log_centre", torch.as_tensor(log_centre, dtype=torch.float32))
            self.centre_weight = nn.Parameter(torch.ones(()))

        def forward(self, images):
            logits = self.features(images)[:, 0] + self.centre_weight * self.log_centre
            return torch.log_softmax(logits.flatten(1), 1).reshape(logits.shape)

    return GazeModel()


def batches(n, size, rng=None):
    order = np.arange(n) if rng is None else rng.permutation(n)
    for start in range(0, n, size):
        yield order[start:start + size]


def plot(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    panels = [("train_loss", "training loss (-LL, nats)"),
              ("information_gain", "IG over centre bias (bits/fix) ↑"), ("auc", "AUC ↑"),
              ("nss", "NSS ↑"), ("cc", "CC ↑")]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3))
    for ax, (key, title) in zip(axes, panels):
        ax.plot(epochs, [h[key] for h in history], marker="o")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    import torch
    from tqdm import tqdm

    import salbench
    from salbench import losses
    from salbench.torch import StreamingScores, pad_fixations

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    shape = (args.height, args.width)
    device = torch.device(args.device)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    osie = salbench.datasets.load("osie", root=args.data)
    split = salbench.datasets.split_images(osie, seed=0)
    train_idx = list(split.train)[:args.train_images]
    val_idx = list(split.validation)[:args.val_images]
    train_images, train_fix = load_images(osie, train_idx, shape)
    val_images, val_fix = load_images(osie, val_idx, shape)
    # about one degree of visual angle (OSIE: 24 px per degree at 800 px wide)
    sigma = osie.facts.pixels_per_degree * args.width / 800
    log_centre = centre_bias(train_fix, shape, sigma)
    val_refs = np.stack([salbench.density_map(f, shape, sigma=sigma) for f in val_fix])

    def to_device(a, dtype=torch.float32):
        return torch.as_tensor(a, dtype=dtype, device=device)

    def flat_fixations(fixations, idx):
        x = np.concatenate([fixations[i][0] for i in idx])
        y = np.concatenate([fixations[i][1] for i in idx])
        n = np.repeat(np.arange(len(idx)), [len(fixations[i][0]) for i in idx])
        return x, y, n

    model = build_model(torch, log_centre).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    validation = StreamingScores(["information_gain", "auc", "nss", "cc"]).to(device)
    baseline = to_device(log_centre)
    history = []
    steps = math.ceil(len(train_idx) / args.batch_size)
    bar = tqdm(total=args.epochs * steps, disable=args.no_progress, unit="step")
    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, count = 0.0, 0
        for idx in batches(len(train_idx), args.batch_size, rng):
            x, y, n = flat_fixations(train_fix, idx)
            counts = losses.fixation_counts(x, y, n, batch_size=len(idx), shape=shape,
                                            device=device)
            log_density = model(to_device(train_images[idx]))
            loss = -losses.log_likelihood(log_density, counts).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
            count += len(idx)
            bar.update()
            bar.set_postfix(epoch=epoch, loss=f"{loss.item():.3f}")

        model.eval()
        validation.reset()
        with torch.no_grad():
            for idx in batches(len(val_idx), args.batch_size):
                x, y, lengths = pad_fixations(*flat_fixations(val_fix, idx), len(idx),
                                              device=device)
                validation.update(model(to_device(val_images[idx])), x, y, lengths,
                                  log_density=True, baseline_log_density=baseline,
                                  reference_maps=to_device(val_refs[idx]))
        scores = {k: float(v) for k, v in validation.compute().items()}
        history.append({"epoch": epoch, "train_loss": total / count, **scores})
        bar.write(f"epoch {epoch}: loss {total / count:.3f}  " +
                  "  ".join(f"{k} {v:.3f}" for k, v in scores.items()))
    bar.close()

    (out / "history.json").write_text(json.dumps(history, indent=1))
    plot(history, out / "curves.png")
    print(f"{len(train_idx)} training / {len(val_idx)} validation images at {shape[0]}x{shape[1]},"
          f" {args.epochs} epochs in {time.perf_counter() - started:.0f} s; "
          f"curves in {out / 'curves.png'}")
    with torch.no_grad():
        val_log_densities = torch.cat([model(to_device(val_images[idx]))
                                       for idx in batches(len(val_idx), args.batch_size)])
    return {"history": history, "val_log_densities": val_log_densities.cpu().numpy(),
            "val_fixations": val_fix, "val_references": val_refs, "log_centre": log_centre}


if __name__ == "__main__":
    main()
