"""Scale-out: the same results, byte for byte, serially, on threads and on dask worker processes.

A real ``distributed.LocalCluster(processes=True)``: the plan, the model and the dataset are
pickled to other processes, which score chunks in an order of their own. Every score column of
the per-image table and the whole per-fixation table must be identical (the per-image table's
``model_seconds`` is a timing and differs), and the CLI's ``--dask-workers`` runs the engine
there too.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from salbench import evaluate
from salbench.demo import synthetic_dataset
from salbench.cli import main
from salbench.evaluation.executors import dask_executor
from salbench.models.base import ProbabilisticModel
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.models.baselines import CentreBiasModel

pytest.importorskip("distributed")
from salbench.evaluation.dask_setup import (  # noqa: E402
    PLUGIN_NAME, loaded_tokens, set_malloc_thresholds)

METRICS = ["auc", "sauc", "auc_judd", "auc_borji", "nss", "cc", "kld", "sim", "log_likelihood",
           "information_gain", "info_gain_mit"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return synthetic_dataset(n_images=7, shape=(24, 32), n_observers=4,
                             fixations_per_observer=3, root=tmp_path_factory.mktemp("scale"))


def _columns_bytes(frame):
    """Each column's bytes: the values' memory for numbers, the joined text for strings."""
    return {c: frame[c].to_numpy().tobytes() if pd.api.types.is_numeric_dtype(frame[c])
            else "\n".join(map(str, frame[c])).encode() for c in frame.columns}


def test_serial_threads_and_dask_processes_give_identical_bytes(data, tmp_path):
    model = CentreBiasModel().fit(data.dataset)
    runs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        runs["serial"] = evaluate(model, data.dataset, metrics=METRICS, n_threads=1,
                                  out=tmp_path / "serial", seed=3)
        runs["threads"] = evaluate(model, data.dataset, metrics=METRICS, n_threads=2,
                                   chunk_size=2, out=tmp_path / "threads", seed=3)
        with dask_executor(dask_workers=2) as client:
            runs["dask"] = evaluate(model, data.dataset, metrics=METRICS, executor=client,
                                    chunk_size=3, out=tmp_path / "dask", seed=3)
            # the default chunk size on dask (DASK_CHUNK, larger than on threads): same bytes
            runs["dask-default"] = evaluate(model, data.dataset, metrics=METRICS,
                                            executor=client, out=tmp_path / "dask-default",
                                            seed=3)
            applied = client.run(_malloc_thresholds_applied)
    # the worker plugin ran on every worker and set glibc's thresholds (see dask_setup)
    assert len(applied) == 2
    assert all(applied.values()) or not set_malloc_thresholds(), applied
    assert runs["dask"].manifest["timings"]["runs"][-1]["executor"] == \
        "dask distributed (2 worker(s))"
    expected_images = _columns_bytes(runs["serial"].images.drop(columns="model_seconds"))
    expected_fixations = (tmp_path / "serial" / "fixations.parquet").read_bytes()
    for name in ("threads", "dask", "dask-default"):
        images = pd.read_parquet(tmp_path / name / "images.parquet")
        assert _columns_bytes(images.drop(columns="model_seconds")) == expected_images, name
        assert (tmp_path / name / "fixations.parquet").read_bytes() == expected_fixations, name
    assert np.isfinite(runs["dask"].images["information_gain"]).all()


def _malloc_thresholds_applied(dask_worker):
    return dask_worker.plugins[PLUGIN_NAME].applied


def test_model_is_loaded_once_per_dask_worker_not_once_per_chunk(tmp_path):
    """The model travels to each worker once: one unpickling per worker process, however many
    chunks the worker scores — even while dask's active memory manager drops replicas (here
    every 10 ms, instead of every 2 s) and workers fetch the shared objects again. Loading is
    observable here: every unpickling (where a network model opens its weights, e.g. an ONNX
    session) appends the process id to a file."""
    import os
    import time

    import dask

    log = tmp_path / "loads.txt"
    data = synthetic_dataset(n_images=40, shape=(24, 32), n_observers=2,
                             fixations_per_observer=2, root=tmp_path / "data")

    class LoadCountingModel(ProbabilisticModel):  # local: shipped by value (cloudpickle)
        name = "load-counting uniform"
        needs_pixels = False

        def __init__(self, path):
            self.path = str(path)

        def __setstate__(self, state):
            self.__dict__.update(state)
            with open(self.path, "a") as f:
                f.write(f"{os.getpid()}\n")

        def log_density(self, image, *, image_id=None):
            time.sleep(0.02)  # a run long enough for the memory manager to act
            height, width = image
            return np.full((height, width), -np.log(height * width))

    with dask.config.set({"distributed.scheduler.active-memory-manager.interval": "10ms"}):
        with dask_executor(dask_workers=2) as client:
            worker_pids = set(client.run(os.getpid).values())
            results = evaluate(LoadCountingModel(log), data.dataset, metrics=["nss", "auc"],
                               executor=client, chunk_size=1, out=tmp_path / "run", seed=0)
            held = client.run(loaded_tokens)
    assert held and not any(held.values()), f"the workers still hold the model: {held}"
    assert len(results.images) == 40  # 40 chunks of one image
    loads = log.read_text().split()
    assert loads, "the workers never unpickled the model"
    assert set(map(int, loads)) <= worker_pids, "the model was unpickled outside the workers"
    assert len(loads) == len(set(loads)), f"a worker unpickled the model again: {loads}"


def test_threads_score_with_single_threaded_blas(data):
    """The engine parallelises over images: inside a model call numpy's OpenBLAS runs one thread
    (its busy-waiting threads otherwise take the cores from the engine's other threads)."""
    from salbench import _blas

    if not _blas.available() or max(_blas.thread_counts()) <= 1:
        pytest.skip("no controllable multi-threaded OpenBLAS here: nothing to limit")
    seen = []

    class Recording(ProbabilisticModel):
        name = "blas-recording uniform"
        needs_pixels = False

        def log_density(self, image, *, image_id=None):
            seen.append(max(_blas.thread_counts()))
            height, width = image
            return np.full((height, width), -np.log(height * width))

    evaluate(Recording(), data.dataset, metrics=["nss"], n_threads=2, chunk_size=2)
    assert seen and set(seen) == {1}, seen
    assert max(_blas.thread_counts()) > 1  # restored afterwards


def test_dask_executor_arguments():
    with dask_executor() as client:
        assert client is None
    with pytest.raises(InputError, match="either a scheduler address or a number"):
        dask_executor(scheduler="tcp://127.0.0.1:8786", dask_workers=2)
    with pytest.raises(InputError, match="dask_workers must be an integer >= 1"):
        dask_executor(dask_workers=0)
    with pytest.raises(InputError, match="scheduler must be an address"):
        dask_executor(scheduler="  ")


def test_cli_evaluate_on_a_local_dask_cluster(tmp_path):
    from _evaluate_support import SHARED_DATASETS
    from click.testing import CliRunner

    args = ["evaluate", "--model", "baseline:centre", "--dataset", str(SHARED_DATASETS / "osie"),
            "--images", "4", "--metrics", "auc,nss,cc", "--no-baselines", "--quiet",
            "--allow-fit-overlap"]  # the centre bias is fitted on the scored images on purpose
    on_dask = CliRunner().invoke(main, args + ["--out", str(tmp_path / "dask"),
                                               "--dask-workers", "2"], catch_exceptions=False)
    assert on_dask.exit_code == 0, on_dask.stderr
    on_threads = CliRunner().invoke(main, args + ["--out", str(tmp_path / "threads")],
                                    catch_exceptions=False)
    assert on_threads.exit_code == 0, on_threads.stderr
    (dask_manifest,) = (tmp_path / "dask").glob("*/manifest.json")
    assert "dask distributed (2 worker(s))" in dask_manifest.read_text()
    (thread_dir,) = (tmp_path / "threads").glob("*/images.parquet")
    dask_images = pd.read_parquet(dask_manifest.parent / "images.parquet")
    thread_images = pd.read_parquet(thread_dir)
    columns = ["image", "auc", "nss", "cc"]
    assert _columns_bytes(dask_images[columns]) == _columns_bytes(thread_images[columns])
    both = CliRunner().invoke(main, args + ["--out", str(tmp_path / "x"), "--dask-workers", "2",
                                            "--scheduler", "tcp://127.0.0.1:1"])
    assert both.exit_code == 1 and "not both" in both.stderr


def test_cli_summary_line_reports_images_per_second(tmp_path):
    from _evaluate_support import SHARED_DATASETS
    from click.testing import CliRunner

    from salbench.cli._evaluate import speed_line

    args = ["evaluate", "--model", "baseline:centre", "--dataset", str(SHARED_DATASETS / "osie"),
            "--images", "3", "--metrics", "nss", "--no-baselines", "--allow-fit-overlap",
            "--threads", "2", "--out", str(tmp_path)]
    first = CliRunner().invoke(main, args, catch_exceptions=False)
    assert first.exit_code == 0, first.stderr
    (line,) = [t for t in first.stderr.splitlines() if "images/s" in t]
    assert ": 3 images in " in line and "on threads (2)" in line, line
    rate = float(line.split(" images/s")[0].rsplit(" ", 1)[-1])
    (manifest,) = tmp_path.glob("*/manifest.json")
    import json

    timings = json.loads(manifest.read_text())["timings"]
    assert rate == pytest.approx(timings["images_per_second"], rel=0.05)
    again = CliRunner().invoke(main, args, catch_exceptions=False)  # resumes: nothing to do
    assert "nothing left to score" in again.stderr
    assert speed_line("m", {"timings": {"runs": [{"images": 0}]}}).endswith("were complete)")


def test_per_image_cost_does_not_grow_with_the_dataset(tmp_path, monkeypatch):
    """The worker reads image i's id and name in O(1): building ``Stimuli.ids`` or ``names``
    (N entries) per image made 100,000 images cost 38.6 ms each instead of 3.8 ms."""
    from salbench.datasets.stimuli import Stimuli

    data = synthetic_dataset(n_images=40, shape=(24, 32), n_observers=2,
                             fixations_per_observer=2, root=tmp_path / "data")
    calls = {"ids": 0, "names": 0}
    for name in calls:
        original = getattr(Stimuli, name)

        def counted(self, _original=original, _name=name):
            calls[_name] += 1
            return _original.fget(self)

        monkeypatch.setattr(Stimuli, name, property(counted))
    model = CentreBiasModel().fit(data.dataset)
    evaluate(model, data.dataset, metrics=["nss", "auc"], n_threads=1, out=tmp_path / "run")
    assert calls["names"] + calls["ids"] < 10, calls  # a few for the whole run, not per image
