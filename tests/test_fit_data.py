"""Fitting data made explicit: selections, overlap refusal, the IG baseline spec, CLI options."""

import json
import math
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from _evaluate_support import SHARED_DATASETS
from click.testing import CliRunner

import salbench
from salbench.demo import synthetic_dataset
from salbench.cli import main
from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli
from salbench.datasets.hdf5 import save_pysaliency
from salbench.datasets.selection import ImageSelection, parse_selection, select
from salbench.datasets.splits import split_images
from salbench.evaluation import default_baseline, evaluate
from salbench.evaluation.fitting import model_for_scoring
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.models.baselines import CentreBiasModel, baseline_from_spec
from salbench.reports.leaderboard import leaderboard

OSIE = SHARED_DATASETS / "osie"


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """The demo's synthetic data (24 images, 15 observers) as a pysaliency folder named toy."""
    data = synthetic_dataset(n_images=24, shape=(48, 64), root=tmp_path_factory.mktemp("src"))
    folder = tmp_path_factory.mktemp("data") / "toy"
    save_pysaliency(data.dataset, folder)
    maps = tmp_path_factory.mktemp("maps")
    rng = np.random.default_rng(0)
    from PIL import Image
    from scipy.ndimage import gaussian_filter

    for name in data.dataset.stimuli.names:
        m = gaussian_filter(rng.random((48, 64)), 4) + data.true_density(
            data.dataset.stimuli.names.index(name)) * 200
        Image.fromarray((255 * m / m.max()).astype(np.uint8)).save(
            maps / name)
    return folder, maps, salbench.cli.load_dataset(str(folder))


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# ------------------------------------------------------------------------------ selections
def test_selections_parse_and_name_their_images(toy):
    assert parse_selection("osie") == ("osie", "all")
    assert parse_selection("nus_scene:test") == ("nus_scene", "test")
    with pytest.raises(InputError, match="'tset' is not a split"):
        parse_selection("osie:tset")
    _, _, dataset = toy
    selection = select("toy:train", known=(dataset,))
    assert selection.dataset is dataset  # the scored dataset is reused, not loaded again
    assert selection.images.tolist() == list(split_images(dataset).train)
    described = selection.describe()
    assert described["selection"] == "toy:train" and described["n_images"] == 17
    assert described["split_seed"] == 0 and len(described["images_sha256"]) == 64
    assert select("toy", known=(dataset,)).images.tolist() == list(range(24))


def test_the_same_picture_under_another_name_counts_as_shared(toy, tmp_path):
    _, _, dataset = toy
    paths = []
    for k, i in enumerate((3, 7)):  # two of toy's pictures, renamed, in another dataset
        paths.append(tmp_path / f"copy-{k}.png")
        shutil.copy(dataset.stimuli.paths[i], paths[-1])
    other = Dataset(Stimuli(paths), Fixations([1.0, 2.0], [1.0, 2.0], [0, 1], n_images=2),
                    DatasetFacts(name="copies"))
    shared = ImageSelection.of(other).shared_with(dataset, range(24))
    assert shared.tolist() == [3, 7]


# ------------------------------------------------------------------------------ building models
def test_a_fitted_model_needs_named_fitting_images_that_are_not_scored(toy):
    _, maps, dataset = toy
    test = list(split_images(dataset).test)
    with pytest.raises(InputError, match=r"no held-out images .*--fit-on DATASET\[:SPLIT\]"):
        model_for_scoring(f"density:{maps}", dataset, range(24), split="all")
    with pytest.raises(InputError, match=r"fitted on toy:all \(24 images\), which includes 5 of "
                                         r"the 5 scored images of toy \(e\.g\. \d+ \(\d+\.png\)"):
        model_for_scoring(f"density:{maps}", dataset, test, split="test", fit_on="toy:all")
    centre = model_for_scoring("baseline:centre", dataset, test, split="test")
    assert centre.fitted_on.label == "toy:train" and centre.n_train_images_ == 17
    # a centre bias is cross-validated by image, so fitting on every image is allowed
    assert model_for_scoring("baseline:centre", dataset, test, split="test",
                             fit_on="toy").fitted_on.label == "toy:all"
    overlapping = model_for_scoring(f"density:{maps}", dataset, range(24), split="all",
                                    allow_fit_overlap=True)
    assert overlapping.fitted_on.label == "toy:all"
    assert not hasattr(model_for_scoring(str(maps), dataset, test, split="test"), "fitted_on")


def test_fastgaze_on_every_image_needs_explicit_fitting_images(toy):
    from fastgaze_paths import VXM_PATH

    _, _, dataset = toy
    # refused before any forward pass: nothing is fitted on the images it would score
    with pytest.raises(InputError, match="no held-out images to fit it on"):
        model_for_scoring(f"fastgaze:{VXM_PATH}", dataset, range(24), split="all")
    with pytest.raises(InputError, match="which includes 17 of the 17 scored images"):
        model_for_scoring(f"fastgaze:{VXM_PATH}", dataset, split_images(dataset).train,
                          split="train", fit_on="toy")


def test_evaluate_refuses_scored_fitting_images_and_records_the_fit(toy, tmp_path):
    _, _, dataset = toy
    split = split_images(dataset)
    model = CentreBiasModel(n_folds=1).fit(dataset, images=split.train)  # not cross-validated
    assert not model.cross_validated
    with pytest.raises(InputError, match="which includes 17 of the 17 scored images"):
        evaluate(model, dataset, split="train", metrics=["auc"], fit_on="toy:train")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        allowed = evaluate(model, dataset, split="train", metrics=["auc"], fit_on="toy:train",
                           allow_fit_overlap=True)
        held_out = evaluate(model, dataset, split="test", metrics=["auc"], out=tmp_path / "r",
                            fit_on=ImageSelection.of(dataset, "train"))
    assert allowed.manifest["fit"]["scored_images_among_them"] == 17
    assert allowed.manifest["fit"]["overlap_allowed"] is True
    fit = held_out.manifest["fit"]
    assert fit["selection"] == "toy:train" and fit["scored_images_among_them"] == 0
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["fit"] == fit
    with pytest.raises(InputError, match="differs in: fit"):
        evaluate(model, dataset, split="test", metrics=["auc"], out=tmp_path / "r",
                 fit_on="toy:validation")
    # the model's own fitted_on is used when fit_on= is not given
    model.fitted_on = ImageSelection.of(dataset, "all")
    with pytest.raises(InputError, match="fitted on toy:all"):
        evaluate(model, dataset, split="test", metrics=["auc"])


def test_the_ig_baseline_is_named_by_a_spec(toy):
    _, _, dataset = toy
    with pytest.raises(InputError, match="unknown baseline 'centre-biased'"):
        baseline_from_spec("centre-biased", dataset=dataset)
    with pytest.raises(InputError, match="fitted to nothing"):
        baseline_from_spec("uniform:toy")
    with pytest.raises(InputError, match="name them"):
        baseline_from_spec("centre-bias")
    train = baseline_from_spec("centre-bias:toy:train", dataset=dataset)
    assert isinstance(train, CentreBiasModel) and train.n_train_images_ == 17
    assert train.describe()["spec"] == "centre-bias:toy:train"
    assert train.describe()["fitted_on"]["n_images"] == 17
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        over_uniform = evaluate(default_baseline(dataset), dataset, baseline="uniform",
                                metrics=["log_likelihood", "information_gain"])
        over_train = evaluate(default_baseline(dataset), dataset, baseline=train,
                              metrics=["information_gain"])
    table = over_uniform.images
    np.testing.assert_allclose(table["information_gain"],
                               (table["log_likelihood"] + math.log(48 * 64)) / math.log(2),
                               rtol=1e-12)
    assert over_uniform.manifest["parameters"]["baseline"]["spec"] == "uniform"
    assert over_train.manifest["parameters"]["baseline"]["spec"] == "centre-bias:toy:train"
    with pytest.raises(InputError, match="information gain over different baselines"):
        leaderboard([over_uniform, _renamed(over_train)])
    board = leaderboard([over_uniform], n_bootstrap=20, n_permutations=20)
    assert "Information gain over uniform." in board.to_markdown()


def _renamed(results):
    results.manifest["model"]["name"] = "other"
    results.images["model"] = "other"
    return results


# ------------------------------------------------------------------------------ command line
def test_cli_refuses_to_fit_on_scored_images(tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    for args, message in (
        (("--split", "all"), "no held-out images to fit it on"),
        (("--split", "test", "--fit-on", "osie:all"),
         "was fitted on osie:all (700 images), which includes 3 of the 3 scored images"),
        (("--split", "test", "--fit-on", "osie:tset"), "'tset' is not a split"),
    ):
        result = _run("evaluate", "--model", f"density:{maps}", "--dataset", OSIE, "--images", 3,
                      "--out", tmp_path / "out", *args)
        assert result.exit_code == 1, result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_records_fit_on_and_baseline_in_manifest_and_footer(toy, tmp_path):
    folder, maps, _ = toy
    out = tmp_path / "run"
    result = _run("evaluate", "--model", f"density:{maps}", "--name", "mine", "--dataset", folder,
                  "--split", "test", "--fit-on", "toy:validation",
                  "--baseline", "centre-bias:toy:train", "--out", out, "--threads", 2,
                  "--metrics", "auc,information_gain")
    assert result.exit_code == 0, result.output
    assert "fitted on toy:validation (2 images)" in result.stderr
    manifest = json.loads((out / "mine" / "manifest.json").read_text())
    assert manifest["fit"]["selection"] == "toy:validation"
    assert manifest["fit"]["scored_images_among_them"] == 0
    assert manifest["parameters"]["baseline"]["spec"] == "centre-bias:toy:train"
    baseline_manifest = json.loads((out / "centre-bias" / "manifest.json").read_text())
    assert baseline_manifest["model"]["description"]["spec"] == "centre-bias:toy:train"
    assert "Fitted on: mine on toy:validation (2 images)" in result.stdout
    assert "Information gain over centre bias fitted on toy:train (17 images, 10-fold " \
           "cross-validated by image)." in result.stdout
    # the centre-bias row is the IG baseline itself: exactly 0 bits
    cb = pd.read_parquet(out / "centre-bias" / "images.parquet")
    assert (cb["information_gain"] == 0.0).all()
    # by default a test split is fitted on the training split; --baseline uniform
    default = _run("evaluate", "--model", f"density:{maps}", "--name", "mine", "--dataset",
                   folder, "--split", "test", "--baseline", "uniform", "--no-baselines",
                   "--out", tmp_path / "run2", "--metrics", "information_gain")
    assert default.exit_code == 0, default.output
    manifest = json.loads((tmp_path / "run2" / "mine" / "manifest.json").read_text())
    assert manifest["fit"]["selection"] == "toy:train" and manifest["fit"]["n_images"] == 17
    assert manifest["parameters"]["baseline"]["spec"] == "uniform"
    assert "Information gain over uniform." in default.stdout
    # fitting on the scored images only when asked, and then it says so
    overlap = _run("evaluate", "--model", f"density:{maps}", "--name", "mine", "--dataset",
                   folder, "--split", "all", "--allow-fit-overlap", "--no-baselines",
                   "--out", tmp_path / "run3", "--metrics", "auc")
    assert overlap.exit_code == 0, overlap.output
    manifest = json.loads((tmp_path / "run3" / "mine" / "manifest.json").read_text())
    assert manifest["fit"]["scored_images_among_them"] == 24
    assert manifest["fit"]["overlap_allowed"] is True
    assert "mine on toy:all (24 images; 24 scored images among them, allowed explicitly)" \
           in overlap.stdout


def test_the_cached_default_baseline_does_not_keep_its_dataset_alive(tmp_path):
    import gc
    import weakref

    data = synthetic_dataset(n_images=3, shape=(20, 30), root=tmp_path)
    baseline = default_baseline(data.dataset)
    assert baseline.describe()["spec"] == "centre-bias:synthetic:all"
    assert baseline.describe()["fitted_on"]["n_images"] == 3
    alive = weakref.ref(data.dataset)
    del data, baseline
    gc.collect()
    assert alive() is None


def test_fit_on_with_dataset_options_records_them(tmp_path):
    """``--fit-on figrim:viewing=rec:train``: the same images as figrim's default (enc) viewing
    but other fixations; the fit label and its fingerprint say which."""
    from _published_layouts import write_figrim
    from salbench.datasets import load

    write_figrim(tmp_path, "figrim", [
        (f"sun_{k}.jpg", "cat", {0: {"enc": [[100.0 + k, 200.0]], "rec": [[500.0, 600.0 + k]]},
                                 1: {"enc": [[300.0, 400.0]], "rec": [[700.0, 800.0]]}})
        for k in range(10)])
    enc = load("figrim", root=tmp_path)
    rec = select("figrim:viewing=rec:train", known=(enc,), root=tmp_path)
    assert rec.dataset is not enc and rec.options == {"viewing": "rec"}
    assert rec.label == "figrim:viewing=rec:train"
    assert rec.describe()["options"] == {"viewing": "rec"}
    assert select(rec.label, root=tmp_path).label == rec.label  # the label selects them again
    # the scored (enc) dataset is reused only for its own options, given or by default
    for text in ("figrim:train", "figrim:viewing=enc:train"):
        same = select(text, known=(enc,))
        assert same.dataset is enc and same.label == "figrim:viewing=enc:train"
    default = ImageSelection.of(enc, "train").describe()
    assert default["images_sha256"] == rec.describe()["images_sha256"]  # the same pictures ...
    assert default != rec.describe()  # ... but not the same fitting data
    # a dataset without options records none (its old records stay valid)
    assert "options" not in ImageSelection.of(_dataset_without_options(tmp_path), "all").describe()

    out = tmp_path / "results"
    result = CliRunner().invoke(main, [
        "evaluate", "--model", "baseline:centre", "--dataset", "figrim", "--data-root",
        str(tmp_path), "--split", "test", "--fit-on", "figrim:viewing=rec:train",
        "--no-baselines", "--metrics", "auc,nss", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(next(out.glob("*/manifest.json")).read_text())
    assert manifest["fit"]["selection"] == "figrim:viewing=rec:train"
    assert manifest["fit"]["options"] == {"viewing": "rec"}
    assert manifest["config"]["fit"]["options"] == {"viewing": "rec"}


def _dataset_without_options(root):
    return synthetic_dataset(n_images=3, shape=(12, 16), root=root / "toy-src").dataset


def test_plot_fits_like_evaluate(toy, tmp_path, monkeypatch):
    """`plot roc|grid --fit-on` means what `evaluate --fit-on` means (one help text, one
    helper): the default is the training split when the drawn images are held out, and drawn
    images among the fitting images are an error unless --allow-fit-overlap."""
    import re

    import salbench.evaluation.fitting as fitting
    from salbench.cli._model_options import FIT_ON_HELP

    def help_of(*command):
        text = " ".join(_run(*command, "--help").output.split())
        return re.sub(r"\s+", " ", text)

    wanted = " ".join(FIT_ON_HELP.split())
    for command in (("evaluate",), ("plot", "roc"), ("plot", "grid")):
        assert wanted in help_of(*command), command
        assert "--allow-fit-overlap" in help_of(*command)

    folder, maps, dataset = toy
    split = split_images(dataset)
    test, train = int(split.test[0]), int(split.train[0])
    seen = []
    real = fitting.model_for_scoring

    def spy(spec, *args, **kwargs):
        model = real(spec, *args, **kwargs)
        seen.append(getattr(model, "fitted_on", None))
        return model

    monkeypatch.setattr(fitting, "model_for_scoring", spy)
    spec = f"density:{maps}"
    common = ("--dataset", folder, "--model", spec)
    ok = _run("plot", "grid", *common, "--images", test, "--out", tmp_path / "g.png")
    assert ok.exit_code == 0, ok.output
    assert seen[-1].label == "toy:train"  # evaluate's default for held-out images
    ok = _run("plot", "roc", *common, "--image", test, "--fit-on", "validation",
              "--out", tmp_path / "r.png")
    assert ok.exit_code == 0, ok.output
    assert seen[-1].label == "toy:validation"  # a bare split is the drawn dataset's
    for args, message in (
        (("--images", f"{test},{train}"), "no held-out images to fit it on"),
        (("--images", test, "--fit-on", "toy:all"),
         "was fitted on toy:all (24 images), which includes 1 of the 1 scored images"),
    ):
        bad = _run("plot", "grid", *common, *args, "--out", tmp_path / "x.png")
        assert bad.exit_code == 1 and message in bad.stderr, bad.stderr
    allowed = _run("plot", "grid", *common, "--images", train, "--fit-on", "all",
                   "--allow-fit-overlap", "--out", tmp_path / "a.png")
    assert allowed.exit_code == 0, allowed.output
    assert seen[-1].label == "toy:all"
