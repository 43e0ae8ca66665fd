"""Prediction export: every format reads back (through salbench's own adapters) with the scores
of the model scored directly; runs resume only on matching inputs; stimuli-only datasets work."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import salbench
from salbench.cli import main
from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli
from salbench.exceptions import InputError
from salbench.models.adapters import HDF5SaliencyMapModel, MapDirectoryModel, read_map
from salbench.models.base import ProbabilisticModel
from salbench.models.metric_maps import metric_saliency_maps
from salbench.submissions import check_submission, export_predictions
from salbench.submissions.export import minimal_unique_names, output_names

from _evaluate_support import SHARED_DATASETS, SmoothRandomModel, mixed_size_dataset

pytestmark = pytest.mark.filterwarnings("ignore::salbench.exceptions.DegenerateInputWarning")
PROBABILISTIC = ["log_likelihood", "information_gain", "auc", "nss"]
SALIENCY = ["auc", "nss", "cc", "kld", "sim"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return mixed_size_dataset(tmp_path_factory.mktemp("data"))


def _scores(model, data, metrics):
    return salbench.evaluate(model, data, metrics=metrics, baseline="uniform").images


def test_png_16_bit_reads_back_with_the_models_scores(data, tmp_path):
    model = SmoothRandomModel()
    result = export_predictions(model, data, tmp_path / "png16", format="png", bits=16)
    assert result.content == "density" and result.written == len(data)
    assert list(result.files) == [f"{s}.png" for s in data.stimuli.stems]
    with Image.open(tmp_path / "png16" / result.files[0]) as image:
        assert image.mode.startswith("I;16") and image.size == tuple(data.stimuli.shapes[0][::-1])
    assert check_submission(tmp_path / "png16", data).ok

    direct = _scores(model, data, SALIENCY)
    png16 = _scores(MapDirectoryModel(tmp_path / "png16"), data, SALIENCY)
    for metric in SALIENCY:
        np.testing.assert_allclose(png16[metric], direct[metric], atol=2e-4, err_msg=metric)

    # 8 bits: the mass-based metrics drift further from the float values than with 16 bits
    export_predictions(model, data, tmp_path / "png8", format="png", bits=8)
    png8 = _scores(MapDirectoryModel(tmp_path / "png8"), data, SALIENCY)
    error8 = np.nanmean(np.abs(png8["kld"] - direct["kld"]))
    error16 = np.nanmean(np.abs(png16["kld"] - direct["kld"]))
    assert error16 < error8 / 10, (error8, error16)


@pytest.mark.parametrize("fmt", ["npz", "npy"])
def test_arrays_hold_exact_log_densities(data, tmp_path, fmt):
    model = SmoothRandomModel()
    result = export_predictions(model, data, tmp_path, format=fmt)
    assert result.content == "log_density"
    manifest = json.loads((tmp_path / "predictions.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["config"]["output"] == {"format": fmt, "bits": None, "content": "log_density"}
    assert check_submission(tmp_path, data, kind="log_density").ok
    direct = _scores(model, data, PROBABILISTIC)
    read = _scores(MapDirectoryModel(tmp_path, kind="log_density"), data, PROBABILISTIC)
    for metric in PROBABILISTIC:
        np.testing.assert_allclose(read[metric], direct[metric], rtol=0, atol=1e-12)


def test_pysaliency_hdf5_reads_back_through_the_hdf5_adapter(data, tmp_path):
    model = SmoothRandomModel()
    result = export_predictions(model, data, tmp_path, format="pysaliency-hdf5")
    assert result.files == ("predictions.hdf5",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.hdf5", "predictions.json"]
    import h5py

    with h5py.File(tmp_path / "predictions.hdf5", "r") as f:
        assert sorted(f) == sorted(data.stimuli.names)  # named by stimulus file name
        first = f[data.stimuli.names[0]]
        assert first.dtype == np.float64 and first.shape == tuple(data.stimuli.shapes[0])
    adapter = HDF5SaliencyMapModel(tmp_path / "predictions.hdf5", kind="log_density")
    adapter.check(data)
    direct = _scores(model, data, PROBABILISTIC)
    read = _scores(adapter, data, PROBABILISTIC)
    for metric in PROBABILISTIC:
        np.testing.assert_allclose(read[metric], direct[metric], rtol=0, atol=1e-12)


def test_repeated_stems_get_folders_as_in_pysaliency(tmp_path):
    paths = []
    for folder in ("Action", "Art"):
        (tmp_path / "img" / folder).mkdir(parents=True)
        path = tmp_path / "img" / folder / "001.png"
        Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(path)
        paths.append(path)
    stimuli = Stimuli(paths)
    assert output_names(stimuli, [0, 1]) == ["Action/001", "Art/001"]
    assert minimal_unique_names(paths) == ["Action/001.png", "Art/001.png"]
    toy = Dataset(stimuli, Fixations([], [], [], n_images=2), DatasetFacts(name="toy"))
    export_predictions(SmoothRandomModel(), toy, tmp_path / "h5", format="pysaliency-hdf5")
    adapter = HDF5SaliencyMapModel(tmp_path / "h5" / "predictions.hdf5", kind="log_density")
    assert adapter.keys == ("Action/001.png", "Art/001.png")
    adapter.check(toy)
    export_predictions(SmoothRandomModel(), toy, tmp_path / "png", format="png")
    assert check_submission(tmp_path / "png", toy, recursive=True).ok


def test_stimuli_only_datasets_can_be_exported(tmp_path):
    paths = []
    for i, shape in enumerate([(10, 12), (8, 20), (16, 16)]):
        path = tmp_path / "stimuli" / f"test{i}.jpg"
        path.parent.mkdir(exist_ok=True)
        Image.fromarray(np.full(shape + (3,), 40 * i, np.uint8)).save(path)
        paths.append(path)
    hidden = Dataset(Stimuli(paths), Fixations([], [], [], n_images=3),
                     DatasetFacts(name="toy_test", stimuli_only=True))
    model = salbench.models.default_model(threads=1)
    for fmt in ("png", "npz"):
        result = export_predictions(model, hidden, tmp_path / fmt, format=fmt, bits=16)
        assert result.written == 3
        kind = "saliency" if fmt == "png" else "log_density"
        report = check_submission(tmp_path / fmt, hidden, kind=kind)
        assert report.ok, report.render()
    for i in range(3):
        log_p = read_map(tmp_path / "npz" / f"test{i}.npz")
        np.testing.assert_allclose(log_p, model.log_density(hidden.stimuli.load(i)), atol=1e-12)
    with pytest.raises(InputError, match="sim map needs the number of fixations.*sim_fixations"):
        export_predictions(model, hidden, tmp_path / "mm", format="npy", metric_maps=["sim"])
    export_predictions(model, hidden, tmp_path / "mm", format="npy", metric_maps=["sim"],
                       sim_fixations=10)
    assert len(list((tmp_path / "mm" / "metric_maps" / "sim").glob("*.npy"))) == 3


def test_metric_maps_are_written_per_metric(data, tmp_path):
    model = SmoothRandomModel()
    export_predictions(model, data, tmp_path, format="npy", metric_maps=["auc", "cc", "sauc"])
    folder = tmp_path / "metric_maps"
    assert sorted(p.name for p in folder.iterdir()) == ["auc", "cc", "sauc"]
    i = 1
    log_p = model.log_density(tuple(data.stimuli.shapes[i]), image_id=data.stimuli.ids[i])
    sigma = max(data.stimuli.shapes[i]) / 32  # no pixels per degree: the evaluation's default
    expected = metric_saliency_maps(log_p, ["auc", "cc"], sigma=sigma)
    for metric in ("auc", "cc"):
        written = np.load(folder / metric / f"{data.stimuli.stems[i]}.npy")
        np.testing.assert_allclose(written, expected[metric], rtol=1e-12)
    assert MapDirectoryModel(folder / "cc").check(data).n_images == len(data)
    with pytest.raises(InputError, match="reads the log-density itself"):
        export_predictions(model, data, tmp_path / "x", metric_maps=["log_likelihood"])


def test_resume_after_deleting_outputs(data, tmp_path):
    model = SmoothRandomModel()
    first = export_predictions(model, data, tmp_path, format="png", bits=16)
    before = {name: (tmp_path / name).read_bytes() for name in first.files}
    for name in first.files[1:3]:
        (tmp_path / name).unlink()
    again = export_predictions(model, data, tmp_path, format="png", bits=16)
    assert (again.written, again.skipped) == (2, len(data) - 2)
    assert {name: (tmp_path / name).read_bytes() for name in again.files} == before


class _Killed(ProbabilisticModel):
    """The smooth random model, killed (Ctrl-C) when it reaches its third image."""

    needs_pixels = False
    name = "smooth random"

    def __init__(self):
        self.inner, self.calls = SmoothRandomModel(), 0

    def log_density(self, image, *, image_id=None):
        self.calls += 1
        if self.calls == 3:
            raise KeyboardInterrupt
        return self.inner.log_density(image, image_id=image_id)

    def fingerprint(self):  # the same model as SmoothRandomModel, for the resume
        return {"class": "SmoothRandomModel"}


def test_resume_after_a_kill(data, tmp_path, monkeypatch):
    monkeypatch.setattr(SmoothRandomModel, "fingerprint", lambda self: {"class": "SmoothRandomModel"},
                        raising=False)
    with pytest.raises(KeyboardInterrupt):
        export_predictions(_Killed(), data, tmp_path, format="pysaliency-hdf5")
    parts = sorted(p.name for p in (tmp_path / ".parts").iterdir())
    assert parts == [f"{s}.npy" for s in data.stimuli.stems[:2]]  # no half-written file
    assert not (tmp_path / "predictions.hdf5").exists()
    assert json.loads((tmp_path / "predictions.json").read_text())["status"] == "running"
    done = export_predictions(SmoothRandomModel(), data, tmp_path, format="pysaliency-hdf5")
    assert (done.written, done.skipped) == (len(data) - 2, 2)
    assert not (tmp_path / ".parts").exists()
    HDF5SaliencyMapModel(tmp_path / "predictions.hdf5", kind="log_density").check(data)


def test_other_inputs_are_refused_until_overwrite(data, tmp_path):
    export_predictions(SmoothRandomModel(), data, tmp_path, format="npy")
    with pytest.raises(InputError, match=r"(?s)holds predictions of other inputs.*model\..*"
                                         r"--overwrite"):
        export_predictions(SmoothRandomModel(sharpness=2.0), data, tmp_path, format="npy",
                           model_version="2")
    with pytest.raises(InputError, match=r"config\.output\.format|output\.format"):
        export_predictions(SmoothRandomModel(), data, tmp_path, format="npz")
    result = export_predictions(SmoothRandomModel(), data, tmp_path, format="npz", overwrite=True)
    assert result.written == len(data)
    assert not list(tmp_path.glob("*.npy"))  # the earlier format's files are gone


@pytest.mark.skipif(not (SHARED_DATASETS / "osie").is_dir(), reason="OSIE is not in ../shared")
def test_cli_predict_check_evaluate_round_trip_on_osie(tmp_path):
    osie = str(SHARED_DATASETS / "osie")
    common = ["--dataset", osie, "--split", "test", "--images", "3"]
    runner = CliRunner()
    scores = {}
    for fmt, kind in (("png", "saliency"), ("npz", "log_density")):
        out = tmp_path / fmt
        result = runner.invoke(main, ["predict", "builtin:default", *common, "--out", str(out),
                                      "--format", fmt, "--bits", "16"])
        assert result.exit_code == 0, result.output
        assert len(list(out.glob(f"*.{fmt}"))) == 3
        check = runner.invoke(main, ["submission", "check", str(out), *common, "--kind", kind])
        assert check.exit_code == 0 and "OK, no problem found" in check.output, check.output
        run = runner.invoke(main, ["evaluate", "--model", str(out), *common, "--kind", kind,
                                   "--metrics", "auc,nss,cc", "--no-baselines", "--quiet",
                                   "--out", str(tmp_path / "results")])
        assert run.exit_code == 0, run.output
        scores[fmt] = salbench.evaluation.Results.load(tmp_path / "results" / fmt).means()
    for metric in ("auc", "nss", "cc"):
        assert scores["png"][metric] == pytest.approx(scores["npz"][metric], abs=1e-3)
    # a second predict resumes: nothing to do
    again = runner.invoke(main, ["predict", "builtin:default", *common, "--out",
                                 str(tmp_path / "npz"), "--format", "npz"])
    assert again.exit_code == 0 and "wrote 0 prediction(s), 3 already done" in again.output
