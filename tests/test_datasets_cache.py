"""The converted-dataset cache: written on the first load, read on later ones, rebuilt when the
dataset's files, the loader version or the cache file itself change."""

import dataclasses
import os
import warnings

import numpy as np
import pytest

from salbench.datasets import converted, load, specs
from salbench.datasets.registry import register

from _datasets_support import SHARED_DATASETS, write_cat2000_train

H, W = 27, 48


@pytest.fixture
def counted(monkeypatch):
    """cat2000_train with a loader that counts its calls (registered for this test only)."""
    calls = []
    original = specs.spec("cat2000_train")

    def loader(spec, folder):
        calls.append(folder)
        return original.loader(spec, folder)

    monkeypatch.setattr(specs, "_SPECS", dict(specs._SPECS))
    register(dataclasses.replace(original, loader=loader), replace=True)
    return calls


def cat_folder(root):
    images = {"Action/001.jpg": (H, W), "Art/001.jpg": (H, W)}
    rec = {"Action/001": [("a-1-AB.eye", [[1, 1], [5, 5]])], "Art/001": [("a-1-CD.eye", [[3, 4]])]}
    return write_cat2000_train(root / "cat2000_train", images, rec)


def test_second_load_reads_the_cache_and_equals_the_parse(tmp_path, counted):
    cat_folder(tmp_path)
    cache = tmp_path / "cache"
    first = load("cat2000_train", root=tmp_path, cache=cache)
    files = list(cache.glob("cat2000_train-*.npz"))
    assert len(counted) == 1 and len(files) == 1
    second = load("cat2000_train", root=tmp_path, cache=cache)
    assert len(counted) == 1  # the loader did not run again
    assert second.fixations.equals(first.fixations)
    assert second.stimuli.paths == first.stimuli.paths
    np.testing.assert_array_equal(second.stimuli.shapes, first.stimuli.shapes)
    assert second.attributes.equals(first.attributes)
    assert second.attributes["category"].tolist() == ["Action", "Art"]
    assert second.facts == first.facts
    assert second.stimuli.ids == first.stimuli.ids  # file hashes, read lazily from the images


def test_touched_added_or_removed_source_files_make_the_cache_stale(tmp_path, counted):
    folder = cat_folder(tmp_path)
    cache = tmp_path / "cache"
    load("cat2000_train", root=tmp_path, cache=cache)
    mat = folder / "trainSet" / "allFixData.mat"
    st = mat.stat()
    os.utime(mat, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    load("cat2000_train", root=tmp_path, cache=cache)
    assert len(counted) == 2
    (folder / "trainSet" / "README.txt").write_text("new file")
    load("cat2000_train", root=tmp_path, cache=cache)
    load("cat2000_train", root=tmp_path, cache=cache)
    assert len(counted) == 3


def test_a_new_loader_version_rebuilds(tmp_path, counted):
    cat_folder(tmp_path)
    cache = tmp_path / "cache"
    load("cat2000_train", root=tmp_path, cache=cache)
    bumped = dataclasses.replace(specs.spec("cat2000_train"),
                                 loader_version=specs.spec("cat2000_train").loader_version + 1)
    register(bumped, replace=True)
    load("cat2000_train", root=tmp_path, cache=cache)
    assert len(counted) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_cache_is_detected_and_rebuilt(tmp_path, counted, damage):
    cat_folder(tmp_path)
    cache = tmp_path / "cache"
    good = load("cat2000_train", root=tmp_path, cache=cache)
    path = next(cache.glob("*.npz"))
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:  # one bit inside the fixation columns: only the content checksum can tell
        with np.load(path) as npz:
            column = npz["fix_x"].tobytes()
        at = bytes(data).index(column) + 3
        data[at] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="cache .* is damaged"):
        again = load("cat2000_train", root=tmp_path, cache=cache)
    assert len(counted) == 2 and again.fixations.equals(good.fixations)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load("cat2000_train", root=tmp_path, cache=cache)  # rewritten: clean now
    assert len(counted) == 2


def test_no_cache_and_an_unwritable_cache(tmp_path, counted):
    cat_folder(tmp_path)
    load("cat2000_train", root=tmp_path, cache=False)
    load("cat2000_train", root=tmp_path, cache=False)
    assert len(counted) == 2
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(UserWarning, match="could not write the dataset cache"):
        ds = load("cat2000_train", root=tmp_path, cache=blocker / "cache")
    assert len(ds) == 2


def test_the_cache_folder_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SALBENCH_CACHE", str(tmp_path / "c"))
    assert converted.cache_root() == tmp_path / "c"
    assert converted.cache_root(False) is None


def test_a_policy_is_applied_after_the_cache(tmp_path):
    # OSIE has no fixation outside its images: the policy leaves the cached dataset untouched
    cache = tmp_path / "cache"
    a = load("osie", root=SHARED_DATASETS, cache=cache, out_of_image="drop")
    b = load("osie", root=SHARED_DATASETS, cache=cache)
    assert a.fixations.equals(b.fixations) and len(a.fixations) == 98321
