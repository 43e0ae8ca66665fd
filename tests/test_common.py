"""Checks every registered metric passes, driven by the registry (cf. scikit-learn's test_common).

A metric added with :func:`salbench.metrics.register` is collected here automatically. Each step
of "add a metric" (``docs/architecture.md``) has a test named after it, so a metric that skips a
step fails a test that says which:

* ``test_has_a_card`` — ``metrics/<name>.md``;
* ``test_has_a_naive_reference`` / ``test_equals_its_naive_reference`` — an entry in
  ``tests/naive_references.py``;
* ``test_functional_form_takes_known_inputs`` — the public function's parameters are inputs the
  scoring paths know;
* ``test_rejects_bad_input`` — NaN in any map, a fixation outside the image, mismatched shapes;
* ``test_degenerate_input_warns_and_gives_nan`` — never a silent NaN;
* ``test_dtype_invariance`` and ``test_thread_count_invariance``;
* ``test_all_paths_agree`` — the functional form, ``score_maps``, ``StreamingScores`` and the
  evaluation engine give the same values.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import salbench.metrics as M
from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli
from salbench.evaluation import ReferenceMaps, evaluate
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.models.base import ProbabilisticModel

import naive_references

REPO = Path(__file__).resolve().parents[1]
METRICS = M.names()
SHAPE = (9, 11)
COUNTS = (6, 5, 7, 4)
SEED, N_SPLITS, EMD_DOWNSIZE, SIGMA = 5, 1500, 1, 1.5

#: public-function parameter -> the ImageCase attribute that supplies it
ARGUMENTS = {"saliency_map": "saliency_map", "x": "x", "y": "y", "reference_map": "reference_map",
             "log_density": "log_density", "baseline_log_density": "baseline_log_density",
             "baseline_map": "baseline_map", "nx": "nx", "ny": "ny", "other_map": "other_map"}
#: the score_maps keyword of each map input
BATCH_KEYWORDS = {"reference_map": "reference_maps", "log_density": "log_densities",
                  "baseline_log_density": "baseline_log_densities", "baseline_map": "baseline_maps"}


@dataclass
class ImageCase:
    """One image's inputs in every form a metric can ask for."""

    saliency_map: np.ndarray
    x: np.ndarray
    y: np.ndarray
    reference_map: np.ndarray
    log_density: np.ndarray
    baseline_log_density: np.ndarray
    baseline_map: np.ndarray
    nx: np.ndarray
    ny: np.ndarray
    other_map: np.ndarray


def _log_normalised(a):
    return np.log(a / a.sum())


@dataclass
class Case:
    dataset: Dataset
    log_densities: list
    baseline_log_densities: list
    reference_maps: list

    @property
    def saliency_maps(self):
        return [np.exp(a) for a in self.log_densities]

    @property
    def baseline_maps(self):
        return [np.exp(b) for b in self.baseline_log_densities]

    def image(self, i) -> ImageCase:
        f = self.dataset.fixations
        own, other = f.n == i, f.n != i
        other_map = np.zeros(SHAPE, np.uint8)
        other_map[np.floor(f.y[other]).astype(int), np.floor(f.x[other]).astype(int)] = 1
        return ImageCase(self.saliency_maps[i], f.x[own], f.y[own], self.reference_maps[i],
                         self.log_densities[i], self.baseline_log_densities[i],
                         self.baseline_maps[i], f.x[other], f.y[other], other_map)

    def batch(self, name, *, dtype=np.float64):
        """``score_maps`` arguments for metric ``name``."""
        info = M.get(name)
        f = self.dataset.fixations
        maps = [m.astype(dtype) for m in self.saliency_maps] if info.uses("saliency_map") else None
        keywords = {BATCH_KEYWORDS[need]: [a.astype(dtype) for a in getattr(self, BATCH_KEYWORDS[need])]
                    for need in info.needs if need in BATCH_KEYWORDS}
        return (maps, f.x, f.y, f.n), keywords


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Case:
    from PIL import Image

    rng = np.random.default_rng(11)
    root = tmp_path_factory.mktemp("common")
    paths, xs, ys, ns = [], [], [], []
    for i, k in enumerate(COUNTS):
        path = root / f"img{i}.png"
        Image.fromarray(rng.integers(0, 256, size=(*SHAPE, 3), dtype=np.uint8)).save(path)
        paths.append(path)
        xs.append(rng.random(k) * SHAPE[1])
        ys.append(rng.random(k) * SHAPE[0])
        ns.append(np.full(k, i))
    fixations = Fixations(np.concatenate(xs), np.concatenate(ys), np.concatenate(ns),
                          subject=np.concatenate([np.arange(k) % 2 for k in COUNTS]),
                          n_images=len(COUNTS))
    dataset = Dataset(Stimuli(paths), fixations, DatasetFacts(name="common", observers=2))
    # rounded values make ties, which every AUC must handle
    log_densities = [_log_normalised(np.round(rng.random(SHAPE) * 6) + 1) for _ in COUNTS]
    baselines = [_log_normalised(rng.random(SHAPE) + 0.5) for _ in COUNTS]
    reference = ReferenceMaps(sigma=SIGMA)
    references = [reference.build(fixations.for_image(i), SHAPE) for i in range(len(COUNTS))]
    return Case(dataset, log_densities, baselines, references)


def _options(name):
    """Keyword options of metric ``name``'s public function, as the batch paths set them."""
    return {"seed": SEED, "n_splits": N_SPLITS, "emd_downsize": EMD_DOWNSIZE}


def _functional(name, image: ImageCase, i, convention=None):
    info = M.get(name)
    signature = inspect.signature(info.function)
    args = []
    for p in signature.parameters.values():
        if p.default is inspect.Parameter.empty and p.kind != p.KEYWORD_ONLY:
            args.append(getattr(image, ARGUMENTS[p.name]))
    keywords = {}
    if "seed" in signature.parameters:
        keywords["seed"] = [SEED, i]
    if "n_splits" in signature.parameters:
        keywords["n_splits"] = N_SPLITS
    if "downsize" in signature.parameters:
        keywords["downsize"] = EMD_DOWNSIZE
    if convention is not None:
        keywords["convention"] = convention
    return info.function(*args, **keywords)


def _conventions(name):
    return list(M.get(name).conventions) or [None]


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        yield


# ---------------------------------------------------------------------------------- catalogue
@pytest.mark.parametrize("name", METRICS)
def test_has_a_card(name):
    card = REPO / "metrics" / f"{name}.md"
    assert card.is_file(), f"{name}: add its card metrics/{name}.md (see metrics/README.md)"
    assert f"name: {name}" in card.read_text(encoding="utf-8").split("---")[1]


@pytest.mark.parametrize("name", METRICS)
def test_has_a_naive_reference(name):
    assert name in naive_references.REFERENCES, (
        f"{name}: add a slow, obviously correct reference to tests/naive_references.py")
    assert name in naive_references.TOLERANCE


@pytest.mark.parametrize("name", METRICS)
def test_functional_form_takes_known_inputs(name):
    info = M.get(name)
    required = [p.name for p in inspect.signature(info.function).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind != p.KEYWORD_ONLY]
    unknown = [p for p in required if p not in ARGUMENTS]
    assert not unknown, f"{name}: its function takes {unknown}, which no scoring path supplies"
    assert info.higher_is_better in (True, False)
    assert info.summary, f"{name}: registry summary is empty"
    assert info.optimal_map in M.OPTIMAL_MAPS, (
        f"{name}: say which map maximises it under a density (MetricInfo.optimal_map)")


# ---------------------------------------------------------------------------------- values
@pytest.mark.parametrize("name", METRICS)
def test_equals_its_naive_reference(name, case):
    reference = naive_references.REFERENCES[name]
    tolerance = naive_references.TOLERANCE[name]
    conventions = [c for c in _conventions(name)
                   if c in (None, "tuebingen", "mit") and (c != "mit" or name in
                                                           ("nss", "cc", "kld", "sim"))]
    for i in range(len(COUNTS)):
        image = case.image(i)
        for convention in conventions:
            got = _functional(name, image, i, convention)
            expected = reference(image, {"convention": convention or "tuebingen",
                                         "downsize": EMD_DOWNSIZE})
            assert got == pytest.approx(expected, abs=tolerance), (name, i, convention)


@pytest.mark.parametrize("name", METRICS)
def test_all_paths_agree(name, case):
    """functional == score_maps == StreamingScores == evaluate, for every convention."""
    info = M.get(name)
    for convention in _conventions(name):
        conv = {} if convention is None else {"convention": {name: convention}}
        args, keywords = case.batch(name)
        table = M.score_maps(*args, metrics=[name], seed=SEED, n_splits=N_SPLITS,
                             emd_downsize=EMD_DOWNSIZE, **keywords, **conv)
        for i in range(len(COUNTS)):
            functional = _functional(name, case.image(i), i, convention)
            assert table.loc[i, name] == pytest.approx(functional, abs=1e-12), (
                f"{name}: score_maps differs from the functional form on image {i}")

        streaming = M.StreamingScores([name], seed=SEED, n_splits=N_SPLITS,
                                      emd_downsize=EMD_DOWNSIZE, **conv)
        streaming.update(*args, **keywords)
        assert streaming.compute()[name] == pytest.approx(table[name].mean(), abs=1e-12), (
            f"{name}: StreamingScores differs from score_maps")
        if info.per_fixation:
            weights = table["n_fixations"]
            assert streaming.compute(average="fixation")[name] == pytest.approx(
                np.average(table[name], weights=weights), abs=1e-12)

        model = _FixedModel(case.log_densities, case.dataset)
        baseline = _FixedModel(case.baseline_log_densities, case.dataset)
        results = evaluate(model, case.dataset, metrics=[name], baseline=baseline,
                           reference_sigma=SIGMA, seed=SEED, n_splits=N_SPLITS,
                           emd_downsize=EMD_DOWNSIZE, n_threads=1, chunk_size=3, **conv)
        engine = results.images.set_index("image")[name]
        np.testing.assert_allclose(engine.to_numpy(), table[name].to_numpy(), rtol=0, atol=1e-12,
                                   err_msg=f"{name}: the evaluation engine differs from score_maps")


class _FixedModel(ProbabilisticModel):
    needs_pixels = False

    def __init__(self, log_densities, dataset):
        self._by_id = dict(zip(dataset.stimuli.ids, log_densities))
        self.name = "fixed"

    def log_density(self, image, *, image_id=None):
        return self._by_id[image_id]


# ---------------------------------------------------------------------------------- policies
@pytest.mark.parametrize("name", METRICS)
def test_rejects_bad_input(name, case):
    info = M.get(name)
    image = case.image(1)
    map_inputs = [n for n in ("saliency_map", "reference_map", "log_density",
                              "baseline_log_density", "baseline_map") if n in info.needs]
    for need in map_inputs:
        bad = ImageCase(**vars(image))
        broken = getattr(bad, need).astype(np.float64).copy()
        broken[2, 3] = np.nan
        setattr(bad, need, broken)
        with pytest.raises(InputError, match="NaN"):
            _functional(name, bad, 1)
        args, keywords = case.batch(name)
        maps = list(args[0]) if args[0] is not None else None
        if need == "saliency_map":
            maps[1] = broken
        else:
            keywords[BATCH_KEYWORDS[need]] = list(keywords[BATCH_KEYWORDS[need]])
            keywords[BATCH_KEYWORDS[need]][1] = broken
        with pytest.raises(InputError, match="image 1"):
            M.score_maps(maps, *args[1:], metrics=[name], **keywords)
    if info.uses("fixations"):
        outside = ImageCase(**vars(image))
        outside.x = np.append(image.x, SHAPE[1] + 0.5)
        outside.y = np.append(image.y, 1.0)
        with pytest.raises(InputError):
            _functional(name, outside, 1)
    if len(map_inputs) > 1:
        mismatched = ImageCase(**vars(image))
        smaller = getattr(image, map_inputs[1])[:, :-1]
        if "log_density" in map_inputs[1]:
            smaller = smaller - np.log(np.exp(smaller).sum())
        setattr(mismatched, map_inputs[1], smaller)
        with pytest.raises(InputError, match="shape"):
            _functional(name, mismatched, 1)


@pytest.mark.parametrize("name", METRICS)
def test_degenerate_input_warns_and_gives_nan(name, case):
    """An undefined value is NaN *with* a DegenerateInputWarning saying why — never silent."""
    info = M.get(name)
    args, keywords = case.batch(name)
    maps, x, y, n = args
    # image 2 loses its fixations; a constant map on image 0
    keep = n != 2
    if maps is not None:
        maps = list(maps)
        maps[0] = np.full(SHAPE, 0.25)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = M.score_maps(maps, x[keep], y[keep], n[keep], metrics=[name], seed=SEED,
                             emd_downsize=EMD_DOWNSIZE, **keywords)
    messages = [str(w.message) for w in caught if issubclass(w.category, DegenerateInputWarning)]
    for i in range(len(COUNTS)):
        if np.isnan(table.loc[i, name]):
            assert any(f"{name} is NaN" in m and (f"({i}" in m or f", {i}" in m)
                       for m in messages), f"{name}: image {i} is NaN without a warning"
    if info.uses("fixations"):
        assert np.isnan(table.loc[2, name]), f"{name}: an image without fixations must be NaN"
        assert any("no fixations" in m for m in messages)


@pytest.mark.parametrize("name", METRICS)
def test_dtype_invariance(name, case):
    """float32 maps score exactly as the same values in float64."""
    args32, keywords32 = case.batch(name, dtype=np.float32)
    args64 = (None if args32[0] is None else [m.astype(np.float64) for m in args32[0]],
              *args32[1:])
    keywords64 = {k: [a.astype(np.float64) for a in v] for k, v in keywords32.items()}
    common = dict(metrics=[name], seed=SEED, n_splits=20, emd_downsize=EMD_DOWNSIZE)
    with _quiet():
        single = M.score_maps(*args32, **keywords32, **common)
        double = M.score_maps(*args64, **keywords64, **common)
    np.testing.assert_array_equal(single[name].to_numpy(), double[name].to_numpy())


@pytest.mark.parametrize("name", METRICS)
def test_thread_count_invariance(name, case):
    args, keywords = case.batch(name)
    common = dict(metrics=[name], seed=SEED, n_splits=20, emd_downsize=EMD_DOWNSIZE)
    with _quiet():
        one = M.score_maps(*args, **keywords, **common, n_threads=1)
        two = M.score_maps(*args, **keywords, **common, n_threads=2)
        four = M.score_maps(*args, **keywords, **common, n_threads=4)
    np.testing.assert_array_equal(one[name].to_numpy(), two[name].to_numpy())
    np.testing.assert_array_equal(one[name].to_numpy(), four[name].to_numpy())
