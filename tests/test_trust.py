"""Results you can trust (issue 11, sections 1, 2 and 5): input fingerprints compared on resume
and reuse, one writer per results folder, reserved baseline folders, manifests and tables
checked on load. The same through subprocesses and SIGKILL: tests/test_faults.py."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from salbench.evaluation import Results, evaluate, evaluate_baselines
from salbench.evaluation.fingerprints import (describe_changes, file_entry, files_fingerprint,
                                              hashing_run, model_fingerprint)
from salbench.exceptions import DataError, DegenerateInputWarning, InputError
from salbench.models.adapters import CallableModel, CommandModel, MapDirectoryModel

from _evaluate_support import SmoothRandomModel, mixed_size_dataset

METRICS = ["auc", "nss"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return mixed_size_dataset(tmp_path_factory.mktemp("mixed"), sizes=[(12, 16)] * 6,
                              fixations_per_image=[5, 6, 4, 7, 5, 6])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        yield


def write_maps(folder: Path, dataset, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for path, (h, w) in zip(dataset.stimuli.paths, dataset.stimuli.shapes):
        np.save(folder / f"{Path(path).stem}.npy", rng.random((int(h), int(w))))
    return folder


# ---------------------------------------------------------------------------------- the protocol
def test_fingerprints_change_exactly_when_the_inputs_do(tmp_path, mixed):
    maps = write_maps(tmp_path / "maps", mixed)
    model = MapDirectoryModel(maps)
    first = model_fingerprint(model)
    assert sorted(first["files"]) == [f"img{i:02d}.npy" for i in range(6)]
    entry = first["files"]["img00.npy"]
    assert set(entry) == {"size", "mtime_ns", "sha256"} and len(entry["sha256"]) == 64
    np.save(maps / "img02.npy", np.ones((12, 16)))
    (maps / "img04.npy").rename(maps / "img04.npz.npy")
    assert describe_changes(first, model_fingerprint(model)) == [
        "files: 1 file(s) changed: img02.npy",
        "files: 1 file(s) added: img04.npz.npy", "files: 1 file(s) removed: img04.npy"]
    assert model_fingerprint(model, model_version="v2")["model_version"] == "v2"


def test_command_fingerprint_hashes_every_file_the_command_names(tmp_path):
    script, weights = tmp_path / "tool.py", tmp_path / "weights.bin"
    script.write_text("print('1 2')\n")
    weights.write_bytes(b"w1")
    model = CommandModel(["sh", "-c", f"{sys.executable} {script} --weights={weights} {{image}}"])
    files = model.fingerprint()["files"]
    assert set(files) == {str(script), str(weights), sys.executable}  # the interpreter too
    weights.write_bytes(b"w2")
    assert describe_changes({"files": files}, {"files": model.fingerprint()["files"]}) == [
        f"files: 1 file(s) changed: {weights}"]


def test_network_and_callable_fingerprints_follow_weights_and_code(tmp_path):
    from salbench.models.fastgaze import FastGazeModel
    from salbench.models.fastgaze.network import Conv2d, MaxPool2d, Network

    def network(scale):
        return Network([Conv2d(np.full((1, 3, 3, 3), scale, np.float32), np.zeros(1)),
                        MaxPool2d(2)])

    path = tmp_path / "net.npz"
    network(0.1).save(path)
    before = FastGazeModel(path).fingerprint()
    network(0.2).save(path)  # the same file name, other weights
    after = FastGazeModel(path).fingerprint()
    assert before["weights"] != after["weights"]
    assert describe_changes(before, after)[-1] == f"files: 1 file(s) changed: {path.resolve()}"
    assert FastGazeModel(network(0.1)).fingerprint()["weights"] == before["weights"]

    from salbench.models import default_model

    assert model_fingerprint(default_model(threads=1)) == model_fingerprint(default_model(threads=1))

    def brightness(image):
        return image.mean(axis=2)

    code = model_fingerprint(CallableModel(brightness))
    assert code["code"].endswith("brightness")
    assert list(code["files"]) == [str(Path(__file__).resolve())]


def test_onnx_and_torch_weights_are_fingerprinted(tmp_path):
    pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    from salbench.models.adapters import OnnxModel, TorchModel

    from test_adapters_networks import onnx_model_bytes

    path = tmp_path / "m.onnx"
    path.write_bytes(onnx_model_bytes())
    assert set(OnnxModel(path).fingerprint()["files"]) == {str(path.resolve())}
    assert OnnxModel(onnx_model_bytes()).fingerprint()["model_bytes"] == \
        OnnxModel(onnx_model_bytes()).fingerprint()["model_bytes"]
    conv = torch.nn.Conv2d(3, 1, 1)
    before = TorchModel(conv).fingerprint()
    with torch.no_grad():
        conv.weight.add_(1.0)
    assert TorchModel(conv).fingerprint()["weights"] != before["weights"]


def test_within_a_run_unchanged_files_are_hashed_once(tmp_path, monkeypatch):
    from salbench import _fingerprint as fingerprints

    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 1000)
    hashed = []
    real = fingerprints._hash_path
    monkeypatch.setattr(fingerprints, "_hash_path", lambda p: hashed.append(p) or real(p))
    with hashing_run():
        first = file_entry(path)
        assert file_entry(path) == first and len(hashed) == 1  # stat unchanged: not re-read
        path.write_bytes(b"y" * 1000)
        assert file_entry(path)["sha256"] != first["sha256"] and len(hashed) == 2
    file_entry(path)
    file_entry(path)
    assert len(hashed) == 4  # outside a run every call hashes
    for k in range(20):
        (tmp_path / f"m{k}.bin").write_bytes(bytes([k]) * 100)
    many = sorted(tmp_path.glob("m*.bin"))
    with hashing_run():
        first = files_fingerprint(many, threads=4)  # hashed on worker threads
        assert files_fingerprint(many, threads=4) == first
    assert len(hashed) == 4 + 20


# ---------------------------------------------------------------------------------- resume, reuse
class Interrupting(MapDirectoryModel):
    """Stops (like Ctrl-C) at one image."""

    stop_at = None

    def _output(self, image, image_id):
        if self.stop_at is not None and image_id.startswith(f"img{self.stop_at:02d}"):
            raise KeyboardInterrupt
        return super()._output(image, image_id)


def test_resume_after_the_maps_changed_is_refused_and_overwrite_rescores(tmp_path, mixed):
    maps = write_maps(tmp_path / "maps", mixed)
    out = tmp_path / "run"
    model = Interrupting(maps)
    model.stop_at = 4
    with pytest.raises(KeyboardInterrupt):
        evaluate(model, mixed, metrics=METRICS, out=out, chunk_size=2, n_threads=1)
    np.save(maps / "img01.npy", np.ones((12, 16)))  # already scored
    with pytest.raises(InputError) as error:
        evaluate(Interrupting(maps), mixed, metrics=METRICS, out=out, chunk_size=2)
    assert str(error.value).splitlines() == [
        f"{out} holds interrupted results of other inputs than this run's:",
        "model: 1 file(s) changed: img01.npy",
        "pass overwrite=True (--overwrite) to score them again, or use another directory"]
    fresh = evaluate(Interrupting(maps), mixed, metrics=METRICS, out=out, overwrite=True)
    assert fresh.images.loc[1, "auc"] == 0.5
    assert evaluate(Interrupting(maps), mixed, metrics=METRICS, out=out).images.equals(
        Results.load(out).images)  # reuse when nothing changed


def test_maps_edited_during_the_run_never_end_in_complete_results(tmp_path, mixed):
    maps = write_maps(tmp_path / "maps", mixed)

    class Editing(MapDirectoryModel):
        def _output(self, image, image_id):
            if image_id.startswith("img03"):
                np.save(maps / "img00.npy", np.ones((12, 16)))  # scored already
            return super()._output(image, image_id)

    out = tmp_path / "run"
    with pytest.raises(InputError, match=r"(?s)the inputs changed while this run was scoring.*"
                                         r"model: 1 file\(s\) changed: img00.npy"):
        evaluate(Editing(maps), mixed, metrics=METRICS, out=out, n_threads=1)
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    with pytest.raises(InputError, match="img00.npy"):
        evaluate(MapDirectoryModel(maps), mixed, metrics=METRICS, out=out)


def test_model_version_dataset_and_old_manifests(tmp_path, mixed):
    out = tmp_path / "run"
    evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out, model_version="1")
    with pytest.raises(InputError, match=r"model.model_version: was 1, now 2"):
        evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out, model_version="2")
    with pytest.raises(InputError, match="model_version must be a string"):
        evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out, model_version=[1])
    from salbench.datasets import Dataset, Fixations

    f = mixed.fixations
    moved = Dataset(mixed.stimuli, Fixations(f.x * 0.5, f.y, f.n, subject=f.subject,
                                             n_images=len(mixed)), mixed.facts)
    with pytest.raises(InputError, match=r"dataset.fixations: was "):
        evaluate(SmoothRandomModel(), moved, metrics=METRICS, out=out, model_version="1")
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["config"]["inputs"]  # as an older salbench wrote it
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="record no fingerprints of their inputs"):
        evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out, model_version="1")


def test_the_ig_baseline_is_fingerprinted(tmp_path, mixed):
    results = evaluate(SmoothRandomModel(), mixed, metrics=["information_gain"],
                       out=tmp_path / "run")
    inputs = results.manifest["config"]["inputs"]
    assert inputs["baseline"]["class"] == "CentreBiasModel"
    assert set(inputs["dataset"]) == {"name", "n_images", "images", "n_fixations", "fixations"}
    assert "fingerprint_seconds" in results.manifest["timings"]["runs"][-1]


# ---------------------------------------------------------------------------------- one writer
def test_a_second_writer_fails_clearly_with_lock_timeout_and_the_lock_is_released(tmp_path, mixed):
    import filelock

    out = tmp_path / "run"
    out.mkdir()
    held = filelock.FileLock(str(out / ".salbench.lock"))
    with held:
        with pytest.raises(InputError, match=r"another salbench run is writing into .*run \(it "
                                             r"holds the lock \.salbench\.lock\); wait for it"):
            evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out, lock_timeout=0)
    evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out, lock_timeout=0)
    held.acquire(timeout=0)  # released by the finished run
    held.release()


def test_a_folder_with_only_what_a_killed_run_left_is_reused(tmp_path, mixed):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".salbench.lock").touch()
    (out / ".manifest.json.abc123.tmp").write_bytes(b"")
    evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out)
    assert sorted(p.name for p in out.iterdir()) == [
        ".salbench.lock", "fixations.parquet", "images.parquet", "manifest.json"]


# ---------------------------------------------------------------------------------- reserved names
def test_baselines_never_replace_a_models_results_in_their_folders(tmp_path, mixed):
    user = tmp_path / "centre-bias"
    evaluate(SmoothRandomModel(name="Centre Bias"), mixed, metrics=METRICS, out=user)
    before = (user / "images.parquet").read_bytes()
    for overwrite in (False, True):
        with pytest.raises(InputError, match=r"holds results of the model 'Centre Bias', not of "
                                             r"the centre bias baseline; the folders uniform, "
                                             r"centre-bias, gold-standard.* are reserved"):
            evaluate_baselines(mixed, out=tmp_path, metrics=METRICS, overwrite=overwrite)
    assert (user / "images.parquet").read_bytes() == before


def test_cli_refuses_a_model_name_that_is_a_baseline_folder(tmp_path, mixed):
    from salbench.cli import main
    from salbench.evaluation.engine import reserved_folder
    from salbench.models.baselines import UniformModel

    result = CliRunner().invoke(main, [
        "evaluate", "--model", "baseline:uniform", "--dataset", "osie", "--out", str(tmp_path),
        "--name", "Centre Bias", "--data-root", str(Path(__file__).parents[2] / "shared" /
                                                     "datasets")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(f"error: model name 'Centre Bias' would write into "
                                    f"{tmp_path / 'centre-bias'}, the folder reserved for the "
                                    "centre bias baseline; choose another --name")
    assert not (tmp_path / "centre-bias").exists()
    assert reserved_folder("uniform", UniformModel()) is None  # the baseline itself may
    assert reserved_folder("gold-standard", SmoothRandomModel()) == "gold_standard"


# ---------------------------------------------------------------------------------- loading
def test_a_manifest_without_metrics_is_a_data_error_naming_the_file(tmp_path, mixed):
    out = tmp_path / "run"
    evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["metrics"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    message = rf"{out / 'manifest.json'}: the manifest's 'metrics' is missing"
    with pytest.raises(DataError, match=message):
        Results.load(out)
    with pytest.raises(DataError, match=message):
        evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out)


def test_a_nan_written_into_a_results_table_is_found_on_load(tmp_path, mixed):
    out = tmp_path / "run"
    evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out)
    table = pd.read_parquet(out / "images.parquet")
    table.loc[2, "auc"] = np.nan
    table.to_parquet(out / "images.parquet", index=False)
    with pytest.raises(DataError, match=r"images.parquet: the table was changed after the run"):
        Results.load(out)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["checksums"]  # e.g. a tool that rewrote both
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"images.parquet: auc is NaN for 1 image\(s\) \(dataset "
                                        r"indices 2\) that the run scored .* fewer images than "
                                        r"the 6 the manifest says"):
        Results.load(out)
    table.drop(index=2).assign(auc=0.5).to_parquet(out / "images.parquet", index=False)
    with pytest.raises(DataError, match=r"holds 5 image row\(s\) but the manifest lists 6"):
        Results.load(out)
    # a metric that is NaN for a recorded reason loads, and the summary counts the images
    results = evaluate(SmoothRandomModel(), mixed, metrics=["auc"], out=tmp_path / "ok")
    assert Results.load(tmp_path / "ok").summary()["n_images"].tolist() == [6]
    assert results.manifest["checksums"]["images.parquet"].startswith("sha256:")
