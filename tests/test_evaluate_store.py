"""Results directories: files and manifest, atomic writes, resuming an interrupted run."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from salbench.evaluation import evaluate
from salbench.exceptions import DataError, DegenerateInputWarning, InputError
from salbench.evaluation import Results, load_results

from _evaluate_support import SmoothRandomModel, mixed_size_dataset

METRICS = ["auc", "sauc", "nss", "cc", "log_likelihood", "information_gain"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return mixed_size_dataset(tmp_path_factory.mktemp("mixed"),
                              sizes=[(20, 30)] * 5 + [(24, 24)] * 5,
                              fixations_per_image=[6, 7, 8, 0, 5, 9, 4, 6, 7, 8])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        yield


class Flaky(SmoothRandomModel):
    """Fails on one image (like a crash or Ctrl-C half-way); records which images it saw."""

    def __init__(self, fail_at=None):
        super().__init__("flaky")
        self.fail_at = fail_at
        self.calls = []

    def log_density(self, image, *, image_id=None):
        index = int(image_id.split(":")[0][3:5])  # img07.png:... -> 7
        self.calls.append(index)
        if index == self.fail_at:
            raise KeyboardInterrupt("interrupted at image %d" % index)
        return super().log_density(image, image_id=image_id)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_results_directory_round_trip(mixed, tmp_path, fmt):
    out = tmp_path / "run"
    results = evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=out, table_format=fmt)
    ext = ".parquet" if fmt == "parquet" else ".csv"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".salbench.lock", "manifest.json", f"images{ext}", f"fixations{ext}"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["table_format"] == fmt
    assert manifest["format"] == "salbench.Results/1"
    assert [m["name"] for m in manifest["metrics"]] == METRICS
    assert manifest["model"]["description"]["parameters"] == {"sharpness": 1.0}
    assert manifest["config"]["images"] == list(range(10))
    loaded = Results.load(out)
    pd.testing.assert_frame_equal(loaded.images, results.images, check_dtype=False)
    pd.testing.assert_frame_equal(loaded.fixations, results.fixations, check_dtype=False)
    assert loaded.means() == pytest.approx(results.means())
    assert [r.model for r in load_results([tmp_path])] == ["smooth random"]


def test_interrupted_run_resumes_and_skips_finished_images(mixed, tmp_path):
    out = tmp_path / "run"
    flaky = Flaky(fail_at=6)
    with pytest.raises(KeyboardInterrupt):
        evaluate(flaky, mixed, metrics=METRICS, out=out, chunk_size=2, n_threads=1)
    assert flaky.calls == [0, 1, 2, 3, 4, 5, 6]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"
    parts = sorted(p.name for p in (out / "parts").iterdir())
    assert [p for p in parts if p.startswith("images-")] == [
        "images-00000.parquet", "images-00001.parquet", "images-00002.parquet"]
    with pytest.raises(DataError, match="not complete"):
        Results.load(out)

    again = Flaky()
    resumed = evaluate(again, mixed, metrics=METRICS, out=out, chunk_size=2, n_threads=1)
    assert again.calls == [6, 7, 8, 9]  # images 0-5 were finished and are not redone
    assert not (out / "parts").exists()
    fresh = evaluate(SmoothRandomModel("flaky"), mixed, metrics=METRICS, out=tmp_path / "fresh")
    columns = ["image", "image_id", "n_fixations", *METRICS]
    pd.testing.assert_frame_equal(resumed.images[columns], fresh.images[columns])
    pd.testing.assert_frame_equal(resumed.fixations, fresh.fixations)
    # the NaN notes and timings of the first run survive the resume
    assert resumed.manifest["undefined"]["auc"] == {"the image has no fixations": [3]}
    assert len(resumed.manifest["timings"]["runs"]) == 1  # the failed run never finished
    # a complete directory is read back, not recomputed
    third = Flaky()
    evaluate(third, mixed, metrics=METRICS, out=out)
    assert third.calls == []


def test_the_manifest_records_the_spec_and_older_results_stay_valid(mixed, tmp_path):
    from salbench.models import from_spec
    from salbench.models.baselines import UniformModel

    # results written by a model that carries no spec (as every model did before) ...
    out = tmp_path / "uniform"
    evaluate(UniformModel(), mixed, metrics=["auc", "nss"], out=out)
    assert "spec" not in json.loads((out / "manifest.json").read_text())["model"]
    # ... are reused by the same model built from a spec (whose description now shows it)
    model = from_spec(" baseline:uniform ")
    assert model.spec == "baseline:uniform" and model.describe()["spec"] == "baseline:uniform"
    assert evaluate(model, mixed, metrics=["auc", "nss"], out=out).means() == {"auc": 0.5,
                                                                               "nss": 0.0}
    fresh = evaluate(model, mixed, metrics=["auc"], out=tmp_path / "fresh").manifest
    assert fresh["model"]["spec"] == "baseline:uniform"
    assert "spec" not in fresh["config"]["model"]  # a description, not an input
    # an interrupted run resumes under a spec it did not have, and records it at the end
    with pytest.raises(KeyboardInterrupt):
        evaluate(Flaky(fail_at=4), mixed, metrics=["auc"], out=tmp_path / "run", chunk_size=2,
                 n_threads=1)
    again = Flaky()
    again.spec = "python:my_models.py:Flaky"
    resumed = evaluate(again, mixed, metrics=["auc"], out=tmp_path / "run", chunk_size=2,
                       n_threads=1)
    assert again.calls == [4, 5, 6, 7, 8, 9]
    assert resumed.manifest["model"]["spec"] == "python:my_models.py:Flaky"
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["model"]["spec"] == \
        "python:my_models.py:Flaky"
    # what does change the scores is still refused
    other = Flaky()
    other.sharpness = 3.0
    with pytest.raises(InputError, match="differs in: model"):
        evaluate(other, mixed, metrics=["auc"], out=tmp_path / "run")


def test_a_threaded_run_keeps_the_chunks_that_finished(mixed, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        evaluate(Flaky(fail_at=9), mixed, metrics=["auc"], out=out, chunk_size=1, n_threads=3)
    done = set()
    for path in (out / "parts").glob("images-*.parquet"):
        done.update(pd.read_parquet(path)["image"].tolist())
    assert 9 not in done and len(done) >= 6
    again = Flaky()
    evaluate(again, mixed, metrics=["auc"], out=out, chunk_size=1, n_threads=3)
    assert sorted(again.calls) == sorted(set(range(10)) - done)


def test_resume_refuses_another_configuration_and_overwrite_starts_again(mixed, tmp_path):
    out = tmp_path / "run"
    evaluate(SmoothRandomModel(), mixed, metrics=["auc"], out=out)
    with pytest.raises(InputError, match=r"different evaluation \(it differs in: metrics"):
        evaluate(SmoothRandomModel(), mixed, metrics=["nss"], out=out)
    with pytest.raises(InputError, match="differs in: model"):
        evaluate(SmoothRandomModel(sharpness=2.0), mixed, metrics=["auc"], out=out)
    with pytest.raises(InputError, match="pass resume=True"):
        evaluate(SmoothRandomModel(), mixed, metrics=["auc"], out=out, resume=False)
    result = evaluate(SmoothRandomModel(), mixed, metrics=["nss"], out=out, overwrite=True)
    assert Results.load(out).metrics == ["nss"] == result.metrics
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="non-empty directory without a salbench manifest"):
        evaluate(SmoothRandomModel(), mixed, metrics=["auc"], out=tmp_path / "other")


def test_a_crash_while_writing_leaves_no_partial_file_and_resumes(mixed, tmp_path, monkeypatch):
    out = tmp_path / "run"
    real = pd.DataFrame.to_parquet
    calls = {"n": 0}

    def crashing(self, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # the second part's per-image table (images-00001), written last
            with open(path, "wb") as handle:
                handle.write(b"PAR1 half a file")
            raise OSError(28, "No space left on device")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crashing)
    with pytest.raises(DataError, match="No space left on device; could not save a finished chunk"):
        evaluate(Flaky(), mixed, metrics=["auc", "nss"], out=out, chunk_size=2, n_threads=1)
    names = sorted(p.name for p in (out / "parts").iterdir())
    # no temporary or half-written file; part 1 lacks its per-image table, so it is not done
    assert names == ["fixations-00000.parquet", "fixations-00001.parquet",
                     "images-00000.parquet", "notes-00000.json", "notes-00001.json"]
    for name in names:
        if name.endswith(".parquet"):
            pd.read_parquet(out / "parts" / name)  # every file left is complete
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    again = Flaky()
    resumed = evaluate(again, mixed, metrics=["auc", "nss"], out=out, chunk_size=2, n_threads=1)
    assert again.calls == [2, 3, 4, 5, 6, 7, 8, 9]
    fresh = evaluate(SmoothRandomModel(), mixed, metrics=["auc", "nss"])
    np.testing.assert_array_equal(resumed.images["auc"], fresh.images["auc"])


def test_damaged_results_are_reported_by_file(mixed, tmp_path):
    out = tmp_path / "run"
    evaluate(SmoothRandomModel(), mixed, metrics=["auc"], out=out)
    (out / "images.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"images.parquet: not a readable parquet result table"):
        Results.load(out)
    (out / "manifest.json").write_text("{")
    with pytest.raises(DataError, match="manifest.json: not valid JSON"):
        Results.load(out)
    with pytest.raises(DataError, match="no such results directory"):
        Results.load(tmp_path / "missing")


@pytest.mark.parametrize("out", [None, "run"])
def test_chunk_tables_merged_along_the_way_give_the_same_tables(mixed, tmp_path, monkeypatch, out):
    """The store merges its chunk tables every few chunks (memory at 100k images); the tables,
    in memory and on disk, must equal those of a run that merges them only at the end."""
    from salbench.evaluation import store

    def run(merge_every, name):
        monkeypatch.setattr(store, "_MERGE_EVERY", merge_every)
        target = None if out is None else tmp_path / f"{out}-{name}"
        return evaluate(SmoothRandomModel(), mixed, metrics=METRICS, out=target, chunk_size=1,
                        n_threads=1)

    seen = []
    merge = store._concat

    def counting(frames, empty):
        seen.append(len(frames))
        return merge(frames, empty)

    monkeypatch.setattr(store, "_concat", counting)
    merged = run(2, "merged")
    assert max(seen) <= 3 and len(seen) > 4  # merged along the way, never more than 3 at once
    whole = run(10_000, "whole")
    timings = [c for c in merged.images.columns if c.endswith("_seconds")]
    pd.testing.assert_frame_equal(merged.images.drop(columns=timings),
                                  whole.images.drop(columns=timings))
    pd.testing.assert_frame_equal(merged.fixations, whole.fixations)


def test_a_resumed_run_merges_the_parts_it_reads_back(mixed, tmp_path, monkeypatch):
    from salbench.evaluation import store

    monkeypatch.setattr(store, "_MERGE_EVERY", 2)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        evaluate(Flaky(fail_at=7), mixed, metrics=METRICS, out=out, chunk_size=1, n_threads=1)
    resumed = evaluate(Flaky(), mixed, metrics=METRICS, out=out, chunk_size=1, n_threads=1)
    fresh = evaluate(SmoothRandomModel("flaky"), mixed, metrics=METRICS, out=tmp_path / "fresh")
    columns = ["image", "image_id", "n_fixations", *METRICS]
    pd.testing.assert_frame_equal(resumed.images[columns], fresh.images[columns])
    pd.testing.assert_frame_equal(resumed.fixations, fresh.fixations)
