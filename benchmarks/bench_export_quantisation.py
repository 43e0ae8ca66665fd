"""What PNG quantisation costs: the built-in model's density scored as float64, as 16-bit PNG and
as 8-bit PNG (``salbench predict --format png``) on OSIE test images.

Run from the repository root::

    .venv/bin/python benchmarks/bench_export_quantisation.py [--images 20] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table  # noqa: E402

import salbench  # noqa: E402
from salbench.models.adapters import MapDirectoryModel  # noqa: E402
from salbench.submissions import export_predictions  # noqa: E402

METRICS = ["kld", "sim", "cc", "nss", "auc", "sauc"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20, help="first N OSIE test images")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    osie = salbench.datasets.load("osie", root=args.shared / "datasets")
    images = list(salbench.datasets.split_images(osie).test[: args.images])
    model = salbench.models.default_model()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scored = {"float64 density": model}
        for bits in (16, 8):
            out = Path(tmp) / f"png{bits}"
            export_predictions(model, osie, out, format="png", bits=bits, images=images)
            scored[f"PNG {bits} bit"] = MapDirectoryModel(out)
        for label, m in scored.items():
            means = salbench.evaluate(m, osie, split=images, metrics=METRICS).means()
            rows.append([label] + [f"{means[k]:.4f}" for k in METRICS])
    print(f"builtin:default on the first {len(images)} OSIE test images (mean over images)")
    print_table(["predictions"] + METRICS, rows)


if __name__ == "__main__":
    main()
