"""EyeCrowd: we do not have its files, so a fixture in OSIE's MAT layout stands in for them.

The fixture has the published shape of the data (500 images of 1024x768, 16 observers,
126,348 fixations, 3 empty trials), so the loader is shown to produce exactly those counts from
that layout; smaller fixtures check conversions and out-of-image reporting.
"""

import shutil
import warnings

import numpy as np
import pytest

from salbench.datasets import load, registry
from salbench.exceptions import DataError

from _datasets_support import write_jpeg, write_osie_layout_mat

N_IMAGES, N_OBSERVERS, N_FIXATIONS, EMPTY = 500, 16, 126_348, 3


def _published_shape_fixture(root):
    folder = root / "eyecrowd"
    first = write_jpeg(folder / "stimuli" / "001.jpg", 768, 1024)
    for i in range(2, N_IMAGES + 1):
        shutil.copyfile(first, folder / "stimuli" / f"{i:03d}.jpg")
    rng = np.random.default_rng(7)
    trials = N_IMAGES * N_OBSERVERS - EMPTY
    # split N_FIXATIONS over the non-empty trials, 1..30 each
    lengths = np.full(trials, N_FIXATIONS // trials)
    lengths[: N_FIXATIONS - lengths.sum()] += 1
    assert lengths.sum() == N_FIXATIONS
    empty_at = {(3, 5), (100, 0), (499, 15)}
    images, k = [], 0
    for i in range(N_IMAGES):
        per_subject = []
        for j in range(N_OBSERVERS):
            if (i, j) in empty_at:
                per_subject.append(([], [], []))
                continue
            m = lengths[k]
            k += 1
            per_subject.append((rng.uniform(1, 1024, m).round(1), rng.uniform(1, 768, m).round(1),
                                rng.integers(50, 900, m)))
        images.append((f"{i + 1:03d}.jpg", per_subject))
    write_osie_layout_mat(folder / "eye" / "fixations.mat", images)
    return images


def test_loader_reproduces_the_published_counts(tmp_path):
    _published_shape_fixture(tmp_path)
    ds = load("eyecrowd", root=tmp_path)
    spec = registry.spec("eyecrowd")
    assert len(ds) == spec.n_images == N_IMAGES
    assert len(ds.fixations) == spec.n_fixations == N_FIXATIONS
    assert ds.fixations.n_subjects == spec.n_observers == N_OBSERVERS
    assert ds.facts.empty_trials == spec.empty_trials == EMPTY
    assert ds.fixations.n_scanpaths == N_IMAGES * N_OBSERVERS - EMPTY
    assert {tuple(s) for s in ds.stimuli.shapes.tolist()} == {(768, 1024)}
    assert ds.facts.licence == "MIT" and "saliency-in-crowd" in ds.facts.source


def test_conversion_and_scanpath_order(tmp_path):
    folder = tmp_path / "eyecrowd"
    write_jpeg(folder / "stimuli" / "a.jpg", 30, 40)
    write_jpeg(folder / "stimuli" / "b.jpg", 30, 40)
    images = [
        ("b.jpg", [([1.0, 40.0, 20.5], [1.0, 30.0, 2.25], [100, 200, 300]), ([], [], [])]),
        ("a.jpg", [([5.0], [6.0], [1000]), ([7.5, 8.5], [9.5, 10.5], [10, 20])]),
    ]
    write_osie_layout_mat(folder / "eye" / "fixations.mat", images, oned_subjects_row=False)
    ds = load("eyecrowd", root=tmp_path)
    assert ds.stimuli.names == ["b.jpg", "a.jpg"]  # file order of the MAT, not alphabetical
    f0 = ds.fixations.for_image(0)
    np.testing.assert_array_equal(f0.x, [0.0, 39.0, 19.5])
    np.testing.assert_array_equal(f0.y, [0.0, 29.0, 1.25])
    np.testing.assert_allclose(f0.duration, [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(f0.position, [0, 1, 2])
    f1 = ds.fixations.for_image(1)
    np.testing.assert_array_equal(f1.subject, [0, 1, 1])
    np.testing.assert_array_equal(f1.position, [0, 0, 1])
    assert len(set(ds.fixations.scanpath.tolist())) == 3
    assert ds.facts.empty_trials == 1


def _outside_fixture(root):
    folder = root / "eyecrowd"
    write_jpeg(folder / "stimuli" / "001.jpg", 20, 30)
    images = [("001.jpg", [([1.0, 31.5, 10.0], [1.0, 5.0, 0.5], [1, 2, 3]),
                           ([2.0], [2.0], [5])])]
    write_osie_layout_mat(folder / "eye" / "fixations.mat", images)


def test_out_of_image_fixations_are_reported_with_dataset_image_and_subject(tmp_path):
    _outside_fixture(tmp_path)
    with pytest.raises(DataError) as info:
        load("eyecrowd", root=tmp_path)
    message = str(info.value)
    assert "2 fixation(s) of dataset 'eyecrowd'" in message
    assert "image 0 ('001.jpg', 30x20), subject 0: x = 30.5" in message
    assert "y = -0.5" in message and "out_of_image='drop'" in message


def test_out_of_image_fixations_dropped_only_on_request(tmp_path):
    _outside_fixture(tmp_path)
    with pytest.warns(UserWarning, match=r"2 fixation\(s\).*dropped"):
        ds = load("eyecrowd", root=tmp_path, out_of_image="drop")
    assert len(ds.fixations) == 2 and ds.facts.dropped == 2 and ds.facts.out_of_image == 2
    with pytest.warns(UserWarning, match="clipped"):
        clipped = load("eyecrowd", root=tmp_path, out_of_image="clip")
    assert len(clipped.fixations) == 4 and clipped.facts.clipped == 2
    assert clipped.fixations.x.max() < 30 and clipped.fixations.y.min() == 0.0
    with pytest.warns(UserWarning, match="kept"):
        kept = load("eyecrowd", root=tmp_path, out_of_image="keep")
    assert len(kept.fixations) == 4 and kept.facts.dropped == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(Exception, match="out_of_image must be one of"):
            load("eyecrowd", root=tmp_path, out_of_image="ignore")


def test_missing_stimulus_is_named(tmp_path):
    folder = tmp_path / "eyecrowd"
    write_jpeg(folder / "stimuli" / "001.jpg", 20, 30)
    write_osie_layout_mat(folder / "eye" / "fixations.mat",
                          [("001.jpg", [([1.0], [1.0], [1])]), ("002.jpg", [([1.0], [1.0], [1])])])
    with pytest.raises(DataError, match=r"1 stimulus file\(s\).*missing: 002\.jpg"):
        load("eyecrowd", root=tmp_path)


def test_mismatched_field_lengths_are_located(tmp_path):
    folder = tmp_path / "eyecrowd"
    write_jpeg(folder / "stimuli" / "001.jpg", 20, 30)
    write_osie_layout_mat(folder / "eye" / "fixations.mat",
                          [("001.jpg", [([1.0], [1.0], [1]), ([1.0, 2.0], [1.0], [1, 2])])])
    with pytest.raises(DataError, match=r"fixations\{1\}\.subjects\{2\}.*subject 1.*different lengths"):
        load("eyecrowd", root=tmp_path)
