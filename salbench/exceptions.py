"""Exceptions and warnings raised by salbench.

Bad input raises an error that says what was wrong and where; degenerate but valid input (a
constant map, a single fixation for a metric that needs two) warns with
:class:`DegenerateInputWarning` and returns NaN.
"""


class SalbenchError(Exception):
    """Base class of salbench's own errors."""


class InputError(SalbenchError, ValueError):
    """An argument has the wrong shape, dtype, range or content (NaN/inf, out-of-image fixation...)."""


class DataError(SalbenchError, ValueError):
    """A file is missing, corrupt, truncated or not in the expected layout."""


class DegenerateInputWarning(RuntimeWarning):
    """The input is valid but the metric is undefined for it; the result is NaN."""
