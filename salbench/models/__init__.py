"""Models: the protocol, adapters that call saliency models, baselines and the pruned gaze nets."""

from .._lazy import lazy_getattr
from .base import ProbabilisticModel, SaliencyMapModel

# Adapters, the spec parser, the saliency-to-density conversion and metric-specific maps load on
# first use, so ``import salbench.models`` stays cheap.
_LAZY = {
    "from_spec": "spec",
    "SaliencyMapDensityModel": "conversion", "to_density": "conversion",
    "MetricMapModel": "metric_maps", "metric_saliency_maps": "metric_maps",
    "metric_saliency_map": "metric_maps", "average_log_density": "metric_maps",
    "MapDirectoryModel": "adapters", "HDF5SaliencyMapModel": "adapters",
    "CallableModel": "adapters", "OnnxModel": "adapters", "TorchModel": "adapters",
    "CommandModel": "adapters",
    "default_model": "default",
    "model_kind": "predict", "needs_pixels": "predict", "check_prediction": "predict",
    "predict_map": "predict",
    "baseline_from_spec": "baselines",
}

__all__ = ["ProbabilisticModel", "SaliencyMapModel", *_LAZY]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
