"""Crop scores against human fixations: constructed datasets with known answers, and real OSIE."""

import numpy as np
import pandas as pd
import pytest

from fastgaze_paths import OSIE_ROOT, VXM_PATH
from salbench.cropping import CropBox, crop_scores, summarise_crop_scores
from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli, density_map
from salbench.exceptions import DegenerateInputWarning, InputError


def _write_png(path, array):
    from PIL import Image

    Image.fromarray(array).save(path)
    return path


def intensity(image):
    """A 'model' whose map is the red channel plus a little, so the brightest pixel wins."""
    return np.asarray(image)[..., 0].astype(np.float64) + 1.0


@pytest.fixture()
def constructed(tmp_path):
    """Three 40 x 60 images: a bright pixel at (20, 52), at (5, 30), and one image without fixations."""
    spots = [(20, 52), (5, 30), (30, 10)]
    paths = []
    for k, (r, c) in enumerate(spots):
        a = np.zeros((40, 60, 3), np.uint8)
        a[r, c] = 255
        paths.append(_write_png(tmp_path / f"img{k}.png", a))
    x = [51.5, 52.2, 55.0, 5.0, 30.0, 31.0, 29.5]
    y = [20.0, 21.0, 19.0, 10.0, 5.0, 6.0, 33.5]
    n = [0, 0, 0, 0, 1, 1, 1]
    fixations = Fixations(x, y, n, n_images=3)
    return Dataset(Stimuli(paths), fixations, DatasetFacts(name="constructed"))


def test_scores_by_hand(constructed):
    with pytest.warns(DegenerateInputWarning, match="1 image.*no fixations.*image 2"):
        table = crop_scores(intensity, constructed, ratios=[1.0, 0.5], sigma=3.0, progress=False)
    assert list(table.columns) == ["image", "image_id", "ratio", "method", "fixations_kept",
                                   "density_kept", "n_fixations"]
    assert len(table) == 3 * 2 * 4
    at = table.set_index(["image", "ratio", "method"])
    # image 0, ratio 1: 40 x 40 crops. argmax: centred on column 52 -> clamped to [20, 60);
    # centre: [10, 50). Fixations at x = 51.5, 52.2, 55 (kept by argmax) and 5 (kept by neither).
    assert at.loc[(0, 1.0, "argmax"), "fixations_kept"] == 0.75
    # mass: every 40-wide window holding column 52 ties (x0 in 13..20); nearest the centre is
    # x0 = 13, i.e. [13, 53), which loses the fixation at x = 55
    assert at.loc[(0, 1.0, "mass"), "fixations_kept"] == 0.5
    assert at.loc[(0, 1.0, "centre"), "fixations_kept"] == 0.0
    assert at.loc[(0, 1.0, "best"), "fixations_kept"] == 0.75  # no 40-wide window holds x=5 and 55
    f0 = constructed.fixations.for_image(0)
    d0 = density_map((f0.x, f0.y), (40, 60), sigma=3.0)
    assert at.loc[(0, 1.0, "argmax"), "density_kept"] == pytest.approx(
        d0[CropBox(20, 0, 60, 40).slices].sum(), abs=1e-12)
    assert at.loc[(0, 1.0, "centre"), "density_kept"] == pytest.approx(
        d0[CropBox(10, 0, 50, 40).slices].sum(), abs=1e-12)
    best = max(d0[:, j:j + 40].sum() for j in range(21))
    assert at.loc[(0, 1.0, "best"), "density_kept"] == pytest.approx(best, abs=1e-12)
    # image 1, ratio 0.5: 30 x 60 crops. The spot at row 5 puts argmax at rows [0, 30): keeps the
    # fixations at rows 5 and 6, not the one at row 33.5. Centre: rows [5, 35) keeps all three.
    assert at.loc[(1, 0.5, "argmax"), "fixations_kept"] == pytest.approx(2 / 3)
    assert at.loc[(1, 0.5, "centre"), "fixations_kept"] == 1.0
    assert at.loc[(1, 0.5, "best"), "fixations_kept"] == 1.0
    # the image without fixations scores NaN everywhere
    assert table[table["image"] == 2][["fixations_kept", "density_kept"]].isna().all().all()
    assert (table[table["image"] == 2]["n_fixations"] == 0).all()


def test_best_bounds_every_rule(constructed):
    with pytest.warns(DegenerateInputWarning):
        table = crop_scores(intensity, constructed, progress=False)
    scored = table.dropna()
    wide = scored.pivot_table(index=["image", "ratio"], columns="method",
                              values=["fixations_kept", "density_kept"])
    for metric in ("fixations_kept", "density_kept"):
        for method in ("argmax", "mass", "centre"):
            assert (wide[(metric, method)] <= wide[(metric, "best")] + 1e-12).all()
    assert scored[["fixations_kept", "density_kept"]].stack().between(0, 1).all()
    assert sorted(table["ratio"].unique()) == [0.56, 1.0, 1.14, 2.0]


def test_model_sees_image_ids_and_errors_name_the_image(constructed):
    from salbench.models.base import SaliencyMapModel

    class Recorder(SaliencyMapModel):
        name = "recorder"

        def __init__(self):
            self.ids = []

        def saliency_map(self, image, *, image_id=None):
            self.ids.append(image_id)
            return intensity(image)

    model = Recorder()
    crop_scores(model, constructed, images=[1, 0], ratios=[1.0], progress=False)
    assert model.ids == [constructed.stimuli.ids[1], constructed.stimuli.ids[0]]
    def wrong(image):
        return np.ones((3, 3))

    with pytest.raises(InputError, match=r"wrong on image 1 \(img1.png\).*shape \(3, 3\)"):
        crop_scores(wrong, constructed, images=[1], ratios=[1.0], progress=False)
    with pytest.raises(InputError, match="out of range"):
        crop_scores(intensity, constructed, images=[3], progress=False)
    with pytest.raises(InputError, match="aspect ratio"):
        crop_scores(intensity, constructed, ratios=["image"], progress=False)
    with pytest.raises(InputError, match="sigma"):
        crop_scores(intensity, constructed, sigma=0.0, progress=False)


def test_summary_bootstrap_is_paired_deterministic_and_brackets_the_mean(constructed):
    with pytest.warns(DegenerateInputWarning):
        table = crop_scores(intensity, constructed, ratios=[1.0, 0.5], progress=False)
    summary = summarise_crop_scores(table, n_boot=500, seed=3)
    again = summarise_crop_scores(table, n_boot=500, seed=3)
    pd.testing.assert_frame_equal(summary, again)
    assert set(summary["method"]) == {"argmax", "mass", "centre", "best"}
    assert (summary["n_images"] == 2).all()  # the image without fixations is left out
    assert (summary["ci_low"] <= summary["mean"] + 1e-12).all()
    assert (summary["mean"] <= summary["ci_high"] + 1e-12).all()
    centre = summary[summary["method"] == "centre"]
    assert (centre[["minus_centre", "minus_centre_low", "minus_centre_high"]] == 0).all().all()
    row = summary[(summary["ratio"] == 1.0) & (summary["method"] == "argmax")
                  & (summary["metric"] == "fixations_kept")].iloc[0]
    expected = table[(table["ratio"] == 1.0) & (table["method"] == "argmax")]["fixations_kept"]
    assert row["mean"] == pytest.approx(expected.dropna().mean())
    with pytest.raises(InputError, match="baseline"):
        summarise_crop_scores(table, baseline="thirds")
    with pytest.raises(InputError, match="confidence"):
        summarise_crop_scores(table, confidence=1.5)
    with pytest.raises(InputError, match="column"):
        summarise_crop_scores(table.drop(columns="density_kept"))


def test_bootstrap_interval_covers_a_known_mean():
    # 400 images whose scores are Bernoulli(0.3): the 95% interval should hold 0.3 and be about
    # +-1.96 sqrt(0.21 / 400) = +-0.045 wide
    rng = np.random.default_rng(7)
    kept = (rng.random(400) < 0.3).astype(float)
    table = pd.DataFrame({"image": np.arange(400), "ratio": 1.0, "method": "centre",
                          "fixations_kept": kept, "density_kept": kept})
    s = summarise_crop_scores(table, n_boot=2000, seed=0).iloc[0]
    assert s["ci_low"] < 0.3 < s["ci_high"]
    assert s["ci_high"] - s["ci_low"] == pytest.approx(2 * 1.96 * np.sqrt(0.21 / 400), rel=0.15)


def test_fastgaze_crops_on_real_osie_images():
    """Twitter's network on two OSIE photographs: sane scores, best bounds the rules."""
    from salbench.datasets import load
    from salbench.models.fastgaze import FastGazeModel

    dataset = load("osie", root=OSIE_ROOT.parent).subset([0, 1])
    table = crop_scores(FastGazeModel(VXM_PATH), dataset, ratios=[1.0, 2.0], progress=False)
    assert len(table) == 2 * 2 * 4 and not table.isna().any().any()
    wide = table.pivot_table(index=["image", "ratio"], columns="method", values="density_kept")
    assert (wide[["argmax", "mass", "centre"]].max(axis=1) <= wide["best"] + 1e-12).all()
    assert (wide["best"] > 0.5).all()  # a 600 x 600 window holds most of a photograph's fixations
