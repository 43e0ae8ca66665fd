"""Registration of salbench's metrics: the facts and cores behind ``salbench.metrics.get``.

Each metric's cores are small adapters from :class:`~salbench.metrics.ImageInputs` to the
validated-array core of its public function (``_rank_auc``, ``_nss``...), so the functional form
and every batch path compute the same thing.
"""

import numpy as np

from ._distributions import KLD_CONVENTIONS, _emd, _kld, _sim, emd, kld, sim
from ._image import mean_defined
from ._likelihood import (
    LN2,
    _info_gain_mit,
    _information_gain,
    _log_likelihood,
    info_gain_mit,
    information_gain,
    log_likelihood,
)
from ._moments import _cc, _nss, _nss_per_fixation, cc, nss
from ._registry import MetricInfo, register
from ._roc import (
    _borji,
    _judd,
    _rank_auc,
    _rank_auc_stats,
    NO_SHUFFLED_NEGATIVES,
    _sauc_mit,
    auc,
    auc_borji,
    auc_judd,
    auc_unfixated,
    sauc,
    sauc_mit,
)

FIX = ("saliency_map", "fixations")
REF = ("saliency_map", "reference_map")
TWO = ("tuebingen", "mit")
SAMPLING = ("n_splits", "step", "seed")


# ------------------------------------------------------------------------------ rank AUCs
def _auc_image(negatives):
    def core(d, o, name="auc" if negatives == "all" else "auc_unfixated"):
        return _rank_auc(d.saliency(name), d.flat, negatives, fixated=d.own_fixations,
                         context=d.context)
    return core


def _auc_fixations(negatives):
    def core(d, o, name="auc" if negatives == "all" else "auc_unfixated"):
        scores, count = _rank_auc_stats(d.saliency(name), d.flat, negatives,
                                        fixated=d.own_fixations, context=d.context)
        if count == 0:
            return np.full(d.flat.shape[0], np.nan), "there are no negatives"
        return scores / count, None
    return core


def _sauc_stats(d):
    s = d.saliency("sauc")
    negatives = d.negatives.for_shape(s.shape)
    return _rank_auc_stats(s, d.flat, negatives, exclude=d.own_fixations, context=d.context)


def _sauc_image(d, o):
    scores, n_negatives = _sauc_stats(d)
    if n_negatives == 0:
        return np.nan, NO_SHUFFLED_NEGATIVES
    return float(scores.sum() / (d.flat.shape[0] * n_negatives)), None


def _sauc_fixations(d, o):
    scores, count = _sauc_stats(d)
    if count == 0:
        return np.full(d.flat.shape[0], np.nan), "there are no negatives"
    return scores / count, None


# ------------------------------------------------------------------------------ MIT AUCs
def _judd_image(d, o):
    return _judd(d.saliency("auc_judd"), d.flat, context=d.context)


def _borji_image(d, o):
    return _borji(d.saliency("auc_borji"), d.flat, o.n_splits, o.step, d.rng(o.seed),
                  context=d.context)


def _sauc_mit_image(d, o):
    s = d.saliency("sauc_mit")
    candidates = d.negatives.candidates_excluding(s.shape, d.own_fixations)
    return _sauc_mit(s, d.flat, candidates, o.n_splits, o.step, d.rng(o.seed), context=d.context)


# ------------------------------------------------------------------------------ moments, distributions
def _nss_image(d, o):
    return _nss(d.saliency("nss"), d.flat, o.convention("nss"), context=d.context)


def _nss_fixations(d, o):
    return _nss_per_fixation(d.saliency("nss"), d.flat, context=d.context), None


def _against_reference(name, core):
    def image_score(d, o):
        return core(d.saliency(name), d.reference_map, o.convention(name), context=d.context)
    return image_score


def _emd_image(d, o):
    return _emd(d.saliency("emd"), d.reference_map, o.emd_downsize, "none", context=d.context)


# ------------------------------------------------------------------------------ likelihoods
def _ll_fixations(d, o):
    if d.log_likelihoods is not None:
        return d.log_likelihoods, None
    return d.log_density.reshape(-1)[d.flat].astype(np.float64), None


def _ll_image(d, o):
    if d.log_likelihoods is not None:
        return mean_defined(d.log_likelihoods)
    return _log_likelihood(d.log_density, d.flat, context=d.context), None


def _ig_fixations(d, o):
    # float64 before the difference: a float32 map's values are exact in float64, their
    # difference need not be exact in float32
    model = d.log_likelihoods if d.log_likelihoods is not None else \
        d.log_density.reshape(-1)[d.flat].astype(np.float64)
    baseline = d.baseline_log_likelihoods if d.baseline_log_likelihoods is not None else \
        d.baseline_log_density.reshape(-1)[d.flat].astype(np.float64)
    return (model - baseline) / LN2, None


def _ig_image(d, o):
    if d.log_likelihoods is not None and d.baseline_log_likelihoods is not None:
        return mean_defined(_ig_fixations(d, o)[0])
    return _information_gain(d.log_density, d.baseline_log_density, d.flat, context=d.context)


def _info_gain_mit_image(d, o):
    return _info_gain_mit(d.saliency("info_gain_mit"), d.baseline_map, d.flat, context=d.context)


register(MetricInfo("auc", auc, True, FIX, image_score=_auc_image("all"),
                    fixation_scores=_auc_fixations("all"), mean_of_fixations=True,
                    float32=True, optimal_map="density",
                    summary="exact rank AUC, all pixels as negatives"))
register(MetricInfo("auc_unfixated", auc_unfixated, True, FIX,
                    image_score=_auc_image("unfixated"),
                    fixation_scores=_auc_fixations("unfixated"), mean_of_fixations=True,
                    float32=True, optimal_map="density",
                    summary="exact rank AUC, unfixated pixels as negatives"))
register(MetricInfo("sauc", sauc, True, FIX + ("negatives",), image_score=_sauc_image,
                    fixation_scores=_sauc_fixations, mean_of_fixations=True,
                    float32=True, optimal_map="shuffled",
                    summary="exact shuffled AUC, other images' fixations as negatives"))
register(MetricInfo("auc_judd", auc_judd, True, FIX, family="mit", image_score=_judd_image,
                    optimal_map="density",
                    summary="MIT AUC_Judd (thresholds at fixated values)"))
register(MetricInfo("auc_borji", auc_borji, True, FIX, family="mit", stochastic=True,
                    image_score=_borji_image, options=SAMPLING,
                    optimal_map="density",
                    summary="MIT AUC_Borji (uniformly sampled negatives)"))
register(MetricInfo("sauc_mit", sauc_mit, True, FIX + ("other_map",), family="mit",
                    stochastic=True, image_score=_sauc_mit_image, options=SAMPLING,
                    optimal_map="shuffled",
                    summary="MIT AUC_shuffled (sampled other-image fixations)"))
register(MetricInfo("nss", nss, True, FIX, conventions=TWO, family="both",
                    image_score=_nss_image, fixation_scores=_nss_fixations,
                    mean_of_fixations=("tuebingen",), optimal_map="density",
                    summary="normalised scanpath saliency"))
register(MetricInfo("cc", cc, True, REF, conventions=TWO, family="both",
                    image_score=_against_reference("cc", _cc),
                    optimal_map="blurred",
                    summary="Pearson correlation with the empirical density"))
register(MetricInfo("kld", kld, False, REF, conventions=KLD_CONVENTIONS, family="both",
                    unit="nats", image_score=_against_reference("kld", _kld),
                    optimal_map="blurred",
                    summary="KL divergence of the empirical density"))
register(MetricInfo("sim", sim, True, REF, conventions=TWO, family="both",
                    image_score=_against_reference("sim", _sim),
                    optimal_map="sim",
                    summary="histogram intersection with the empirical density"))
register(MetricInfo("emd", emd, False, REF, family="mit", unit="cells", image_score=_emd_image,
                    options=("emd_downsize",),
                    optimal_map="blurred",
                    summary="Earth Mover's Distance to the empirical density (exact)"))
register(MetricInfo("log_likelihood", log_likelihood, True, ("fixations", "log_density"),
                    unit="nats/fixation", image_score=_ll_image, fixation_scores=_ll_fixations,
                    mean_of_fixations=True, float32=True, optimal_map="log_density",
                    summary="mean log-likelihood of the fixations"))
register(MetricInfo("information_gain", information_gain, True,
                    ("fixations", "log_density", "baseline_log_density"), unit="bits/fixation",
                    image_score=_ig_image, fixation_scores=_ig_fixations, mean_of_fixations=True,
                    float32=True, optimal_map="log_density",
                    summary="information gain over a baseline model"))
register(MetricInfo("info_gain_mit", info_gain_mit, True, FIX + ("baseline_map",), family="mit",
                    unit="bits/fixated pixel", image_score=_info_gain_mit_image,
                    optimal_map="density",
                    summary="MIT InfoGain (min-max densities)"))
