"""CAT2000 on small folders built in the exact published layout: ``trainSet/Stimuli/<category>/
<nnn>.jpg`` and ``trainSet/allFixData.mat`` whose ``allData`` is a MATLAB ``containers.Map`` (one
key per image, each value a cell of structs ``{name, data}``), written with mat-io as MATLAB
stores it; ``testSet/Stimuli/<category>/<nnn>.jpg`` with an ``Output`` folder that is not
stimuli. Images are tiny (the real ones are 1920x1080). No real CAT2000 file is on this machine:
these loaders have run on fixtures only (the cards say so)."""

import numpy as np
import pytest

from salbench.datasets import load
from salbench.exceptions import DataError

from _datasets_support import write_cat2000_train, write_jpeg

H, W = 27, 48  # 1080 x 1920 scaled down 40 times
IMAGES = {"Action/001.jpg": (H, W), "Action/002.jpg": (H, W), "Action/010.jpg": (H, W),
          "Art/001.jpg": (H, W)}


def recordings():
    return {
        "Action/001": [("Action-001-AB.eye", [[1, 1], [W, H], [W, H], [10, 5]]),
                       ("Action-001-CD.eye", [[W + 1, 5], [np.nan, 3], [5, 5]])],
        "Action/002": [("Action-002-AB.eye", [[24, 14]]), ("Action-002-CD.eye", np.empty((0, 2)))],
        "Action/010": [("Action-010-CD.eye", [[2, 3], [-5, -5], [2, 3], [4, 4]])],
        "Art/001": [("Art-001-AB.eye", [[3, 3]]), ("Art-001-EF.eye", [[30.5, 20.25]])],
    }


def test_cat2000_train_conversion_categories_and_drops(tmp_path):
    write_cat2000_train(tmp_path / "cat2000_train", IMAGES, recordings())
    ds = load("cat2000_train", root=tmp_path, cache=False)
    # natural order, which the sorted map keys follow
    assert [p.relative_to(tmp_path / "cat2000_train/trainSet/Stimuli").as_posix()
            for p in ds.stimuli.paths] == list(IMAGES)
    assert ds.attributes["category"].tolist() == ["Action", "Action", "Action", "Art"]
    f = ds.fixations.for_image(0)
    # data (1, 1) is MATLAB's top-left pixel: salbench's pixel (0, 0); (W, H) its bottom-right
    assert (f.x[0], f.y[0]) == (0.0, 0.0) and (f.x[1], f.y[1]) == (W - 1.0, H - 1.0)
    # AB: the repeat of (W, H) is dropped; CD: outside (W + 1) and NaN rows dropped
    assert f.x.tolist() == [0.0, W - 1.0, 9.0, 4.0] and f.position.tolist() == [0, 1, 3, 2]
    assert f.subject.tolist() == [0, 0, 0, 1]  # observers AB, CD, EF sorted
    g = ds.fixations.for_image(2)  # (2,3) (-5,-5) (2,3) (4,4): the second (2,3) repeats the
    # previous *kept* fixation (the one outside was dropped), so it goes too
    assert g.x.tolist() == [1.0, 3.0] and g.position.tolist() == [0, 3]
    assert np.isnan(ds.fixations.t).all() and np.isnan(ds.fixations.duration).all()
    assert ds.fixations.n_subjects == 3 and ds.facts.observers == 3
    assert ds.facts.out_of_image == 2 and ds.facts.empty_trials == 1
    assert any("2 exact repeat(s)" in n and "1 with a NaN" in n for n in ds.facts.notes)
    art = ds.fixations.for_image(3)
    assert art.x.tolist() == [2.0, 29.5] and art.y.tolist() == [2.0, 19.25]


def test_cat2000_train_reads_a_v73_file_too(tmp_path):
    write_cat2000_train(tmp_path / "cat2000_train", IMAGES, recordings(), version="v7.3")
    assert len(load("cat2000_train", root=tmp_path, cache=False).fixations) == 9


def test_keys_must_match_the_images(tmp_path):
    rec = recordings()
    del rec["Art/001"]
    write_cat2000_train(tmp_path / "cat2000_train", IMAGES, rec)
    with pytest.raises(DataError, match=r"allData has 3 keys but trainSet/Stimuli holds 4"):
        load("cat2000_train", root=tmp_path, cache=False)


def test_recording_name_without_an_observer_is_an_error(tmp_path):
    rec = recordings()
    rec["Art/001"] = [("nodash.eye", [[3, 3]])]
    write_cat2000_train(tmp_path / "cat2000_train", IMAGES, rec)
    with pytest.raises(DataError, match=r"allData\('Art/001'\)\{1\}.*nodash.eye"):
        load("cat2000_train", root=tmp_path, cache=False)


def test_cat2000_test_is_stimuli_only_and_skips_output(tmp_path):
    base = tmp_path / "cat2000_test" / "testSet" / "Stimuli"
    for k, rel in enumerate(["Pattern/134.jpg", "Action/2.jpg", "Action/10.jpg",
                             "Output/2.jpg"]):
        write_jpeg(base / rel, H, W, seed=k)
    ds = load("cat2000_test", root=tmp_path)
    assert ds.stimuli.names == ["2.jpg", "10.jpg", "134.jpg"]
    assert ds.attributes["category"].tolist() == ["Action", "Action", "Pattern"]
    assert ds.facts.stimuli_only and len(ds.fixations) == 0
