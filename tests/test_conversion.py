"""Saliency map -> probabilistic model (Kümmerer, Wallis & Bethge 2015): recovery, held-out
performance against the centre bias, and train/test separation."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from scipy.special import logsumexp

from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli
from salbench.exceptions import InputError
from salbench.models import ProbabilisticModel, SaliencyMapModel
from salbench.models.baselines import CentreBiasModel
from salbench.models.conversion import (SaliencyMapDensityModel, block_sum, cell_areas, upsample)

from _datasets_support import write_jpeg

SHAPE = (48, 64)


class StoredMaps(SaliencyMapModel):
    """Maps kept in memory by image id; records which images it was asked about."""

    name = "stored"
    needs_pixels = False

    def __init__(self, maps):
        self.maps = maps
        self.asked = []

    def saliency_map(self, image, *, image_id=None):
        self.asked.append(image_id)
        return self.maps[image_id]


def random_field(rng, shape, smooth):
    a = gaussian_filter(rng.normal(size=shape), smooth, mode="reflect")
    return (a - a.min()) / (a.max() - a.min())


def centre_log_density(shape, width=0.2):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    g = -(((yy + 0.5) / shape[0] - 0.5) ** 2 + ((xx + 0.5) / shape[1] - 0.5) ** 2) / (2 * width ** 2)
    return g - logsumexp(g)


def sample(rng, log_density, n):
    p = np.exp(log_density).ravel()
    flat = rng.choice(p.size, size=n, p=p / p.sum())
    rows, cols = np.divmod(flat, log_density.shape[1])
    return cols + rng.random(n), rows + rng.random(n)


def synthetic(folder, *, n_images, per_image, truth, seed=0, smooth=3.0, shape=SHAPE):
    """Images whose fixations follow ``truth(map, image index) -> log-density``."""
    rng = np.random.default_rng(seed)
    paths, maps, xs, ys, ns, subjects = [], {}, [], [], [], []
    for i in range(n_images):
        paths.append(write_jpeg(folder / f"{i:03d}.jpg", *shape, seed=i))
        m = random_field(rng, shape, smooth)
        log_p = truth(m, i)
        x, y = sample(rng, log_p - logsumexp(log_p), per_image)
        xs.append(x), ys.append(y), ns.append(np.full(per_image, i))
        subjects.append(np.arange(per_image) % 5)
        maps[i] = m
    stimuli = Stimuli(paths)
    fixations = Fixations(np.concatenate(xs), np.concatenate(ys), np.concatenate(ns),
                          subject=np.concatenate(subjects), n_images=n_images)
    dataset = Dataset(stimuli, fixations, DatasetFacts(name="synthetic-conversion"))
    by_id = {stimuli.ids[i]: m for i, m in maps.items()}
    return dataset, by_id


def held_out_ll(model, dataset, images):
    """Mean log-likelihood in bits per fixation over ``images``."""
    total, count = 0.0, 0
    for i in images:
        f = dataset.fixations.for_image(i)
        ll = model.log_likelihoods(dataset.stimuli.shape(i), f.x, f.y, image_id=dataset.stimuli.ids[i])
        total, count = total + ll.sum(), count + ll.size
    return total / count / np.log(2)


def true_nonlinearity(t):
    return 4.0 * t ** 2


def test_recovers_a_known_monotone_nonlinearity(tmp_path):
    dataset, maps = synthetic(tmp_path, n_images=40, per_image=400,
                              truth=lambda m, i: true_nonlinearity(m))
    model = SaliencyMapDensityModel(StoredMaps(maps), centre_bias=None, blur=False, grid=64)
    model.fit(dataset, train=range(40))
    assert isinstance(model, ProbabilisticModel)
    assert np.all(np.diff(model.values_) >= 0)                 # monotone by construction
    knots = model.knots_
    # f is identified up to an additive constant (the normalisation absorbs it). Where the maps
    # have values (each image's extremes are single pixels), f matches the truth within sampling
    # noise once the constant is removed.
    inner = (knots >= 0.1) & (knots <= 0.9)
    error = model.values_[inner] - true_nonlinearity(knots[inner])
    error -= error.mean()
    assert np.max(np.abs(error)) < 0.2, error
    assert model.sigma_ == 0.0 and model.centre_bias_weight_ == 0.0
    # the test can fail: a linear nonlinearity of the same range is far from the fit
    linear = 4.0 * knots[inner]
    assert np.max(np.abs(linear - model.values_[inner] - (linear - model.values_[inner]).mean())) > 0.4


def test_recovers_blur_and_centre_bias_weight(tmp_path):
    sigma_true = 0.06                                     # fraction of the larger side (64 px)
    centre = centre_log_density(SHAPE)

    def truth(m, i):
        blurred = gaussian_filter(m, sigma_true * 64, mode="nearest", truncate=3.0)
        blurred = (blurred - blurred.min()) / (blurred.max() - blurred.min())
        return 3.0 * blurred + centre

    dataset, maps = synthetic(tmp_path, n_images=40, per_image=300, truth=truth, smooth=1.0)
    centre_model = _FixedDensity(centre)
    model = SaliencyMapDensityModel(StoredMaps(maps), centre_bias=centre_model, grid=64)
    model.fit(dataset, train=range(40))
    assert 0.6 * sigma_true < model.sigma_ < 1.5 * sigma_true
    assert model.centre_bias_weight_ == pytest.approx(1.0, abs=0.25)
    unblurred = SaliencyMapDensityModel(StoredMaps(maps), centre_bias=centre_model, blur=False,
                                        grid=64).fit(dataset, train=range(40))
    assert model.train_log_likelihood_ > unblurred.train_log_likelihood_ + 0.05


class _FixedDensity(ProbabilisticModel):
    name = "fixed"

    def __init__(self, log_density):
        self._ld = log_density

    def log_density(self, image, *, image_id=None):
        return self._ld.copy()


@pytest.fixture(scope="module")
def centred(tmp_path_factory):
    """Fixations: a centre bias plus, on half of each image's fixations, a map-driven part."""
    centre = centre_log_density(SHAPE, width=0.18)
    return synthetic(tmp_path_factory.mktemp("centred"), n_images=60, per_image=120, seed=3,
                     truth=lambda m, i: np.logaddexp(np.log(0.4) + centre,
                                                     np.log(0.6) + 5.0 * m - logsumexp(5.0 * m)))


def test_never_worse_than_the_centre_bias_on_held_out_images(centred):
    dataset, maps = centred
    train, test = range(0, 40), range(40, 60)
    cb = CentreBiasModel(n_folds=5).fit(dataset, images=train)
    cb_ll = held_out_ll(cb, dataset, test)
    # an uninformative map (noise unrelated to the fixations)
    rng = np.random.default_rng(11)
    noise = {k: rng.random(SHAPE) for k in maps}
    noise_model = SaliencyMapDensityModel(StoredMaps(noise), centre_bias=cb).fit(dataset, train=train)
    gain = held_out_ll(noise_model, dataset, test) - cb_ll
    assert gain > -0.02, gain                        # noise: at most estimation noise below
    # the informative map gains most of what the true density gains over the centre bias
    # (0.20 bits per fixation on these test images)
    informed = SaliencyMapDensityModel(StoredMaps(maps), centre_bias=cb).fit(dataset, train=train)
    assert held_out_ll(informed, dataset, test) - cb_ll > 0.13


def test_train_test_separation(tmp_path, centred):
    dataset, maps = centred
    train = list(range(0, 30))
    stored = StoredMaps(maps)
    sigmas = (0.0, 0.02, 0.05)
    model = SaliencyMapDensityModel(stored, centre_bias="fit", sigmas=sigmas).fit(dataset, train=train)
    ids = dataset.stimuli.ids
    # only training maps were read
    assert set(stored.asked) == {ids[i] for i in train}
    # training images cannot be scored unless explicitly allowed
    with pytest.raises(InputError, match="is a training image"):
        model.log_density(SHAPE, image_id=ids[3])
    allowed = SaliencyMapDensityModel(StoredMaps(maps), allow_training_images=True,
                                      blur=False).fit(dataset, train=train)
    assert allowed.log_density(SHAPE, image_id=ids[3]).shape == SHAPE
    # the fit does not depend on the test images' fixations at all
    f = dataset.fixations
    keep = np.isin(f.n, train)
    rng = np.random.default_rng(5)
    moved_x = np.where(keep, f.x, rng.uniform(0, SHAPE[1], f.x.size))
    moved_y = np.where(keep, f.y, rng.uniform(0, SHAPE[0], f.y.size))
    other = Dataset(dataset.stimuli, Fixations(moved_x, moved_y, f.n, subject=f.subject,
                                               n_images=len(dataset)), dataset.facts)
    refit = SaliencyMapDensityModel(StoredMaps(maps), centre_bias="fit", sigmas=sigmas).fit(other, train=train)
    assert refit.sigma_ == model.sigma_
    np.testing.assert_array_equal(refit.values_, model.values_)
    assert refit.centre_bias_weight_ == model.centre_bias_weight_
    np.testing.assert_array_equal(refit.log_density(SHAPE, image_id=ids[40]),
                                  model.log_density(SHAPE, image_id=ids[40]))


def test_density_is_normalised_at_any_size_and_grid(centred):
    dataset, maps = centred
    model = SaliencyMapDensityModel(StoredMaps(maps), grid=20).fit(dataset, train=range(30))
    rng = np.random.default_rng(0)

    class AnySize(SaliencyMapModel):
        name = "any"

        def saliency_map(self, image, *, image_id=None):
            return random_field(rng, image, 2.0)

    model.model = AnySize()
    for shape in [(50, 70), (7, 300), (61, 61)]:
        ld = model.log_density(shape)
        assert ld.shape == shape and np.isfinite(ld).all()
        assert logsumexp(ld) == pytest.approx(0, abs=1e-10)
    d = model.describe()
    assert d["kind"] == "probabilistic" and len(d["parameters"]["values"]) == 20


def test_grid_helpers():
    a = np.arange(35.0).reshape(5, 7)
    np.testing.assert_array_equal(block_sum(a, 3), [[a[:3, :3].sum(), a[:3, 3:6].sum(), a[:3, 6:].sum()],
                                                    [a[3:, :3].sum(), a[3:, 3:6].sum(), a[3:, 6:].sum()]])
    np.testing.assert_array_equal(cell_areas((5, 7), 3), [[9, 9, 3], [6, 6, 2]])
    # linear functions are reproduced exactly between cell centres
    cells = np.add.outer(np.arange(4.0) * 2, np.arange(5.0))
    up = upsample(cells, (16, 20), 4)
    assert up[5, 9] == pytest.approx(2 * (5.5 - 2) / 4 + (9.5 - 2) / 4)


def test_errors(centred):
    dataset, maps = centred
    with pytest.raises(InputError, match="must be a SaliencyMapModel"):
        SaliencyMapDensityModel(lambda im: im)
    model = SaliencyMapDensityModel(StoredMaps(maps))
    with pytest.raises(InputError, match="not fitted"):
        model.log_density(SHAPE)
    with pytest.raises(InputError, match="train= is empty"):
        model.fit(dataset, train=[])
    with pytest.raises(TypeError):
        model.fit(dataset)                            # train= is required: no silent "all"
