"""Reading MATLAB files with errors that name the file and the problem.

MAT v4-v7 files are read with ``scipy.io.loadmat``. Two things scipy cannot decode are read with
the optional ``mat-io`` package (``pip install "salbench[matlab]"``): MAT v7.3 files (HDF5) and
MATLAB objects such as ``containers.Map`` (CAT2000's ``allFixData.mat``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from ..._io import read_mat
from ...exceptions import DataError

_HEADER_KEYS = ("__header__", "__version__", "__globals__", "__function_workspace__")


def _matio(path: Path, variables, why: str):
    try:
        with warnings.catch_warnings():  # mat-io sets a pandas option pandas 3 deprecates
            warnings.filterwarnings("ignore", message=".*infer_string.*")
            from matio import load_from_mat
    except ImportError:
        raise DataError(f"{path}: {why}; reading it needs the mat-io package: "
                        'pip install "salbench[matlab]" (or pip install mat-io)') from None
    try:
        return load_from_mat(path, variable_names=None if variables is None else list(variables))
    except Exception as error:  # noqa: BLE001 - mat-io raises many types for damaged files
        raise DataError(f"{path}: corrupt or unreadable MAT file ({type(error).__name__}: "
                        f"{error})") from None


def load_mat(path: Path, variables: tuple[str, ...] | None, *, objects: bool = False) -> dict:
    """The variables of a MAT file; every failure is a :class:`DataError` naming ``path``.

    ``variables=None`` reads every variable. ``objects=True`` reads MATLAB objects
    (``containers.Map`` becomes a dict) and needs mat-io.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: MAT file is missing")
    if objects:
        contents = _matio(path, variables, "it holds MATLAB objects (e.g. containers.Map)")
    else:
        try:
            contents = read_mat(path, variables)
        except NotImplementedError:  # MAT v7.3 (HDF5) files
            contents = _matio(path, variables, "it is a MAT v7.3 (HDF5) file")
    contents = {k: v for k, v in contents.items() if k not in _HEADER_KEYS}
    missing = [v for v in (variables or ()) if v not in contents]
    if missing:
        raise DataError(f"{path}: MAT file lacks the variable(s) {missing}")
    return contents
