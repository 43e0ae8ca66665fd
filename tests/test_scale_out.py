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
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.models.baselines import CentreBiasModel

pytest.importorskip("distributed")

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
    assert runs["dask"].manifest["timings"]["runs"][-1]["executor"] == \
        "dask distributed (2 worker(s))"
    expected_images = _columns_bytes(runs["serial"].images.drop(columns="model_seconds"))
    expected_fixations = (tmp_path / "serial" / "fixations.parquet").read_bytes()
    for name in ("threads", "dask"):
        images = pd.read_parquet(tmp_path / name / "images.parquet")
        assert _columns_bytes(images.drop(columns="model_seconds")) == expected_images, name
        assert (tmp_path / name / "fixations.parquet").read_bytes() == expected_fixations, name
    assert np.isfinite(runs["dask"].images["information_gain"]).all()


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
