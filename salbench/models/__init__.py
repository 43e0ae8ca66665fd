"""Models: the protocol, adapters that call saliency models, baselines and the pruned gaze nets."""

from .base import ProbabilisticModel, SaliencyMapModel

__all__ = ["ProbabilisticModel", "SaliencyMapModel"]
