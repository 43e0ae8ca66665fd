"""File I/O infrastructure: atomic writes, result tables (Parquet, or CSV without pyarrow), JSON,
and reading MATLAB files (the one place that turns a damaged ``.mat`` into an error naming it).

Every file is written to a temporary file in the target's folder and renamed over the target
(``os.replace``), so a reader — or a resumed run after a crash — sees either the old file or the
complete new one, never a half-written file, and an interrupted write leaves no file under the
target name.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from .exceptions import DataError, InputError


# ------------------------------------------------------------------------------ atomic writes
def _umask() -> int:
    """The process umask, read without changing it where the system allows (Linux /proc)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    current = os.umask(0o022)  # elsewhere: set and restore (briefly racy with other threads)
    os.umask(current)
    return current


@contextlib.contextmanager
def atomic_path(path, *, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``.

    On an exception the temporary file is removed and the exception propagates.
    """
    path = Path(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=folder)
    except OSError as error:
        raise DataError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        # mkstemp creates the file readable by its owner only; give the result the permissions
        # any other new file of this user would get (0666 minus the umask).
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(error, OSError) and error.errno in _REFUSED_WRITES:
            # a full disk or a folder that turned read-only while writing: one clear line, and
            # nothing half-written is left (the temporary file is gone, the target unchanged)
            raise DataError(f"cannot write {path}: {error.strerror or error}") from None
        raise


#: The errors with which a file system refuses a write (full, over quota, read-only, denied).
_REFUSED_WRITES = frozenset(getattr(errno, name) for name in
                            ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EFBIG")
                            if hasattr(errno, name))


def write_bytes_atomic(path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


# ------------------------------------------------------------------------------ tables and JSON
TABLE_FORMATS = ("parquet", "csv")


def default_table_format() -> str:
    """``"parquet"`` when pyarrow is installed, otherwise ``"csv"``."""
    return "parquet" if importlib.util.find_spec("pyarrow") is not None else "csv"


def table_format(value) -> str:
    if value in (None, "auto"):
        return default_table_format()
    if value not in TABLE_FORMATS:
        raise InputError(f"table format must be 'auto', 'parquet' or 'csv', got {value!r}")
    if value == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise InputError("table format 'parquet' needs pyarrow (pip install 'salbench[parquet]'); "
                         "use 'csv' instead")
    return value


def write_table(frame, path, fmt: str) -> Path:
    """Write a DataFrame atomically as Parquet or CSV."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, engine="pyarrow", index=False)
        else:
            # repr-exact floats so a CSV round trip gives the same numbers
            frame.to_csv(tmp, index=False, float_format="%.17g")
    return path


def read_table(path, fmt: str, *, string_columns=("model", "image_id")):
    """Read a table written by :func:`write_table` (a DataError names the file if it is bad)."""
    import pandas as pd

    path = Path(path)
    try:
        if fmt == "parquet":
            return pd.read_parquet(path, engine="pyarrow")
        return pd.read_csv(path, dtype={c: str for c in string_columns})
    except FileNotFoundError:
        raise DataError(f"{path}: result table is missing") from None
    except Exception as error:  # pyarrow / pandas raise many types for damaged files
        raise DataError(f"{path}: not a readable {fmt} result table ({error})") from None


def to_json_value(value):
    """Make ``value`` JSON-serialisable: numpy scalars and arrays, paths, NaN as null."""
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json_value(value.tolist())
    if isinstance(value, np.generic):
        return to_json_value(value.item())
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def write_json(path, data) -> Path:
    return write_text_atomic(path, json.dumps(to_json_value(data), indent=1, sort_keys=False) + "\n")


def read_json(path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object")
    return data


def canonical_json(value) -> str:
    """A stable string for comparing configurations (sorted keys, JSON-normalised values)."""
    return json.dumps(to_json_value(value), sort_keys=True)


# ------------------------------------------------------------------------------ MATLAB files
def _mat_read_errors() -> tuple:
    """What SciPy raises for a damaged MAT file: an empty file (``MatReadError``), one cut short
    (``IndexError``, ``EOFError``, ``zlib.error`` ...) or garbage (``ValueError``, ``TypeError``)."""
    import zlib

    from scipy.io.matlab import MatReadError

    return (MatReadError, ValueError, TypeError, OSError, EOFError, KeyError, IndexError,
            zlib.error, AssertionError, MemoryError, OverflowError)


def read_mat(path, variables=None, *, shapes_only: bool = False):
    """Read a MAT v4-v7 file with SciPy; every failure is a :class:`DataError` naming ``path``.

    Parameters
    ----------
    path : path-like
    variables : sequence of str, optional
        The variables to read (default: all).
    shapes_only : bool
        Return ``scipy.io.whosmat``'s ``[(name, shape, class), ...]`` instead of the data.

    Returns
    -------
    dict or list
        ``scipy.io.loadmat``'s dict (header keys included), or the ``whosmat`` list.

    Raises
    ------
    NotImplementedError
        A MAT v7.3 (HDF5) file: the caller reads it with its own HDF5 reader.
    DataError
        The file is missing, empty, truncated or not a MAT file.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.mat")
    >>> open(path, "wb").close()
    >>> read_mat(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    salbench.exceptions.DataError: ...empty.mat: corrupt or truncated MAT file (MatReadError: ...)
    """
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: MAT file is missing")
    names = None if variables is None else list(variables)
    try:
        if shapes_only:
            return scipy.io.whosmat(path)
        return scipy.io.loadmat(path, variable_names=names)
    except NotImplementedError:  # "Please use HDF reader for matlab v7.3 files"
        raise
    except _mat_read_errors() as error:
        raise DataError(f"{path}: corrupt or truncated MAT file ({type(error).__name__}: "
                        f"{error})") from None
