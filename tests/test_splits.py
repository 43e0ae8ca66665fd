"""Deterministic image splits: reproducible, disjoint, stored with dataset name and seed."""

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salbench.datasets import Split, kfold, load, split_images
from salbench.exceptions import DataError, InputError

from _datasets_support import SHARED_DATASETS

NAMES = [f"{i:04d}.jpg" for i in range(1000, 1137)]


@given(st.integers(1, 200), st.integers(0, 10**6), st.floats(0, 1), st.floats(0, 1))
@settings(max_examples=50, deadline=None)
def test_parts_are_disjoint_and_cover_every_image(n, seed, a, b):
    f_train = a
    f_val = (1 - a) * b
    names = [f"img{i}.png" for i in range(n)]
    s = split_images(names, name="d", seed=seed, fractions=(f_train, f_val, 1 - f_train - f_val))
    assert sorted(s.train + s.validation + s.test) == list(range(n))
    assert len(s.train) == round(f_train * n)


def test_split_is_a_sha256_ordering_of_names():
    s = split_images(NAMES, name="osie", seed=3, fractions=(0.5, 0.25, 0.25))
    # obviously-correct reference: sort by sha256("<dataset>/<seed>/<name>")
    order = sorted(range(len(NAMES)), key=lambda i: hashlib.sha256(f"osie/3/{NAMES[i]}".encode()).hexdigest())
    assert set(s.train) == set(order[:68]) and set(s.validation) == set(order[68:102])
    assert split_images(NAMES, name="osie", seed=3, fractions=(0.5, 0.25, 0.25)) == s
    assert split_images(NAMES, name="osie", seed=4, fractions=(0.5, 0.25, 0.25)).train != s.train


def test_split_follows_names_not_positions():
    s = split_images(NAMES, name="x", seed=0)
    shuffled = NAMES[::-1]
    t = split_images(shuffled, name="x", seed=0)
    assert {NAMES[i] for i in s.test} == {shuffled[i] for i in t.test}


def test_osie_default_split_is_stable():
    ds = load("osie", root=SHARED_DATASETS)
    s = split_images(ds)
    assert (len(s.train), len(s.validation), len(s.test)) == (490, 70, 140)
    assert s.dataset == "osie" and s.seed == 0 and s.fractions == (0.7, 0.1, 0.2)
    # Frozen: results published with this split must stay reproducible. Changing the algorithm
    # must change this test (and the split's format version).
    assert [ds.stimuli.names[i] for i in s.test[:5]] == FROZEN_OSIE_TEST_HEAD
    s.check(ds)


FROZEN_OSIE_TEST_HEAD = ["1005.jpg", "1010.jpg", "1023.jpg", "1024.jpg", "1027.jpg"]


def test_save_load_and_check(tmp_path):
    ds = load("osie", root=SHARED_DATASETS)
    s = split_images(ds, seed=11)
    path = s.save(tmp_path / "split.json")
    assert Split.load(path) == s
    data = json.loads(path.read_text())
    assert data["format"] == "salbench.Split/1" and data["dataset"] == "osie" and data["seed"] == 11
    with pytest.raises(DataError, match="made for dataset 'osie', not 'nus_scene'"):
        s.check(load("nus_scene", root=SHARED_DATASETS))
    with pytest.raises(DataError, match="other images"):
        s.check(ds.subset(range(10)))
    (tmp_path / "bad.json").write_text('{"format": "salbench.Split/1", "dataset": "x", "seed": 0, '
                                       '"fractions": [1, 0, 0], "train": [0, 0], "validation": [], '
                                       '"test": [], "image_names": ["a", "b"]}')
    with pytest.raises(DataError, match="bad.json: split file is inconsistent"):
        Split.load(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("{")
    with pytest.raises(DataError, match="junk.json: split file is not valid JSON"):
        Split.load(tmp_path / "junk.json")


def test_kfold():
    folds = kfold(NAMES, name="d", k=5, seed=1)
    assert len(folds) == 5
    all_test = sorted(i for f in folds.folds for i in f)
    assert all_test == list(range(len(NAMES)))
    sizes = [len(f) for f in folds.folds]
    assert max(sizes) - min(sizes) <= 1
    for train, test in folds:
        assert not set(train) & set(test) and len(train) + len(test) == len(NAMES)
    fold_of = folds.fold_of()
    assert all(fold_of[i] == k for k, f in enumerate(folds.folds) for i in f)
    subset = kfold(NAMES, name="d", k=3, images=range(0, 30))
    assert sorted(i for f in subset.folds for i in f) == list(range(30))
    assert (subset.fold_of()[30:] == -1).all()


@pytest.mark.parametrize("kwargs, message", [
    (dict(fractions=(0.5, 0.5, 0.5)), "summing to 1"),
    (dict(seed=-1), "non-negative integer"),
    (dict(seed=1.5), "non-negative integer"),
])
def test_bad_split_arguments(kwargs, message):
    with pytest.raises(InputError, match=message):
        split_images(NAMES, name="d", **kwargs)


def test_bad_kfold_arguments():
    with pytest.raises(InputError, match="k must be an integer >= 2"):
        kfold(NAMES, name="d", k=1)
    with pytest.raises(InputError, match="cannot make 5 folds of 3 images"):
        kfold(NAMES, name="d", k=5, images=[0, 1, 2])
    with pytest.raises(InputError, match="pass name="):
        kfold(NAMES)
    with pytest.raises(InputError, match="must be unique"):
        split_images(["a", "a"], name="d")


def test_training_indices_accept_indices_or_a_split_and_reject_bad_selections():
    from salbench.datasets.splits import training_indices

    ds = load("osie", root=SHARED_DATASETS)
    split = split_images(ds, seed=0)
    assert training_indices(ds, split).tolist() == sorted(split.train)
    assert training_indices(ds, [5, 3, 5]).tolist() == [3, 5]
    with pytest.raises(InputError, match="train= is empty"):
        training_indices(ds, [])
    with pytest.raises(InputError, match=r"outside 0\.\.699"):
        training_indices(ds, [700])
    other = split_images(ds.subset(range(10)), seed=0)
    with pytest.raises((InputError, DataError)):
        training_indices(ds, other)  # a split of another dataset
