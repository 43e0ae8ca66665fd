"""Validation at the public boundary: turn user input into what the kernels expect, or say why not.

Kernels take float64 C-contiguous maps and int64 flat pixel indices and never validate. Everything
here runs once per public call; per-pixel checks for NaN/inf are folded into the kernels' own
passes (see :func:`raise_non_finite`) so validation does not cost an extra pass over each map.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .exceptions import DegenerateInputWarning, InputError


def _where(context: str | None) -> str:
    return f" ({context})" if context else ""


def host_array(value):
    """``value`` as something numpy can read: a tensor is detached and brought to the host.

    Duck-typed (``detach``/``cpu``/``numpy``), so torch is never imported here; a CPU tensor
    becomes a view of the same memory (no copy), one that requires grad is detached first.
    """
    if hasattr(value, "detach") and hasattr(value, "numpy") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    return value


def as_map(array, name: str = "saliency_map", *, context: str | None = None,
           keep_float32: bool = False) -> np.ndarray:
    """Return ``array`` as a 2-D float64 C-contiguous array (a view when it already is one).

    Integer maps (e.g. uint8 PNGs) are converted to float64 so that no integer arithmetic, which
    wraps around, is ever applied to them. Booleans, complex numbers and objects are rejected.
    With ``keep_float32`` a float32 map stays float32 (for cores that read it exactly,
    ``MetricInfo.float32``). Tensors are accepted (:func:`host_array`).
    """
    a = np.asarray(host_array(array))
    if a.dtype == np.bool_ or a.dtype.kind not in "iuf":
        raise InputError(f"{name}{_where(context)} must be a real numeric array, got dtype {a.dtype}")
    if a.ndim != 2:
        raise InputError(
            f"{name}{_where(context)} must be 2-D (height, width), got {a.ndim}-D shape {a.shape}"
        )
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise InputError(f"{name}{_where(context)} is empty (shape {a.shape})")
    if keep_float32 and a.dtype == np.float32:
        return np.ascontiguousarray(a)
    return np.ascontiguousarray(a, dtype=np.float64)


def shape_mismatch_message(name_a, shape_a, name_b, shape_b, *, context=None) -> str:
    return (f"{name_a}{_where(context)} has shape {tuple(shape_a)} but {name_b} has shape "
            f"{tuple(shape_b)}; resize explicitly with salbench.metrics.resize_map")


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, *, context=None):
    if a.shape != b.shape:
        raise InputError(shape_mismatch_message(name_a, a.shape, name_b, b.shape,
                                                context=context))


def raise_non_finite(array: np.ndarray, name: str, *, context: str | None = None):
    """Raise an InputError that locates the first NaN/inf in ``array`` (slow path, errors only)."""
    bad = np.argwhere(~np.isfinite(array))
    if len(bad) == 0:
        raise InputError(overflow_message(name, float(np.max(np.abs(array))), context=context))
    row, col = (int(v) for v in bad[0])
    raise InputError(non_finite_message(name, len(bad), float(array[row, col]), row, col,
                                        context=context))


def overflow_message(name, largest, *, context=None, dtype="float64") -> str:
    return (f"{name}{_where(context)} has values so large that its sums overflow {dtype} "
            f"(max |value| = {largest:.3g})")


def non_finite_message(name, count, first, row, col, *, context=None) -> str:
    """The message for a map with NaN/inf values (shared by every path that checks maps)."""
    return (f"{name}{_where(context)} contains {count} non-finite value(s) (NaN or inf); "
            f"the first is {first!r} at row {row}, column {col}")


def check_finite(array: np.ndarray, name: str, *, context: str | None = None):
    """Full check for NaN/inf, for the code paths whose kernel does not see every pixel."""
    if not np.isfinite(array).all():
        raise_non_finite(array, name, context=context)


def as_coordinates(x, y, shape, *, names=("x", "y"), context: str | None = None,
                   allow_empty: bool = False):
    """Validate fixation coordinates for a map of ``shape`` and return ``(x, y, flat_index)``.

    Coordinates are continuous and 0-based (x = column, y = row); a fixation belongs to pixel
    ``(floor(y), floor(x))`` and must satisfy ``0 <= x < width`` and ``0 <= y < height``.
    """
    xn, yn = names
    x, y = np.asarray(x), np.asarray(y)
    for values, name in ((x, xn), (y, yn)):
        check_numeric_dtype(values.dtype, name, context=context)
    xa = np.ascontiguousarray(x, dtype=np.float64).reshape(-1) if np.ndim(x) <= 1 else None
    ya = np.ascontiguousarray(y, dtype=np.float64).reshape(-1) if np.ndim(y) <= 1 else None
    if xa is None or ya is None:
        raise InputError(f"{xn} and {yn}{_where(context)} must be 1-D sequences of coordinates")
    if xa.shape != ya.shape:
        raise InputError(
            f"{xn} has {xa.size} values but {yn} has {ya.size}{_where(context)}; "
            "they must have the same length"
        )
    if xa.size == 0 and not allow_empty:
        raise InputError(f"no fixations were given{_where(context)}: {xn} and {yn} are empty")
    height, width = shape
    flat = np.empty(xa.shape[0], dtype=np.int64)
    if _flat_pixels()(xa, ya, int(height), int(width), flat) < 0:
        return xa, ya, flat
    # at least one fixation is outside: find the first, x before y, for the message
    for arr, name, limit, axis in ((xa, xn, width, "width"), (ya, yn, height, "height")):
        bad = ~(np.isfinite(arr) & (arr >= 0) & (arr < limit))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(outside_message(i, name, float(arr[i]), limit, axis, int(bad.sum()),
                                             context=context))
    flat = np.floor(ya).astype(np.int64) * width + np.floor(xa).astype(np.int64)
    return xa, ya, flat


def not_numeric_message(name, dtype, *, context=None) -> str:
    """The message for coordinates (or another numeric field) of a non-numeric dtype, e.g. a
    boolean mask passed as x (shared by the metrics, :class:`~salbench.datasets.Fixations` and
    the torch path)."""
    return f"{name}{_where(context)} must be numeric, got dtype {dtype}"


def check_numeric_dtype(dtype, name: str, *, context: str | None = None) -> None:
    """Raise unless ``dtype`` is an integer or real floating type (booleans are not numbers
    here: ``True``/``False`` would silently become pixel 1/0)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_ or dtype.kind not in "iuf":
        raise InputError(not_numeric_message(name, dtype, context=context))


_FLAT_PIXELS = None


def _flat_pixels():
    """The coordinate kernel, imported on first use (``import salbench`` stays free of Numba)."""
    global _FLAT_PIXELS
    if _FLAT_PIXELS is None:
        from ._coordinates import flat_pixels

        _FLAT_PIXELS = flat_pixels
    return _FLAT_PIXELS


def outside_message(index, name, value, limit, axis, count, *, context=None) -> str:
    """The message for fixations outside their image (shared by every path that checks them)."""
    return (f"fixation {index}{_where(context)} has {name} = {value!r}, outside the image "
            f"[0, {limit}) ({axis} {limit}); {count} fixation(s) are outside. "
            "Coordinates are 0-based continuous pixels (x = column, y = row)")


def keyword_choice(value, name: str, choices):
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def positive_int(value, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def degenerate(reason: str, *, context: str | None = None, stacklevel: int = 3) -> float:
    """Warn that the input is degenerate and return NaN."""
    warnings.warn(f"{reason}{_where(context)}; returning NaN", DegenerateInputWarning,
                  stacklevel=stacklevel)
    return float("nan")
