"""Streaming metrics: accumulate per-batch sufficient statistics, merge them, compute at the end.

Every metric in salbench has a per-image value; the dataset score is its mean over images, or —
for metrics that are themselves means over fixations (AUC, sAUC, NSS, LL, IG in the Tübingen
convention) — optionally over all fixations. The sufficient statistics are therefore, per metric,
the sum of the image values, the sum weighted by each image's fixation count, and the two counts.
``update`` adds a batch (through :func:`score_maps`), ``merge`` adds another accumulator's
statistics (from another process or machine), ``compute`` divides. One implementation serves the
functional call, a training loop and a distributed evaluation.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import host_array, keyword_choice
from ..exceptions import InputError
from . import _registry
from ._batch import _metric_list, _score_rows, _warn_degenerate

AVERAGES = ("image", "fixation")


class StreamingScores:
    """Accumulates :func:`score_maps` results batch by batch.

    Parameters
    ----------
    metrics : str or list of str
        Metric names, as for :func:`score_maps`.
    **options
        Keyword options passed to :func:`score_maps` on every update (``convention``, ``seed``,
        ``n_threads``...).

    Notes
    -----
    ``sauc`` takes its negatives from the other images *of the same batch*; with small batches it
    is noisier than over a whole dataset.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import StreamingScores
    >>> scores = StreamingScores(["auc", "nss"])
    >>> maps = np.stack([np.add.outer(np.arange(4.0), np.arange(4.0))] * 2)
    >>> _ = scores.update(maps, [3.5, 0.5], [3.5, 0.5], [0, 1])
    >>> _ = scores.update(maps[:1], [2.5], [3.5], [0])
    >>> {k: round(v, 4) for k, v in scores.compute().items()}
    {'auc': 0.625, 'nss': 0.4216}
    """

    def __init__(self, metrics, **options):
        self.metrics = _metric_list(metrics)
        self.options = options
        self.reset()

    def reset(self):
        zeros = {m: 0.0 for m in self.metrics}
        self.state = {
            "sum": dict(zeros),
            "weighted_sum": dict(zeros),
            "images": {m: 0 for m in self.metrics},
            "fixations": {m: 0 for m in self.metrics},
            "undefined": {m: 0 for m in self.metrics},
        }

    def update(self, saliency_maps, x, y, n, **maps):
        """Score one batch and add its statistics.

        Maps and fixations may be torch tensors, also ones that require grad (they are detached;
        a CPU tensor is read in place, a GPU one copied to the host). A float32 map read only by
        metrics whose cores take float32 exactly (``MetricInfo.float32``: the rank AUCs and the
        likelihoods) is not copied to float64, and their results are those of the same values in
        float64; the other metrics read a float64 copy of each map, one image at a time. For
        scores computed where the tensors are, see :class:`salbench.torch.StreamingScores`.

        Returns the batch's per-image values as ``{metric: array, "n_fixations": array}``
        (``pandas.DataFrame(...)`` of it is the :func:`score_maps` table); no table is built, so
        a small batch in a training loop costs little more than its kernels.
        """
        x, y, n = (host_array(v) for v in (x, y, n))
        names, results = _score_rows(saliency_maps, x, y, n, metrics=self.metrics,
                                     **self.options, **maps)
        _warn_degenerate(results, names, stacklevel=3)
        columns = {m: np.array([row[m] for row, _ in results], dtype=np.float64)
                   for m in self.metrics}
        columns["n_fixations"] = np.array([row["n_fixations"] for row, _ in results],
                                          dtype=np.int64)
        self._add(columns)
        return columns

    def update_from_table(self, table):
        """Add the statistics of a :func:`score_maps` table computed elsewhere."""
        missing = [m for m in self.metrics + ["n_fixations"] if m not in table.columns]
        if missing:
            raise InputError(f"the table lacks column(s) {missing}")
        self._add({m: table[m].to_numpy(dtype=float) for m in self.metrics}
                  | {"n_fixations": table["n_fixations"].to_numpy()})

    def _add(self, columns):
        counts = columns["n_fixations"]
        for m in self.metrics:
            values = columns[m]
            defined = ~np.isnan(values)
            self.state["sum"][m] += float(values[defined].sum())
            self.state["weighted_sum"][m] += float((values[defined] * counts[defined]).sum())
            self.state["images"][m] += int(defined.sum())
            self.state["fixations"][m] += int(counts[defined].sum())
            self.state["undefined"][m] += int((~defined).sum())

    def merge(self, other: "StreamingScores") -> "StreamingScores":
        """Add another accumulator's statistics (same metrics) to this one; returns self."""
        if other.metrics != self.metrics:
            raise InputError(f"cannot merge metrics {other.metrics} into {self.metrics}")
        for key, values in other.state.items():
            for m, v in values.items():
                self.state[key][m] += v
        return self

    def compute(self, *, average="image"):
        """Dataset scores: ``{metric: mean}``.

        ``average="image"`` is the mean of the per-image values (images where a metric is
        undefined are left out); ``average="fixation"`` weights each image by its number of
        fixations, which for the per-fixation metrics (``MetricInfo.per_fixation``) equals the
        mean over all fixations of the dataset.
        """
        keyword_choice(average, "average", AVERAGES)
        out = {}
        for m in self.metrics:
            if average == "fixation":
                if not _registry.get(m).per_fixation:
                    raise InputError(
                        f"{m} is not a mean over fixations; use average='image' for it"
                    )
                count = self.state["fixations"][m]
                out[m] = self.state["weighted_sum"][m] / count if count else math.nan
            else:
                count = self.state["images"][m]
                out[m] = self.state["sum"][m] / count if count else math.nan
        return out
