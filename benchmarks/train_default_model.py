"""Train, prune and export salbench's built-in gaze model (``salbench.models.default_model()``).

What it does (deterministic for a given ``--seed``; CPU only, ``--threads`` torch threads):

1. **Teacher** (cached in ``--cache``, computed once): Twitter's FastGaze network plus a centre bias,
   ``FastGazeModel.fitted`` on OSIE's *training* images (default split:
   ``split_images(osie, seed=0)``, 70/10/20 %). Its log-density is computed for every training
   view — OSIE training and validation images and all 500 NUS Scene stimuli (unlabelled, teacher
   only; centre-cropped to OSIE's 3:4 shape), each also mirrored — at the image's own resolution,
   and its probability mass is area-resampled onto a 384×512 master grid. OSIE test images are
   never read.
2. **Student** (:class:`salbench.models.pruning.GazeNet`, random init, no ImageNet): trained with
   Adam on OSIE training views (loss 0.1·fixations + 0.9·teacher cross-entropy) and NUS views
   (teacher term only) at the student input size ``--size``; the step count with the best
   validation information gain over the centre bias (OSIE validation images, checked every
   ``--eval-every`` steps) is kept.
3. **Fisher pruning** (``salbench.models.pruning.prune``, criterion ``fisher``, one map every
   ``--steps-per-removal`` SGD steps, default 5) for each ``--betas``, down through the FLOP
   levels ``--levels`` (fractions of the unpruned cost); at each level a copy is fine-tuned
   briefly (Adam) and scored on validation.
4. **Export**: every variant goes to the cache as a framework-free ``.npz`` network
   (:func:`salbench.models.pruning.export_runtime`, centre bias included) plus ``training.json``
   (settings, validation scores, timings). With ``--out``, the unpruned network and, per level,
   the β with the best validation information gain are packaged (:func:`package`); the default is
   the most pruned level that keeps ≥ 90 % of the teacher's validation information gain.

Run from the repository root (the command the model card quotes)::

    .venv/bin/python benchmarks/train_default_model.py --out salbench/data/models

The OSIE test split is only used by ``benchmarks/bench_gaze_models.py``.
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
MASTER = (384, 512)           # grid of the cached teacher densities (OSIE's 3:4 shape)
TEACHER_INPUT_PIXELS = 480 * 640  # Twitter's best OSIE input resolution (fastgaze model card)
TEACHER_VERSION = 1           # bump when the teacher recipe changes (invalidates the cache)


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


# ------------------------------------------------------------------------------------ geometry
def area_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) weights moving the mass of ``n_in`` pixels onto ``n_out`` equal bins.

    Source pixel ``j`` spans ``[j, j + 1)``; scaled to the target it spans
    ``[j·r, (j + 1)·r)`` with ``r = n_out / n_in``; its mass is split in proportion to the
    overlap with each target bin, so every column sums to one (mass is preserved exactly).
    """
    r = n_out / n_in
    m = np.zeros((n_out, n_in))
    for j in range(n_in):
        lo, hi = j * r, (j + 1) * r
        for i in range(int(math.floor(lo)), min(int(math.ceil(hi)), n_out)):
            m[i, j] = (min(hi, i + 1) - max(lo, i)) / r
    return m


def resample_mass(p: np.ndarray, shape) -> np.ndarray:
    """Area-resample a probability map (sums to 1) onto ``shape`` (still sums to 1)."""
    rows = area_matrix(shape[0], p.shape[0])
    cols = area_matrix(shape[1], p.shape[1])
    return rows @ p @ cols.T


def crop_box(height: int, width: int, aspect: float = MASTER[0] / MASTER[1]):
    """Centred crop ``(top, left, h, w)`` of an image to ``h / w = aspect``."""
    if height / width > aspect:
        h = int(round(width * aspect))
        return (height - h) // 2, 0, h, width
    w = int(round(height / aspect))
    return 0, (width - w) // 2, height, w


def as_rgb(image: np.ndarray) -> np.ndarray:
    return np.repeat(image[:, :, None], 3, axis=2) if image.ndim == 2 else image[:, :, :3]


def resize_rgb(rgb: np.ndarray, size) -> np.ndarray:
    """Pillow bilinear resize to ``size`` = (height, width), as the runtime's preprocessing."""
    from PIL import Image

    if rgb.shape[:2] == tuple(size):
        return rgb
    return np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).resize(
        (size[1], size[0]), Image.Resampling.BILINEAR))


# ------------------------------------------------------------------------------------ data
class Sources:
    """OSIE (with its default split) and NUS Scene, and the list of training views."""

    def __init__(self):
        from salbench.datasets import load, split_images

        self.osie = load("osie", root=SHARED / "datasets")
        self.nus = load("nus_scene", root=SHARED / "datasets")
        self.split = split_images(self.osie, seed=0)

    def views(self) -> list[dict]:
        """Every cached view: OSIE train + validation and NUS, each plain and mirrored."""
        out = []
        for part in ("train", "validation"):
            for i in self.split.part(part):
                h, w = self.osie.stimuli.shape(i)
                for flip in (False, True):
                    out.append({"source": "osie", "part": part, "index": int(i), "flip": flip,
                                "box": [0, 0, int(h), int(w)]})
        for i in range(len(self.nus)):
            h, w = self.nus.stimuli.shape(i)
            for flip in (False, True):
                out.append({"source": "nus_scene", "part": "unlabelled", "index": int(i),
                            "flip": flip, "box": list(crop_box(int(h), int(w)))})
        return out

    def dataset(self, source: str):
        return self.osie if source == "osie" else self.nus

    def view_image(self, view: dict) -> np.ndarray:
        """The view's pixels at the source resolution: cropped, mirrored if asked."""
        image = as_rgb(self.dataset(view["source"]).stimuli.load(view["index"]))
        top, left, h, w = view["box"]
        image = image[top:top + h, left:left + w]
        return np.ascontiguousarray(image[:, ::-1] if view["flip"] else image)

    def view_fixations(self, view: dict, size):
        """OSIE fixations of the view in the coordinates of a ``size`` (H, W) resize."""
        if view["source"] != "osie":
            return np.zeros(0), np.zeros(0)
        f = self.osie.fixations.for_image(view["index"])
        top, left, h, w = view["box"]
        x, y = np.asarray(f.x, float) - left, np.asarray(f.y, float) - top
        if view["flip"]:
            x = w - x
        # Scale continuous coordinates; keep them strictly inside the grid after the flip.
        x = np.clip(x * size[1] / w, 0, np.nextafter(size[1], 0))
        y = np.clip(y * size[0] / h, 0, np.nextafter(size[0], 0))
        return x, y


# ------------------------------------------------------------------------------------ teacher
def teacher_key(sources: Sources, vxm: Path) -> str:
    from salbench.datasets.stimuli import sha256_file

    digest = hashlib.sha256()
    digest.update(sha256_file(vxm).encode())
    digest.update(json.dumps([TEACHER_VERSION, TEACHER_INPUT_PIXELS, MASTER,
                              sources.split.train, sources.split.validation]).encode())
    return digest.hexdigest()[:16]


def build_teacher(sources: Sources, vxm: Path, cache: Path, threads: int) -> Path:
    """Compute (or find) the cached teacher densities; returns the cache folder."""
    from salbench.models.fastgaze.model import FastGazeModel

    folder = cache / f"teacher-{teacher_key(sources, vxm)}"
    done = folder / "views.json"
    if done.exists():
        log(f"teacher cache found: {folder}")
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    osie = sources.osie
    teacher = FastGazeModel.fitted(vxm, osie, sources.split.train, max_fit_images=100,
                                   input_pixels=TEACHER_INPUT_PIXELS, final_blur="image",
                                   threads=threads, name="Twitter FastGaze + centre bias")
    log(f"teacher fitted: s={teacher.logit_scale:.4f} w={teacher.centre_bias_weight:.4f}")
    views = sources.views()
    probs = np.lib.format.open_memmap(folder / "probs.npy.partial", mode="w+", dtype=np.float32,
                                      shape=(len(views), *MASTER))
    ids = {"osie": osie.stimuli.ids, "nus_scene": sources.nus.stimuli.ids}
    for k, view in enumerate(views):
        image = sources.view_image(view)
        image_id = ids[view["source"]][view["index"]]
        # The OSIE training images get the cross-validated centre bias (own fold left out).
        log_p = teacher.log_density(image, image_id=image_id)
        probs[k] = resample_mass(np.exp(log_p), MASTER).astype(np.float32)
        if k % 100 == 0:
            log(f"teacher view {k}/{len(views)} ({time.perf_counter() - started:.0f} s)")
    probs.flush()
    del probs
    os.replace(folder / "probs.npy.partial", folder / "probs.npy")
    info = {"views": views, "teacher": teacher.describe(), "seconds": time.perf_counter() - started,
            "master_grid": MASTER}
    write_json(done, info)
    log(f"teacher cache written in {info['seconds']:.0f} s: {folder}")
    return folder


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=1, default=str)
    os.chmod(temp, 0o644)
    os.replace(temp, path)


# ------------------------------------------------------------------------------------ student data
def student_data(sources: Sources, views: list, probs: np.ndarray, size, *, teacher: bool):
    """:class:`FixationData` of ``views`` at the student input ``size`` (teacher maps resampled)."""
    from salbench.models.pruning import FixationData

    images = np.empty((len(views), size[0], size[1], 3), np.uint8)
    xs, ys, ns = [], [], []
    for k, view in enumerate(views):
        images[k] = resize_rgb(sources.view_image(view), size)
        x, y = sources.view_fixations(view, size)
        xs.append(x)
        ys.append(y)
        ns.append(np.full(x.size, k, np.int64))
    teacher_log = student_data_teacher(probs, views, size) if teacher else None
    return FixationData.from_arrays(images, x=np.concatenate(xs), y=np.concatenate(ys),
                                    n=np.concatenate(ns), teacher_log_densities=teacher_log)


def student_data_teacher(probs, views, size) -> np.ndarray:
    """Teacher log-densities of ``views`` area-resampled from the master grid to ``size``."""
    rows = area_matrix(size[0], MASTER[0]).astype(np.float32)
    cols = area_matrix(size[1], MASTER[1]).astype(np.float32)
    out = np.empty((len(views), *size), np.float32)
    for k, view in enumerate(views):
        p = rows @ np.asarray(probs[view["row"]], np.float32) @ cols.T
        p = np.maximum(p.astype(np.float64), 1e-30)
        out[k] = np.log(p / p.sum())
    return out


class Validation:
    """Information gain over the centre bias (bits/fixation) on OSIE validation images.

    Scored at the student's input grid: the student's density there against the centre bias
    (fitted on the training images) evaluated on the same grid; both see the same fixations.
    """

    def __init__(self, sources: Sources, views: list, size):
        from salbench.models.baselines import CentreBiasModel

        self.data = student_data(sources, views, None, size, teacher=False)
        cb = CentreBiasModel().fit(sources.osie, images=sources.split.train)
        log_cb = cb.log_density(tuple(size))
        counts = self.data.fixation_counts.numpy().astype(np.float64)
        self.cb_ll = float((counts * log_cb).sum() / counts.sum() + math.log(size[0] * size[1]))

    def teacher_information_gain(self, probs, views) -> float:
        """The teacher's information gain on the same grid and fixations (the ceiling)."""
        teacher = student_data_teacher(probs, views, tuple(self.data.image_size))
        counts = self.data.fixation_counts.numpy().astype(np.float64)
        ll = float((counts * teacher).sum() / counts.sum())
        h, w = self.data.image_size
        return (ll + math.log(h * w) - self.cb_ll) / LN2

    def information_gain(self, net) -> float:
        from salbench.models.pruning import mean_log_likelihood

        return (mean_log_likelihood(net, self.data, batch_size=16) - self.cb_ll) / LN2


def fit(net, data, validation: Validation, *, steps: int, lr: float, batch_size: int, seed: int,
        eval_every: int, warmup: int = 0, label: str = "train"):
    """Adam with a cosine learning-rate decay; returns the best validation state and history."""
    import torch

    from salbench.models.pruning.train import make_optimizer, training_step

    optimizer = make_optimizer(net, optimizer="adam", lr=lr)

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    generator = torch.Generator().manual_seed(seed)
    best = (validation.information_gain(net), 0, copy.deepcopy(net.state_dict()))
    history = [{"step": 0, "val_ig": best[0], "train_loss": None}]
    log(f"{label}: step 0 val IG {best[0]:.4f}")
    batches, losses, started = iter(()), [], time.perf_counter()
    for step in range(1, steps + 1):
        batch = next(batches, None)
        if batch is None:
            batches = data.batches(batch_size, generator=generator)
            batch = next(batches)
        losses.append(training_step(net, optimizer, batch))
        schedule.step()
        if step % eval_every == 0 or step == steps:
            ig = validation.information_gain(net)
            history.append({"step": step, "val_ig": ig, "train_loss": float(np.mean(losses)),
                            "seconds": time.perf_counter() - started})
            log(f"{label}: step {step} loss {np.mean(losses):.4f} val IG {ig:.4f} "
                f"({time.perf_counter() - started:.0f} s)")
            losses = []
            if ig > best[0]:
                best = (ig, step, copy.deepcopy(net.state_dict()))
    net.load_state_dict(best[2])
    net.eval()
    return {"best_val_ig": best[0], "best_step": best[1], "history": history,
            "seconds": time.perf_counter() - started}


# ------------------------------------------------------------------------------------ main
def parse_size(text: str):
    h, w = (int(v) for v in text.lower().split("x"))
    return h, w


def parse_backbone(text: str):
    """``16/32,32/64,64`` -> ((16,), (32, 32), (64, 64))."""
    return tuple(tuple(int(w) for w in block.split(",")) for block in text.split("/"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "salbench-default-model")
    parser.add_argument("--vxm", type=Path, default=SHARED / "models" / "fastgaze" / "fastgaze.vxm")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the selected variants and index.json go (e.g. "
                             "salbench/data/models); every candidate goes to <cache>/run-<seed>")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=parse_size, default=(240, 320),
                        help="student input (height x width) for OSIE's 3:4 images")
    parser.add_argument("--backbone", type=parse_backbone, default=parse_backbone(
        "16/32,32/64,64/128,128"))
    parser.add_argument("--readout", type=int, nargs="*", default=[16])
    parser.add_argument("--blur-sigma", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--no-nus", action="store_true", help="OSIE training views only")
    parser.add_argument("--betas", type=float, nargs="*", default=[0.003, 0.01, 0.03],
                        help="Fisher pruning trade-offs (nats per fixation per GFLOP)")
    parser.add_argument("--levels", type=float, nargs="*", default=[0.5, 0.25, 0.125],
                        help="FLOP levels (fractions of the unpruned cost at --size)")
    parser.add_argument("--prune-batch-size", type=int, default=4)
    parser.add_argument("--steps-per-removal", type=int, default=5)
    parser.add_argument("--finetune-steps", type=int, default=200)
    parser.add_argument("--finetune-lr", type=float, default=3e-4)
    parser.add_argument("--stage", choices=("teacher", "train", "all"), default="all")
    parser.add_argument("--reuse-trained", action="store_true",
                        help="load the unpruned network of an earlier run with the same settings")
    args = parser.parse_args(argv)

    import torch

    from salbench.models.pruning import GazeNet, export_runtime, network_flops, prune, save_model

    torch.set_num_threads(args.threads)
    run_started = time.perf_counter()
    load_start = os.getloadavg()
    sources = Sources()
    folder = build_teacher(sources, args.vxm, args.cache, args.threads)
    if args.stage == "teacher":
        return
    info = json.loads((folder / "views.json").read_text())
    probs = np.load(folder / "probs.npy", mmap_mode="r")
    views = [dict(v, row=k) for k, v in enumerate(info["views"])]
    train_views = [v for v in views if v["part"] == "train"
                   or (v["part"] == "unlabelled" and not args.no_nus)]
    val_views = [v for v in views if v["part"] == "validation" and not v["flip"]]
    size = tuple(args.size)
    t0 = time.perf_counter()
    data = student_data(sources, train_views, probs, size, teacher=True)
    validation = Validation(sources, val_views, size)
    log(f"data: {len(data)} training views, {len(val_views)} validation images at {size} "
        f"({time.perf_counter() - t0:.0f} s)")

    out = args.cache / f"run-{args.seed}"
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    net = GazeNet(backbone=args.backbone, readout=tuple(args.readout), blur_sigma=args.blur_sigma)
    full_flops = network_flops(net, size)
    log(f"student {net.widths()}: {full_flops / 1e9:.3f} GFLOP at {size}")
    report = {"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "teacher": {"cache": str(folder), "views": len(views),
                          "description": info["teacher"], "seconds": info["seconds"]},
              "split": {"train": len(sources.split.train),
                        "validation": len(sources.split.validation)},
              "validation_cb_ll_nats": validation.cb_ll, "variants": {},
              "torch": torch.__version__, "load_average_start": load_start}
    # The unpruned network is kept in the cache with the settings that made it, so the pruning
    # stage can be rerun (--reuse-trained) without training again.
    train_keys = ("seed", "size", "backbone", "readout", "blur_sigma", "steps", "lr",
                  "batch_size", "eval_every", "no_nus", "threads")
    train_settings = {k: getattr(args, k) for k in train_keys}
    train_settings["teacher"] = folder.name
    saved = args.cache / f"unpruned-{args.seed}.pt"
    saved_report = args.cache / f"unpruned-{args.seed}.json"
    if args.reuse_trained and saved_report.exists():
        previous = json.loads(saved_report.read_text())
        if previous["settings"] != json.loads(json.dumps(train_settings)):
            raise SystemExit(f"--reuse-trained: {saved} was trained with other settings: "
                             f"{previous['settings']}")
        from salbench.models.pruning import load_model

        net = load_model(saved)
        trained = previous["training"]
        log(f"reusing {saved} (val IG {trained['best_val_ig']:.4f})")
    else:
        trained = fit(net, data, validation, steps=args.steps, lr=args.lr,
                      batch_size=args.batch_size, seed=args.seed, eval_every=args.eval_every,
                      warmup=100, label="train")
        save_model(net, saved)
        write_json(saved_report, {"settings": train_settings, "training": trained})
    report["training"] = dict(trained)
    report["teacher"]["val_ig_at_input"] = validation.teacher_information_gain(probs, val_views)
    log(f"teacher val IG at the student input grid: {report['teacher']['val_ig_at_input']:.4f}")

    def export(model, tag, facts):
        gflop = network_flops(model, size) / 1e9
        meta = {"name": f"salbench GazeNet ({tag})", "variant": tag, "input_size": list(size),
                "gflop_at_input": gflop, "trained_on": "OSIE training split (split_images seed 0) "
                "+ NUS Scene stimuli as unlabelled distillation inputs", **facts}
        export_runtime(model, out / f"{tag}.npz", metadata=meta)
        report["variants"][tag] = {"file": f"{tag}.npz", "widths": model.widths(),
                                   "gflop_at_input": gflop, **facts}
        write_json(out / "training.json", report)
        log(f"exported {tag}: {gflop:.3f} GFLOP, val IG {facts.get('val_ig'):.4f}")

    export(net, "unpruned", {"val_ig": trained["best_val_ig"]})
    if args.stage == "train":
        return
    for b, beta in enumerate(args.betas):
        model = copy.deepcopy(net)
        t_beta, removed = time.perf_counter(), 0
        for k, level in enumerate(sorted(args.levels, reverse=True)):
            t_level = time.perf_counter()
            history = prune(model, data, criterion="fisher", beta=beta,
                            target_flops=level * full_flops, batch_size=args.prune_batch_size,
                            steps_per_removal=args.steps_per_removal, input_size=size,
                            seed=args.seed + 1000 * b + k)
            removed += len(history)
            pruned_ig = validation.information_gain(model)
            log(f"beta {beta} level {level}: {len(history)} removals, widths {model.widths()}, "
                f"val IG before fine-tuning {pruned_ig:.4f} ({time.perf_counter() - t_level:.0f} s)")
            tuned = copy.deepcopy(model)
            ft = fit(tuned, data, validation, steps=args.finetune_steps, lr=args.finetune_lr,
                     batch_size=args.batch_size, seed=args.seed + 1, eval_every=args.finetune_steps // 2,
                     label=f"finetune b{beta} l{level}")
            export(tuned, f"beta{beta:g}-level{level:g}", {
                "beta": beta, "level": level, "removals_total": removed, "val_ig": ft["best_val_ig"],
                "val_ig_before_finetune": pruned_ig, "finetune_best_step": ft["best_step"],
                "prune_seconds": time.perf_counter() - t_level - ft["seconds"],
                "finetune_seconds": ft["seconds"]})
        log(f"beta {beta} done in {time.perf_counter() - t_beta:.0f} s")
    report["wall_seconds"] = time.perf_counter() - run_started
    report["load_average_end"] = os.getloadavg()
    write_json(out / "training.json", report)
    log(f"all done in {report['wall_seconds']:.0f} s; candidates in {out}")
    if args.out is not None:
        package(report, out, args.out)


def package(report: dict, candidates: Path, target: Path) -> None:
    """Copy the unpruned network and, per pruning level, the β with the best validation IG.

    The default is the most pruned level that keeps >= 90 % of the teacher's validation
    information gain (on the same grid), else the pruned level with the best validation IG.
    Only validation scores are used: the test split decides nothing here.
    """
    import shutil

    variants = report["variants"]
    chosen = {"unpruned": variants["unpruned"]}
    levels = sorted({v["level"] for v in variants.values() if "level" in v}, reverse=True)
    for level in levels:
        tag, best = max(((t, v) for t, v in variants.items() if v.get("level") == level),
                        key=lambda item: item[1]["val_ig"])
        chosen[f"pruned-{round(100 * level)}"] = dict(best, candidate=tag)
    ceiling = 0.9 * report["teacher"]["val_ig_at_input"]
    pruned = [name for name in chosen if name != "unpruned"]
    keeping = [n for n in pruned if chosen[n]["val_ig"] >= ceiling]
    default = (min(keeping, key=lambda n: chosen[n]["gflop_at_input"]) if keeping
               else max(pruned, key=lambda n: chosen[n]["val_ig"]))
    target.mkdir(parents=True, exist_ok=True)
    index = {"format": "salbench.DefaultModels/1", "default": default,
             "rule": "most pruned level whose validation IG >= 90 % of the teacher's, else the "
                     "pruned level with the best validation IG",
             "teacher_val_ig": report["teacher"]["val_ig_at_input"], "variants": {}}
    for name, facts in chosen.items():
        source = candidates / facts["file"]
        fd, temp = tempfile.mkstemp(dir=target, prefix=f".{name}.", suffix=".tmp")
        os.close(fd)
        shutil.copyfile(source, temp)
        os.chmod(temp, 0o644)
        os.replace(temp, target / f"{name}.npz")
        index["variants"][name] = dict(facts, file=f"{name}.npz")
    write_json(target / "index.json", index)
    write_json(target / "training.json", report)
    log(f"packaged {', '.join(chosen)} into {target}; default {default}")


if __name__ == "__main__":
    main()
