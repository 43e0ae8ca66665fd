"""salbench.datasets.shuffled_negatives: the sAUC negatives of the evaluation engine, public."""

import numpy as np
import pytest

import salbench
from salbench import metrics
from salbench.datasets import (
    Dataset,
    DatasetFacts,
    Fixations,
    Stimuli,
    shuffled_negatives,
)
from salbench.exceptions import InputError
from salbench.models.base import SaliencyMapModel

SHAPES = [(10, 20), (5, 10), (20, 40), (7, 13)]


def small_dataset(seed=0, per_image=(3, 4, 5, 2)):
    rng = np.random.default_rng(seed)
    xs, ys, ns = [], [], []
    for i, ((h, w), k) in enumerate(zip(SHAPES, per_image)):
        xs.append(rng.uniform(0, w, k))
        ys.append(rng.uniform(0, h, k))
        ns.append(np.full(k, i))
    # a fixation on the far border of image 1: scaled up, it must stay inside the other images
    xs[1][0], ys[1][0] = np.nextafter(10.0, 0), np.nextafter(5.0, 0)
    stimuli = Stimuli([f"{i}.png" for i in range(len(SHAPES))], shapes=SHAPES,
                      hashes=[f"{i:064x}" for i in range(len(SHAPES))])
    fixations = Fixations(np.concatenate(xs), np.concatenate(ys), np.concatenate(ns),
                          subject=np.arange(sum(per_image)) % 3, n_images=len(SHAPES))
    return Dataset(stimuli, fixations, DatasetFacts(name="toy"))


def test_by_hand():
    stimuli = Stimuli(["a.png", "b.png", "c.png"], shapes=[(10, 20), (5, 10), (20, 40)])
    data = Dataset(stimuli, Fixations(x=[1.0, 4.0, 2.5, 30.0], y=[2.0, 3.0, 1.0, 10.0],
                                      n=[0, 1, 1, 2]))
    x, y = shuffled_negatives(data, 0)
    # image 1 (10 wide, 5 high) scales by (20/10, 10/5) = 2; image 2 (40 x 20) by 1/2
    assert x.tolist() == [8.0, 5.0, 15.0] and y.tolist() == [6.0, 2.0, 5.0]
    x, y = shuffled_negatives(data, 2, images=[0, 2])
    assert x.tolist() == [2.0] and y.tolist() == [4.0]  # image 1 not used, image 2 is itself
    x, y = shuffled_negatives(data, 1, images=[1])
    assert x.size == y.size == 0


def test_far_border_stays_inside_and_matches_the_engines_pixels():
    data = small_dataset()
    for i, (h, w) in enumerate(SHAPES):
        x, y = shuffled_negatives(data, i)
        assert (x >= 0).all() and (x < w).all() and (y >= 0).all() and (y < h).all()
        assert x.size == len(data.fixations) - len(data.fixations.for_image(i))
        # the pixels are those of the engine's rule: floor(x * w_i / w_j), clipped to the image
        f = data.fixations
        other = f.n != i
        sizes = data.stimuli.shapes[f.n[other]].astype(float)
        cols = np.minimum(np.floor(f.x[other] * (w / sizes[:, 1])), w - 1)
        rows = np.minimum(np.floor(f.y[other] * (h / sizes[:, 0])), h - 1)
        np.testing.assert_array_equal(np.floor(x), cols)
        np.testing.assert_array_equal(np.floor(y), rows)


def test_errors():
    data = small_dataset()
    with pytest.raises(InputError, match="out of range"):
        shuffled_negatives(data, 4)
    with pytest.raises(InputError, match="integer"):
        shuffled_negatives(data, 1.0)
    with pytest.raises(InputError, match="out of range"):
        shuffled_negatives(data, 0, images=[0, 9])
    with pytest.raises(InputError, match="integer"):
        shuffled_negatives(data, 0, images=[0.5])


def _maps(seed=3, levels=None):
    rng = np.random.default_rng(seed)
    maps = []
    for h, w in SHAPES:
        m = rng.normal(size=(h, w))
        maps.append(np.round(m * 2) if levels else m)  # rounded: ties
    return maps


@pytest.mark.parametrize("levels", [None, 5])
def test_sauc_with_these_negatives_is_the_engines_sauc(levels):
    data = small_dataset(seed=1)
    maps = _maps(levels=levels)
    f = data.fixations
    table = metrics.score_maps(maps, f.x, f.y, f.n, metrics=["sauc"], n_threads=1)
    for i, s in enumerate(maps):
        fi = f.for_image(i)
        nx, ny = shuffled_negatives(data, i)
        assert metrics.sauc(s, fi.x, fi.y, nx, ny) == table["sauc"][i]
        assert metrics.auc(s, fi.x, fi.y, negatives=(nx, ny)) == table["sauc"][i]
        assert metrics.roc_curve(s, fi.x, fi.y, negatives=(nx, ny)).area == \
            pytest.approx(table["sauc"][i], abs=1e-12)


class _Maps(SaliencyMapModel):
    """Fixed maps looked up by image id; needs no pixels."""

    name = "fixed maps"
    needs_pixels = False

    def __init__(self, maps, ids):
        self.by_id = dict(zip(ids, maps))

    def saliency_map(self, image, *, image_id=None):
        return self.by_id[image_id]


def test_sauc_of_evaluate_on_a_split_uses_the_split_as_negatives():
    data = small_dataset(seed=2)
    maps = _maps(seed=4, levels=5)
    model = _Maps(maps, data.stimuli.ids)
    scored = [0, 2, 3]
    result = salbench.evaluate(model, data, metrics=["sauc"], split=scored, progress=False,
                               per_fixation=False)
    values = result.images.set_index("image")["sauc"]
    for i in scored:
        fi = data.fixations.for_image(i)
        nx, ny = shuffled_negatives(data, i, images=scored)
        assert metrics.sauc(maps[i], fi.x, fi.y, nx, ny) == values[i]
    # with all images as negatives the value differs (image 1's fixations join in)
    nx, ny = shuffled_negatives(data, 0)
    fi = data.fixations.for_image(0)
    assert metrics.sauc(maps[0], fi.x, fi.y, nx, ny) != values[0]
