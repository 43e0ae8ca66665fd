"""Bad input: corrupt and truncated files, wrong layouts, unknown names, with clear messages."""

import shutil

import numpy as np
import pytest
import scipy.io

from salbench.datasets import load, names, spec
from salbench.exceptions import DataError, InputError

from _datasets_support import SHARED_DATASETS, write_jpeg


def _copy_osie_with(tmp_path, fixation_bytes):
    folder = tmp_path / "osie"
    shutil.copytree(SHARED_DATASETS / "osie" / "stimuli", folder / "stimuli")
    (folder / "eye").mkdir()
    (folder / "eye" / "fixations.mat").write_bytes(fixation_bytes)
    return folder


def test_names_and_unknown_name():
    assert names() == sorted(names()) and {"eyecrowd", "nus_scene", "osie", "mit1003",
                                            "cat2000_train", "salicon"} <= set(names())
    with pytest.raises(InputError, match=r"unknown dataset 'osei'; did you mean 'osie'\?"):
        load("osei")
    with pytest.raises(InputError, match="Known datasets: cat2000_test, cat2000_train, .*eyecrowd, .*salicon"):
        spec("mit1004x")


@pytest.mark.parametrize("cut", [0, 100, 5000, 600_000])
def test_truncated_mat_file_is_named(tmp_path, cut):
    data = (SHARED_DATASETS / "osie" / "eye" / "fixations.mat").read_bytes()[:cut]
    folder = _copy_osie_with(tmp_path, data)
    with pytest.raises(DataError, match=r"fixations\.mat: (corrupt or truncated|MAT file lacks)"):
        load("osie", root=tmp_path)
    assert str(folder / "eye" / "fixations.mat") in str(
        pytest.raises(DataError, load, "osie", root=tmp_path).value)


def test_garbage_mat_file(tmp_path):
    _copy_osie_with(tmp_path, b"MATLAB 5.0 MAT-file" + bytes(range(256)) * 10)
    with pytest.raises(DataError, match="fixations.mat"):
        load("osie", root=tmp_path)


def test_mat_file_with_the_wrong_variable(tmp_path):
    folder = tmp_path / "osie"
    (folder / "eye").mkdir(parents=True)
    scipy.io.savemat(folder / "eye" / "fixations.mat", {"fix": np.zeros(3)})
    with pytest.raises(DataError, match=r"lacks the variable\(s\) \['fixations'\]"):
        load("osie", root=tmp_path)


def test_mat_file_with_the_wrong_layout(tmp_path):
    folder = tmp_path / "osie"
    (folder / "eye").mkdir(parents=True)
    scipy.io.savemat(folder / "eye" / "fixations.mat", {"fixations": np.zeros((3, 2))})
    with pytest.raises(DataError, match="must be an N x 1 cell array"):
        load("osie", root=tmp_path)
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = {"image": "1001.jpg"}
    scipy.io.savemat(folder / "eye" / "fixations.mat", {"fixations": cells})
    with pytest.raises(DataError, match=r"fixations\{1\} has no field 'img'"):
        load("osie", root=tmp_path)


def test_nus_scene_wrong_matrix_width(tmp_path):
    folder = tmp_path / "nus_scene"
    (folder / "tidy").mkdir(parents=True)
    cells = np.empty((1, 2), dtype=object)
    cells[0, 0] = np.zeros((3, 4))
    cells[0, 1] = np.zeros((2, 3))
    scipy.io.savemat(folder / "tidy" / "fixations.mat", {"fixations": cells})
    scipy.io.savemat(folder / "tidy" / "imgInfo.mat", {"imgInfo": {"size": np.array([[10, 10]])}})
    with pytest.raises(DataError, match=r"fixations\{1,2\} \(image 0, subject 1\) must be a k x 4"):
        load("nus_scene", root=tmp_path)


def test_nus_scene_size_disagreement_is_located(tmp_path):
    folder = tmp_path / "nus_scene"
    (folder / "tidy").mkdir(parents=True)
    write_jpeg(folder / "stimuli" / "001.jpg", 10, 12)
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = np.array([[2.0, 3.0, 0.1, 0.2]])
    scipy.io.savemat(folder / "tidy" / "fixations.mat", {"fixations": cells})
    scipy.io.savemat(folder / "tidy" / "imgInfo.mat", {"imgInfo": {"size": np.array([[10, 13]])}})
    with pytest.raises(DataError, match=r"imgInfo.size of image 0 \(001.jpg\) is \(10, 13\)"):
        load("nus_scene", root=tmp_path)


def test_unreadable_image_is_named(tmp_path):
    folder = tmp_path / "nus_scene"
    (folder / "tidy").mkdir(parents=True)
    (folder / "stimuli").mkdir()
    (folder / "stimuli" / "001.jpg").write_bytes(b"not a jpeg at all")
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = np.array([[2.0, 3.0, 0.1, 0.2]])
    scipy.io.savemat(folder / "tidy" / "fixations.mat", {"fixations": cells})
    scipy.io.savemat(folder / "tidy" / "imgInfo.mat", {"imgInfo": {"size": np.array([[10, 13]])}})
    with pytest.raises(DataError, match=r"001\.jpg: not a readable image"):
        load("nus_scene", root=tmp_path)


def test_truncated_jpeg_fails_on_decode_with_its_name(tmp_path):
    from salbench.datasets import Stimuli

    good = write_jpeg(tmp_path / "good.jpg", 40, 50)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    stimuli = Stimuli([good, bad])  # header is intact: size known without decoding
    assert stimuli.shape(1) == (40, 50)
    assert stimuli[0].shape == (40, 50, 3)
    with pytest.raises(DataError, match=r"bad\.jpg: image cannot be decoded"):
        stimuli[1]
