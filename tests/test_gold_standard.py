"""The gold standard scored leave one observer out for every metric, and the all-observers variant.

Each observer's fixations are scored against the density of the *other* observers. The
references here are computed by hand: the leave-one-out density from a plain SciPy blur of the
other observers' count map, and every metric from the public ``salbench.metrics`` functions on
one observer at a time.
"""

import contextlib
import math
import warnings

import numpy as np
import pytest
from _datasets_support import SHARED_DATASETS, write_jpeg
from scipy.ndimage import gaussian_filter

import salbench.metrics as M
from salbench.datasets import (
    Dataset,
    DatasetFacts,
    Fixations,
    Stimuli,
    density_map,
    load,
)
from salbench.datasets.splits import split_images
from salbench.evaluation import default_baseline, evaluate, evaluate_baselines
from salbench.evaluation.worker import SINGLE_OBSERVER
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.models.base import ProbabilisticModel
from salbench.models.baselines import CentreBiasModel, GoldStandardModel, UniformModel
from salbench.reports.leaderboard import leaderboard

SIGMA = 2.0
#: Metrics whose image value is the mean of per-fixation values (registry facts, Tübingen).
POOLED = [m for m in M.names() if M.get(m).is_mean_of_fixations("tuebingen")]
PER_OBSERVER = [m for m in M.names() if m not in POOLED]


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        yield


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """Images of two sizes, 4 observers with a shared hot spot; image 3 has a single observer,
    image 5 none."""
    root = tmp_path_factory.mktemp("toy")
    rng = np.random.default_rng(3)
    shapes = [(30, 40), (24, 36), (30, 40), (24, 36), (30, 40), (24, 36)]
    paths, xs, ys, ns, subjects = [], [], [], [], []
    for i, (h, w) in enumerate(shapes):
        paths.append(write_jpeg(root / f"{i:02d}.jpg", h, w, seed=i))
        observers = {3: [2], 5: []}.get(i, [0, 1, 2, 3])
        spot = rng.uniform(0.25, 0.75, 2) * (w, h)
        for s in observers:
            k = int(rng.integers(3, 7))
            near = rng.random(k) < 0.6
            x = np.where(near, rng.normal(spot[0], 2.5, k), rng.uniform(0, w, k))
            y = np.where(near, rng.normal(spot[1], 2.5, k), rng.uniform(0, h, k))
            xs.append(np.clip(x, 0, w - 1e-6)), ys.append(np.clip(y, 0, h - 1e-6))
            ns.append(np.full(k, i)), subjects.append(np.full(k, s))
    fixations = Fixations(np.concatenate(xs), np.concatenate(ys), np.concatenate(ns),
                          subject=np.concatenate(subjects), n_images=len(shapes))
    return Dataset(Stimuli(paths), fixations, DatasetFacts(name="toy", observers=4))


@pytest.fixture(scope="module")
def gold(toy):
    return GoldStandardModel(prior=default_baseline(toy)).fit(toy)


def _loo_density(gold, dataset, i, subject):
    """The density without ``subject``, by hand: SciPy's blur of the other observers' counts."""
    shape = dataset.stimuli.shape(i)
    f = dataset.fixations.for_image(i)
    others = f.subject != subject
    counts = np.zeros(shape)
    np.add.at(counts, (np.floor(f.y[others]).astype(int), np.floor(f.x[others]).astype(int)), 1)
    kde = gaussian_filter(counts, gold.bandwidth_ * max(shape), mode="reflect", truncate=4.0)
    kde /= others.sum()
    prior = np.exp(gold.prior.log_density(shape, image_id=dataset.stimuli.ids[i]))
    w = gold.prior_weight_
    return np.log((1 - w) * kde + w * prior)


def _shuffled_negatives(dataset, images, i):
    """The fixations of the other evaluated images, scaled to image i (pixel centres)."""
    h, w = dataset.stimuli.shape(i)
    f = dataset.fixations
    keep = np.isin(f.n, images) & (f.n != i)
    src = dataset.stimuli.shapes[f.n[keep]]
    cols = np.minimum(np.floor(f.x[keep] * (w / src[:, 1])), w - 1)
    rows = np.minimum(np.floor(f.y[keep] * (h / src[:, 0])), h - 1)
    return cols + 0.5, rows + 0.5


def _by_hand(gold, dataset, images, i, *, seed=0, sigma=SIGMA):
    """Every metric of image i, each observer against their leave-one-out density."""
    shape = dataset.stimuli.shape(i)
    image_id = dataset.stimuli.ids[i]
    f = dataset.fixations.for_image(i)
    baseline = default_baseline(dataset)
    baseline_ld = baseline.log_density(shape, image_id=image_id)
    pixels = np.floor(f.y).astype(int) * shape[1] + np.floor(f.x).astype(int)
    unfixated = np.setdiff1d(np.arange(shape[0] * shape[1]), pixels)
    un_x, un_y = unfixated % shape[1] + 0.5, unfixated // shape[1] + 0.5
    nx, ny = _shuffled_negatives(dataset, images, i)
    other_map = np.zeros(shape)  # the other images' fixations, none of this image's
    np.add.at(other_map, (np.floor(ny).astype(int), np.floor(nx).astype(int)), 1)
    per_fixation = {m: np.full(len(f), np.nan) for m in POOLED}
    per_observer = {m: [] for m in PER_OBSERVER}
    for s in np.unique(f.subject):
        mine = f.subject == s
        x, y = f.x[mine], f.y[mine]
        ld = _loo_density(gold, dataset, i, s)
        p = np.exp(ld)
        ref = density_map((x, y), shape, sigma=sigma)
        ll = ld[np.floor(y).astype(int), np.floor(x).astype(int)]
        bll = baseline.log_likelihoods(shape, x, y, image_id=image_id)
        per_fixation["auc"][mine] = M.auc_per_fixation(p, x, y)
        per_fixation["auc_unfixated"][mine] = M.auc_per_fixation(p, x, y, negatives=(un_x, un_y))
        per_fixation["sauc"][mine] = M.auc_per_fixation(p, x, y, negatives=(nx, ny))
        z = (p - p.mean()) / p.std()
        per_fixation["nss"][mine] = z[np.floor(y).astype(int), np.floor(x).astype(int)]
        per_fixation["log_likelihood"][mine] = ll
        per_fixation["information_gain"][mine] = (ll - bll) / math.log(2)
        rng = [seed, i]
        per_observer["auc_judd"].append(M.auc_judd(p, x, y))
        per_observer["auc_borji"].append(M.auc_borji(p, x, y, seed=rng))
        per_observer["sauc_mit"].append(M.sauc_mit(p, x, y, other_map, seed=rng))
        per_observer["cc"].append(M.cc(p, ref))
        per_observer["kld"].append(M.kld(p, ref))
        per_observer["sim"].append(M.sim(p, ref))
        per_observer["emd"].append(M.emd(p, ref))
        per_observer["info_gain_mit"].append(M.info_gain_mit(p, np.exp(baseline_ld), x, y))
    values = {m: float(np.mean(v)) for m, v in per_fixation.items()}
    values.update({m: float(np.nanmean(v)) for m, v in per_observer.items()})
    return values, per_fixation


def test_every_metric_equals_the_per_observer_computation_by_hand(toy, gold):
    assert set(POOLED) == {"auc", "auc_unfixated", "sauc", "nss", "log_likelihood",
                           "information_gain"}
    with _quiet():
        results = evaluate(gold, toy, reference_sigma=SIGMA, chunk_size=2, n_threads=2)
    table = results.images.set_index("image")
    fixations = results.fixations.set_index("fixation")
    images = np.arange(len(toy))
    for i in (0, 1, 2, 4):
        expected, per_fixation = _by_hand(gold, toy, images, i)
        for metric in M.names():
            assert table.loc[i, metric] == pytest.approx(expected[metric], rel=1e-9, abs=1e-12), \
                (i, metric)
        rows = np.arange(*toy.fixations.offsets[i:i + 2])
        for metric, values in per_fixation.items():
            np.testing.assert_allclose(fixations.loc[rows, metric], values, rtol=1e-9,
                                       atol=1e-12, err_msg=f"{i} {metric}")
    assert results.manifest["model"]["scoring"] == "leave_one_observer_out"
    assert results.manifest["model"]["description"]["scoring"] == "leave_one_out"


def test_log_likelihoods_are_the_same_as_the_per_fixation_leave_one_out(toy, gold):
    with _quiet():
        results = evaluate(gold, toy, metrics=["log_likelihood"])
    fixations = results.fixations.set_index("fixation")
    for i in (0, 1, 4):
        f = toy.fixations.for_image(i)
        loso = gold.log_likelihoods(toy.stimuli.shape(i), f.x, f.y, image_id=toy.stimuli.ids[i],
                                    subjects=f.subject)
        rows = np.arange(*toy.fixations.offsets[i:i + 2])
        np.testing.assert_allclose(fixations.loc[rows, "log_likelihood"], loso, rtol=1e-10)


def test_a_single_observer_gives_nan_with_the_reason(toy, gold):
    with pytest.warns(DegenerateInputWarning, match="only one observer"):
        results = evaluate(gold, toy, metrics=["auc", "cc", "information_gain"])
    table = results.images.set_index("image")
    assert table.loc[3, ["auc", "cc", "information_gain"]].isna().all()
    assert table.loc[[0, 1, 2, 4], ["auc", "cc", "information_gain"]].notna().all().all()
    for metric in ("auc", "cc", "information_gain"):
        assert results.manifest["undefined"][metric][SINGLE_OBSERVER] == [3]
    assert results.fixations.set_index("image").loc[3, "auc"].isna().all()


def test_results_do_not_depend_on_chunks_threads_or_per_fixation(toy, gold):
    with _quiet():
        a = evaluate(gold, toy, chunk_size=1, n_threads=2, metric_maps=True).images
        b = evaluate(gold, toy, chunk_size=6, n_threads=1, per_fixation=False,
                     metric_maps=True).images
    metrics = M.names()
    np.testing.assert_array_equal(a[metrics].to_numpy(), b[metrics].to_numpy())


def test_all_observers_variant_is_the_old_in_sample_one_under_its_own_name(toy, gold):
    old = GoldStandardModel(prior=gold.prior, scoring="all_observers").fit(toy)
    assert old.leave_one_out is None and old.name == "gold standard (all observers)"
    with _quiet():
        loo = evaluate(gold, toy, metrics=["auc", "nss", "cc", "log_likelihood"]).images
        inflated = evaluate(old, toy, metrics=["auc", "nss", "cc", "log_likelihood"])
    table = inflated.images.set_index("image")
    for i in (0, 1, 2, 4):
        shape, image_id = toy.stimuli.shape(i), toy.stimuli.ids[i]
        f = toy.fixations.for_image(i)
        p = np.exp(old.log_density(shape, image_id=image_id))
        assert table.loc[i, "auc"] == pytest.approx(M.auc(p, f.x, f.y), rel=1e-12)
    # log-likelihood stays leave-one-out in both
    np.testing.assert_allclose(table["log_likelihood"], loo.set_index("image")["log_likelihood"],
                               rtol=1e-9)
    assert inflated.manifest["model"]["baseline"] == "gold_standard_all_observers"
    assert "scoring" not in inflated.manifest["model"]
    with pytest.raises(InputError, match="scoring must be one of"):
        GoldStandardModel(scoring="everyone")


class _Halves(ProbabilisticModel):
    """A toy model of the protocol: without observer s it predicts the image's left half for
    even s, the right half for odd s (nothing to do with the fixations)."""

    name = "halves"
    needs_pixels = False

    def __init__(self, yield_extra=None):
        self.yield_extra = yield_extra

    def log_density(self, image, *, image_id=None):
        h, w = image
        return np.full((h, w), -math.log(h * w))

    def _half(self, shape, right):
        h, w = shape
        p = np.ones((h, w))
        if right:
            p[:, w // 2:] = 3.0
        else:
            p[:, : w // 2] = 3.0
        return np.log(p / p.sum())

    def leave_one_out(self, image, *, image_id=None, subjects=None):
        for s in subjects:
            yield s, self._half(image, right=bool(s % 2))
        if self.yield_extra is not None:
            yield self.yield_extra


def test_the_protocol_is_generic_and_checked(toy):
    model = _Halves()
    with _quiet():
        results = evaluate(model, toy, metrics=["auc", "nss"], split=[0, 1])
    table = results.images.set_index("image")
    for i in (0, 1):
        f = toy.fixations.for_image(i)
        shape = toy.stimuli.shape(i)
        values = np.concatenate([M.auc_per_fixation(np.exp(model._half(shape, bool(s % 2))),
                                                    f.x[f.subject == s], f.y[f.subject == s])
                                 for s in np.unique(f.subject)])
        assert table.loc[i, "auc"] == pytest.approx(values.mean(), rel=1e-12)
    with pytest.raises(InputError, match=r"observer 9 .*image 0 \(00.jpg\)"):
        evaluate(_Halves(yield_extra=(9, np.zeros((30, 40)))), toy, metrics=["auc"], split=[0])
    with pytest.raises(InputError, match="yielded observer 0 twice"):
        evaluate(_Halves(yield_extra=(0, np.zeros((30, 40)))), toy, metrics=["auc"], split=[0])
    with pytest.raises(InputError, match="must yield \\(subject, log_density\\) pairs"):
        evaluate(_Halves(yield_extra=np.zeros(3)), toy, metrics=["auc"], split=[0])


def test_fixations_without_an_observer_id_are_an_error_naming_the_image(toy, gold, tmp_path):
    f = toy.fixations
    subject = f.subject.copy()
    subject[f.n == 1] = -1
    anonymous = Dataset(toy.stimuli, Fixations(f.x, f.y, f.n, subject=subject,
                                               n_images=len(toy)), DatasetFacts(name="toy"))
    with pytest.raises(InputError, match=r"image 1 \(01.jpg\): \d+ fixation\(s\) have no observer"):
        evaluate(_Halves(), anonymous, metrics=["auc"], split=[1])


def test_evaluate_baselines_names_both_variants_and_the_legend_defines_them(toy, tmp_path):
    with _quiet():
        runs = evaluate_baselines(toy, out=tmp_path, metrics=["auc", "information_gain"],
                                  which=("centre_bias", "gold_standard",
                                         "gold_standard_all_observers"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "centre-bias", "gold-standard", "gold-standard-all-observers"]
    board = leaderboard(runs, n_bootstrap=50, n_permutations=50)
    assert board.models == ["gold standard", "gold standard (all observers)", "centre bias"]
    md = board.to_markdown()
    assert "Gold standard: leave one observer out for every metric" in md
    assert "Gold standard (all observers): the saliency metrics read the density of all " \
           "observers, the scored one included" in md
    assert "Information gain over centre bias fitted on toy:all (6 images, 6-fold " \
           "cross-validated by image)." in md
    # explained IG is relative to the leave-one-out gold standard only
    table = board.table.set_index(["model", "metric"])
    assert table.loc[("gold standard", "explained_ig"), "mean"] == pytest.approx(100.0)


# ------------------------------------------------------------------------------ real data: OSIE
@pytest.fixture(scope="module")
def osie():
    return load("osie", root=SHARED_DATASETS)


@pytest.fixture(scope="module")
def osie_gold(osie):
    split = split_images(osie)
    prior = CentreBiasModel().fit(osie, images=split.train)
    # the bandwidth chosen on 40 training images (enough for this test, and fast)
    return split, GoldStandardModel(prior=prior).fit(osie, images=list(split.train)[:40])


def test_on_osie_leave_one_out_is_below_all_observers_and_equals_the_hand_computation(
        osie, osie_gold):
    split, gold = osie_gold
    images = list(split.test)[:8]
    inflated = GoldStandardModel(prior=gold.prior, bandwidths=[gold.bandwidth_],
                                 scoring="all_observers").fit(osie, images=list(split.train)[:40])
    assert inflated.bandwidth_ == gold.bandwidth_
    metrics = ["auc", "sauc", "nss", "cc", "sim", "kld"]
    with _quiet():
        loo = evaluate(gold, osie, split=images, metrics=metrics, baseline=UniformModel(),
                       n_threads=2).images.set_index("image")
        old = evaluate(inflated, osie, split=images, metrics=metrics, baseline=UniformModel(),
                       n_threads=2).images.set_index("image")
    for metric in ("auc", "nss", "cc"):
        assert loo[metric].mean() < old[metric].mean() - 0.01, metric
        assert (loo[metric] < old[metric]).all(), metric
    # by hand, with the public metric functions, on three of the images
    f_all = osie.fixations
    for i in images[:3]:
        shape = osie.stimuli.shape(i)
        f = f_all.for_image(i)
        nx, ny = _shuffled_negatives(osie, images, i)
        aucs, saucs, nsss, ccs, sims, klds = (np.full(len(f), np.nan), np.full(len(f), np.nan),
                                              np.full(len(f), np.nan), [], [], [])
        for s in np.unique(f.subject):
            mine = f.subject == s
            x, y = f.x[mine], f.y[mine]
            p = np.exp(_loo_density(gold, osie, i, s))
            ref = density_map((x, y), shape, sigma=24.0)  # OSIE: 1 degree = 24 px
            aucs[mine] = M.auc_per_fixation(p, x, y)
            saucs[mine] = M.auc_per_fixation(p, x, y, negatives=(nx, ny))
            z = (p - p.mean()) / p.std()
            nsss[mine] = z[np.floor(y).astype(int), np.floor(x).astype(int)]
            ccs.append(M.cc(p, ref)), sims.append(M.sim(p, ref)), klds.append(M.kld(p, ref))
        assert loo.loc[i, "auc"] == pytest.approx(aucs.mean(), rel=1e-9)
        assert loo.loc[i, "sauc"] == pytest.approx(saucs.mean(), rel=1e-9)
        assert loo.loc[i, "nss"] == pytest.approx(nsss.mean(), rel=1e-9)
        assert loo.loc[i, "cc"] == pytest.approx(np.mean(ccs), rel=1e-9)
        assert loo.loc[i, "sim"] == pytest.approx(np.mean(sims), rel=1e-9)
        assert loo.loc[i, "kld"] == pytest.approx(np.mean(klds), rel=1e-9)


def test_an_observer_without_a_defined_value_is_left_out_of_the_observer_mean(tmp_path):
    paths = [write_jpeg(tmp_path / "a.jpg", 20, 30, seed=1)]
    x = [5.5, 6.5, 7.5, 6.2, 7.7, 6.1]  # all near one spot, so the others predict each
    y = [4.5, 5.5, 4.2, 5.5, 4.5, 4.9]
    subject = [0, 0, 0, 1, 1, 2]  # observer 2 has a single fixation: AUC_Borji needs two
    dataset = Dataset(Stimuli(paths), Fixations(x, y, [0] * 6, subject=subject, n_images=1),
                      DatasetFacts(name="three"))
    gold = GoldStandardModel(prior=UniformModel(), bandwidths=[0.1]).fit(dataset)
    assert gold.prior_weight_ < 0.5
    with _quiet():
        results = evaluate(gold, dataset, metrics=["auc_borji", "auc"], baseline=UniformModel())
    expected = []
    f = dataset.fixations.for_image(0)
    for s in (0, 1):
        p = np.exp(_loo_density(gold, dataset, 0, s))
        expected.append(M.auc_borji(p, f.x[f.subject == s], f.y[f.subject == s], seed=[0, 0]))
    assert results.images.loc[0, "auc_borji"] == pytest.approx(np.mean(expected), rel=1e-12)
    assert results.manifest["undefined"]["auc_borji"] == {
        "undefined for 1 of 3 observers, who were left out of the mean (AUC_Borji needs at "
        "least two fixated pixels)": [0]}
    assert "auc" not in results.manifest["undefined"]
