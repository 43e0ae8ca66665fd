"""Reading MATLAB v5 files with errors that name the file and the problem."""

from __future__ import annotations

import zlib
from pathlib import Path

from ...exceptions import DataError


def load_mat(path: Path, variables: tuple[str, ...]) -> dict:
    """``scipy.io.loadmat`` that turns every failure into a :class:`DataError` naming ``path``."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: fixation file is missing")
    try:
        contents = loadmat(path, variable_names=list(variables))
    except NotImplementedError as error:  # MAT v7.3 (HDF5) files
        raise DataError(f"{path}: unsupported MAT version ({error}); save it with -v7") from None
    except (MatReadError, ValueError, TypeError, OSError, EOFError, KeyError, IndexError,
            zlib.error, AssertionError, MemoryError) as error:
        raise DataError(f"{path}: corrupt or truncated MAT file ({type(error).__name__}: {error})") from None
    missing = [v for v in variables if v not in contents]
    if missing:
        raise DataError(f"{path}: MAT file lacks the variable(s) {missing}")
    return contents
