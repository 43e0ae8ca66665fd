"""OSIE loaded from the real files in ../shared/datasets/osie."""

import numpy as np
import pytest
import scipy.io

import salbench
from salbench.datasets import load
from salbench.exceptions import DataError

from _datasets_support import SHARED_DATASETS


@pytest.fixture(scope="module")
def osie():
    return load("osie", root=SHARED_DATASETS)


def test_counts_match_the_publication(osie):
    assert len(osie) == 700
    assert len(osie.fixations) == 98321
    assert osie.fixations.n_subjects == 15
    assert osie.fixations.n_scanpaths == 700 * 15  # no empty trial
    assert osie.facts.empty_trials == 0
    assert {tuple(s) for s in osie.stimuli.shapes.tolist()} == {(600, 800)}
    lengths = np.bincount(osie.fixations.scanpath)
    assert lengths.min() == 1 and lengths.max() == 22
    assert osie.facts.pixels_per_degree == 24.0
    assert osie.facts.out_of_image == 0 and osie.facts.dropped == 0


def test_conversion_subtracts_one_from_the_mat_values(osie):
    raw = scipy.io.loadmat(SHARED_DATASETS / "osie" / "eye" / "fixations.mat")["fixations"]
    # image 5 (1006.jpg), subject 7: compare every fixation with the raw MATLAB values
    cell = raw[5, 0][0, 0]
    assert cell["img"][0] == osie.stimuli.names[5] == "1006.jpg"
    subject = cell["subjects"].reshape(-1)[7][0, 0]
    f = osie.fixations.for_image(5)
    mine = f.subject == 7
    np.testing.assert_array_equal(f.x[mine], subject["fix_x"].ravel() - 1)
    np.testing.assert_array_equal(f.y[mine], subject["fix_y"].ravel() - 1)
    np.testing.assert_allclose(f.duration[mine], subject["fix_duration"].ravel() / 1000.0)
    np.testing.assert_array_equal(f.position[mine], np.arange(mine.sum()))
    assert np.isnan(f.t).all()


def test_coordinates_are_inside_and_in_the_documented_range(osie):
    f = osie.fixations
    assert f.x.min() >= 0 and f.x.max() < 800 and f.y.min() >= 0 and f.y.max() < 600
    # README: raw values about 1.2-799.2 and 1.2-599.2, so 0.2-798.2 after conversion
    assert f.x.min() == pytest.approx(0.2) and f.x.max() == pytest.approx(798.2)


def test_per_image_access_is_views_of_the_columns(osie):
    f = osie.fixations
    total = 0
    for i in range(len(osie)):
        part = f.for_image(i)
        assert np.shares_memory(part.x, f.x) or len(part) == 0
        assert (f.n[f.image_slice(i)] == i).all()
        total += len(part)
    assert total == len(f)


def test_stimuli_load_lazily_and_ids_are_stable(osie):
    image = osie.stimuli[0]
    assert image.shape == (600, 800, 3) and image.dtype == np.uint8
    ids = osie.stimuli.ids
    assert ids[0].startswith("1001.jpg:") and len(set(ids)) == 700
    assert load("osie", root=SHARED_DATASETS).stimuli.ids == ids
    assert osie.stimuli.index_of(ids[123]) == 123


def test_dataset_iteration_and_subset(osie):
    items = list(osie)
    assert len(items) == 700 and items[3].name == "1004.jpg" and items[3].shape == (600, 800)
    sub = osie.subset([10, 3])
    assert len(sub) == 2 and sub.stimuli.names == ["1011.jpg", "1004.jpg"]
    np.testing.assert_array_equal(sub.fixations.for_image(1).x, osie.fixations.for_image(3).x)
    assert sub.facts.images == (10, 3)
    assert sub.subset([1]).facts.images == (3,)


def test_top_level_names_resolve():
    assert salbench.Fixations is salbench.datasets.Fixations
    assert salbench.Dataset is salbench.datasets.Dataset


def test_missing_dataset_folder_explains_how_to_get_it(tmp_path):
    with pytest.raises(DataError, match=r"download=True"):
        load("osie", root=tmp_path)
