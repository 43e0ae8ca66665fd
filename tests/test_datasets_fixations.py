"""The Fixations data model: sorting, offsets, filtering, pandas and Parquet round trips."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salbench.datasets import FIELDS, Fixations
from salbench.exceptions import DataError, InputError


@st.composite
def fixation_sets(draw):
    n_images = draw(st.integers(1, 6))
    size = draw(st.integers(0, 40))
    n = draw(st.lists(st.integers(0, n_images - 1), min_size=size, max_size=size))
    x = draw(st.lists(st.floats(0, 99, allow_nan=False), min_size=size, max_size=size))
    y = draw(st.lists(st.floats(0, 99, allow_nan=False), min_size=size, max_size=size))
    subject = draw(st.lists(st.integers(0, 4), min_size=size, max_size=size))
    t = draw(st.lists(st.one_of(st.just(float("nan")), st.floats(0, 3)), min_size=size, max_size=size))
    return dict(x=x, y=y, n=n, subject=subject, t=t, n_images=n_images)


@given(fixation_sets())
@settings(max_examples=60, deadline=None)
def test_per_image_views_partition_the_input_in_original_order(data):
    f = Fixations(data["x"], data["y"], data["n"], subject=data["subject"], t=data["t"],
                  n_images=data["n_images"])
    assert len(f) == len(data["x"]) and f.offsets[-1] == len(f) and f.offsets[0] == 0
    n = np.asarray(data["n"], dtype=np.int64)
    for i in range(f.n_images):
        view = f.for_image(i)
        # stable sort: the input order within an image is kept
        np.testing.assert_array_equal(view.x, np.asarray(data["x"], dtype=float)[n == i])
        np.testing.assert_array_equal(view.subject, np.asarray(data["subject"])[n == i])
        assert len(view) == f.counts[i]
    assert np.all(np.diff(f.n) >= 0)


@given(fixation_sets())
@settings(max_examples=40, deadline=None)
def test_dataframe_round_trip(data):
    f = Fixations(data["x"], data["y"], data["n"], subject=data["subject"], t=data["t"],
                  n_images=data["n_images"])
    back = Fixations.from_dataframe(f.to_dataframe(), n_images=f.n_images)
    assert back.equals(f)


def test_parquet_round_trip_with_metadata(tmp_path):
    f = Fixations([1.5, 2.5, 3.5], [0.5, 1.0, 2.0], [2, 0, 2], subject=[1, 0, 1],
                  scanpath=[5, 4, 5], position=[0, 0, 1], t=[np.nan, 0.1, 0.2],
                  duration=[0.3, np.nan, 0.25], n_images=4)
    path = f.to_parquet(tmp_path / "fix.parquet", metadata={"dataset": "toy"})
    back, meta = Fixations.read_parquet(path, return_metadata=True)
    assert back.equals(f) and back.n_images == 4 and meta == {"dataset": "toy"}
    assert [p.name for p in tmp_path.iterdir()] == ["fix.parquet"]  # no temporary file left


def test_corrupt_parquet_is_a_data_error(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="bad.parquet: not a readable Parquet file"):
        Fixations.read_parquet(bad)
    with pytest.raises(DataError, match="no such file"):
        Fixations.read_parquet(tmp_path / "missing.parquet")


def test_columns_are_read_only_and_typed():
    f = Fixations([1.0], [2.0], [0])
    with pytest.raises(ValueError):
        f.x[0] = 5.0
    assert f.x.dtype == np.float64 and f.n.dtype == np.int64 and f.subject.dtype == np.int64
    assert f.subject[0] == -1 and np.isnan(f.t[0])
    assert set(FIELDS) == {"x", "y", "n", "subject", "scanpath", "position", "t", "duration"}


def test_filter_and_subset():
    f = Fixations(x=[0, 1, 2, 3, 4, 5], y=[0] * 6, n=[0, 0, 1, 1, 2, 2], subject=[0, 1, 0, 1, 0, 1],
                  position=[0, 1, 0, 1, 0, 1], scanpath=[0, 1, 2, 3, 4, 5], n_images=3)
    assert f.filter(subjects=[1]).x.tolist() == [1, 3, 5]
    assert f.filter(positions=slice(1, None)).x.tolist() == [1, 3, 5]
    assert f.filter(images=[2]).n_images == 3
    assert f.filter(mask=f.x > 2.5).x.tolist() == [3, 4, 5]
    sub = f.subset([2, 0])
    assert sub.n_images == 2 and sub.x.tolist() == [4, 5, 0, 1] and sub.n.tolist() == [0, 0, 1, 1]
    assert sub.scanpath.tolist() == [4, 5, 0, 1]
    with pytest.raises(InputError, match="must not repeat"):
        f.subset([1, 1])
    with pytest.raises(InputError, match=r"images must lie in \[0, 3\)"):
        f.subset([3])


def test_concatenate_keeps_all_fixations():
    a = Fixations([1.0], [1.0], [1], n_images=2)
    b = Fixations([2.0, 3.0], [1.0, 1.0], [0, 1], n_images=2)
    c = Fixations.concatenate([a, b])
    assert c.counts.tolist() == [1, 2] and c.for_image(1).x.tolist() == [1.0, 3.0]


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=[1.0, np.nan], y=[0.0, 0.0], n=[0, 0]), r"x of fixation 1 is nan"),
    (dict(x=[1.0], y=[0.0, 1.0], n=[0]), r"field 'y' must be 1-D with 1 values"),
    (dict(x=[1.0], y=[0.0], n=[-1]), r"image index n of fixation 0 is -1"),
    (dict(x=[1.0], y=[0.0], n=[0.5]), r"field 'n' must hold integers"),
    (dict(x=[1.0], y=[0.0], n=[3], n_images=2), r"n_images is 2 but fixations refer to image index 3"),
    (dict(x=[1.0], y=[0.0], n=[0], subject=["a"]), r"field 'subject' must be integer"),
])
def test_bad_input_is_named(kwargs, message):
    with pytest.raises(InputError, match=message):
        Fixations(**kwargs)


def test_from_dataframe_rejects_unknown_columns():
    with pytest.raises(InputError, match=r"unknown column\(s\) \['subj'\]"):
        Fixations.from_dataframe(pd.DataFrame({"x": [1.0], "y": [1.0], "n": [0], "subj": [0]}))
    with pytest.raises(InputError, match=r"lacks the required column\(s\) \['n'\]"):
        Fixations.from_dataframe(pd.DataFrame({"x": [1.0], "y": [1.0]}))


def test_image_index_errors():
    f = Fixations([1.0], [1.0], [0], n_images=2)
    with pytest.raises(InputError, match="out of range for 2 images"):
        f.for_image(2)
    with pytest.raises(InputError, match="must be an integer"):
        f.for_image(1.0)
    assert len(f.for_image(1)) == 0 and list(f)[1].index == 1


def test_dataset_attributes_are_one_row_per_image_and_follow_subsets(tmp_path):
    import pandas as pd
    from PIL import Image

    from salbench.datasets import Dataset, Fixations, Stimuli

    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(np.zeros((4, 5), np.uint8)).save(paths[-1])
    fixations = Fixations([1.0, 2.0, 3.0], [1.0, 1.0, 2.0], [0, 1, 2], n_images=3)
    plain = Dataset(Stimuli(paths), fixations)
    assert plain.attributes.shape == (3, 0)
    data = Dataset(Stimuli(paths), fixations, attributes={"category": ["a", "b", "a"]})
    assert data.attributes["category"].tolist() == ["a", "b", "a"]
    assert data.subset([2, 1]).attributes["category"].tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="2 rows but the dataset has 3 images"):
        Dataset(Stimuli(paths), fixations, attributes=pd.DataFrame({"c": [1, 2]}))
