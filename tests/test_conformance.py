"""salbench.metrics reproduces the reference implementations (../shared/conformance/).

Every expected value stored there is checked with its own tolerance; entries marked ``skip`` (MIT
returned NaN or a complex number) are checked to be NaN here, which is the natural result.
"""

import json
import warnings

import numpy as np
import pytest

import salbench.metrics as M
from salbench.exceptions import DegenerateInputWarning
from conftest import SHARED

CONFORMANCE = SHARED / "conformance"
EXPECTED = json.loads((CONFORMANCE / "expected.json").read_text())
with np.load(CONFORMANCE / "cases.npz") as _npz:
    CASES = {name: {} for name in EXPECTED["cases"]}
    for key in _npz.files:
        case, field = key.split("/", 1)
        CASES[case][field] = _npz[key]


def _call(metric, case):
    c = CASES[case]
    s, x, y = c["saliency_map"], c["x"], c["y"]
    ref = c.get("reference_map")
    calls = {
        "auc": lambda: M.auc(s, x, y, negatives="all"),
        "auc_unfixated": lambda: M.auc(s, x, y, negatives="unfixated"),
        "auc_per_fixation": lambda: M.auc_per_fixation(s, x, y),
        "sauc": lambda: M.sauc(s, x, y, c["nx"], c["ny"]),
        "nss": lambda: M.nss(s, x, y),
        "nss_mit": lambda: M.nss(s, x, y, convention="mit"),
        "cc": lambda: M.cc(s, ref),
        "cc_mit": lambda: M.cc(s, ref, convention="mit"),
        "kld": lambda: M.kld(s, ref),
        "kld_mit": lambda: M.kld(s, ref, convention="mit"),
        "kld_pysaliency": lambda: M.kld(s, ref, convention="pysaliency"),
        "sim": lambda: M.sim(s, ref),
        "sim_mit": lambda: M.sim(s, ref, convention="mit"),
        "log_likelihood": lambda: M.log_likelihood(c["log_density"], x, y),
        "information_gain": lambda: M.information_gain(
            c["log_density"], c["baseline_log_density"], x, y
        ),
        "auc_judd_mit": lambda: M.auc_judd(s, x, y),
        "auc_borji_mit_mean": lambda: M.auc_borji(s, x, y, n_splits=10000, seed=0),
        "sauc_mit_mean": lambda: M.sauc_mit(s, x, y, c["other_map"], n_splits=10000, seed=0),
        "info_gain_mit": lambda: M.info_gain_mit(s, np.exp(c["baseline_log_density"]), x, y),
        "emd": lambda: M.emd(s, ref, downsize=1),
    }
    return calls[metric]()


PARAMS = [
    (case, metric)
    for case, spec in EXPECTED["cases"].items()
    for metric in spec["expected"]
]


@pytest.mark.parametrize("case,metric", PARAMS, ids=[f"{c}-{m}" for c, m in PARAMS])
def test_conformance(case, metric):
    spec = EXPECTED["cases"][case]["expected"][metric]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        got = _call(metric, case)
    if spec.get("skip"):
        assert np.all(np.isnan(got)), f"MIT returned {spec['value']}; salbench should give NaN"
        return
    expected = np.asarray(spec["value"], dtype=float)
    got = np.asarray(got, dtype=float)
    assert got.shape == expected.shape
    tol = spec["atol"] + spec["rtol"] * np.abs(expected)
    assert np.all(np.abs(got - expected) <= tol), (
        f"{case}/{metric}: got {got}, expected {expected} (tolerance {tol}); {spec.get('how')}"
    )


def test_sauc_through_auc_negatives():
    """The README's 537th-style checks: sauc also through auc(negatives=(nx, ny))."""
    for case, spec in EXPECTED["cases"].items():
        c = CASES[case]
        want = spec["expected"]["sauc"]
        got = M.auc(c["saliency_map"], c["x"], c["y"], negatives=(c["nx"], c["ny"]))
        assert abs(got - want["value"]) <= want["atol"] + want["rtol"] * abs(want["value"]), case


def test_public_set_is_complete():
    assert EXPECTED["n_cases"] == len(CASES) == 27
    assert len(PARAMS) == EXPECTED["n_values"] + EXPECTED["n_skipped_values"]
