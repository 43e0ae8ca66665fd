"""SALICON: the publisher's real example JSON (../shared/datasets/samples) and LSUN MAT fixtures.

The example file (github.com/NUS-VIP/salicon-api at b4a7af91) is in the salicon-api v1.0 format:
10 COCO images, 610 annotations, 73,630 [row, col] 1-based points. The LSUN challenge MAT files
(2015 and 2017 releases) are built by ``_published_layouts.write_salicon_mat``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from salbench.datasets import load, spec
from salbench.datasets.loaders.salicon import read_salicon_json
from salbench.exceptions import DataError, InputError

from _datasets_support import SHARED_DATASETS
from _published_layouts import link_images, write_salicon_mat

SAMPLE = SHARED_DATASETS / "samples" / "salicon_examples"
JSON = SAMPLE / "annotations" / "fixations_train2014examples.json"
needs_sample = pytest.mark.skipif(not JSON.is_file(), reason=f"real SALICON sample not at {JSON}")


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory):
    """A data root whose salicon/ folder links the real example files in the release's layout."""
    root = tmp_path_factory.mktemp("salicon-root")
    (root / "salicon" / "annotations").mkdir(parents=True)
    (root / "salicon" / "images").mkdir()
    (root / "salicon" / "annotations" / "fixations_train2014.json").symlink_to(JSON)
    (root / "salicon" / "images" / "train").symlink_to(SAMPLE / "images" / "train2014examples")
    return root


@needs_sample
def test_real_example_json_parses_to_the_published_counts():
    images, annotations = read_salicon_json(JSON)
    assert len(images) == 10 and {(i["height"], i["width"]) for i in images} == {(480, 640)}
    assert len(annotations) == 610
    assert sum(len(p) for *_, p in annotations) == 73630
    assert len({worker for _, worker, _, _ in annotations}) == 395
    per_image = np.bincount([i for i, *_ in annotations])
    assert per_image.min() == 55 and per_image.max() == 67
    # annotation id 1: image 123855, worker 128, first point [row 242, col 314]
    first = next(a for a in annotations if a[2] == 1)
    assert images[first[0]]["id"] == 123855 and first[1] == 128
    assert first[3][0].tolist() == [242, 314]


@needs_sample
def test_real_example_loads_as_mouse_tracking_with_the_known_point(sample_root):
    ds = load("salicon", root=sample_root, release="2015-json")
    assert len(ds) == 10 and len(ds.fixations) == 73630
    assert ds.facts.tracking == "mouse tracking" and "mouse tracking" in " ".join(ds.facts.notes)
    assert ds.facts.out_of_image == 0 and ds.fixations.n_subjects == 395
    assert ds.fixations.n_scanpaths == 610
    assert ds.facts.notes[0] == "options: release=2015-json, split=train, points=fixations"
    assert ds.stimuli.names == sorted(ds.stimuli.names)
    n = ds.stimuli.names.index("COCO_train2014_000000123855.jpg")
    f = ds.fixations.for_image(n)
    mine = f.subject == 128
    # [row 242, col 314] 1-based -> x = 313, y = 241: pixel (row 241, col 313)
    assert (f.x[mine][0], f.y[mine][0]) == (313.0, 241.0)
    assert f.position[mine][:3].tolist() == [0, 1, 2]
    assert ds.fixations.x.max() == 639 and ds.fixations.y.max() == 479  # 1-based 640, 480


def test_mouse_tracking_is_in_the_spec():
    assert spec("salicon").tracking == "mouse tracking"
    assert spec("osie").tracking == "eye tracking"


@needs_sample
def test_json_in_another_convention_is_refused(tmp_path):
    data = json.loads(JSON.read_text())
    floats = json.loads(json.dumps(data))
    floats["annotations"][0]["fixations"][0] = [314.5, 242.25]  # an [x, y] float point
    (tmp_path / "floats.json").write_text(json.dumps(floats))
    with pytest.raises(DataError, match=r"annotations\[0\].*not integers.*does not guess"):
        read_salicon_json(tmp_path / "floats.json")
    swapped = json.loads(json.dumps(data))
    swapped["annotations"][3]["fixations"] = [[p[1], p[0]] for p in swapped["annotations"][3]["fixations"]]
    (tmp_path / "swapped.json").write_text(json.dumps(swapped))
    with pytest.raises(DataError, match=r"annotations\[3\].*outside the 480 x 640 image read as \[row, col\]"):
        read_salicon_json(tmp_path / "swapped.json")


def _mat_fixture(root, release="2017"):
    write_salicon_mat(root, release, "train", {
        "COCO_train2014_000000000009": [
            # mouse path [x, y] 1-based with ms timestamps; fixations [x, y] 1-based
            ([[1, 1], [2, 1], [641, 481]], [0, 10, 20], [[321, 241], [11, 21]]),
            ([[100, 50]], [5], [[640, 480]]),
        ],
        "COCO_train2014_000000000025": [([[5, 6]], [7], np.zeros((0, 2)))],
    })
    write_salicon_mat(root, release, "val", {"COCO_val2014_000000000042": [([[3, 4]], [1], [[30, 40]])]})
    link_images(root / "salicon" / "images" / "test", ["COCO_test2014_000000000001.jpg",
                                                       "COCO_test2014_000000000016.jpg"], 480, 640)


def test_lsun_mat_fixations_convert_to_zero_based(tmp_path):
    _mat_fixture(tmp_path)
    ds = load("salicon", root=tmp_path)
    assert len(ds) == 2 and ds.stimuli.names[0] == "COCO_train2014_000000000009.jpg"
    f = ds.fixations.for_image(0)
    assert f.x.tolist() == [320.0, 10.0, 639.0] and f.y.tolist() == [240.0, 20.0, 479.0]
    assert (f.subject == -1).all() and f.scanpath.tolist() == [0, 0, 1]
    assert np.isnan(f.t).all()
    assert ds.facts.empty_trials == 1  # the second image's only observer has no fixation
    val = load("salicon", root=tmp_path, split="val")
    assert (val.fixations.x[0], val.fixations.y[0]) == (29.0, 39.0)


def test_lsun_mat_mouse_samples_carry_times_and_are_clipped(tmp_path):
    _mat_fixture(tmp_path)
    with pytest.warns(UserWarning, match="1 fixation.*clipped"):
        ds = load("salicon", root=tmp_path, points="mouse")
    f = ds.fixations.for_image(0)
    assert f.t.tolist() == [0.0, 0.01, 0.02, 0.005]
    assert f.x[:2].tolist() == [0.0, 1.0] and f.y[:2].tolist() == [0.0, 0.0]
    assert f.x[2] < 640 and np.floor(f.x[2]) == 639  # [641, 481] lies outside: clipped
    assert ds.facts.clipped == 1
    with pytest.raises(DataError, match="outside their image"):
        load("salicon", root=tmp_path, points="mouse", out_of_image="error")


def test_releases_are_separate_folders_and_test_is_stimuli_only(tmp_path):
    _mat_fixture(tmp_path, release="2015")
    with pytest.raises(DataError, match=r"missing 2017/train/.*Google Drive"):
        load("salicon", root=tmp_path)
    assert len(load("salicon", root=tmp_path, release="2015").fixations) == 3
    test = load("salicon", root=tmp_path, split="test")
    assert len(test) == 2 and len(test.fixations) == 0
    assert any("stimuli only" in note for note in test.facts.notes)
    with pytest.raises(InputError, match="release='2016' is not one of"):
        load("salicon", root=tmp_path, release="2016")
    with pytest.raises(InputError, match="points='fixations'"):
        load("salicon", root=tmp_path, release="2015-json", points="mouse")


def test_malformed_mat_file_is_named(tmp_path):
    import scipy.io

    _mat_fixture(tmp_path)
    bad = tmp_path / "salicon" / "2017" / "train" / "COCO_train2014_000000000025.mat"
    scipy.io.savemat(bad, {"gaze": np.zeros((2, 3))})
    with pytest.raises(DataError, match="COCO_train2014_000000000025.mat: gaze is not a MATLAB struct array"):
        load("salicon", root=tmp_path)
    (tmp_path / "salicon" / "images" / "train" / "COCO_train2014_000000000025.jpg").unlink()
    with pytest.raises(DataError, match="COCO_train2014_000000000025.jpg"):
        load("salicon", root=tmp_path)


def test_truncated_json_is_named(tmp_path):
    (tmp_path / "cut.json").write_text('{"images": [{"id": 1, ')
    with pytest.raises(DataError, match=r"cut.json: not a readable JSON file"):
        read_salicon_json(tmp_path / "cut.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(DataError, match="expected a COCO-style object"):
        read_salicon_json(tmp_path / "list.json")
