"""The loaders of publisher-hosted datasets on files built in the publishers' exact layouts.

salbench's authors have not had these datasets' real files (only SALICON's and FIGRIM's, tested
in their own modules): each test writes a small fixture with ``_published_layouts`` (the layout
is documented there and on the dataset's card) and checks the parsing, the coordinate conversion
on points whose pixel is known, the options and the errors for damaged files.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from salbench.datasets import load, spec
from salbench.exceptions import DataError, InputError

from _published_layouts import (
    coco_trial, link_images, write_coco_freeview, write_coco_search18, write_dut_omron,
    write_isun, write_koehler, write_nusef, write_pascal_s, write_toronto,
)


def pixel(f, k):
    """The (row, col) pixel of fixation ``k``."""
    return int(np.floor(f.y[k])), int(np.floor(f.x[k]))


# ------------------------------------------------------------------ Toronto
def test_toronto_fixated_pixels_become_fixations(tmp_path):
    write_toronto(tmp_path, {0: [(10, 20), (510, 680)], 119: [(0, 0)]})
    ds = load("toronto", root=tmp_path)
    assert len(ds) == 120 and len(ds.fixations) == 3
    assert ds.stimuli.names[:2] == ["1.jpg", "2.jpg"] and ds.stimuli.shape(0) == (511, 681)
    f = ds.fixations.for_image(0)
    assert [pixel(f, 0), pixel(f, 1)] == [(10, 20), (510, 680)]
    assert (f.subject == -1).all() and (f.scanpath == -1).all() and (f.position == -1).all()
    assert pixel(ds.fixations.for_image(119), 0) == (0, 0)


def test_toronto_map_of_the_wrong_size_is_named(tmp_path):
    write_toronto(tmp_path, {}, shape=(511, 681))
    cells = np.empty((1, 120), dtype=object)
    for n in range(120):
        cells[0, n] = np.zeros((511, 680), np.uint8)
    path = tmp_path / "toronto" / "eyetrackingdata" / "fixdens" / "origfixdata.mat"
    scipy.io.savemat(path, {"white": cells})
    with pytest.raises(DataError, match=r"white\{1\} is 511 x 680 but image 1.jpg is 511 x 681"):
        load("toronto", root=tmp_path)


# ------------------------------------------------------------------ Koehler
def _koehler_arrays(n_observers=2, n_images=800, length=3):
    x = np.full((n_observers, n_images, length), np.nan)
    y = np.full_like(x, np.nan)
    x[0, 0, :2], y[0, 0, :2] = [11, 405], [21, 1]  # 1-based: pixels (20, 10) and (0, 404)
    x[1, 0, :3], y[1, 0, :3] = [1, 2, 3], [4, 5, 6]
    x[1, 799, 0], y[1, 799, 0] = 200.5, 100.25
    return x, y


def test_koehler_tasks_and_conversion(tmp_path):
    x, y = _koehler_arrays()
    write_koehler(tmp_path, {"freeview": (x, y), "objsearch": (x[:, :, :1], y[:, :, :1]),
                             "salview": (x + 1, y + 1)})
    ds = load("koehler", root=tmp_path)
    assert len(ds) == 800 and len(ds.fixations) == 6
    f = ds.fixations.for_image(0)
    assert [pixel(f, 0), pixel(f, 1)] == [(20, 10), (0, 404)]
    assert f.subject.tolist() == [0, 0, 1, 1, 1] and f.position.tolist() == [0, 1, 0, 1, 2]
    assert ds.fixations.for_image(799).x.tolist() == [199.5]
    assert ds.facts.empty_trials == 2 * 800 - 3
    assert ds.facts.notes[0] == "options: task=freeviewing"
    search = load("koehler", root=tmp_path, task="objectsearch")
    assert len(search.fixations) == 3  # a one-fixation array (MATLAB drops the last axis)
    with pytest.warns(UserWarning, match="outside"):
        salient = load("koehler", root=tmp_path, task="saliencysearch", out_of_image="drop")
    assert salient.fixations.for_image(0).x[0] == 11.0 and salient.facts.dropped == 1
    with pytest.raises(InputError, match="task='search'"):
        load("koehler", root=tmp_path, task="search")


def test_koehler_is_import_only_and_says_where(tmp_path):
    assert spec("koehler").source_status == "import-only"
    with pytest.raises(DataError, match=r"missing ObserverData.mat.*form"):
        load("koehler", root=tmp_path)


def test_koehler_mismatched_arrays_are_named(tmp_path):
    x, y = _koehler_arrays()
    y[0, 5, 0] = 3.0
    write_koehler(tmp_path, {"freeview": (x, y)})
    with pytest.raises(DataError, match=r"disagree on which values are missing \(observer 1, image 6"):
        load("koehler", root=tmp_path)


# ------------------------------------------------------------------ NUSEF
def test_nusef_tracker_units_to_image_pixels(tmp_path):
    # 512 x 384 fills the 1024 x 768 screen at scale 2; 800 x 400 is shown at 1.28 (1024 x 512),
    # 128 px below the top of the screen.
    hor_centre, ver_centre = 256 * 2 * 260 / 1024, 192 * 2 * 280 / 768
    wide_x, wide_y = 100.5 * 1.28 * 260 / 1024, (128 + 50.25 * 1.28) * 280 / 768
    write_nusef(tmp_path, {"a001": (384, 512), "b002": (400, 800), "c003": (300, 300)},
                {("a001", "ab01+a001.fix"): [(hor_centre, ver_centre, 0.3), (0.0, 0.0, 0.2)],
                 ("a001", "cd07+a001.fix"): [(10.0, 10.0, 0.25)],
                 ("b002", "ab01+b002.fix"): [(wide_x, wide_y, 0.5)]},
                unpublished=("z999",))
    ds = load("nusef", root=tmp_path)
    assert ds.stimuli.names == ["a001.jpg", "b002.jpg", "c003.jpg"]
    f = ds.fixations.for_image(0)
    # the coordinates are written with two decimals: within 0.01 tracker units of the intent
    assert f.x[0] == pytest.approx(256, abs=0.05) and f.y[0] == pytest.approx(192, abs=0.05)
    assert (f.x[1], f.y[1]) == (0.0, 0.0)
    assert f.subject.tolist() == [1, 1, 7] and f.duration.tolist() == [0.3, 0.2, 0.25]
    assert np.isnan(f.t).all()
    g = ds.fixations.for_image(1)
    assert g.x[0] == pytest.approx(100.5, abs=0.05) and g.y[0] == pytest.approx(50.25, abs=0.05)
    assert pixel(g, 0) == (50, 100)
    assert any("1 fix_data folder(s)" in note for note in ds.facts.notes)
    assert any("1 public image(s) have no fixation" in note for note in ds.facts.notes)


def test_nusef_drops_points_off_the_image_by_default(tmp_path):
    # a fixation on the black band above a wide image: outside it
    write_nusef(tmp_path, {"b002": (400, 800)},
                {("b002", "ab01+b002.fix"): [(130.0, 10.0, 0.3), (130.0, 140.0, 0.3)]})
    with pytest.warns(UserWarning, match="1 fixation.*dropped"):
        ds = load("nusef", root=tmp_path)
    assert len(ds.fixations) == 1 and ds.facts.dropped == 1
    assert spec("nusef").source_status == "dead-host"


def test_nusef_malformed_listing_is_named(tmp_path):
    folder = write_nusef(tmp_path, {"a001": (384, 512)}, {("a001", "ab01+a001.fix"): [(1.0, 1.0, 0.1)]})
    listing = folder / "NUSEF_database" / "fix_data" / "a001" / "ab01+a001.fix"
    listing.write_text(listing.read_text().replace(" 4.1 25.0 0 0 0", " 4.1"))
    with pytest.raises(DataError, match=r"ab01\+a001.fix: fixation line 1 has 11 fields, expected 15"):
        load("nusef", root=tmp_path)
    (folder / "NUSEF_database" / "fix_data" / "a001" / "ab01+a001.fix").rename(
        folder / "NUSEF_database" / "fix_data" / "a001" / "nosubject.fix")
    with pytest.raises(DataError, match="observer is unknown"):
        load("nusef", root=tmp_path)


# ------------------------------------------------------------------ PASCAL-S
def test_pascal_s_hdf5_cells_row_col_observer(tmp_path):
    write_pascal_s(tmp_path, {0: [[21, 11, 1], [1, 1, 2], [375, 500, 1]], 849: [[5, 6, 12]]})
    ds = load("pascal_s", root=tmp_path)
    assert len(ds) == 850 and len(ds.fixations) == 4
    f = ds.fixations.for_image(0)
    # [row 21, col 11] 1-based -> pixel (20, 10); observers 1 and 2 -> subjects 0 and 1
    assert pixel(f, 0) == (20, 10) and pixel(f, 1) == (374, 499) and pixel(f, 2) == (0, 0)
    assert f.subject.tolist() == [0, 0, 1] and f.position.tolist() == [0, 1, 0]
    assert ds.fixations.for_image(849).subject.tolist() == [11]
    assert ds.fixations.counts[1:849].sum() == 0


def test_pascal_s_v5_copy_reads_the_same(tmp_path):
    write_pascal_s(tmp_path, {0: [[21, 11, 1]]})
    path = tmp_path / "pascal_s" / "datasets" / "fixations" / "pascalFix.mat"
    cells = np.empty((1, 850), dtype=object)
    for n in range(850):
        cells[0, n] = np.zeros((0, 3))
    cells[0, 0] = np.array([[21.0, 11.0, 1.0]])
    path.unlink()
    scipy.io.savemat(path, {"fixCell": cells})
    ds = load("pascal_s", root=tmp_path)
    assert pixel(ds.fixations, 0) == (20, 10)


def test_pascal_s_bad_cell_is_named(tmp_path):
    write_pascal_s(tmp_path, {3: [[1, 2]]})
    with pytest.raises(DataError, match=r"fixCell\{4\} must be a k x 3"):
        load("pascal_s", root=tmp_path)


# ------------------------------------------------------------------ DUT-OMRON
def test_dut_omron_zero_based_points_and_size_row(tmp_path):
    write_dut_omron(tmp_path, {"im1": (300, 400, [(0, 0, 1), (399, 299, 1), (10.5, 20.5, 3)]),
                               "im2": (400, 300, [(5, 6, 2)])})
    ds = load("dut_omron", root=tmp_path)
    assert len(ds) == 2 and len(ds.fixations) == 4  # the size rows are not fixations
    f = ds.fixations.for_image(0)
    assert [pixel(f, k) for k in range(3)] == [(0, 0), (299, 399), (20, 10)]
    assert f.subject.tolist() == [0, 0, 2]
    write_dut_omron(tmp_path, {"im2": (400, 300, [(5, 6, 2)])}, size_order="hw")
    assert len(load("dut_omron", root=tmp_path).fixations) == 4  # either order of the size row


def test_dut_omron_size_row_must_match_the_image(tmp_path):
    folder = write_dut_omron(tmp_path, {"im1": (300, 400, [(1, 1, 1)])})
    scipy.io.savemat(folder / "DUT-OMRON-eye-fixations" / "mat" / "im1.mat",
                     {"s": np.array([[401.0, 300.0, 0.0], [1.0, 1.0, 1.0]])})
    with pytest.raises(DataError, match=r"im1.mat: the observer-0 row must hold the image size 400 x 300"):
        load("dut_omron", root=tmp_path)
    (folder / "DUT-OMRON-eye-fixations" / "mat" / "im1.mat").unlink()
    with pytest.raises(DataError, match=r"im1.mat \(the fixations of im1.jpg\) is missing"):
        load("dut_omron", root=tmp_path)


# ------------------------------------------------------------------ iSUN
def test_isun_splits_and_points(tmp_path):
    write_isun(tmp_path, "training", {"sun_a": [[[10.5, 20.5], [599.9, 399.9]], [[0.0, 0.0]]],
                                      "sun_b": [np.zeros((0, 2))]})
    write_isun(tmp_path, "validation", {"sun_c": [[[1.0, 2.0]]]})
    write_isun(tmp_path, "testing", {"sun_d": [], "sun_e": []}, with_gaze=False)
    ds = load("isun", root=tmp_path)
    assert ds.stimuli.names == ["sun_a.jpg", "sun_b.jpg"] and len(ds.fixations) == 3
    f = ds.fixations.for_image(0)
    assert [pixel(f, k) for k in range(3)] == [(20, 10), (399, 599), (0, 0)]
    assert f.scanpath.tolist() == [0, 0, 1] and (f.subject == -1).all()
    assert ds.facts.empty_trials == 1 and ds.facts.tracking == "webcam eye tracking"
    assert len(load("isun", root=tmp_path, split="val").fixations) == 1
    test = load("isun", root=tmp_path, split="test")
    assert len(test) == 2 and len(test.fixations) == 0


def test_isun_missing_split_file_names_the_dead_host(tmp_path):
    write_isun(tmp_path, "training", {"sun_a": [[[1.0, 1.0]]]})
    with pytest.raises(DataError, match=r"missing validation.mat.*no longer serves"):
        load("isun", root=tmp_path, split="val")


# ------------------------------------------------------------------ COCO-Search18
def _search_fixture(root):
    tp = [coco_trial("000000000001.jpg", 1, "bottle", "present", [840.5, 10.0], [525.5, 1049.5],
                     [250, 300], bbox=[100, 200, 30, 60]),
          coco_trial("000000000001.jpg", 2, "bottle", "present", [0.0], [0.0], [200],
                     bbox=[100, 200, 30, 60]),
          coco_trial("000000000002.jpg", 1, "stop sign", "present", [1679.5], [1.0], [100],
                     bbox=[1, 2, 3, 4]),
          coco_trial("000000000003.jpg", 3, "tv", "present", [5.0], [5.0], [100], split="valid",
                     bbox=[1, 1, 1, 1])]
    ta = [coco_trial("000000000002.jpg", 4, "cup", "absent", [300.0, 1700.0], [300.0, 20.0], [150, 160]),
          coco_trial("000000000004.jpg", 4, "cup", "absent", [7.0], [8.0], [90], split="valid")]
    write_coco_search18(root, tp_train=tp[:3], tp_val=tp[3:], ta=ta)


def test_coco_search18_trials_tasks_and_targets(tmp_path):
    _search_fixture(tmp_path)
    with pytest.warns(UserWarning, match="1 fixation.*dropped"):
        ds = load("coco_search18", root=tmp_path)
    assert ds.stimuli.names == ["000000000001.jpg", "000000000002.jpg"]
    # the same picture is in the folders of both its searches; the first in sorted order is used
    assert ds.stimuli.paths[1].relative_to(tmp_path / "coco_search18").as_posix() == \
        "coco_search18_images_TA/cup/000000000002.jpg"
    assert load("coco_search18", root=tmp_path, task="stop sign").stimuli.paths[0].relative_to(
        tmp_path / "coco_search18").as_posix() == "images/stop sign/000000000002.jpg"
    assert ds.facts.dropped == 1  # x = 1700 lies right of the 1680-pixel image
    f = ds.fixations.for_image(0)
    assert [pixel(f, k) for k in range(3)] == [(525, 840), (1049, 10), (0, 0)]
    assert f.subject.tolist() == [0, 0, 1] and f.duration.tolist() == [0.25, 0.3, 0.2]
    attributes = ds.attributes
    assert attributes["task"].tolist() == ["bottle", "cup+stop sign"]
    assert attributes["condition"].tolist() == ["present", "absent+present"]
    assert attributes["n_targets"].tolist() == [1, 2]
    assert attributes.loc[0, ["target_x", "target_y", "target_width", "target_height"]].tolist() == [100, 200, 30, 60]
    assert np.isnan(attributes.loc[1, "target_x"])  # two searches on one image: no single target


def test_coco_search18_task_condition_and_split_options(tmp_path):
    _search_fixture(tmp_path)
    with pytest.warns(UserWarning, match="kept"):
        cup = load("coco_search18", root=tmp_path, task="cup", out_of_image="keep")
    assert cup.stimuli.names == ["000000000002.jpg"]
    assert cup.stimuli.paths[0].parent.name == "cup" and cup.stimuli.paths[0].parent.parent.name == "coco_search18_images_TA"
    assert cup.attributes["condition"].tolist() == ["absent"] and len(cup.fixations) == 2
    present = load("coco_search18", root=tmp_path, condition="present")
    assert len(present.fixations) == 4
    val = load("coco_search18", root=tmp_path, split="val")
    assert val.stimuli.names == ["000000000003.jpg", "000000000004.jpg"]
    assert val.attributes["task"].tolist() == ["tv", "cup"]
    with pytest.raises(DataError, match="no trial matches"):
        load("coco_search18", root=tmp_path, task="oven")
    with pytest.raises(InputError, match="task='plant'"):
        load("coco_search18", root=tmp_path, task="plant")


def test_coco_search18_inconsistent_trial_is_named(tmp_path):
    bad = coco_trial("000000000001.jpg", 1, "bottle", "present", [1.0, 2.0], [1.0], [10, 10])
    write_coco_search18(tmp_path, tp_train=[bad], tp_val=[], ta=[])
    with pytest.raises(DataError, match=r"TP_train_split1.json: trial 0 \(image 000000000001.jpg, subject 1\) has 2 X, 1 Y"):
        load("coco_search18", root=tmp_path)


# ------------------------------------------------------------------ COCO-FreeView
def test_coco_freeview_uses_the_search18_images_beside_it(tmp_path):
    _search_fixture(tmp_path)
    write_coco_freeview(tmp_path, [
        {"name": "000000000002.jpg", "subject": 3, "X": [11.0, 20.0], "Y": [21.0, 30.0],
         "T": [100, 200], "length": 2, "split": "train"},
        {"name": "000000000004.jpg", "subject": 1, "X": [1.0], "Y": [2.0], "T": [50], "length": 1,
         "split": "valid"}])
    ds = load("coco_freeview", root=tmp_path)
    assert ds.stimuli.names == ["000000000002.jpg"]
    assert ds.stimuli.paths[0].is_relative_to(tmp_path / "coco_search18")
    f = ds.fixations.for_image(0)
    assert pixel(f, 0) == (21, 11) and f.subject.tolist() == [2, 2] and f.duration.tolist() == [0.1, 0.2]
    val = load("coco_freeview", root=tmp_path, split="val")
    assert val.stimuli.names == ["000000000004.jpg"]


def test_coco_freeview_missing_images_are_named(tmp_path):
    write_coco_freeview(tmp_path, [{"name": "x.jpg", "subject": 1, "X": [1.0], "Y": [1.0],
                                    "T": [10], "length": 1, "split": "train"}])
    link_images(tmp_path / "coco_freeview", ["images/tv/y.jpg"], 1050, 1680)
    with pytest.raises(DataError, match=r"1 image\(s\) of the fixation file are in none of.*x.jpg"):
        load("coco_freeview", root=tmp_path)
