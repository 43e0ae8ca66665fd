"""examples/train_with_salbench.py runs (two epochs on a handful of real OSIE images) and its
torchmetrics validation scores are salbench.metrics' on the same predictions."""

from __future__ import annotations

import importlib.util
import json
import warnings

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("torchmetrics")

import salbench.metrics as M  # noqa: E402
from salbench.exceptions import DegenerateInputWarning  # noqa: E402

from conftest import REPO  # noqa: E402


def _example():
    spec = importlib.util.spec_from_file_location("train_with_salbench",
                                                  REPO / "examples" / "train_with_salbench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_two_epochs_on_a_handful_of_images(shared_dir, tmp_path, one_torch_thread):
    result = _example().main(["--data", str(shared_dir / "datasets"), "--out", str(tmp_path),
                              "--epochs", "2", "--train-images", "12", "--val-images", "5",
                              "--batch-size", "6", "--height", "24", "--width", "32",
                              "--no-progress"])
    history = result["history"]
    assert [h["epoch"] for h in history] == [1, 2]
    assert json.loads((tmp_path / "history.json").read_text()) == history
    assert (tmp_path / "curves.png").stat().st_size > 1000
    for h in history:
        assert np.isfinite([h["train_loss"], h["information_gain"], h["auc"], h["nss"],
                            h["cc"]]).all()
        assert 0 <= h["auc"] <= 1 and -1 <= h["cc"] <= 1
    # the last epoch's validation scores, recomputed by the numpy metrics per image
    log_p = result["val_log_densities"].astype(np.float64)
    fixations, refs, base = result["val_fixations"], result["val_references"], result["log_centre"]
    x = np.concatenate([f[0] for f in fixations])
    y = np.concatenate([f[1] for f in fixations])
    n = np.repeat(np.arange(len(fixations)), [len(f[0]) for f in fixations])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        table = M.score_maps(np.exp(log_p), x, y, n, metrics=["information_gain", "auc", "nss",
                                                               "cc"],
                             log_densities=log_p, baseline_log_densities=[base] * len(log_p),
                             reference_maps=refs, check_normalization=False)
    for name in ("information_gain", "auc", "nss", "cc"):
        # float32 predictions scored in float32 by the example, float64 here
        assert history[-1][name] == pytest.approx(table[name].mean(), rel=1e-4, abs=1e-5), name
