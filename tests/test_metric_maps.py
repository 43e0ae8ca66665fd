"""Metric-specific saliency maps (Kümmerer et al., ECCV 2018): on synthetic data whose true
density is known, each metric's map scores at least as well as the raw density on that metric,
in expectation over sampled fixations (fixed seeds, paired differences, margins of 3 standard
errors)."""

import numpy as np
import pytest
from scipy.special import logsumexp

from salbench.datasets import density_map
from salbench.exceptions import InputError
from salbench.metrics import auc, cc, kld, log_likelihood, nss, sauc, sim
from salbench.models.baselines import UniformModel
from salbench.models.base import ProbabilisticModel
from salbench.models.metric_maps import (MAP_FOR_METRIC, MetricMapModel, blurred_density,
                                         max_mean_intersection, metric_saliency_maps,
                                         sim_optimal_map)

SHAPE = (40, 60)
SIGMA = 3.0          # pixels: the empirical-map kernel
N_FIX = 12           # fixations per empirical map
TRIALS = 150


def gaussian_bump(shape, cy, cx, s):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return np.exp(-((yy + 0.5 - cy) ** 2 + (xx + 0.5 - cx) ** 2) / (2 * s ** 2))


@pytest.fixture(scope="module")
def truth():
    """A peaky density: two sharp bumps on a weak floor; the negatives follow a centre bias."""
    p = gaussian_bump(SHAPE, 12, 15, 1.5) + 0.6 * gaussian_bump(SHAPE, 28, 45, 1.0) + 0.002
    p /= p.sum()
    centre = gaussian_bump(SHAPE, 20, 30, 9.0) + 0.01
    centre /= centre.sum()
    return np.log(p), np.log(centre)


def draw(rng, log_p, n):
    p = np.exp(log_p).ravel()
    flat = rng.choice(p.size, size=n, p=p / p.sum())
    rows, cols = np.divmod(flat, SHAPE[1])
    return cols + rng.random(n), rows + rng.random(n)


def paired(scores_a, scores_b):
    """Mean of a - b and its standard error."""
    d = np.asarray(scores_a) - np.asarray(scores_b)
    return d.mean(), d.std(ddof=1) / np.sqrt(d.size)


@pytest.fixture(scope="module")
def trials(truth):
    log_p, log_centre = truth
    rng = np.random.default_rng(2018)
    out = []
    for _ in range(TRIALS):
        x, y = draw(rng, log_p, N_FIX)
        nx, ny = draw(rng, log_centre, 50)
        empirical = density_map((x, y), SHAPE, sigma=SIGMA)
        out.append((x, y, nx, ny, empirical))
    return out


@pytest.fixture(scope="module")
def maps(truth):
    log_p, log_centre = truth
    return metric_saliency_maps(log_p, sorted(MAP_FOR_METRIC), sigma=SIGMA, n_fixations=N_FIX,
                                baseline_log_density=log_centre, sim_samples=300, seed=7)


def test_maps_are_what_the_paper_prescribes(truth, maps):
    log_p, log_centre = truth
    p = np.exp(log_p)
    np.testing.assert_allclose(maps["auc"], p, rtol=1e-12)
    assert maps["nss"] is maps["auc"]
    np.testing.assert_allclose(maps["information_gain"], log_p)
    ratio = maps["sauc"]
    np.testing.assert_allclose(np.log(ratio) - np.log(ratio).max(),
                               (log_p - log_centre) - (log_p - log_centre).max(), atol=1e-9)
    assert maps["cc"] is maps["kld"]
    assert maps["sim"].sum() == pytest.approx(1.0) and (maps["sim"] >= 0).all()


def test_blurred_density_is_the_expected_empirical_map():
    # density_map is linear in the fixations: E[empirical map] = sum_j p_j * map of one fixation at j
    rng = np.random.default_rng(3)
    shape = (6, 7)
    p = rng.random(shape)
    p /= p.sum()
    expected = np.zeros(shape)
    for (r, c), pj in np.ndenumerate(p):
        expected += pj * density_map(([c + 0.5], [r + 0.5]), shape, sigma=1.3)
    np.testing.assert_allclose(blurred_density(p, sigma=1.3), expected, rtol=1e-10, atol=1e-15)


def test_blurred_density_mit_is_the_expected_binary_blur():
    # A peaky density and many fixations: pixels are often fixated repeatedly, which the binary
    # map counts once, so 1 - (1 - p)^n differs visibly from p.
    rng = np.random.default_rng(4)
    shape, n, draws = (8, 9), 20, 3000
    p = rng.random(shape) ** 6
    p /= p.sum()
    mean = np.zeros(shape)
    for _ in range(draws):
        flat = rng.choice(p.size, size=n, p=p.ravel())
        rows, cols = np.divmod(flat, shape[1])
        mean += density_map((cols + 0.5, rows + 0.5), shape, sigma=0.6, method="mit", normalize="none")
    mean /= mean.sum()
    got = blurred_density(p, sigma=0.6, method="mit", n_fixations=n)
    plain = blurred_density(p, sigma=0.6, method="mit")
    assert np.abs(got - mean).max() < 0.02 * got.max()       # Monte Carlo agreement (measured 1%)
    assert np.abs(plain - mean).max() > 0.04 * got.max()     # ignoring repeats is visibly off (5%)


def test_sim_solution_is_the_linear_programme_optimum():
    from scipy.optimize import linprog

    rng = np.random.default_rng(5)
    m, j = 7, 9
    samples = rng.random((m, j)) ** 4
    samples /= samples.sum(axis=1, keepdims=True)
    s = max_mean_intersection(samples)
    # LP: maximise mean_m sum_j z_mj with z_mj <= S_j, z_mj <= E_mj, sum S = 1, S >= 0
    n_z = m * j
    cost = np.concatenate([np.zeros(j), -np.ones(n_z) / m])
    a_ub = np.zeros((n_z, j + n_z))
    for mm in range(m):
        for jj in range(j):
            a_ub[mm * j + jj, jj] = -1.0
            a_ub[mm * j + jj, j + mm * j + jj] = 1.0
    bounds = [(0, None)] * j + [(None, e) for e in samples.ravel()]
    a_eq = np.concatenate([np.ones(j), np.zeros(n_z)])[None]
    lp = linprog(cost, A_ub=a_ub, b_ub=np.zeros(n_z), A_eq=a_eq, b_eq=[1.0], bounds=bounds)
    objective = np.minimum(s[None], samples).sum(axis=1).mean()
    assert s.sum() == pytest.approx(1.0) and (s >= 0).all()
    assert objective == pytest.approx(-lp.fun, abs=1e-10)


def test_auc_and_nss_maps_beat_other_maps(maps, trials):
    # AUC only sees the ranking, and the other maps rank pixels almost like the density here, so
    # the density must be no worse (up to noise); NSS separates them clearly.
    density = maps["auc"]
    for other in ("sauc", "cc", "sim"):
        mean, se = paired([auc(density, x, y) for x, y, *_ in trials],
                          [auc(maps[other], x, y) for x, y, *_ in trials])
        assert mean > -2 * se, (other, mean, se)
    mean, se = paired([nss(density, x, y) for x, y, *_ in trials],
                      [nss(maps["cc"], x, y) for x, y, *_ in trials])
    assert mean > 3 * se, (mean, se)


def test_sauc_map_beats_the_density(maps, trials):
    mean, se = paired([sauc(maps["sauc"], x, y, nx, ny) for x, y, nx, ny, _ in trials],
                      [sauc(maps["auc"], x, y, nx, ny) for x, y, nx, ny, _ in trials])
    assert mean > 3 * se, (mean, se)


def test_cc_and_kld_maps_beat_the_density(maps, trials):
    density, blurred = maps["auc"], maps["cc"]
    mean, se = paired([cc(blurred, e) for *_, e in trials], [cc(density, e) for *_, e in trials])
    assert mean > 3 * se, (mean, se)
    mean, se = paired([kld(density, e) for *_, e in trials], [kld(blurred, e) for *_, e in trials])
    assert mean > 3 * se, (mean, se)           # lower KLD is better


def test_sim_map_beats_density_and_blurred_density(maps, trials):
    sim_map = maps["sim"]
    scores = [sim(sim_map, e) for *_, e in trials]
    for other in (maps["auc"], maps["cc"]):
        mean, se = paired(scores, [sim(other, e) for *_, e in trials])
        assert mean > 3 * se, (mean, se)


def test_log_density_map_beats_a_blurred_density_on_log_likelihood(maps, trials):
    log_blurred = np.log(maps["cc"])
    log_blurred -= logsumexp(log_blurred)
    mean, se = paired([log_likelihood(maps["log_likelihood"], x, y) for x, y, *_ in trials],
                      [log_likelihood(log_blurred, x, y) for x, y, *_ in trials])
    assert mean > 3 * se, (mean, se)


class _Fixed(ProbabilisticModel):
    name = "fixed"

    def __init__(self, log_density):
        self._ld = log_density

    def log_density(self, image, *, image_id=None):
        return self._ld.copy()


def test_metric_map_model(truth, maps):
    log_p, log_centre = truth
    model = MetricMapModel(_Fixed(log_p), "cc", sigma=SIGMA)
    np.testing.assert_allclose(model.saliency_map(SHAPE), maps["cc"])
    shuffled = MetricMapModel(_Fixed(log_p), "sauc", negatives=_Fixed(log_centre))
    np.testing.assert_allclose(shuffled.saliency_map(SHAPE), maps["sauc"])
    both = MetricMapModel(_Fixed(log_p), "auc", sigma=SIGMA, n_fixations=N_FIX, sim_samples=50)
    got = both.maps(SHAPE, image_id="a.jpg", metrics=["auc", "sim"])
    assert set(got) == {"auc", "sim"} and got["sim"].shape == SHAPE
    # the SIM sampling seed depends on the image, reproducibly
    again = both.maps(SHAPE, image_id="a.jpg", metrics=["sim"])["sim"]
    other = both.maps(SHAPE, image_id="b.jpg", metrics=["sim"])["sim"]
    np.testing.assert_array_equal(got["sim"], again)
    assert not np.array_equal(got["sim"], other)
    assert model.describe()["parameters"]["map"] == "blurred"


def test_errors(truth):
    log_p, _ = truth
    with pytest.raises(InputError, match="need sigma="):
        metric_saliency_maps(log_p, ["cc"])
    with pytest.raises(InputError, match="needs n_fixations="):
        metric_saliency_maps(log_p, ["sim"], sigma=2.0)
    with pytest.raises(InputError, match="baseline_log_density="):
        metric_saliency_maps(log_p, ["sauc"])
    with pytest.raises(InputError, match="no metric-specific map is defined for metric 'foo'"):
        metric_saliency_maps(log_p, ["foo"])
    with pytest.raises(InputError, match="NaN"):
        metric_saliency_maps(np.full((3, 3), np.nan), ["auc"])
    with pytest.raises(InputError, match="must be a ProbabilisticModel"):
        MetricMapModel(object(), "auc")
    with pytest.raises(InputError, match="needs negatives="):
        MetricMapModel(UniformModel(), "sauc").saliency_map((3, 4))
    with pytest.raises(InputError, match="n_fixations must be an integer"):
        sim_optimal_map(np.exp(log_p), sigma=2.0, n_fixations=0)
