"""Model specification strings, as used on the command line: ``from_spec("maps:preds/")``.

==============================  ===================================================================
spec                            model
==============================  ===================================================================
``DIR`` or ``maps:DIR``         :class:`~salbench.models.adapters.MapDirectoryModel`
``hdf5:FILE`` (``.h5/.hdf5``)   :class:`~salbench.models.adapters.HDF5SaliencyMapModel`
``onnx:FILE`` (``.onnx``)       :class:`~salbench.models.adapters.OnnxModel`
``torch:FILE`` (``.pt/.pt2``)   :class:`~salbench.models.adapters.TorchModel` (TorchScript or
                                ``torch.export`` program)
``python:MODULE:ATTR``          a model object, a model class (called with the options) or a
                                function ``image -> map`` (:class:`CallableModel`); ``MODULE`` may
                                be a dotted module name or a ``.py`` file
``command:CMD``                 :class:`~salbench.models.adapters.CommandModel`
``fastgaze:FILE`` (``.vxm``)    :class:`~salbench.models.fastgaze.FastGazeModel` (fitted on the
                                training images when ``dataset=`` is given)
``builtin:default``             salbench's built-in pruned gaze model,
                                :func:`~salbench.models.default_model`; ``builtin:VARIANT`` for
                                ``unpruned``, ``pruned-50``, ``pruned-25`` or ``pruned-12``
``baseline:uniform``            :class:`~salbench.models.baselines.UniformModel`
``baseline:centre``             :class:`~salbench.models.baselines.CentreBiasModel` (needs
                                ``dataset=``; fitted on ``train=``, default every image, which it
                                cross-validates so no image predicts itself)
``baseline:gold``               :class:`~salbench.models.baselines.GoldStandardModel` (needs
                                ``dataset=``; every metric scored leave-one-observer-out, mixed
                                with the centre bias); ``baseline:gold-all-observers`` for the
                                older in-sample variant (``scoring="all_observers"``)
``density:SPEC``                the model of ``SPEC`` turned into a probabilistic model by
                                :class:`~salbench.models.conversion.SaliencyMapDensityModel`
                                (needs ``dataset=`` and ``train=``)
==============================  ===================================================================

A bare path is recognised by what it is (a folder, or its extension). ``kind="log_density"``
makes the file/network adapters probabilistic. Other keyword options go to the model's constructor.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import numpy as np

from ..exceptions import DataError, InputError

SCHEMES = ("maps", "hdf5", "onnx", "torch", "python", "command", "fastgaze", "builtin", "baseline",
           "density")
BASELINES = {"uniform": "uniform", "centre": "centre", "center": "centre", "centre-bias": "centre",
             "center-bias": "centre", "centre_bias": "centre", "gold": "gold",
             "gold-standard": "gold", "gold_standard": "gold",
             "gold-all-observers": "gold_all", "gold-standard-all-observers": "gold_all",
             "gold_standard_all_observers": "gold_all"}
_EXTENSIONS = {".h5": "hdf5", ".hdf5": "hdf5", ".onnx": "onnx", ".pt": "torch", ".pth": "torch", ".pt2": "torch",
               ".ts": "torch", ".torchscript": "torch", ".vxm": "fastgaze"}

USAGE = ("a folder of maps, or maps:DIR, hdf5:FILE, onnx:FILE, torch:FILE, python:MODULE:ATTR, "
         "command:CMD, fastgaze:FILE.vxm, builtin:default, baseline:uniform|centre|gold, "
         "density:SPEC")


def fits_parameters(spec: str) -> bool:
    """Whether the model of ``spec`` is fitted to fixations (``from_spec`` then needs
    ``dataset=`` and the training images): ``fastgaze:``, ``density:`` and the centre-bias and
    gold-standard baselines.

    Examples
    --------
    >>> fits_parameters("density:maps/"), fits_parameters("baseline:uniform")
    (True, False)
    """
    if not isinstance(spec, str):
        return False
    scheme, rest = split_scheme(spec.strip())
    if scheme in ("fastgaze", "density"):
        return True
    return scheme == "baseline" and BASELINES.get(rest.lower()) not in (None, "uniform")


def _train_indices(dataset, train):
    if train is None:
        return None
    from ..datasets.splits import training_indices

    return training_indices(dataset, train)


def split_scheme(spec: str):
    """``(scheme, rest)`` of a spec string, or ``(None, spec)``."""
    path = Path(spec)
    if path.is_dir():
        return "maps", spec
    if path.is_file() and path.suffix.lower() in _EXTENSIONS:
        return _EXTENSIONS[path.suffix.lower()], spec
    head, sep, rest = spec.partition(":")
    if sep and head.lower() in SCHEMES:
        return head.lower(), rest
    if path.suffix.lower() in _EXTENSIONS:  # a model file that does not exist: say so below
        return _EXTENSIONS[path.suffix.lower()], spec
    return None, spec


def from_spec(spec: str, *, dataset=None, train=None, kind: str | None = None, **options):
    """Build a model from a specification string (see the module's table).

    Parameters
    ----------
    spec : str
        E.g. ``"maps:predictions/"``, ``"onnx:model.onnx"``, ``"baseline:centre"``.
    dataset : salbench.datasets.Dataset, optional
        Needed by the baselines and ``density:``; FastGaze is fitted on it when given.
    train : sequence of int or Split, optional
        The training images of ``dataset`` (baselines, FastGaze and ``density:`` are fitted on
        these only).
    kind : {"saliency", "log_density"}, optional
        For the file and network adapters (default ``"saliency"``).
    **options
        Passed to the model's constructor (e.g. ``resize="bilinear"``, ``input_size=(240, 320)``).

    Returns
    -------
    SaliencyMapModel or ProbabilisticModel
        With ``spec``: the spec string as given (stripped), which :func:`salbench.evaluate`
        records in the results manifest (``model.spec``) so that ``salbench site`` can rebuild
        the model for its gallery. A ``python:`` spec that names a model object which already
        has a ``spec`` keeps it.

    Examples
    --------
    >>> from_spec("baseline:uniform").name
    'uniform'
    >>> from_spec(" builtin:default ").spec
    'builtin:default'
    """
    model = _build(spec, dataset, train, kind, options)
    if getattr(model, "spec", None) is None:
        try:
            model.spec = spec.strip()
        except AttributeError:  # a user's object that takes no new attributes (__slots__)
            pass
    return model


def _build(spec, dataset, train, kind, options):
    """The model of ``spec`` (see :func:`from_spec`)."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"model spec must be a non-empty string ({USAGE}), got {spec!r}")
    spec = spec.strip()
    scheme, rest = split_scheme(spec)
    if scheme is None:
        raise InputError(f"unknown model spec {spec!r}: not an existing folder or model file, and "
                         f"no known prefix; expected {USAGE}")
    if not rest:
        raise InputError(f"model spec {spec!r} names no {scheme} target")
    adapter_kind = {} if kind is None else {"kind": kind}
    if scheme == "maps":
        from .adapters import MapDirectoryModel

        return MapDirectoryModel(rest, **adapter_kind, **options)
    if scheme == "hdf5":
        from .adapters import HDF5SaliencyMapModel

        return HDF5SaliencyMapModel(rest, **adapter_kind, **options)
    if scheme == "onnx":
        from .adapters import OnnxModel

        return OnnxModel(rest, **adapter_kind, **options)
    if scheme == "torch":
        from .adapters import TorchModel

        return TorchModel(rest, **adapter_kind, **options)
    if scheme == "command":
        from .adapters import CommandModel

        return CommandModel(rest, **adapter_kind, **options)
    if scheme == "python":
        return _python_model(rest, adapter_kind, options)
    if kind is not None:
        raise InputError(f"kind= applies to file and network adapters, not to {scheme}: specs")
    if scheme == "fastgaze":
        return _fastgaze(rest, dataset, train, options)
    if scheme == "builtin":
        from .default import default_model

        # Trained on OSIE's default training split; nothing is fitted to the user's dataset.
        return default_model(None if rest.lower() == "default" else rest, **options)
    if scheme == "baseline":
        return _baseline(rest, dataset, train, options)
    return _density(rest, dataset, train, options)


def _python_model(target, adapter_kind, options):
    from .adapters import CallableModel
    from .base import SaliencyMapModel

    module_name, sep, attr = target.rpartition(":")
    if not sep or not module_name or not attr:
        raise InputError(f"python spec must be python:MODULE:ATTR (or python:FILE.py:ATTR), got "
                         f"python:{target}")
    if module_name.endswith(".py"):
        path = Path(module_name)
        if not path.is_file():
            raise DataError(f"{path}: Python file is missing")
        loader_spec = importlib.util.spec_from_file_location(f"salbench_user_model_{path.stem}", path)
        module = importlib.util.module_from_spec(loader_spec)
        try:
            loader_spec.loader.exec_module(module)
        except Exception as error:
            raise InputError(f"{path}: importing it failed ({type(error).__name__}: {error})") from error
    else:
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise InputError(f"cannot import module {module_name!r} ({error})") from None
    obj = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InputError(f"module {module_name!r} has no attribute {attr!r}") from None
    if isinstance(obj, SaliencyMapModel):
        if options or adapter_kind:
            raise InputError(f"python:{target} is already a model object; options "
                             f"{sorted({**options, **adapter_kind})} cannot be applied")
        return obj
    if isinstance(obj, type) and issubclass(obj, SaliencyMapModel):
        return obj(**adapter_kind, **options)
    if callable(obj):
        options.setdefault("name", attr)
        return CallableModel(obj, **adapter_kind, **options)
    raise InputError(f"python:{target} is a {type(obj).__name__}, not a model, a model class or "
                     "a function image -> map")


def _need_dataset(dataset, what):
    if dataset is None:
        raise InputError(f"{what} is fitted to fixations: pass dataset= (and train= for the "
                         "training images)")


def _fastgaze(path, dataset, train, options):
    from .fastgaze import FastGazeModel

    if not Path(path).is_file():
        raise DataError(f"{path}: FastGaze weights file is missing")
    if dataset is None:
        return FastGazeModel(path, **options)
    idx = _train_indices(dataset, train)
    if idx is None:
        idx = np.arange(len(dataset))
    return FastGazeModel.fitted(path, dataset, idx, **options)


def _baseline(which, dataset, train, options):
    from .baselines import CentreBiasModel, GoldStandardModel, UniformModel

    key = BASELINES.get(which.lower())
    if key is None:
        raise InputError(f"unknown baseline {which!r}; expected uniform, centre, gold or "
                         "gold-all-observers")
    if key == "uniform":
        return UniformModel(**options)
    _need_dataset(dataset, f"baseline:{which}")
    idx = _train_indices(dataset, train)
    if key == "centre":
        return CentreBiasModel(**options).fit(dataset, images=idx)
    prior = options.pop("prior", None)
    if prior is None:
        prior = CentreBiasModel().fit(dataset, images=idx)
    if key == "gold_all":
        options.setdefault("scoring", "all_observers")
    return GoldStandardModel(prior=prior, **options).fit(dataset, images=idx)


def _density(inner, dataset, train, options):
    from .conversion import SaliencyMapDensityModel

    _need_dataset(dataset, "density:")
    idx = _train_indices(dataset, train)
    if idx is None:
        raise InputError("density: fits the saliency-to-density conversion on training images; "
                         "pass train= (indices or a Split)")
    # options of the model that makes the maps (``--timeout``, ``--resize-maps``) go to it
    inner_options = {k: options.pop(k) for k in ("timeout", "resize") if k in options}
    model = from_spec(inner, **inner_options)
    if hasattr(model, "check"):
        model.check(dataset, images=idx, extra="ignore")
    return SaliencyMapDensityModel(model, **options).fit(dataset, train=idx)
