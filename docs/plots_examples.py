"""Make the data behind the example figures of docs/plots.md (no photographs are drawn).

    python docs/plots_examples.py synthetic OUT
        writes the demo's synthetic dataset (24 images of 128 x 96, fixations sampled from known
        densities) as a pysaliency-style folder ``OUT/synthetic`` (stimuli.hdf5, fixations.hdf5
        and the PNG stimuli), which every ``--dataset`` option accepts. Deterministic (seed 0).

    python docs/plots_examples.py fastgaze OUT [--images N] [--train N] [--threads T]
        scores Twitter's FastGaze network (``../shared/models/fastgaze/fastgaze.vxm``) on the first
        N (default 100) images of OSIE's test split at several input resolutions, each fitted
        (centre bias, logit scale, centre-bias weight) on the first 30 training images, plus the
        baselines: results directories ``OUT/fastgaze-<pixels>`` and ``OUT/uniform`` ... . Each
        model's cost is the GFLOP of one forward pass at the input size it uses for OSIE's
        800 x 600 images. Needs OSIE in ``../shared/datasets`` (or ``$SALBENCH_DATA``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("SALBENCH_SHARED", ROOT.parent / "shared"))
#: Network input sizes (pixels) of the resolution sweep: 96 x 128 up to 543 x 724.
INPUT_PIXELS = (12_288, 24_576, 49_152, 98_304, 196_608, 393_216)


def synthetic(out: Path) -> None:
    from salbench.demo import synthetic_dataset
    from salbench.datasets.hdf5 import save_pysaliency

    data = synthetic_dataset(n_images=24, seed=0, root=out / "synthetic")
    save_pysaliency(data.dataset, out / "synthetic")
    print(f"wrote {out / 'synthetic'} ({data.dataset!r})")


def fastgaze(out: Path, n_images: int, n_train: int, threads: int | None) -> None:
    import salbench
    from salbench.datasets import load
    from salbench.datasets.splits import split_images
    from salbench.evaluation import evaluate_baselines
    from salbench.models.fastgaze import FastGazeModel

    dataset = load("osie", root=os.environ.get("SALBENCH_DATA", SHARED / "datasets"))
    split = split_images(dataset)
    test, train = list(split.test)[:n_images], list(split.train)[:n_train]
    weights = SHARED / "models" / "fastgaze" / "fastgaze.vxm"

    class OsieSizedFastGaze(FastGazeModel):
        """Reports its cost at the input size it uses for OSIE's 800 x 600 images (the engine
        records ``gflops()``, whose default size is 384 x 512 whatever ``input_pixels`` is)."""

        def gflops(self, height=None, width=None):
            if height is None:
                height, width = self.input_size((600, 800))
            return super().gflops(height, width)

    for pixels in INPUT_PIXELS:
        started = time.perf_counter()
        model = OsieSizedFastGaze.fitted(weights, dataset, train, input_pixels=pixels)
        height, width = model.input_size((600, 800))
        model.name = f"FastGaze {height}x{width}"
        salbench.evaluate(model, dataset, split=test, out=out / f"fastgaze-{pixels}",
                          n_threads=threads, metrics=["information_gain", "auc", "nss"])
        print(f"{model.name}: {model.gflops():.2f} GFLOP, "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    evaluate_baselines(dataset, out=out, split=test, n_threads=threads,
                       metrics=["information_gain", "auc", "nss"])
    print(f"wrote {out}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["synthetic", "fastgaze"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--train", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.what == "synthetic":
        synthetic(args.out)
    else:
        fastgaze(args.out, args.images, args.train, args.threads)


if __name__ == "__main__":
    main()
