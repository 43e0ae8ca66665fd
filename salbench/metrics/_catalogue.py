"""Registration of salbench's metrics (the facts behind ``salbench.metrics.get``)."""

from ._distributions import KLD_CONVENTIONS, emd, kld, sim
from ._likelihood import info_gain_mit, information_gain, log_likelihood
from ._moments import cc, nss
from ._registry import MetricInfo, register
from ._roc import auc, auc_borji, auc_judd, auc_unfixated, sauc, sauc_mit

FIX = ("fixations",)
TWO = ("tuebingen", "mit")

register(MetricInfo("auc", auc, True, FIX, summary="exact rank AUC, all pixels as negatives"))
register(MetricInfo("auc_unfixated", auc_unfixated, True, FIX,
                    summary="exact rank AUC, unfixated pixels as negatives"))
register(MetricInfo("sauc", sauc, True, FIX + ("negatives",),
                    summary="exact shuffled AUC, other images' fixations as negatives"))
register(MetricInfo("auc_judd", auc_judd, True, FIX, family="mit",
                    summary="MIT AUC_Judd (thresholds at fixated values)"))
register(MetricInfo("auc_borji", auc_borji, True, FIX, family="mit", stochastic=True,
                    summary="MIT AUC_Borji (uniformly sampled negatives)"))
register(MetricInfo("sauc_mit", sauc_mit, True, FIX + ("other_map",), family="mit",
                    stochastic=True, summary="MIT AUC_shuffled (sampled other-image fixations)"))
register(MetricInfo("nss", nss, True, FIX, conventions=TWO, family="both",
                    summary="normalised scanpath saliency"))
register(MetricInfo("cc", cc, True, ("reference_map",), conventions=TWO, family="both",
                    summary="Pearson correlation with the empirical density"))
register(MetricInfo("kld", kld, False, ("reference_map",), conventions=KLD_CONVENTIONS,
                    family="both", unit="nats", summary="KL divergence of the empirical density"))
register(MetricInfo("sim", sim, True, ("reference_map",), conventions=TWO, family="both",
                    summary="histogram intersection with the empirical density"))
register(MetricInfo("emd", emd, False, ("reference_map",), family="mit", unit="cells",
                    summary="Earth Mover's Distance to the empirical density (exact)"))
register(MetricInfo("log_likelihood", log_likelihood, True, FIX + ("log_density",),
                    unit="nats/fixation", summary="mean log-likelihood of the fixations"))
register(MetricInfo("information_gain", information_gain, True,
                    FIX + ("log_density", "baseline_log_density"), unit="bits/fixation",
                    summary="information gain over a baseline model"))
register(MetricInfo("info_gain_mit", info_gain_mit, True, FIX + ("baseline_map",), family="mit",
                    unit="bits/fixated pixel", summary="MIT InfoGain (min-max densities)"))
