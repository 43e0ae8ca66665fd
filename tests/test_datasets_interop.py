"""pysaliency HDF5 files (written by pysaliency itself) and generic CSV/Parquet tables."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salbench.datasets import Fixations, Stimuli, load
from salbench.datasets.hdf5 import load_pysaliency, read_pysaliency, save_pysaliency, write_pysaliency
from salbench.datasets.tabular import read_fixations
from salbench.exceptions import DataError, InputError

from _datasets_support import SHARED_DATASETS

FIXTURES = Path(__file__).resolve().parent / "data" / "pysaliency"


def test_reads_fixation_trains_written_by_pysaliency():
    f = read_pysaliency(FIXTURES / "fixation_trains.hdf5")
    assert len(f) == 10 and f.n_images == 3 and f.n_scanpaths == 4
    # values given to pysaliency in make_fixtures.py
    np.testing.assert_array_equal(f.for_image(0).x, [1.5, 10.25, 30.0])
    np.testing.assert_array_equal(f.for_image(0).y, [2.0, 20.0, 23.5])
    np.testing.assert_array_equal(f.for_image(2).position, [0, 1, 2, 3])
    np.testing.assert_array_equal(f.for_image(1).subject, [0, 1, 1])
    np.testing.assert_array_equal(f.for_image(0).duration, [0.25, 0.5, 0.125])
    np.testing.assert_array_equal(f.for_image(2).t, [0.05, 0.5, 0.8, 1.1])


def test_reads_flat_fixations_and_file_stimuli_written_by_pysaliency():
    f = read_pysaliency(FIXTURES / "fixations_flat.hdf5")
    assert f.x.tolist() == [1.0, 2.5, 3.0] and f.subject.tolist() == [3, 1, 4]
    assert f.n.tolist() == [0, 2, 2] and (f.scanpath == -1).all()
    s = read_pysaliency(FIXTURES / "stimuli.hdf5")
    assert isinstance(s, Stimuli) and s.names == ["img0.jpg", "img1.jpg", "img2.jpg"]
    assert s.shapes.tolist() == [[24, 32], [30, 20], [16, 16]]
    assert s[1].shape == (30, 20, 3)
    ds = load_pysaliency(stimuli=FIXTURES / "stimuli.hdf5", fixations=FIXTURES / "fixation_trains.hdf5")
    assert len(ds) == 3 and len(ds.fixations) == 10


def test_round_trip_through_our_writer(tmp_path):
    ds = load("osie", root=SHARED_DATASETS).subset(range(5))
    stimuli_path, fixations_path = save_pysaliency(ds, tmp_path)
    back = load_pysaliency(tmp_path)
    assert back.fixations.equals(_renumbered(ds.fixations))
    assert back.stimuli.paths == [p.resolve() for p in ds.stimuli.paths]
    np.testing.assert_array_equal(back.stimuli.shapes, ds.stimuli.shapes)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixations.hdf5", "stimuli.hdf5"]


def _renumbered(f):
    # write_pysaliency numbers scanpaths 0..S-1 in order of their ids
    ids = np.unique(f.scanpath, return_inverse=True)[1]
    return Fixations(f.x, f.y, f.n, subject=f.subject, scanpath=ids, position=f.position, t=f.t,
                     duration=f.duration, n_images=f.n_images)


def test_flat_fixations_round_trip(tmp_path):
    f = Fixations([1.0, 2.0], [3.0, 4.0], [1, 0], subject=[2, 3], duration=[0.1, np.nan], n_images=3)
    write_pysaliency(tmp_path / "f.hdf5", f)
    assert read_pysaliency(tmp_path / "f.hdf5").equals(f)


def test_hdf5_errors(tmp_path):
    import h5py

    with pytest.raises(DataError, match="no such file"):
        read_pysaliency(tmp_path / "none.hdf5")
    (tmp_path / "junk.hdf5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 50)
    with pytest.raises(DataError, match="junk.hdf5: not a readable HDF5 file"):
        read_pysaliency(tmp_path / "junk.hdf5")
    data = (FIXTURES / "fixation_trains.hdf5").read_bytes()
    (tmp_path / "cut.hdf5").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cut.hdf5"):
        read_pysaliency(tmp_path / "cut.hdf5")
    with h5py.File(tmp_path / "plain.hdf5", "w") as h:
        h.create_dataset("x", data=[1.0])
    with pytest.raises(DataError, match="has no attribute 'type'"):
        read_pysaliency(tmp_path / "plain.hdf5")
    with h5py.File(tmp_path / "partial.hdf5", "w") as h:
        h.attrs["type"] = np.bytes_("FixationTrains")
        h.attrs["version"] = np.bytes_("1.2")
        h.create_dataset("train_xs", data=np.zeros((1, 2)))
    with pytest.raises(DataError, match="lacks the dataset 'train_ys'"):
        read_pysaliency(tmp_path / "partial.hdf5")
    with h5py.File(tmp_path / "v9.hdf5", "w") as h:
        h.attrs["type"] = np.bytes_("FileStimuli")
        h.attrs["version"] = np.bytes_("9.0")
    with pytest.raises(DataError, match="version '9.0' is not supported"):
        read_pysaliency(tmp_path / "v9.hdf5")


# ------------------------------------------------------------------------------------ tables
def test_csv_with_named_columns_one_based_and_yx(tmp_path):
    csv = tmp_path / "export.csv"
    pd.DataFrame({
        "participant": ["p1", "p1", "p2", "p1"],
        "stimulus": ["b", "b", "a.jpg", "a"],
        "row": [5.0, 7.0, 1.0, 2.0],
        "col": [10.0, 11.0, 1.0, 3.0],
        "onset_ms": [100, 350, 0, 20],
        "dur_ms": [200, 150, 300, 100],
    }).to_csv(csv, index=False)
    f = read_fixations(csv, coordinates=("row", "col"), xy_order="yx", one_based=True,
                       image="stimulus", subject="participant", t="onset_ms", duration="dur_ms",
                       time_unit="ms", images=["a.jpg", "b.jpg"])
    assert f.n_images == 2
    np.testing.assert_array_equal(f.for_image(1).x, [9.0, 10.0])
    np.testing.assert_array_equal(f.for_image(1).y, [4.0, 6.0])
    np.testing.assert_allclose(f.for_image(1).t, [0.1, 0.35])
    np.testing.assert_array_equal(f.for_image(0).subject, [1, 0])  # p2 then p1, first-seen codes
    np.testing.assert_array_equal(f.for_image(1).position, [0, 1])
    assert f.n_scanpaths == 3


def test_parquet_with_integer_images(tmp_path):
    path = tmp_path / "fix.parquet"
    pd.DataFrame({"img": [1, 2, 2], "gx": [0.5, 1.5, 2.5], "gy": [3.0, 4.0, 5.0]}).to_parquet(path)
    f = read_fixations(path, coordinates=("gx", "gy"), xy_order="xy", one_based=False, image="img",
                       image_index_base=1, n_images=4)
    assert f.n.tolist() == [0, 1, 1] and f.n_images == 4 and f.x.tolist() == [0.5, 1.5, 2.5]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(coordinates=("x", "z"), xy_order="xy", one_based=False, image="img"), DataError,
     r"no column 'z' \(given as second coordinate\); the columns are \['img', 'x', 'y'\]"),
    (dict(coordinates=("x", "y"), xy_order="xyz", one_based=False, image="img"), InputError,
     "xy_order must be 'xy' or 'yx'"),
    (dict(coordinates=("x", "y"), xy_order="xy", one_based=None, image="img"), InputError,
     "one_based must be True or False"),
    (dict(coordinates=("x", "y"), xy_order="xy", one_based=False, image="img", images=["a.jpg"]),
     DataError, r"not among the images, e.g. \['c'\]"),
])
def test_table_errors(tmp_path, kwargs, error, message):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"img": ["c"], "x": [1.0], "y": [2.0]}).to_csv(csv, index=False)
    with pytest.raises(error, match=message):
        read_fixations(csv, **kwargs)


def test_table_requires_the_convention_arguments(tmp_path):
    with pytest.raises(TypeError, match="one_based"):
        read_fixations(tmp_path / "t.csv", coordinates=("x", "y"), xy_order="xy", image="img")


def test_non_numeric_coordinate_is_located(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("img,x,y\n0,1.0,2.0\n0,oops,3.0\n")
    with pytest.raises(DataError, match=r"column 'x' \(coordinate\) has a non-numeric value 'oops' in data row 1"):
        read_fixations(csv, coordinates=("x", "y"), xy_order="xy", one_based=False, image="img")
