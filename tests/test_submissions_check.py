"""Submission checks: every problem of a folder or archive listed at once; a clean one scores,
through ``evaluate --model ARCHIVE``, exactly like its folder."""

import hashlib
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import salbench
from salbench.cli import main
from salbench.exceptions import DataError
from salbench.models.adapters import MapDirectoryModel
from salbench.submissions import archive_model, check_submission, export_predictions

from _evaluate_support import SmoothRandomModel, mixed_size_dataset

METRICS = ["auc", "nss", "cc", "kld", "log_likelihood"]
# one image of the dataset has no fixations, on purpose: its scores are NaN with this warning
pytestmark = pytest.mark.filterwarnings("ignore::salbench.exceptions.DegenerateInputWarning")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return mixed_size_dataset(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def good_folder(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("good")
    export_predictions(SmoothRandomModel(), data, out, format="png", bits=16)
    return out


def _zip_folder(folder: Path, archive: Path, *, prefix="") -> Path:
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.iterdir()):
            z.write(path, prefix + path.name)
    return archive


def _broken_folder(data, good_folder: Path, folder: Path) -> dict:
    """The good maps with one distinct problem per image (and an extra file); name -> kind."""
    folder.mkdir()
    stems = data.stimuli.stems
    shapes = data.stimuli.shapes
    for stem in stems[2:]:
        (folder / f"{stem}.png").write_bytes((good_folder / f"{stem}.png").read_bytes())
    # img00: missing; img01: two maps with its stem (duplicate)
    h, w = shapes[1]
    np.save(folder / f"{stems[1]}.npy", np.ones((h, w)) + np.eye(h, w))
    (folder / f"{stems[1]}.png").write_bytes((good_folder / f"{stems[1]}.png").read_bytes())
    # img02: unreadable (truncated PNG)
    (folder / f"{stems[2]}.png").write_bytes((good_folder / f"{stems[2]}.png").read_bytes()[:60])
    # img03: colour heat map
    h, w = shapes[3]
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[..., 0] = 200
    rgb[: h // 2, :, 2] = 90
    Image.fromarray(rgb).save(folder / f"{stems[3]}.png")
    # img04: wrong size
    h, w = shapes[4]
    Image.fromarray(np.full((h + 1, w, ), 7, np.uint8)).save(folder / f"{stems[4]}.png")
    # img05: NaN values
    (folder / f"{stems[5]}.png").unlink()
    h, w = shapes[5]
    bad = np.ones((h, w))
    bad[1, 2] = np.nan
    np.save(folder / f"{stems[5]}.npy", bad)
    # an extra map no stimulus has
    Image.fromarray(np.eye(8, dtype=np.uint8) * 255).save(folder / "zzz_extra.png")
    return {stems[0]: "missing", stems[1]: "duplicate", stems[2]: "unreadable",
            stems[3]: "colour", stems[4]: "wrong size", stems[5]: "non-finite",
            "zzz_extra": "extra"}


@pytest.mark.parametrize("command", [["predict"], ["submission"], ["submission", "check"]])
def test_the_commands_have_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and result.output.startswith("Usage:")


def test_a_broken_zip_lists_every_problem_and_exits_1(data, good_folder, tmp_path):
    folder = tmp_path / "broken"
    expected = _broken_folder(data, good_folder, folder)
    archive = _zip_folder(folder, tmp_path / "broken.zip", prefix="submission/")

    report = check_submission(archive, data)
    assert not report.ok
    kinds = {}
    for problem in report.problems:
        key = problem.image or problem.file
        kinds[Path(key).stem] = problem.kind
    assert kinds == expected, report.render()
    assert len(set(expected.values())) >= 6
    text = report.render()
    for stem in expected:
        assert stem in text

    # the CLI: the same listing, exit status 1
    table = _table_spec(data, tmp_path)
    result = CliRunner().invoke(main, ["submission", "check", str(archive), "--dataset", table])
    assert result.exit_code == 1, result.output
    for kind in set(expected.values()):
        assert f"  {kind} (" in result.output
    for stem in expected:
        assert stem in result.output

    # the verdict agrees with what scoring does: the maps-folder adapter refuses the folder too
    with pytest.raises(DataError):
        MapDirectoryModel(folder).check(data)


def test_constant_maps_and_unnormalised_log_densities(data, tmp_path):
    folder = tmp_path / "maps"
    export_predictions(SmoothRandomModel(), data, folder, format="npy")
    stems = data.stimuli.stems
    h, w = data.stimuli.shapes[0]
    np.save(folder / f"{stems[0]}.npy", np.full((h, w), -np.log(h * w)))  # uniform: a valid density
    np.save(folder / f"{stems[1]}.npy", np.load(folder / f"{stems[1]}.npy") + 0.5)
    report = check_submission(folder, data, kind="log_density")
    assert [(p.kind, p.image) for p in report.problems] == [("not normalised", data.stimuli.names[1])]
    assert "logsumexp = 0.5" in report.render()
    # read as saliency maps, the uniform log-density is a constant map: useless for ranking
    report = check_submission(folder, data, kind="saliency")
    assert [(p.kind, p.file) for p in report.problems] == [("constant", f"{stems[0]}.npy")]


def test_unsafe_archives_are_a_problem_of_the_report(data, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../evil.png", b"x")
    report = check_submission(archive, data)
    assert [p.kind for p in report.problems] == ["unsafe archive"]
    assert "../../evil.png: escapes the archive" in report.render()
    result = CliRunner().invoke(main, ["submission", "check", str(archive), "--dataset",
                                       _table_spec(data, tmp_path)])
    assert result.exit_code == 1 and "../../evil.png" in result.output


def _table_spec(data, tmp_path) -> str:
    """A ``table:`` dataset spec of ``data`` for the command line."""
    import pandas as pd

    f = data.fixations
    csv = tmp_path / "fixations.csv"
    names = data.stimuli.names
    pd.DataFrame({"image": [names[n] for n in f.n], "x": f.x, "y": f.y,
                  "subject": f.subject}).to_csv(csv, index=False)
    folder = data.stimuli.paths[0].parent
    return f"table:{csv},stimuli={folder},x=x,y=y,image=image,subject=subject,zero_based"


def test_a_good_archive_exits_0_and_scores_like_its_folder(data, good_folder, tmp_path):
    for archive in (_zip_folder(good_folder, tmp_path / "good.zip"),
                    tmp_path / "good.tar.gz"):
        if archive.suffix == ".gz":
            with tarfile.open(archive, "w:gz") as tar:
                tar.add(good_folder, arcname="maps")
        report = check_submission(archive, data)
        assert report.ok, report.render()
        result = CliRunner().invoke(main, ["submission", "check", str(archive), "--dataset",
                                           _table_spec(data, tmp_path)])
        assert result.exit_code == 0 and "OK, no problem found" in result.output, result.output
        assert report.n_files == len(data)
        assert [Path(name).name for name in report.skipped] == ["predictions.json"]

        out = tmp_path / f"run-{archive.name}"
        model = archive_model(archive, out=out)
        scored = salbench.evaluate(model, data, metrics=METRICS[:4], out=out / "m")
        direct = salbench.evaluate(MapDirectoryModel(good_folder), data, metrics=METRICS[:4])
        for metric in METRICS[:4]:
            np.testing.assert_array_equal(scored.images[metric], direct.images[metric])
        # the manifest fingerprints the archive itself
        inputs = json.loads((out / "m" / "manifest.json").read_text())["config"]["inputs"]
        entry = next(iter(inputs["model"]["files"].values()))
        assert entry["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
        assert inputs["model"]["archive"] == archive.name


def test_evaluate_cli_scores_an_archive_writing_only_under_out(data, good_folder, tmp_path):
    archive = _zip_folder(good_folder, tmp_path / "good.zip")
    table = _table_spec(data, tmp_path)
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["evaluate", "--model", str(archive), "--dataset", table,
                                       "--out", str(out), "--metrics", "auc,nss", "--no-baselines",
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(out in p.parents or p == out for p in new), sorted(new)
    manifest = json.loads((out / "good" / "manifest.json").read_text())
    assert manifest["model"]["name"] == "good"
    # a rerun resumes on the same extraction; a changed archive is refused until --overwrite
    again = CliRunner().invoke(main, ["evaluate", "--model", str(archive), "--dataset", table,
                                      "--out", str(out), "--metrics", "auc,nss", "--no-baselines",
                                      "--quiet"])
    assert again.exit_code == 0, again.output
    with zipfile.ZipFile(archive, "a") as z:
        z.writestr("README.txt", "changed")
    changed = CliRunner().invoke(main, ["evaluate", "--model", str(archive), "--dataset", table,
                                        "--out", str(out), "--metrics", "auc,nss",
                                        "--no-baselines", "--quiet"])
    assert changed.exit_code == 1 and "changed" in changed.output and "good.zip" in changed.output


def test_an_archive_of_log_densities_is_a_probabilistic_model(data, tmp_path):
    from salbench.models.base import ProbabilisticModel

    export_predictions(SmoothRandomModel(), data, tmp_path / "npz", format="npz")
    archive = _zip_folder(tmp_path / "npz", tmp_path / "densities.zip")
    assert check_submission(archive, data, kind="log_density").ok
    model = archive_model(archive, out=tmp_path / "run", kind="log_density")
    assert isinstance(model, ProbabilisticModel) and model.kind == "log_density"
    scored = salbench.evaluate(model, data, metrics=["log_likelihood", "information_gain"],
                               baseline="uniform").images
    direct = salbench.evaluate(SmoothRandomModel(), data, metrics=["log_likelihood",
                                                                   "information_gain"],
                               baseline="uniform").images
    for metric in ("log_likelihood", "information_gain"):
        np.testing.assert_allclose(scored[metric], direct[metric], rtol=0, atol=1e-12)
