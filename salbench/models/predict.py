"""Running a model on one image of a dataset: what kind it is, what it needs, its validated map.

The evaluation engine and the figures ask a model the same questions: is it probabilistic (it has
``log_density``) or a saliency-map model; does it look at pixels (or only at the image's size and
id); and, for image ``i``, what map it predicts, checked to be 2-D, of the image's size and
finite, with an error that names the model and the image.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_map, check_finite, keyword_choice
from ..exceptions import InputError
from .base import ProbabilisticModel, SaliencyMapModel

__all__ = ["check_prediction", "model_kind", "needs_pixels", "predict_map"]

_KINDS = ("probabilistic", "saliency")


def model_kind(model) -> str:
    """``"probabilistic"`` (has ``log_density``) or ``"saliency"`` (has ``saliency_map``).

    Raises
    ------
    InputError
        For an object that is neither.

    Examples
    --------
    >>> from salbench.models.baselines import UniformModel
    >>> model_kind(UniformModel())
    'probabilistic'
    """
    if isinstance(model, ProbabilisticModel) or callable(getattr(model, "log_density", None)):
        return "probabilistic"
    if isinstance(model, SaliencyMapModel) or callable(getattr(model, "saliency_map", None)):
        return "saliency"
    raise InputError(
        f"model must have a saliency_map(image, *, image_id=None) or a log_density(image, *, "
        f"image_id=None) method (see salbench.models.base); got {type(model).__name__}"
    )


def needs_pixels(model) -> bool:
    """Whether the model looks at pixels (maps read from disk and baselines only need the size).

    A model says it does not with a ``needs_pixels = False`` attribute; it is then given the
    image's ``(H, W)`` shape instead of its pixels. salbench's baselines accept such a shape.

    Examples
    --------
    >>> from salbench.models.baselines import UniformModel
    >>> needs_pixels(UniformModel()), needs_pixels(object())
    (False, True)
    """
    from .baselines import CentreBiasModel, GoldStandardModel, UniformModel

    if isinstance(model, (UniformModel, CentreBiasModel, GoldStandardModel)):
        return False
    return bool(getattr(model, "needs_pixels", True))


def check_prediction(array, name: str, shape, model_name: str, context: str) -> np.ndarray:
    """A model's output as a 2-D float64 map of the image's ``shape``, or an InputError.

    ``name`` is what the output is (``"log_density"``, ``"saliency map"``); ``context`` says
    which image (e.g. ``"image 3 (1003.jpg)"``). Values are not checked here (see
    :func:`predict_map`).

    Examples
    --------
    >>> import numpy as np
    >>> check_prediction(np.ones((2, 3), np.uint8), "saliency map", (2, 3), "m", "image 0").dtype
    dtype('float64')
    """
    a = as_map(array, name, context=f"{context}, model {model_name!r}")
    if a.shape != tuple(shape):
        raise InputError(
            f"model {model_name!r} returned a {name} of shape {a.shape} for {context}, but the "
            f"image is {shape[0]}x{shape[1]} (height x width); resize explicitly with "
            "salbench.metrics.resize_map"
        )
    return a


def predict_map(model, dataset, image: int, *, kind: str | None = None) -> np.ndarray:
    """The model's prediction for one image of a dataset, validated.

    Parameters
    ----------
    model : SaliencyMapModel or ProbabilisticModel
        Anything with ``saliency_map(image, *, image_id=None)`` or ``log_density(image, *,
        image_id=None)``; given the pixels, or only the shape when :func:`needs_pixels` is False,
        and the image's stable id.
    dataset : salbench.datasets.Dataset or salbench.datasets.Stimuli
    image : int
        Index of the image.
    kind : {"probabilistic", "saliency"}, optional
        What to ask for: ``"probabilistic"`` the log-density (``log_density``), ``"saliency"``
        the saliency map (``saliency_map``). Default :func:`model_kind`.

    Returns
    -------
    numpy.ndarray of float64, shape (H, W)
        The log-density (finite, or ``-inf`` where the density is 0) or the saliency map
        (finite).

    Raises
    ------
    InputError
        When the model lacks the method, or its output is not 2-D, not of the image's size or
        has NaN / inf values; the message names the model and the image.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.datasets import Stimuli
    >>> from salbench.models.baselines import UniformModel
    >>> stimuli = Stimuli(["a.png"], shapes=[(2, 4)], hashes=["0" * 64])
    >>> float(np.exp(predict_map(UniformModel(), stimuli, 0)).sum())
    1.0
    """
    stimuli = getattr(dataset, "stimuli", dataset)
    shape = stimuli.shape(image)
    kind = model_kind(model) if kind is None else keyword_choice(kind, "kind", _KINDS)
    method = "log_density" if kind == "probabilistic" else "saliency_map"
    name = getattr(model, "name", type(model).__name__)
    if not callable(getattr(model, method, None)):
        raise InputError(f"model {name!r} has no {method} method, so it has no {kind} map")
    pixels = stimuli.load(image) if needs_pixels(model) else shape
    context = f"image {image} ({stimuli.names[image]})"
    output = getattr(model, method)(pixels, image_id=stimuli.ids[image])
    if kind == "probabilistic":
        log_density = check_prediction(output, "log_density", shape, name, context)
        check_finite(np.where(np.isneginf(log_density), 0.0, log_density), "log_density",
                     context=f"{context}, model {name!r}")
        return log_density
    saliency = check_prediction(output, "saliency map", shape, name, context)
    check_finite(saliency, "saliency map", context=f"{context}, model {name!r}")
    return saliency
