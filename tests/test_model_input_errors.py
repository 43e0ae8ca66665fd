"""Bad model input reported as what it is (issue 11 §5, the model-adapter items): a Python
callable that raises, map folders with broken symlinks, symlink loops or folders named like maps,
names that differ only in Unicode normalisation, and `.vxm` weights whose forward pass
overflows."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli
from salbench.exceptions import DataError, InputError
from salbench.models.adapters import CallableModel, MapDirectoryModel


def _dataset(root: Path, names, size=(4, 5)):
    from PIL import Image

    folder = root / "stimuli"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / name
        Image.fromarray(np.full(size + (3,), 100, np.uint8)).save(path, format="PNG")
        paths.append(path)
    n = np.arange(len(names))
    fixations = Fixations(np.full(len(names), 1.5), np.full(len(names), 1.5), n,
                          n_images=len(names))
    return Dataset(Stimuli(paths), fixations, DatasetFacts(name="small"))


# ---------------------------------------------------------------------------------- callables
def test_a_callable_that_raises_names_the_image_id_and_index(tmp_path):
    from salbench.evaluation import evaluate

    dataset = _dataset(tmp_path, ["a.png", "b.png", "c.png"])

    def flaky(image, image_id=None):
        if image_id.startswith("b.png"):
            raise ZeroDivisionError("division by zero")
        return np.ones(image.shape[:2])

    with pytest.raises(DataError) as caught:
        evaluate(CallableModel(flaky), dataset, metrics=["nss"], progress=False, n_threads=1)
    message = str(caught.value)
    assert f"flaky, image 1 ({dataset.stimuli.ids[1]!r})" in message
    assert "the model function raised ZeroDivisionError: division by zero" in message
    assert isinstance(caught.value.__cause__, ZeroDivisionError)  # the user's traceback is kept
    # without a dataset (no index known) the id alone
    with pytest.raises(DataError, match=r"flaky, image 'b.png:x': the model function raised"):
        CallableModel(flaky).saliency_map(np.zeros((2, 2, 3), np.uint8), image_id="b.png:x")


# ---------------------------------------------------------------------------------- map folders
def _maps(folder: Path, stems, shape=(4, 5)):
    folder.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        np.save(folder / f"{stem}.npy", np.ones(shape))


@pytest.mark.skipif(os.name != "posix", reason="symlinks need POSIX here")
def test_broken_symlinks_loops_and_folders_are_reported_as_what_they_are(tmp_path):
    dataset = _dataset(tmp_path, ["1.png", "2.png", "3.png", "4.png"])
    maps = tmp_path / "maps"
    _maps(maps, ["1"])
    os.symlink(tmp_path / "nowhere.npy", maps / "2.npy")          # broken
    os.symlink(maps / "3.npy", maps / "3.npy")                     # a loop (points at itself)
    (maps / "4.npy").mkdir()                                       # a folder named like a map
    model = MapDirectoryModel(maps)
    with pytest.raises(DataError) as caught:
        model.check(dataset)
    message = str(caught.value)
    assert "missing" not in message
    assert "named like a map but not a map file (3):" in message
    assert f"2.png: 2.npy is a broken symlink (it points to {tmp_path / 'nowhere.npy'}, which " \
           "does not exist)" in message
    assert "3.png: 3.npy is a symlink loop" in message
    assert "4.png: 4.npy is a folder, not a map file" in message
    # scoring without a check says the same
    with pytest.raises(DataError, match="the map for image '2.png', 2.npy, is a broken symlink"):
        model.saliency_map((4, 5), image_id="2.png")


def test_names_that_differ_only_in_unicode_normalisation_are_matched(tmp_path):
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    dataset = _dataset(tmp_path, [f"{nfc}.png", f"{nfd}2.png"])  # stimuli in both forms
    maps = tmp_path / "maps"
    _maps(maps, [nfd, f"{nfc}2"])                                 # maps in the other form
    model = MapDirectoryModel(maps)
    assert model.check(dataset).n_images == 2
    assert model.path_for(dataset.stimuli.ids[0]).name == f"{nfd}.npy"
    assert model.saliency_map((4, 5), image_id=f"{nfc}.png").shape == (4, 5)


def test_two_map_files_that_normalise_to_one_name_are_a_clash(tmp_path):
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    maps = tmp_path / "maps"
    _maps(maps, [nfc, nfd])
    if len(list(maps.iterdir())) < 2:
        pytest.skip("this file system normalises names itself (both files are one)")
    dataset = _dataset(tmp_path, [f"{nfc}.png"])
    with pytest.raises(DataError) as caught:
        MapDirectoryModel(maps).check(dataset)
    message = str(caught.value)
    assert "clash (file names that differ only in Unicode normalisation, NFC vs NFD) (1):" in message
    assert ascii(f"{nfc}.npy") in message and ascii(f"{nfd}.npy") in message


def test_a_transposed_map_in_a_folder_is_reported_as_transposed(tmp_path):
    dataset = _dataset(tmp_path, ["1.png"])
    maps = tmp_path / "maps"
    _maps(maps, ["1"], shape=(5, 4))
    with pytest.raises(DataError) as caught:
        MapDirectoryModel(maps).check(dataset)
    assert "1.npy is 4x5 (WxH) but image 1.png is 5x4 (transposed)" in str(caught.value)
    assert "--resize-maps METHOD" in str(caught.value)
    assert MapDirectoryModel(maps, resize="bilinear").check(dataset).n_images == 1


# ---------------------------------------------------------------------------------- .vxm overflow
def _overflowing_network(second_weight: float):
    from salbench.models.fastgaze.network import Conv2d, MaxPool2d, Network

    return Network([
        Conv2d(np.full((2, 3, 3, 3), 1e18, np.float32), np.zeros(2), "relu"),   # ~1e22: finite
        MaxPool2d(2),
        Conv2d(np.full((1, 2, 1, 1), second_weight, np.float32), np.zeros(1), "relu"),
    ])


@pytest.mark.parametrize("sign", [1.0, -1.0])  # -inf would be hidden by the ReLU
def test_vxm_weights_whose_forward_pass_overflows_name_the_layer(tmp_path, sign):
    from salbench.models.fastgaze import FastGazeModel
    from salbench.models.fastgaze.vxm import write_vxm

    path = write_vxm(_overflowing_network(sign * 1e30), tmp_path / "huge.vxm")
    model = FastGazeModel(path, input_pixels=None)
    image = np.full((16, 16, 3), 200, np.uint8)
    with pytest.raises(InputError) as caught:
        model.log_density(image, image_id="scene.jpg")
    message = str(caught.value)
    assert "image 'scene.jpg'" in message
    assert "layer 2 of the network (counting from 0; Conv2d 2->1 channels, 1x1, activation relu) " \
           "overflowed float32 on this input" in message
    assert "Its weights are finite" in message
    # the same network with sane weights runs
    sane = FastGazeModel(write_vxm(_overflowing_network(sign * 1e-22), tmp_path / "ok.vxm"),
                         input_pixels=None)
    assert np.isfinite(sane.log_density(image)).all()
