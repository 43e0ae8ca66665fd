"""A Python function as a model: ``fn(image) -> (H, W) map`` (or log-density)."""

from __future__ import annotations

import inspect

import numpy as np

from ...exceptions import DataError, InputError, SalbenchError
from ._base import Adapter, check_resize, make_log_density_variant, pixels_of


def _accepts_image_id(fn) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        return False
    return any(p.name == "image_id" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
               or p.kind == p.VAR_KEYWORD for p in parameters)


class CallableModel(Adapter):
    """Wrap a function ``fn(image) -> (H, W) array`` as a model.

    Parameters
    ----------
    fn : callable
        Called with the image (an ``(H, W)`` or ``(H, W, 3)`` uint8 array); if it accepts an
        ``image_id`` keyword, the image's id is passed too.
    kind : {"saliency", "log_density"}
        ``"log_density"``: ``fn`` returns a log-density up to an additive constant (e.g. logits);
        it is normalised (``logsumexp == 0``) and the model is probabilistic.
    resize : {None, "bilinear", "mit", "nearest", "area"}
        ``None``: an output of another size than the image is an error.
    name : str, optional
        Default: the function's name.

    Examples
    --------
    >>> model = CallableModel(lambda image: image.mean(axis=2), name="brightness")
    >>> model.saliency_map(np.full((2, 3, 3), 7, np.uint8)).tolist()
    [[7.0, 7.0, 7.0], [7.0, 7.0, 7.0]]
    >>> flat = CallableModel(lambda image: np.zeros(image.shape[:2]), kind="log_density")
    >>> float(np.exp(flat.log_density(np.zeros((2, 2, 3), np.uint8))).sum())
    1.0
    """

    def __init__(self, fn, *, kind: str = "saliency", resize: str | None = None,
                 name: str | None = None):
        if not callable(fn):
            raise InputError(f"fn must be callable (image -> map), got {type(fn).__name__}")
        self.fn = fn
        self.resize = check_resize(resize)
        self.name = name or getattr(fn, "__name__", None) or type(fn).__name__
        if self.name == "<lambda>":
            self.name = "callable"
        self._pass_id = _accepts_image_id(fn)
        self._indices: dict = {}

    def check(self, dataset, *, images=None, **ignored):
        """Remember the dataset's image indices, so that an error of ``fn`` names the image by
        index as well as by id (the engine calls this before scoring)."""
        ids = dataset.stimuli.ids
        chosen = range(len(ids)) if images is None else images
        self._indices.update({ids[int(i)]: int(i) for i in chosen})
        return None

    def _context(self, image_id) -> str:
        index = self._indices.get(image_id) if image_id is not None else None
        if index is None:
            return super()._context(image_id)
        return f"{self.name}, image {index} ({image_id!r})"

    def _output(self, image, image_id) -> np.ndarray:
        pixels = pixels_of(image, self.name)
        try:
            out = self.fn(pixels, image_id=image_id) if self._pass_id else self.fn(pixels)
        except SalbenchError as error:
            kind = InputError if isinstance(error, InputError) else DataError
            raise kind(f"{self._context(image_id)}: {error}") from error
        except Exception as error:
            # the user's traceback stays attached (``from error``) for debugging in Python
            raise DataError(f"{self._context(image_id)}: the model function raised "
                            f"{type(error).__name__}: {error}") from error
        return self._finish(out, pixels, image_id, self.resize)

    def fingerprint(self) -> dict:
        """The function's name and the file it is defined in, with that file's hash."""
        from ..._fingerprint import code_fingerprint

        return code_fingerprint(self.fn)

    def _parameters(self) -> dict:
        fn = self.fn
        where = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__name__)}"
        return {"function": where, "resize": self.resize}


CallableLogDensityModel = make_log_density_variant(
    CallableModel, "CallableLogDensityModel",
    """A function returning log-densities (normalised here): ``CallableModel(fn, kind="log_density")``.""")
