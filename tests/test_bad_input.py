"""Bad input (issue 11 section 5, the dataset, fixation and metric cases): every case gets an
error that names the file, column, row or image and says what to do, never a traceback or a
silent number. The loaders' option cache (issue 12) is tested here too: it decides which bad
input is found when.
"""

from __future__ import annotations

import errno
import json
import os
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.io
from click.testing import CliRunner
from PIL import Image

import salbench.metrics as M
from salbench._io import read_mat
from salbench.cli import main
from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli, load, read_fixations
from salbench.datasets.dataset import OUT_OF_IMAGE_ADVICE
from salbench.datasets.loaders._mat import load_mat
from salbench.exceptions import DataError, InputError
from salbench.models.adapters._io import map_shape, read_map

from _published_layouts import write_figrim


# ---------------------------------------------------------------------------------- MAT files
@pytest.fixture
def damaged_mats(tmp_path):
    good = tmp_path / "good.mat"
    scipy.io.savemat(good, {"a": np.random.default_rng(0).random((30, 40))})
    empty = tmp_path / "empty.mat"
    empty.write_bytes(b"")  # scipy: MatReadError
    cut = tmp_path / "cut.mat"
    cut.write_bytes(good.read_bytes()[:60])  # scipy: IndexError
    return empty, cut


@pytest.mark.parametrize("which", [0, 1], ids=["0-byte", "cut-to-60-bytes"])
def test_a_damaged_mat_is_a_data_error_naming_it_wherever_it_is_read(damaged_mats, which):
    path = damaged_mats[which]
    pattern = rf"{path.name}: corrupt or truncated MAT file \((MatReadError|IndexError)"
    for read in (lambda: read_mat(path), lambda: read_mat(path, shapes_only=True),
                 lambda: load_mat(path, None), lambda: read_map(path), lambda: map_shape(path)):
        with pytest.raises(DataError, match=pattern) as info:
            read()
        assert str(path) in str(info.value)


def test_a_damaged_map_in_a_folder_is_reported_by_name_before_scoring(damaged_mats, tmp_path):
    from salbench.models.adapters.directory import MapDirectoryModel

    folder = tmp_path / "maps"
    folder.mkdir()
    (folder / "a.mat").write_bytes(damaged_mats[1].read_bytes())
    stimuli = tmp_path / "a.png"
    Image.new("L", (40, 30)).save(stimuli)
    dataset = Dataset(Stimuli([stimuli]), Fixations([1.0], [1.0], [0]), DatasetFacts("one"))
    with pytest.raises(DataError, match=r"a\.mat: corrupt or truncated MAT file"):
        MapDirectoryModel(folder).check(dataset)


# ---------------------------------------------------------------------------------- booleans
def test_boolean_coordinates_get_the_same_error_from_the_metrics_and_fixations():
    s = np.random.default_rng(0).random((10, 10))
    mask = np.array([True, False, True])
    with pytest.raises(InputError, match=r"^field 'x' must be numeric, got dtype bool$"):
        Fixations(mask, mask, [0, 0, 0])
    for call in (lambda: M.auc(s, mask, [1.0, 2.0, 3.0]), lambda: M.nss(s, mask, [1.0, 2.0, 3.0]),
                 lambda: M.score_maps([s], mask, [1.0, 2.0, 3.0], [0, 0, 0], metrics=["nss"])):
        with pytest.raises(InputError, match=r"^x must be numeric, got dtype bool$"):
            call()
    with pytest.raises(InputError, match=r"^y must be numeric, got dtype bool$"):
        M.nss(s, [1.0, 2.0, 3.0], mask)
    with pytest.raises(InputError, match=r"^nx must be numeric, got dtype bool$"):
        M.sauc(s, [1.0], [1.0], mask, [1.0, 2.0, 3.0])
    with pytest.raises(InputError, match=r"^n must be numeric, got dtype bool$"):
        M.score_maps([s], [1.0], [1.0], [True], metrics=["nss"])
    # integer and float coordinates still work
    assert M.nss(s, np.array([1, 2]), np.array([3, 4])) == M.nss(s, [1.0, 2.0], [3.0, 4.0])


def test_boolean_coordinates_on_tensors_get_the_numpy_message():
    torch = pytest.importorskip("torch")
    import salbench.torch as T

    maps = torch.rand(1, 10, 10, dtype=torch.float64)
    mask = torch.tensor([[True, False]])
    with pytest.raises(InputError, match=r"^x must be numeric, got dtype bool$"):
        T.nss(maps, mask, torch.tensor([[1.0, 2.0]]), torch.tensor([2]))


# ---------------------------------------------------------------------------------- tables
def _read(path, **options):
    kwargs = dict(coordinates=("x", "y"), xy_order="xy", one_based=False, image="image")
    return read_fixations(path, **{**kwargs, **options})


# (a CSV has no date type: its dates are strings, non-numeric values, tested below)
@pytest.mark.parametrize(("suffix", "kind"), [(".parquet", "boolean"), (".csv", "boolean"),
                                              (".parquet", "date/time")])
def test_boolean_or_datetime_coordinate_columns_name_the_file_and_column(tmp_path, suffix, kind):
    values = ([True, False] if kind == "boolean"
              else pd.to_datetime(["2020-01-01 10:00", "2020-01-01 10:01"]))
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": values, "image": [0, 0]})
    path = tmp_path / f"fix{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=rf"^{path}: column 'y' \(coordinate\) holds {kind} values"):
        _read(path)


def test_dates_in_a_csv_are_non_numeric_values_with_their_row(tmp_path):
    path = tmp_path / "fix.csv"
    path.write_text("x,y,image\n1,2020-01-01,0\n")
    with pytest.raises(DataError, match=rf"^{path}: column 'y' \(coordinate\) has a non-numeric "
                                        r"value '2020-01-01' in data row 0"):
        _read(path)


def test_a_csv_with_a_header_and_no_rows_says_no_fixations(tmp_path):
    path = tmp_path / "fix.csv"
    path.write_text("x,y,image,subject\n")
    with pytest.raises(DataError, match=rf"^{path}: the table has no rows .*: no fixations to read"):
        _read(path, subject="subject")


@pytest.mark.parametrize("role", ["subject", "scanpath"])
def test_a_missing_subject_or_scanpath_names_the_file_column_and_row(tmp_path, role):
    path = tmp_path / "fix.csv"
    path.write_text("x,y,image,who\n1,1,0,ann\n2,2,0,bob\n3,3,0,\n4,4,0,\n")
    with pytest.raises(DataError, match=rf"^{path}: column 'who' \({role}\) has no value in data "
                                        r"row 2 \(2 row\(s\) without one\)"):
        _read(path, **{role: "who"})


def test_one_based_coordinates_below_1_warn(tmp_path):
    path = tmp_path / "fix.csv"
    path.write_text("x,y,image\n0.5,3,0\n2.2,2.1,0\n")
    with pytest.warns(UserWarning, match=r"one_based=True but 1 fixation\(s\) have a coordinate "
                                         r"below 1 \(the first in data row 0: x = 0.5, y = 3.0\)"):
        f = _read(path, one_based=True)
    assert f.x.tolist() == [-0.5, 1.2000000000000002]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _read(path, one_based=False)  # 0-based: nothing to say


# ---------------------------------------------------------------------------------- outside
def test_fixations_outside_the_image_are_found_when_the_dataset_is_built(tmp_path):
    stimuli = Stimuli([tmp_path / "a.png", tmp_path / "b.png"], shapes=[(30, 40), (20, 20)])
    fixations = Fixations([10.0, 45.0, 5.0], [5.0, 5.0, 25.0], [0, 0, 1], subject=[0, 1, 2])
    with pytest.raises(DataError) as info:
        Dataset(stimuli, fixations, DatasetFacts("mine"))
    message = str(info.value)
    assert message.startswith("2 fixation(s) of dataset 'mine' lie outside their image")
    assert "image 0 ('a.png', 40x30), subject 1: x = 45" in message
    assert message.endswith(OUT_OF_IMAGE_ADVICE) and "--out-of-image drop" in message
    with pytest.warns(UserWarning, match="were dropped"):
        dropped = Dataset(stimuli, fixations, DatasetFacts("mine"), out_of_image="drop")
    assert len(dropped.fixations) == 1 and dropped.facts.dropped == 2
    with pytest.warns(UserWarning, match="clipped"):
        clipped = Dataset(stimuli, fixations, out_of_image="clip")
    assert clipped.fixations.x.max() < 40 and clipped.facts.clipped == 2
    with pytest.raises(InputError, match="out_of_image must be one of"):
        Dataset(stimuli, fixations, out_of_image="ignore")
    # a subset of a dataset built with "keep" is not checked again
    with pytest.warns(UserWarning, match="kept"):
        kept = Dataset(stimuli, fixations, out_of_image="keep")
    assert len(kept.subset([0]).fixations) == 2


def test_read_fixations_checks_the_image_sizes_it_is_given(tmp_path):
    path = tmp_path / "fix.csv"
    path.write_text("x,y,image\n10,5,0\n45,5,0\n")
    assert len(_read(path)) == 2  # no sizes, nothing to check against
    with pytest.raises(DataError, match=rf"(?s)1 fixation\(s\) of dataset '{path}' lie outside.*"
                                        r"image 0 \(40x30\).*--out-of-image drop"):
        _read(path, shapes=[(30, 40)])
    with pytest.warns(UserWarning, match="dropped"):
        assert len(_read(path, shapes=[(30, 40)], out_of_image="drop")) == 1


@pytest.fixture
def table_files(tmp_path):
    folder = tmp_path / "img"
    folder.mkdir()
    rows = []
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, (24, 32), dtype=np.uint8)).save(folder / f"s{i}.png")
        rows += [(f"s{i}", subject, 5.0 + 3 * subject, 6.0 + i) for subject in range(3)]
    rows.append(("s1", 0, 40.0, 5.0))  # beyond the 32-pixel width
    table = tmp_path / "fix.csv"
    pd.DataFrame(rows, columns=["image", "subject", "col", "row"]).to_csv(table, index=False)
    spec = f"table:{table},stimuli={folder},x=col,y=row,zero_based,subject=subject"
    maps = tmp_path / "maps"
    maps.mkdir()
    for i in range(4):
        np.save(maps / f"s{i}.npy", rng.random((24, 32)))
    return spec, maps


def _run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def test_the_out_of_image_advice_is_one_the_command_line_can_follow(table_files, tmp_path):
    spec, maps = table_files
    common = ("evaluate", "--model", maps, "--dataset", spec, "--out", tmp_path / "out",
              "--no-baselines", "--metrics", "auc,nss", "--quiet", "--threads", 1)
    refused = _run(*common)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "--out-of-image drop" in refused.stderr
    followed = _run(*common, "--out-of-image", "drop")
    assert followed.exit_code == 0, followed.output
    for command in (("plot", "roc"), ("plot", "grid"), ("evaluate",)):
        assert "--out-of-image [error|drop|clip]" in _run(*command, "--help").output


def test_plot_grid_takes_the_out_of_image_policy(table_files, tmp_path):
    spec, maps = table_files
    args = ("plot", "grid", "--dataset", spec, "--images", "0,1", "--model", maps,
            "--out", tmp_path / "grid.png")
    refused = _run(*args)
    assert refused.exit_code == 1 and "--out-of-image drop" in refused.stderr
    assert _run(*args, "--out-of-image", "clip").exit_code == 0
    assert (tmp_path / "grid.png").is_file()


# ---------------------------------------------------------------------------------- writing
def _temporary_files(folder):
    return [p for p in folder.rglob("*.tmp")]


def test_a_full_disk_while_writing_results_is_one_line_and_resume_works(table_files, tmp_path,
                                                                         monkeypatch):
    """ENOSPC simulated at the table writer, for machines where no small tmpfs can be mounted
    (tests/test_faults.py fills a real one where it can)."""
    import salbench._io as io

    spec, maps = table_files
    out = tmp_path / "out"
    args = ("evaluate", "--model", maps, "--dataset", spec, "--out", out, "--out-of-image",
            "drop", "--no-baselines", "--metrics", "auc,nss", "--quiet", "--threads", 1)
    real = io.write_table
    calls = {"n": 0}

    def full(frame, path, fmt):
        calls["n"] += 1
        if calls["n"] >= 2:  # the first part is written, then the disk is full
            with open(path, "wb") as handle:
                handle.write(b"half a table")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(frame, path, fmt)

    monkeypatch.setattr(io, "write_table", full)
    import salbench.evaluation.store as store

    monkeypatch.setattr(store, "write_table", full)
    failed = _run(*args)
    assert failed.exit_code == 1, failed.output
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot write "), failed.stderr
    assert "No space left on device" in lines[0]
    assert _temporary_files(out) == []  # nothing half-written is left
    monkeypatch.setattr(io, "write_table", real)
    monkeypatch.setattr(store, "write_table", real)
    resumed = _run(*args)
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((out / "maps" / "manifest.json").read_text())["status"] == "complete"


def test_a_full_disk_writing_a_leaderboard_is_one_line(table_files, tmp_path, monkeypatch):
    from pathlib import Path

    spec, maps = table_files
    out = tmp_path / "out"
    assert _run("evaluate", "--model", maps, "--dataset", spec, "--out", out, "--out-of-image",
                "drop", "--no-baselines", "--metrics", "auc", "--quiet").exit_code == 0

    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    board = tmp_path / "board.md"
    result = _run("leaderboard", out, "-o", board)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: cannot write {board}: No space left on device"
    assert not board.exists() and list(tmp_path.glob(".board.md.*")) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod cannot make a folder "
                                              "read-only (tests/test_faults.py remounts a tmpfs)")
def test_a_read_only_out_is_one_error_line(table_files, tmp_path):
    spec, maps = table_files
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = _run("evaluate", "--model", maps, "--dataset", spec, "--out", out,
                      "--out-of-image", "drop", "--no-baselines", "--metrics", "auc", "--quiet")
    finally:
        out.chmod(0o755)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot write"), result.stderr
    assert "Permission denied" in lines[0]


def test_a_damaged_leaderboard_json_names_what_it_lacks(tmp_path):
    from salbench.reports.leaderboard import LEADERBOARD_FORMAT, Leaderboard

    path = tmp_path / "board.json"
    path.write_text(json.dumps({"format": LEADERBOARD_FORMAT, "rows": [], "meta": {}}))
    with pytest.raises(DataError, match=rf"^{path}: the leaderboard lacks 'metrics', 'models'"):
        Leaderboard.from_json(path)
    path.write_text("{not json")
    with pytest.raises(DataError, match=rf"^{path}: not valid JSON"):
        Leaderboard.from_json(path)


# ---------------------------------------------------------------------------------- option cache
def _figrim(root):
    images = [
        ("sun_a.jpg", "airport_terminal", {0: {"enc": [[11.0, 21.0], [1001.0, 5.0]],
                                                "rec": [[1.0, 1.0]]}}),
        ("sun_b.jpg", "badlands", {3: {"enc": [[30.0, 40.0]], "rec": [[2.0, 3.0], [4.0, 5.0]]}}),
    ]
    return write_figrim(root, "figrim", images)


def test_option_loaders_are_cached_per_option_set_and_the_policy_applies_after(tmp_path,
                                                                               monkeypatch):
    import salbench.datasets.loaders.figrim as figrim

    _figrim(tmp_path)
    cache = tmp_path / "cache"
    with pytest.warns(UserWarning, match="clipped"):  # FIGRIM's own default policy
        enc = load("figrim", root=tmp_path, cache=cache)
    rec = load("figrim", root=tmp_path, cache=cache, viewing="rec")
    assert len(list(cache.glob("figrim-*.npz"))) == 2  # one file per option set
    assert enc.fixations.counts.tolist() == [2, 1] and rec.fixations.counts.tolist() == [1, 2]
    assert enc.facts.clipped == 1 and "options: viewing=enc" in enc.facts.notes

    def parse_again(*args, **kwargs):
        raise AssertionError("parsed the files again instead of reading the cache")

    monkeypatch.setattr(figrim, "read_figrim", parse_again)
    with pytest.warns(UserWarning, match="dropped"):
        dropped = load("figrim", root=tmp_path, cache=cache, out_of_image="drop")
    assert dropped.fixations.counts.tolist() == [1, 1] and dropped.facts.dropped == 1
    assert dropped.facts.out_of_image == 1  # counted once, not once per cache pass
    with pytest.raises(DataError, match="--out-of-image drop"):
        load("figrim", root=tmp_path, cache=cache, out_of_image="error")
    again = load("figrim", root=tmp_path, cache=cache, viewing="rec")
    assert again.fixations.equals(rec.fixations) and again.attributes.equals(rec.attributes)
    assert again.facts.tracking == "eye tracking"


def test_a_cache_of_the_previous_format_is_rebuilt(tmp_path):
    from salbench.datasets import converted

    assert converted.FORMAT == "salbench.DatasetCache/2"
    _figrim(tmp_path)
    cache = tmp_path / "cache"
    load("figrim", root=tmp_path, cache=cache, viewing="rec")
    (path,) = cache.glob("figrim-*.npz")
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(str(arrays["header"]))
    header["format"] = "salbench.DatasetCache/1"  # written before facts had `tracking`
    del header["facts"]["tracking"]
    arrays["header"] = np.array(json.dumps(header))
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    rebuilt = load("figrim", root=tmp_path, cache=cache, viewing="rec")
    assert rebuilt.facts.tracking == "eye tracking"
    with np.load(path) as npz:
        assert json.loads(str(npz["header"]))["format"] == converted.FORMAT


def test_dataset_options_on_the_command_line(tmp_path):
    from salbench.cli import load_dataset
    from salbench.datasets.selection import parse_dataset_spec, parse_selection

    _figrim(tmp_path)
    assert parse_dataset_spec("figrim:viewing=rec") == ("figrim", {"viewing": "rec"})
    assert parse_selection("figrim:viewing=rec:train") == ("figrim:viewing=rec", "train")
    rec = load_dataset("figrim:viewing=rec", root=tmp_path, out_of_image="clip")
    assert rec.fixations.counts.tolist() == [1, 2]
    folder = load_dataset(f"{tmp_path / 'figrim'}:viewing=rec")
    assert folder.fixations.equals(rec.fixations)
    with pytest.raises(InputError, match=r"dataset 'figrim': viewing='rek' is not one of 'enc', "
                                         r"'rec', 'rec2'"):
        load_dataset("figrim:viewing=rek", root=tmp_path)
    with pytest.raises(InputError, match=r"dataset 'figrim' takes no option\(s\) \['view'\]; its "
                                         r"options are viewing=enc\|rec\|rec2"):
        load_dataset("figrim:view=rec", root=tmp_path)
    with pytest.raises(InputError, match="the option 'viewing' is given twice"):
        load_dataset("figrim:viewing=rec,viewing=enc", root=tmp_path)
    with pytest.raises(InputError, match=r"KEY=VALUE pairs .*got 'rec'"):
        load_dataset("figrim:viewing=rec,rec", root=tmp_path)
    result = _run("plot", "grid", "--dataset", "figrim:viewing=rec", "--data-root", tmp_path,
                  "--images", "1", "--model", "baseline:uniform", "--out", tmp_path / "g.png")
    assert result.exit_code == 0, result.output


def test_figrim_without_its_images_folder_is_not_installed(tmp_path):
    import shutil

    from salbench.datasets.registry import missing, status

    folder = _figrim(tmp_path)
    assert status("figrim", root=tmp_path) == "installed"
    shutil.rmtree(folder / "Targets")
    assert status("figrim", root=tmp_path) == "incomplete"
    assert missing("figrim", root=tmp_path) == ["Targets/"]
    listed = _run("datasets", "list", "--data-root", tmp_path)
    assert listed.exit_code == 0
    assert f"figrim: not installed: {folder} lacks Targets/" in listed.output
    with pytest.raises(DataError, match=r"dataset 'figrim' is not in .* \(missing Targets/\)"):
        load("figrim", root=tmp_path)


@pytest.mark.parametrize("name", ["koehler", "coco_search18", "coco_freeview"])
def test_publisher_datasets_without_their_images_are_incomplete(tmp_path, name):
    """As FIGRIM without Targets/: the annotation files alone are no installed dataset, and
    `datasets list` and `datasets info` say what is missing."""
    from salbench.datasets.registry import missing, status

    files = {"koehler": ["ObserverData.mat"],
             "coco_search18": ["coco_search18_fixations_TP_train_split1.json",
                               "coco_search18_fixations_TP_validation_split1.json",
                               "coco_search18_fixations_TA_trainval.json"],
             "coco_freeview": ["COCOFreeView_fixations_trainval.json"]}[name]
    images = {"koehler": ["Images"]}.get(name, ["images", "coco_search18_images_TA"])
    folder = tmp_path / name
    folder.mkdir()
    for file in files:
        (folder / file).write_bytes(b"x")
    assert status(name, root=tmp_path) == "incomplete"
    lacking = [f"{p}/" for p in images]
    if name == "coco_freeview":  # its images may be COCO-Search18's, unpacked once for both
        lacking = [f"{p} (or ../coco_search18/{p})" for p in lacking]
    assert missing(name, root=tmp_path) == lacking
    listed = _run("datasets", "list", "--data-root", tmp_path)
    assert listed.exit_code == 0
    assert f"{name}: not installed: {folder} lacks {', '.join(lacking)}" in listed.output
    info = _run("datasets", "info", name, "--data-root", tmp_path)
    assert info.exit_code == 0
    assert f"incomplete: {folder} lacks {', '.join(lacking)}" in info.output
    for top in images:
        (folder / top).mkdir()
    assert status(name, root=tmp_path) == "installed" and missing(name, root=tmp_path) == []
    assert f"installed in {folder}" in _run("datasets", "info", name, "--data-root",
                                            tmp_path).output


def test_coco_freeview_finds_its_images_in_coco_search18(tmp_path):
    from salbench.datasets.registry import missing, status

    (tmp_path / "coco_freeview").mkdir()
    (tmp_path / "coco_freeview" / "COCOFreeView_fixations_trainval.json").write_text("[]")
    for top in ("images", "coco_search18_images_TA"):
        (tmp_path / "coco_search18" / top).mkdir(parents=True)
    assert status("coco_freeview", root=tmp_path) == "installed"
    assert missing("coco_freeview", root=tmp_path) == []
    # images of its own (some of them) are where the loader reads them: all must be there
    (tmp_path / "coco_freeview" / "images").mkdir()
    assert missing("coco_freeview", root=tmp_path) == ["coco_search18_images_TA/"]
    assert status("coco_freeview", root=tmp_path) == "incomplete"
