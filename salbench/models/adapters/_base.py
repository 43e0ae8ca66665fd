"""What the adapters share: the ``kind`` switch, output checks, resizing and image identities.

Every adapter produces one 2-D array per image. With ``kind="saliency"`` (the default) it is a
saliency map and the adapter is a :class:`~salbench.models.base.SaliencyMapModel`; with
``kind="log_density"`` it is a natural-log density and the adapter is a
:class:`~salbench.models.base.ProbabilisticModel` (its ``…LogDensity…`` variant class, chosen when
the object is created, so ``isinstance(model, ProbabilisticModel)`` tells the engine whether
log-likelihood and information gain can be computed).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..._validation import keyword_choice
from ...exceptions import InputError
from ..base import ProbabilisticModel, SaliencyMapModel

KINDS = ("saliency", "log_density")
RESIZE_METHODS = ("bilinear", "mit", "nearest", "area")


def shape_of(image) -> tuple[int, int] | None:
    """``(H, W)`` of an ``(H, W[, C])`` array or an ``(H, W)`` tuple; None for None."""
    if image is None:
        return None
    if isinstance(image, tuple) and len(image) == 2 and all(isinstance(v, (int, np.integer))
                                                            for v in image):
        return int(image[0]), int(image[1])
    shape = getattr(image, "shape", None)
    if shape is None:
        shape = np.shape(image)
    if len(shape) not in (2, 3):
        raise InputError(f"image must be an (H, W) or (H, W, C) array or an (H, W) tuple, got "
                         f"shape {tuple(shape)}")
    return int(shape[0]), int(shape[1])


def pixels_of(image, context: str) -> np.ndarray:
    """The image as an array; a bare ``(H, W)`` tuple is an error for models that need pixels."""
    if image is None or (isinstance(image, tuple) and len(image) == 2):
        raise InputError(f"{context} needs the image's pixels, got {image!r}")
    return np.asarray(image)


def name_of(image_id) -> str | None:
    """The stimulus file name in a salbench image id ``"<file name>:<hash>"`` (or the id itself)."""
    if image_id is None:
        return None
    text = str(image_id)
    head, sep, tail = text.rpartition(":")
    if sep and len(tail) == 16 and all(c in "0123456789abcdef" for c in tail):
        return head
    return text


def stem_of(image_id) -> str | None:
    name = name_of(image_id)
    return None if name is None else Path(name).stem


def wrong_size_message(context: str, got, expected) -> str:
    """The error for a map whose ``(H, W)`` is not its image's: both sizes, a hint when the map
    is the transpose, and how to ask for resizing."""
    got, expected = tuple(int(v) for v in got), tuple(int(v) for v in expected)
    hint = " (the map is transposed: rows and columns swapped)" if got == expected[::-1] else ""
    return (f"{context}: map is {got[1]}x{got[0]} (WxH, shape {got}) but the image is "
            f"{expected[1]}x{expected[0]} (shape {expected}){hint}; maps are not resized "
            "unless asked: pass resize='bilinear' (or 'mit', 'nearest', 'area'; on the command "
            "line --resize-maps bilinear)")


def log_normalise(z: np.ndarray) -> np.ndarray:
    """``z - logsumexp(z)`` (in place for float64 input)."""
    m = float(z.max())
    z -= m + math.log(float(np.exp(z - m).sum()))
    return z


def resize_to(array: np.ndarray, shape, method: str) -> np.ndarray:
    if array.shape == tuple(shape):
        return array
    from ...metrics import resize_map

    return resize_map(array, shape, method=method)


def log_density_problem(a: np.ndarray, label: str):
    """``(problem, detail)`` when ``a`` is not a normalised log-density, else None."""
    from ...metrics import LOG_DENSITY_TOLERANCE

    if np.isnan(a).any() or np.isposinf(a).any():
        return ("non-finite values", f"{label}: NaN or +inf in a log-density")
    finite = a[np.isfinite(a)]
    total = float(np.logaddexp.reduce(finite.ravel())) if finite.size else -math.inf
    if not abs(total) <= LOG_DENSITY_TOLERANCE:
        return ("not a normalised log-density", f"{label}: logsumexp = {total:.6g} (should be 0)")
    return None


def check_kind(kind):
    return keyword_choice(kind, "kind", KINDS)


def check_resize(resize, *, allow_none: bool = True):
    if resize is None and allow_none:
        return None
    return keyword_choice(resize, "resize", RESIZE_METHODS)


class Adapter(SaliencyMapModel):
    """Base of the adapters: ``kind`` chooses the saliency or the log-density variant class.

    Subclasses implement :meth:`_output` (the raw 2-D array for one image) and name their
    probabilistic variant in ``_log_density_class``. The variant's :meth:`log_density` normalises or
    checks the output (see :attr:`normalise_log_density`).
    """

    #: Name of the ProbabilisticModel variant class (set by each adapter module).
    _log_density_class: type | None = None
    #: Log-density outputs of models (network logits...) are normalised; those read from files are
    #: checked instead, because a file that is not normalised was probably saved wrongly.
    normalise_log_density = True
    #: Whether ``saliency_map`` needs the image's pixels (the engine may pass an (H, W) tuple
    #: otherwise and skip decoding the image).
    needs_pixels = True

    def __new__(cls, *args, kind: str = "saliency", **kwargs):
        check_kind(kind)
        if kind == "log_density" and not issubclass(cls, ProbabilisticModel):
            if cls._log_density_class is None:
                raise InputError(f"{cls.__name__} has no log-density variant")
            cls = cls._log_density_class
        return object.__new__(cls)

    @property
    def kind(self) -> str:
        return "log_density" if isinstance(self, ProbabilisticModel) else "saliency"

    def _output(self, image, image_id) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def saliency_map(self, image, *, image_id=None) -> np.ndarray:
        if isinstance(self, ProbabilisticModel):
            return np.exp(self.log_density(image, image_id=image_id))
        return self._output(image, image_id)

    def _log_density(self, image, image_id) -> np.ndarray:
        out = np.array(self._output(image, image_id), dtype=np.float64, copy=True)
        if self.normalise_log_density:
            return log_normalise(out)
        return out  # checked (and renormalised after any resize) by _finish

    def _parameters(self) -> dict:
        return {}

    def describe(self) -> dict:
        return {"name": self.name, "class": type(self).__qualname__,
                "kind": "probabilistic" if isinstance(self, ProbabilisticModel) else "saliency",
                "parameters": self._parameters()}

    def _context(self, image_id) -> str:
        return f"{self.name}, image {image_id!r}" if image_id is not None else self.name

    def _finish(self, out, image, image_id, resize) -> np.ndarray:
        """Check a raw output (2-D, numeric; finite for saliency maps; for log-densities no NaN
        or +inf, and normalised when read from a file) and bring it to the image's size."""
        context = self._context(image_id)
        a = np.asarray(out)
        while a.ndim > 2 and 1 in a.shape:
            axis = a.shape.index(1)
            a = a.reshape(a.shape[:axis] + a.shape[axis + 1:])
        if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
            raise InputError(f"{context}: output has shape {np.shape(out)}; expected a 2-D map")
        if a.dtype == np.bool_ or a.dtype.kind not in "iuf":
            raise InputError(f"{context}: output has dtype {a.dtype}; expected real numbers")
        a = np.ascontiguousarray(a, dtype=np.float64)
        probabilistic = isinstance(self, ProbabilisticModel)
        if not probabilistic and not np.isfinite(a).all():
            bad = int((~np.isfinite(a)).sum())
            raise InputError(f"{context}: the saliency map has {bad} non-finite value(s)")
        if probabilistic:
            if np.isnan(a).any() or np.isposinf(a).any():
                raise InputError(f"{context}: the log-density contains NaN or +inf")
            if not np.isfinite(a).any():
                raise InputError(f"{context}: the log-density is -inf everywhere")
            if not self.normalise_log_density:
                problem = log_density_problem(a, "the stored log-density")
                if problem is not None:
                    raise InputError(f"{context}: {problem[1]}; not a normalised log-density")
        shape = shape_of(image)
        if shape is not None and a.shape != shape:
            if resize is None:
                raise InputError(wrong_size_message(context, a.shape, shape))
            finite = np.isfinite(a)
            if not finite.all():
                # A log-density may be -inf (probability 0) somewhere; interpolation needs finite
                # values, so those pixels get e^-50 times the smallest positive probability.
                a = np.where(finite, a, a[finite].min() - 50.0)
            a = resize_to(a, shape, resize)
            if probabilistic:  # a resized log-density is renormalised over the new pixels
                a = log_normalise(a)
        return a


def make_log_density_variant(cls, name: str, doc: str):
    """Define ``name``, the ProbabilisticModel variant of adapter ``cls`` (call at module level)."""

    def log_density(self, image, *, image_id=None) -> np.ndarray:
        return self._log_density(image, image_id)

    variant = type(name, (cls, ProbabilisticModel), {
        "log_density": log_density, "__doc__": doc, "__module__": cls.__module__,
    })
    cls._log_density_class = variant
    return variant
