"""FIGRIM: the real filler annotation struct (../shared/datasets/samples) and target fixtures.

The real ``allImages_fillers.mat`` (github.com/cvzoya/figrim at 725dc8b7) is parsed as it is; for a
whole-dataset load its 2,157 image paths are linked to one 1000 x 1000 JPEG, since the filler
images (Fillers.zip) are not in the samples. The targets' struct has the same layout and is built
by ``_published_layouts.write_figrim``.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import scipy.io

from salbench.datasets import load, spec
from salbench.datasets.loaders.figrim import read_figrim
from salbench.exceptions import DataError, InputError

from _datasets_support import SHARED_DATASETS
from _published_layouts import link_images, write_figrim

FILLERS = SHARED_DATASETS / "samples" / "figrim_fillers" / "fillerData" / "allImages_fillers.mat"
needs_sample = pytest.mark.skipif(not FILLERS.is_file(), reason=f"real FIGRIM sample not at {FILLERS}")


@pytest.fixture(scope="module")
def parsed():
    return read_figrim(FILLERS)


@pytest.fixture(scope="module")
def fillers_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("figrim-root")
    folder = root / "figrim_fillers"
    folder.mkdir()
    (folder / "allImages_fillers.mat").symlink_to(FILLERS)
    structs = scipy.io.loadmat(FILLERS, variable_names=["allImages"])["allImages"].reshape(-1)
    link_images(folder, [str(s["impath"][0]) for s in structs], 1000, 1000)
    return root


@needs_sample
def test_real_filler_file_is_the_pinned_one():
    published = {f.name: f for f in spec("figrim_fillers").published}["allImages_fillers.mat"]
    data = FILLERS.read_bytes()
    assert len(data) == published.size
    assert hashlib.sha256(data).hexdigest() == published.sha256
    assert hashlib.md5(data).hexdigest() == published.md5  # the value pysaliency checks


@needs_sample
def test_real_fillers_parse_to_the_published_counts(parsed):
    images, trials, empty = parsed
    assert len(images) == 2157 == spec("figrim_fillers").n_images
    assert len({i["category"] for i in images}) == 21
    enc = trials["enc"]
    assert sum(len(p) for _, _, p in enc) == 226755 == spec("figrim_fillers").n_fixations
    assert empty["enc"] == 201 == spec("figrim_fillers").empty_trials
    per_image = np.bincount([i for i, _, _ in enc], minlength=len(images))
    # the publisher's README: 11 to 19 observers per filler image
    assert per_image.min() == 11 and per_image.max() == 19
    assert len({j for _, j, _ in enc}) == 67 == spec("figrim_fillers").n_observers
    assert all(i["impath"] == f"Fillers/{i['category']}/{i['filename']}" for i in images)
    # fillers were shown once, but the vigilance repeats are recorded under rec; rec2 is empty
    assert len(trials["rec"]) == 2414 and sum(len(p) for _, _, p in trials["rec"]) == 15422
    assert trials["rec2"] == []


@needs_sample
def test_real_fillers_known_point(parsed):
    images, trials, _ = parsed
    assert images[0]["filename"] == "sun_aaajuldidvlcyzhv.jpg"
    i, j, points = trials["enc"][0]
    assert (i, j) == (0, 1)
    np.testing.assert_array_equal(points[0], [543.3, 476.1])  # [x, y], 1-based, as stored


@needs_sample
def test_real_fillers_load_converts_clips_and_carries_the_category(fillers_root):
    with pytest.warns(UserWarning, match="7 fixation"):
        ds = load("figrim_fillers", root=fillers_root)
    assert len(ds) == 2157 and len(ds.fixations) == 226755
    assert ds.facts.out_of_image == 7 and ds.facts.clipped == 7 and ds.facts.dropped == 0
    assert ds.facts.empty_trials == 201 and ds.fixations.n_subjects == 67
    assert ds.facts.notes[0] == "options: viewing=enc"
    f = ds.fixations.for_image(0)
    first = f.subject == 1
    # 1-based [543.3, 476.1] -> 0-based x = 542.3, y = 475.1: pixel (row 475, col 542)
    assert f.x[first][0] == pytest.approx(542.3) and f.y[first][0] == pytest.approx(475.1)
    assert (int(np.floor(f.y[first][0])), int(np.floor(f.x[first][0]))) == (475, 542)
    assert f.position[first].tolist() == list(range(first.sum()))
    assert ds.fixations.x.min() >= 0 and ds.fixations.x.max() < 1000
    assert ds.attributes["category"].iloc[0] == "airport_terminal"
    assert ds.attributes["category"].value_counts().min() >= 94  # 94-105 per category (README)
    assert ds.stimuli.names[0] == "sun_aaajuldidvlcyzhv.jpg"


def _targets(tmp_path):
    # two categories, three images; participant slots 0, 3 and 5
    images = [
        ("sun_a.jpg", "airport_terminal", {0: {"enc": [[11.0, 21.0], [500.5, 400.25]],
                                                "rec": [[1.0, 1.0]], "rec2": [[1000.0, 1000.0]]},
                                            3: {"enc": [[30.0, 40.0]]}}),
        ("sun_b.jpg", "airport_terminal", {5: {"enc": [], "rec": [[2.0, 3.0], [4.0, 5.0]]}}),
        ("sun_c.jpg", "badlands", {0: {"enc": [[999.5, 2.5]], "rec2": [[10.0, 10.0]]}}),
    ]
    return write_figrim(tmp_path, "figrim", images)


def test_targets_layout_viewings_and_known_pixels(tmp_path):
    _targets(tmp_path)
    enc = load("figrim", root=tmp_path)
    assert len(enc) == 3 and len(enc.fixations) == 4
    assert enc.stimuli.paths[0].relative_to(tmp_path / "figrim").as_posix() == "Targets/airport_terminal/sun_a.jpg"
    f = enc.fixations.for_image(0)
    # 1-based (11, 21) -> pixel (row 20, col 10)
    assert (f.x[0], f.y[0]) == (10.0, 20.0) and f.subject.tolist() == [0, 0, 3]
    assert (f.x[1], f.y[1]) == (499.5, 399.25)
    assert enc.facts.empty_trials == 1  # slot 5 saw sun_b.jpg but has no enc fixation
    assert enc.attributes["category"].tolist() == ["airport_terminal", "airport_terminal", "badlands"]

    rec = load("figrim", root=tmp_path, viewing="rec")
    assert rec.fixations.counts.tolist() == [1, 2, 0]
    assert (rec.fixations.x[0], rec.fixations.y[0]) == (0.0, 0.0)  # 1-based (1, 1): pixel (0, 0)
    rec2 = load("figrim", root=tmp_path, viewing="rec2")
    # 1-based (1000, 1000) is the last pixel, (999, 999) 0-based: inside, nothing clipped
    assert rec2.fixations.x.tolist() == [999.0, 9.0] and rec2.facts.clipped == 0
    assert rec2.facts.notes[0] == "options: viewing=rec2"


def test_border_points_are_clipped_by_default_or_dropped_on_request(tmp_path):
    write_figrim(tmp_path, "figrim", [("sun_a.jpg", "x", {0: {"enc": [[0.4, 10.0], [5.0, 5.0]]}})])
    with pytest.warns(UserWarning, match="clipped"):
        clipped = load("figrim", root=tmp_path)
    assert clipped.fixations.x.tolist() == [0.0, 4.0] and clipped.facts.clipped == 1
    with pytest.warns(UserWarning, match="dropped"):
        dropped = load("figrim", root=tmp_path, out_of_image="drop")
    assert dropped.fixations.x.tolist() == [4.0] and dropped.facts.dropped == 1
    with pytest.raises(DataError, match="outside their image"):
        load("figrim", root=tmp_path, out_of_image="error")
    with pytest.raises(DataError, match="no fixation is recorded under rec"):
        load("figrim", root=tmp_path, viewing="rec")


def test_targets_bad_options_and_missing_images(tmp_path):
    folder = _targets(tmp_path)
    with pytest.raises(InputError, match="viewing='recall' is not one of 'enc', 'rec', 'rec2'"):
        load("figrim", root=tmp_path, viewing="recall")
    with pytest.raises(InputError, match="takes no option"):
        load("figrim", root=tmp_path, views="rec")
    (folder / "Targets" / "badlands" / "sun_c.jpg").unlink()
    with pytest.raises(DataError, match=r"1 stimulus file\(s\).*Targets/badlands/sun_c.jpg"):
        load("figrim", root=tmp_path)


def test_targets_malformed_struct_is_named(tmp_path):
    folder = write_figrim(tmp_path, "figrim", [("sun_a.jpg", "x", {0: {"enc": [[1.0, 2.0, 3.0]]}})])
    with pytest.raises(DataError, match=r"allImages\(1\) \(sun_a.jpg\), participant 1: fixations.enc "
                                        r"must be a k x 2"):
        load("figrim", root=tmp_path)
    scipy.io.savemat(folder / "allImages_release.mat", {"allImages": np.zeros(3)})
    with pytest.raises(DataError, match="not a MATLAB struct array"):
        load("figrim", root=tmp_path)


@needs_sample
def test_verify_checks_the_published_struct(fillers_root, tmp_path):
    from salbench.datasets import verify

    assert verify("figrim_fillers", root=fillers_root) == []
    folder = tmp_path / "figrim_fillers"
    (folder / "Fillers").mkdir(parents=True)  # the images folder is there; only the struct is bad
    damaged = bytearray(FILLERS.read_bytes())
    damaged[1000] ^= 0xFF
    (folder / "allImages_fillers.mat").write_bytes(bytes(damaged))
    problems = verify("figrim_fillers", root=tmp_path)
    assert len(problems) == 1 and "SHA-256" in problems[0] and "74eada5c" in problems[0]
    assert verify("figrim_fillers", root=tmp_path, check_hash=False) == []
    assert verify("figrim", root=tmp_path) == [f"{tmp_path / 'figrim' / 'allImages_release.mat'}: missing",
                                               f"{tmp_path / 'figrim' / 'Targets'}: missing"]
