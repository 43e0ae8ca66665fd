"""The model protocol: what the evaluation engine asks of a model.

A model is either

* a :class:`SaliencyMapModel`: ``saliency_map(image) -> (H, W)`` float array, any monotone scale; or
* a :class:`ProbabilisticModel`: ``log_density(image) -> (H, W)`` natural-log density over the
  image's pixels (``logsumexp == 0``). A probabilistic model is also a saliency-map model (its map is
  the density) and can score its own fixations with ``log_likelihoods``.

``image`` is an ``(H, W)`` or ``(H, W, C)`` array (uint8 RGB for photographs). Models that depend on
the identity of the image rather than its pixels (a gold standard built from other observers'
fixations, maps read from disk) receive the image's stable identifier as ``image_id=``; every
method accepts that keyword even when it ignores it.

A model may also implement ``fingerprint() -> dict``: facts that change whenever its predictions
may (hashes of the files it reads, of its weights), recorded in results manifests so that stale
results are never resumed or reused (:mod:`salbench.evaluation.fingerprints`).

A probabilistic model whose prediction depends on *which observer* is scored — the gold
standard, which predicts each observer from the others — also has
``leave_one_out(image, *, image_id, subjects)``: it yields ``(subject, log_density)`` for each
observer of ``subjects`` it can predict, ``log_density`` being its density for the image built
without that observer. The evaluation engine then scores every metric leave one observer out
(:mod:`salbench.evaluation.worker`); ``leave_one_out = None`` turns this off.

A model fitted to fixations may say on which images in a ``fitted_on`` attribute (a
:class:`salbench.datasets.selection.ImageSelection`): :func:`salbench.evaluate` records it and
refuses to score those images (``allow_fit_overlap=True`` allows it; a model that predicts its
fitting images cross-validated says ``cross_validated = True``).
"""

from __future__ import annotations

import abc

import numpy as np


class SaliencyMapModel(abc.ABC):
    """A model that predicts a saliency map for an image."""

    #: A short human-readable name used in tables and plots.
    name: str = "model"

    @abc.abstractmethod
    def saliency_map(self, image: np.ndarray, *, image_id=None) -> np.ndarray:
        """Return an (H, W) saliency map for ``image``."""

    def describe(self) -> dict:
        """Facts about the model for result manifests (override to add parameters)."""
        return {"name": self.name, "class": type(self).__qualname__, "kind": "saliency"}


class ProbabilisticModel(SaliencyMapModel):
    """A model that predicts a probability density over the pixels of an image."""

    @abc.abstractmethod
    def log_density(self, image: np.ndarray, *, image_id=None) -> np.ndarray:
        """Return the (H, W) natural-log density; ``logsumexp(result) == 0``."""

    def saliency_map(self, image: np.ndarray, *, image_id=None) -> np.ndarray:
        return np.exp(self.log_density(image, image_id=image_id))

    def log_likelihoods(self, image: np.ndarray, x, y, *, image_id=None, subjects=None) -> np.ndarray:
        """Per-fixation log-likelihoods in nats.

        The default reads ``log_density`` at the fixated pixels. Models whose density depends on
        the observer (a leave-one-subject-out gold standard) override this and use ``subjects``.
        """
        log_density = self.log_density(image, image_id=image_id)
        rows = np.floor(np.asarray(y, dtype=np.float64)).astype(np.int64)
        cols = np.floor(np.asarray(x, dtype=np.float64)).astype(np.int64)
        return log_density[rows, cols]

    def describe(self) -> dict:
        return {"name": self.name, "class": type(self).__qualname__, "kind": "probabilistic"}
