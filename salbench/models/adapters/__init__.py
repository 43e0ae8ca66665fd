"""Adapters: turn precomputed maps, functions, networks and programs into salbench models.

==========================  =====================================================================
:class:`MapDirectoryModel`  a folder of maps (PNG, JPEG, TIFF, BMP, NPY, NPZ, MAT), matched by
                            file stem; ``check(dataset)`` reports every problem at once
:class:`HDF5SaliencyMapModel`  pysaliency-style HDF5 predictions (one dataset per stimulus)
:class:`CallableModel`      a Python function ``image -> map``
:class:`OnnxModel`          an ONNX network (onnxruntime)
:class:`TorchModel`         a TorchScript file or ``torch.nn.Module``
:class:`CommandModel`       an external program run per image (prints a grid or writes a file)
==========================  =====================================================================

Each takes ``kind="saliency"`` (a :class:`~salbench.models.SaliencyMapModel`) or
``kind="log_density"`` (a :class:`~salbench.models.ProbabilisticModel`). Heavy libraries (h5py,
onnxruntime, torch) are imported only when such a model is created.
"""

from ..._lazy import lazy_getattr

_LAZY = {
    "MapDirectoryModel": "directory", "LogDensityDirectoryModel": "directory", "MapCheck": "directory",
    "HDF5SaliencyMapModel": "hdf5", "HDF5LogDensityModel": "hdf5",
    "CallableModel": "callable", "CallableLogDensityModel": "callable",
    "OnnxModel": "onnx_model", "OnnxLogDensityModel": "onnx_model",
    "TorchModel": "torch_model", "TorchLogDensityModel": "torch_model",
    "CommandModel": "command", "CommandLogDensityModel": "command", "parse_grid": "command",
    "InputSpec": "_preprocess",
    "read_map": "_io", "map_shape": "_io", "MAP_SUFFIXES": "_io", "ColourMapError": "_io",
    "is_map_file": "_io", "log_density_problem": "_base",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
