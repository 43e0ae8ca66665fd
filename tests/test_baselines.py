"""Baseline models: uniform, cross-validated centre bias, leave-one-subject-out gold standard."""

import math

import numpy as np
import pytest
from scipy.special import logsumexp

from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli, load
from salbench.datasets.splits import split_images
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.models.base import ProbabilisticModel
from salbench.models.baselines import CentreBiasModel, GoldStandardModel, UniformModel

from _datasets_support import SHARED_DATASETS, write_jpeg
from naive_maps import naive_gaussian_density


def synthetic_dataset(tmp_path, *, n_images=24, observers=6, per_trial=8, seed=0,
                      shapes=((40, 60), (50, 50))):
    """Images of two sizes; fixations from a centred Gaussian (sd 0.15 of each side) plus a
    per-image 'salient spot' that every observer looks at."""
    rng = np.random.default_rng(seed)
    paths, xs, ys, ns, subjects = [], [], [], [], []
    for i in range(n_images):
        h, w = shapes[i % len(shapes)]
        paths.append(write_jpeg(tmp_path / f"{i:03d}.jpg", h, w, seed=i))
        spot = rng.uniform(0.2, 0.8, 2)
        for s in range(observers):
            k = per_trial
            centre = rng.random(k) < 0.5
            u = np.where(centre, rng.normal(0.5, 0.15, k), rng.normal(spot[0], 0.03, k))
            v = np.where(centre, rng.normal(0.5, 0.15, k), rng.normal(spot[1], 0.03, k))
            u, v = np.clip(u, 0, 0.999), np.clip(v, 0, 0.999)
            xs.append(u * w), ys.append(v * h)
            ns.append(np.full(k, i)), subjects.append(np.full(k, s))
    fixations = Fixations(np.concatenate(xs), np.concatenate(ys), np.concatenate(ns),
                          subject=np.concatenate(subjects), n_images=n_images)
    return Dataset(Stimuli(paths), fixations, DatasetFacts(name="synthetic"))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return synthetic_dataset(tmp_path_factory.mktemp("synthetic"))


def test_uniform():
    m = UniformModel()
    assert isinstance(m, ProbabilisticModel)
    ld = m.log_density(np.zeros((3, 4, 3), np.uint8))
    assert ld.shape == (3, 4) and logsumexp(ld) == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(m.log_likelihoods((3, 4), [0.5, 2.5], [1.0, 2.0]), -math.log(12))


def test_centre_bias_is_a_normalised_density_at_any_size(synthetic):
    cb = CentreBiasModel(n_folds=4).fit(synthetic, images=range(16))
    for shape in [(40, 60), (7, 300), (123, 45)]:
        ld = cb.log_density(shape)
        assert ld.shape == shape and logsumexp(ld) == pytest.approx(0, abs=1e-10)
    assert cb.log_density(np.zeros((40, 60, 3))).shape == (40, 60)
    params = cb.describe()["parameters"]
    assert params["n_train_images"] == 16 and params["n_folds"] == 4
    assert 0 <= cb.uniform_weight_ <= 1 and cb.cv_information_gain_ > 0


def test_centre_bias_training_images_never_predict_themselves(synthetic):
    train = list(range(16))
    cb = CentreBiasModel(n_folds=4).fit(synthetic, images=train)
    ids = synthetic.stimuli.ids
    fold = cb.fold_of(ids[3])
    assert fold is not None and cb.fold_of(ids[20]) is None  # image 20 is not a training image
    # The fold model is exactly the KDE of the training images outside that fold.
    outside = [i for i in train if cb.fold_of(ids[i]) != fold]
    refit = CentreBiasModel(bandwidths=[cb.bandwidth_], n_folds=4).fit(synthetic, images=outside)
    # equal up to FFT rounding (the fold model is computed as total minus fold spectra)
    np.testing.assert_allclose(cb._grid_without[fold], refit._grid_all, rtol=1e-9,
                               atol=1e-12 * refit._grid_all.max())
    # and it differs from the model that saw image 3
    assert not np.allclose(cb.log_density((40, 60), image_id=ids[3]), cb.log_density((40, 60)))
    # test images get the full model
    np.testing.assert_array_equal(cb.log_density((40, 60), image_id=ids[20]), cb.log_density((40, 60)))


def test_centre_bias_bandwidth_is_a_cross_validated_optimum(synthetic):
    cb = CentreBiasModel(n_folds=4).fit(synthetic, images=range(16))
    best = cb.cv_information_gain_
    for factor in (0.5, 2.0):
        other = CentreBiasModel(bandwidths=[cb.bandwidth_ * factor], n_folds=4).fit(synthetic, images=range(16))
        assert other.cv_information_gain_ < best


def test_centre_bias_recovers_the_true_centre_bias(tmp_path):
    # Pure centre-bias data (no salient spot): the fitted model's gain over uniform on new images
    # approaches that of the true density.
    rng = np.random.default_rng(5)
    h, w = 60, 80
    paths = [write_jpeg(tmp_path / f"{i}.jpg", h, w) for i in range(80)]
    k = 80 * 200
    n = np.repeat(np.arange(80), 200)
    u, v = np.clip(rng.normal(0.5, 0.12, k), 0, 0.9999), np.clip(rng.normal(0.45, 0.1, k), 0, 0.9999)
    ds = Dataset(Stimuli(paths), Fixations(u * w, v * h, n, subject=np.zeros(k, int)), DatasetFacts("cb"))
    cb = CentreBiasModel().fit(ds, images=range(60))
    test = n >= 60
    rows, cols = (v[test] * h).astype(int), (u[test] * w).astype(int)
    ig = np.mean(cb.log_density((h, w))[rows, cols] + math.log(h * w)) / math.log(2)
    yy, xx = (np.arange(h) + 0.5) / h, (np.arange(w) + 0.5) / w
    true = np.exp(-((xx[None] - 0.5) ** 2) / (2 * 0.12 ** 2) - ((yy[:, None] - 0.45) ** 2) / (2 * 0.1 ** 2))
    true /= true.sum()
    true_ig = np.mean(np.log(true[rows, cols] * h * w)) / math.log(2)
    assert true_ig > 0.5
    assert ig == pytest.approx(true_ig, abs=0.02)


def test_gold_standard_scores_each_fixation_with_the_other_observers(synthetic):
    gs = GoldStandardModel().fit(synthetic)
    i = 5
    item = synthetic[i]
    f = item.fixations
    shape = item.shape
    ll = gs.log_likelihoods(shape, f.x, f.y, image_id=item.id, subjects=f.subject)
    sigma = gs.bandwidth_ * max(shape)
    w = gs.prior_weight_
    for s in np.unique(f.subject):
        others = f.subject != s
        kde = naive_gaussian_density(f.x[others], f.y[others], shape, sigma) / others.sum()
        density = (1 - w) * kde + w / (shape[0] * shape[1])
        mine = f.subject == s
        expected = np.log(density[np.floor(f.y[mine]).astype(int), np.floor(f.x[mine]).astype(int)])
        np.testing.assert_allclose(ll[mine], expected, rtol=1e-10)
    # the all-observers density
    all_kde = naive_gaussian_density(f.x, f.y, shape, sigma) / len(f)
    np.testing.assert_allclose(gs.log_density(shape, image_id=item.id),
                               np.log((1 - w) * all_kde + w / (shape[0] * shape[1])), rtol=1e-10)
    assert logsumexp(gs.log_density(shape, image_id=item.id)) == pytest.approx(0, abs=1e-10)


def test_gold_standard_beats_centre_bias_beats_uniform(synthetic):
    cb = CentreBiasModel(n_folds=4).fit(synthetic, images=range(16))
    gs = GoldStandardModel().fit(synthetic)
    gs_cb = GoldStandardModel(prior=cb).fit(synthetic)
    gains = {"cb": [], "gs": [], "gs_cb": []}
    for i in range(16, 24):
        item = synthetic[i]
        f = item.fixations
        u = -math.log(item.shape[0] * item.shape[1])
        gains["cb"].append(np.mean(cb.log_likelihoods(item.shape, f.x, f.y, image_id=item.id)) - u)
        gains["gs"].append(np.mean(gs.log_likelihoods(item.shape, f.x, f.y, image_id=item.id,
                                                      subjects=f.subject)) - u)
        gains["gs_cb"].append(np.mean(gs_cb.log_likelihoods(item.shape, f.x, f.y, image_id=item.id,
                                                            subjects=f.subject)) - u)
    g = {k: np.mean(v) for k, v in gains.items()}
    assert g["gs_cb"] >= g["gs"] - 0.01 and g["gs"] > g["cb"] > 0


def test_gold_standard_bandwidth_is_a_loso_optimum(synthetic):
    gs = GoldStandardModel().fit(synthetic)
    for factor in (0.5, 2.0):
        other = GoldStandardModel(bandwidths=[gs.bandwidth_ * factor]).fit(synthetic)
        assert other.loso_log_likelihood_ < gs.loso_log_likelihood_


def test_gold_standard_errors_and_degenerate_cases(synthetic):
    gs = GoldStandardModel().fit(synthetic)
    item = synthetic[0]
    f = item.fixations
    with pytest.raises(InputError, match="needs subjects="):
        gs.log_likelihoods(item.shape, f.x, f.y, image_id=item.id)
    with pytest.raises(InputError, match="needs image_id="):
        gs.log_density(item.shape)
    with pytest.raises(InputError, match="knows no image with id 'nope'"):
        gs.log_density(item.shape, image_id="nope")
    with pytest.raises(InputError, match=r"has shape \(40, 60\) in the dataset"):
        gs.log_density((41, 60), image_id=item.id)
    # a new observer is predicted by everyone; subject 0 alone on an image has nobody else
    ll_new = gs.log_likelihoods(item.shape, f.x[:2], f.y[:2], image_id=item.id, subjects=[99, 99])
    assert np.isfinite(ll_new).all()
    solo = Fixations(f.x[f.subject == 0], f.y[f.subject == 0], np.zeros((f.subject == 0).sum(), int),
                     subject=np.zeros((f.subject == 0).sum(), int))
    ds = Dataset(synthetic.stimuli.subset([0]), solo, DatasetFacts("solo"))
    with pytest.raises(InputError, match="at least two observers"):
        GoldStandardModel().fit(ds)
    lonely = GoldStandardModel(bandwidths=[0.05])
    lonely.fit(synthetic)
    lonely.fixations_ = solo.__class__.concatenate([solo], n_images=len(synthetic))
    with pytest.warns(DegenerateInputWarning, match="no other observer"):
        out = lonely.log_likelihoods(item.shape, f.x[:3], f.y[:3], image_id=item.id, subjects=[0, 0, 0])
    assert np.isnan(out).all()


def test_not_fitted_models_say_so():
    with pytest.raises(InputError, match="not fitted"):
        CentreBiasModel().log_density((3, 3))
    with pytest.raises(InputError, match="not fitted"):
        GoldStandardModel().log_density((3, 3), image_id="x")


def test_osie_subset_ordering_of_baselines():
    ds = load("osie", root=SHARED_DATASETS).subset(range(120))
    split = split_images(ds, fractions=(0.75, 0.0, 0.25))
    cb = CentreBiasModel().fit(ds, images=split.train)
    gs = GoldStandardModel().fit(ds, images=split.train)
    ig_cb, ig_gs = [], []
    for i in split.test:
        item = ds[i]
        f = item.fixations
        lcb = cb.log_likelihoods(item.shape, f.x, f.y, image_id=item.id)
        lgs = gs.log_likelihoods(item.shape, f.x, f.y, image_id=item.id, subjects=f.subject)
        ig_cb.append(np.mean(lcb) + math.log(600 * 800))
        ig_gs.append(np.mean(lgs - lcb))
    # bits per fixation: centre bias clearly above uniform, gold standard far above centre bias
    assert np.mean(ig_cb) / math.log(2) > 0.3
    assert np.mean(ig_gs) / math.log(2) > 1.0


def test_information_gain_agrees_with_the_metrics_package(synthetic):
    # The baselines' log_likelihoods and salbench.metrics.information_gain on their maps must agree.
    from salbench import metrics

    cb = CentreBiasModel(n_folds=4).fit(synthetic, images=range(16))
    uniform = UniformModel()
    for i in (17, 20):
        item = synthetic[i]
        f = item.fixations
        via_metrics = metrics.information_gain(cb.log_density(item.shape, image_id=item.id),
                                               uniform.log_density(item.shape), f.x, f.y)
        direct = np.mean(cb.log_likelihoods(item.shape, f.x, f.y, image_id=item.id)
                         - uniform.log_likelihoods(item.shape, f.x, f.y)) / math.log(2)
        assert via_metrics == pytest.approx(direct, abs=1e-12)


def test_centre_bias_log_likelihoods_equal_reading_the_map(synthetic):
    cb = CentreBiasModel(n_folds=4).fit(synthetic, images=range(16))
    rng = np.random.default_rng(1)
    for shape, image_id in [((40, 60), synthetic.stimuli.ids[2]), ((40, 60), None), ((333, 17), None)]:
        x, y = rng.uniform(0, shape[1], 50), rng.uniform(0, shape[0], 50)
        ld = cb.log_density(shape, image_id=image_id)
        expected = ld[np.floor(y).astype(int), np.floor(x).astype(int)]
        np.testing.assert_allclose(cb.log_likelihoods(shape, x, y, image_id=image_id), expected,
                                   rtol=1e-12, atol=1e-12)
    with pytest.raises(InputError, match="outside the image"):
        cb.log_likelihoods((40, 60), [60.0], [1.0])


def test_baselines_refuse_fixations_outside_the_image(synthetic):
    f = synthetic.fixations
    x = f.x.copy()
    x[5] = 1e6  # kept by out_of_image="keep", say
    bad = Dataset(synthetic.stimuli, Fixations(x, f.y, f.n, subject=f.subject, n_images=f.n_images),
                  DatasetFacts("bad"), out_of_image="keep")
    with pytest.raises(InputError, match=r"(?s)1 fixation\(s\) of dataset 'bad' lie outside.*image 0 "):
        CentreBiasModel().fit(bad)
    with pytest.raises(InputError, match="out_of_image='drop'"):
        GoldStandardModel().fit(bad)


def test_centre_bias_survives_pickling(synthetic):
    import pickle

    model = CentreBiasModel().fit(synthetic, images=range(12))
    before = model.log_density((30, 40))
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.log_density((30, 40)), before)
    np.testing.assert_array_equal(copy.log_density((17, 9)), model.log_density((17, 9)))
