"""The evaluation engine: score models on fixation datasets, stream results, resume.

One folder to read, in the order an evaluation runs:

* :mod:`~salbench.evaluation.settings` — :class:`EvaluationSettings`, the keywords that change
  what is computed, validated once into :class:`ResolvedSettings`;
* :mod:`~salbench.evaluation.plan` — :class:`ScoringPlan`, what every worker needs (metrics and
  options from the registry, the reference-map rule, the baseline, the shuffled negatives);
* :mod:`~salbench.evaluation.worker` — one image: the model's prediction, its inputs, and
  :func:`salbench.metrics.score_image`;
* :mod:`~salbench.evaluation.executors` — threads, ``concurrent.futures`` or dask;
* :mod:`~salbench.evaluation.store` — results in memory or in a resumable directory;
* :mod:`~salbench.evaluation.results` — :class:`Results` and the results-directory format;
* :mod:`~salbench.evaluation.engine` — :func:`evaluate` and :func:`evaluate_baselines`;
* :mod:`~salbench.evaluation.fitting` — fitted models built on explicit fitting images
  (:func:`~salbench.evaluation.fitting.model_for_scoring`, the command line's ``--fit-on``).
"""

from .engine import dataset_fingerprint, default_baseline, evaluate, evaluate_baselines
from .plan import ReferenceMaps, ScoringPlan, model_kind
from .results import RESULTS_FORMAT, Results, find_results, load_results, read_manifest
from .settings import EvaluationSettings, ResolvedSettings

__all__ = [
    "RESULTS_FORMAT",
    "EvaluationSettings",
    "ReferenceMaps",
    "ResolvedSettings",
    "Results",
    "ScoringPlan",
    "dataset_fingerprint",
    "default_baseline",
    "evaluate",
    "evaluate_baselines",
    "find_results",
    "load_results",
    "model_kind",
    "read_manifest",
]
