"""NUS Scene loaded from the real files in ../shared/datasets/nus_scene."""

import numpy as np
import pytest
import scipy.io

from salbench.datasets import load

from _datasets_support import SHARED_DATASETS


@pytest.fixture(scope="module")
def nus():
    return load("nus_scene", root=SHARED_DATASETS)


def test_counts_match_the_readme(nus):
    assert len(nus) == 500
    assert len(nus.fixations) == 43894
    assert nus.fixations.n_subjects == 12
    assert nus.facts.empty_trials == 52
    shapes = [tuple(s) for s in nus.stimuli.shapes.tolist()]
    assert len(set(shapes)) == 130
    assert shapes.count((256, 256)) == 311
    assert nus.stimuli.shapes[:, 1].max() == 3888
    observers = np.array([np.unique(nus.fixations.for_image(i).subject).size for i in range(500)])
    assert np.bincount(observers).tolist()[10:] == [2, 48, 450]


def test_rows_are_y_then_x_and_no_offset_is_applied(nus):
    raw = scipy.io.loadmat(SHARED_DATASETS / "nus_scene" / "tidy" / "fixations.mat")["fixations"]
    block = raw[41, 3]  # image 41 (042.jpg), observer 3
    f = nus.fixations.for_image(41)
    mine = f.subject == 3
    np.testing.assert_array_equal(f.y[mine], block[:, 0])
    np.testing.assert_array_equal(f.x[mine], block[:, 1])
    np.testing.assert_array_equal(f.t[mine], block[:, 2])
    np.testing.assert_array_equal(f.duration[mine], block[:, 3])
    assert nus.stimuli.names[41] == "042.jpg"


def test_every_fixation_is_strictly_inside_and_subtracting_one_would_not_be(nus):
    f = nus.fixations
    shapes = nus.stimuli.shapes
    w, h = shapes[f.n, 1], shapes[f.n, 0]
    assert ((f.x > 0) & (f.x < w) & (f.y > 0) & (f.y < h)).all()
    # the README's evidence that the data are not 1-based: x - 1 would leave 6 outside
    outside = ((f.x - 1 < 0) | (f.y - 1 < 0)).sum()
    assert outside == 6


def test_times_are_within_the_viewing_period(nus):
    f = nus.fixations
    assert np.nanmin(f.t) >= 0 and np.nanmax(f.t) <= 3.5
    assert (f.duration > 0).all()
    # within a scanpath, onsets increase
    order_ok = [np.all(np.diff(f.t[f.scanpath == s]) > 0) for s in np.unique(f.scanpath)[:200]]
    assert all(order_ok)


def test_image_sizes_agree_with_imginfo(nus):
    info = scipy.io.loadmat(SHARED_DATASETS / "nus_scene" / "tidy" / "imgInfo.mat")["imgInfo"]
    np.testing.assert_array_equal(nus.stimuli.shapes, info["size"][0, 0])
