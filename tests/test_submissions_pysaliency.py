"""A real pysaliency reads salbench's ``pysaliency-hdf5`` export and gets salbench's numbers.

Runs where pysaliency is importable, or where ``$SALBENCH_PYSALIENCY_PYTHON`` names a Python
that has it (pysaliency is no dependency of salbench; e.g. a throwaway venv with
``pip install pysaliency==0.2.22 "setuptools<81"`` plus torch, which pysaliency imports);
skipped otherwise.
"""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import salbench
from salbench.submissions import export_predictions

from _evaluate_support import SHARED_DATASETS, SmoothRandomModel, mixed_size_dataset

pytestmark = pytest.mark.filterwarnings("ignore::salbench.exceptions.DegenerateInputWarning")

# Runs under pysaliency's Python: reads the job (JSON) on stdin, prints per-fixation values.
SCRIPT = r"""
import json, sys
from importlib.metadata import version
import numpy as np
import pysaliency
job = json.load(sys.stdin)
stimuli = pysaliency.FileStimuli(job["stimuli"])
fixations = pysaliency.Fixations.create_without_history(
    np.array(job["x"]), np.array(job["y"]), np.array(job["n"], dtype=int))
model = pysaliency.HDF5Model(stimuli, job["hdf5"])
# the same file read as saliency maps (log-densities rank pixels like the densities)
maps = pysaliency.HDF5SaliencyMapModel(stimuli, job["hdf5"])
out = {"version": version("pysaliency"),
       "log_likelihoods": model.log_likelihoods(stimuli, fixations).tolist(),
       "aucs": maps.AUCs(stimuli, fixations, nonfixations="uniform").tolist()}
print(json.dumps(out))
"""


def _pysaliency_python():
    if importlib.util.find_spec("pysaliency") is not None:
        return sys.executable
    return os.environ.get("SALBENCH_PYSALIENCY_PYTHON")


def _run_pysaliency(python, stimuli, fixations, hdf5):
    job = {"stimuli": [str(p) for p in stimuli], "x": fixations.x.tolist(),
           "y": fixations.y.tolist(), "n": fixations.n.tolist(), "hdf5": str(hdf5)}
    result = subprocess.run([python, "-c", SCRIPT], input=json.dumps(job), capture_output=True,
                            text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _compare(model, dataset, images, out, python):
    export_predictions(model, dataset, out, format="pysaliency-hdf5", images=images)
    sub = dataset.subset(images)
    theirs = _run_pysaliency(python, sub.stimuli.paths, sub.fixations, out / "predictions.hdf5")
    ours = salbench.evaluate(model, sub, metrics=["log_likelihood", "auc"],
                             baseline="uniform").images
    n = sub.fixations.n
    for metric, values in (("log_likelihood", theirs["log_likelihoods"]), ("auc", theirs["aucs"])):
        values = np.asarray(values)
        per_image = np.array([values[n == i].mean() if (n == i).any() else np.nan
                              for i in range(len(sub))])
        np.testing.assert_allclose(ours[metric], per_image, rtol=0, atol=1e-10, err_msg=metric)
    return theirs["version"]


@pytest.fixture(scope="module")
def python():
    found = _pysaliency_python()
    if not found:
        pytest.skip("pysaliency is not importable here and $SALBENCH_PYSALIENCY_PYTHON is unset")
    return found


def test_pysaliency_reads_the_export_with_the_same_numbers(python, tmp_path):
    data = mixed_size_dataset(tmp_path / "data")
    images = [i for i in range(len(data)) if data.fixations.counts[i] > 0]
    version = _compare(SmoothRandomModel(), data, images, tmp_path / "h5", python)
    assert version


@pytest.mark.skipif(not (SHARED_DATASETS / "osie").is_dir(), reason="OSIE is not in ../shared")
def test_pysaliency_reads_builtin_predictions_on_osie(python, tmp_path):
    osie = salbench.datasets.load("osie", root=SHARED_DATASETS)
    test = list(salbench.datasets.split_images(osie).test[:5])
    _compare(salbench.models.default_model(threads=1), osie, test, tmp_path / "h5", python)
