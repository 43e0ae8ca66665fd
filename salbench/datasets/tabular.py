"""Fixations from a generic table (CSV, TSV or Parquet) with user-named columns.

Eye-tracking exports disagree on everything: column names, x/y order, 0- or 1-based pixels,
milliseconds or seconds, image names or numbers. :func:`read_fixations` therefore takes the
column names from the user and makes the two conventions that silently corrupt results —
coordinate base and x/y order — *required* keyword arguments with no default.

Example
-------
A CSV ``subject,image,row,col,onset_ms`` with MATLAB-style 1-based pixels::

    fixations = read_fixations("export.csv", coordinates=("col", "row"), xy_order="xy",
                               one_based=True, image="image", subject="subject",
                               t="onset_ms", time_unit="ms", images=dataset.stimuli.names)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..exceptions import DataError, InputError
from .fixations import Fixations


def _read_table(source):
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return source, "DataFrame"
    path = Path(source)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path), str(path)
        sep = "\t" if suffix in (".tsv", ".tab") else ","
        return pd.read_csv(path, sep=sep), str(path)
    except Exception as error:  # pandas/pyarrow raise many types for malformed files
        raise DataError(f"{path}: cannot read the table ({type(error).__name__}: {error})") from None


def _column(frame, name, where, role):
    if name not in frame.columns:
        raise DataError(f"{where}: no column {name!r} (given as {role}); the columns are "
                        f"{[str(c) for c in frame.columns]}")
    return frame[name]


def _not_a_number_kind(series) -> str | None:
    """``"boolean"``, ``"date/time"`` or ``"time-span"`` for a column pandas would silently turn
    into numbers (True -> 1, a date -> nanoseconds since 1970), else None."""
    import datetime

    import pandas as pd

    types = pd.api.types
    if types.is_bool_dtype(series):
        return "boolean"
    if types.is_datetime64_any_dtype(series):
        return "date/time"
    if types.is_timedelta64_dtype(series):
        return "time-span"
    if series.dtype == object:  # e.g. booleans with a missing value: judge by the first value
        present = series.dropna()
        if len(present):
            first = present.iloc[0]
            if isinstance(first, (bool, np.bool_)):
                return "boolean"
            if isinstance(first, (datetime.date, datetime.time, np.datetime64)):
                return "date/time"
            if isinstance(first, (datetime.timedelta, np.timedelta64)):
                return "time-span"
    return None


def _numeric(series, name, where, role) -> np.ndarray:
    import pandas as pd

    kind = _not_a_number_kind(series)
    if kind is not None:
        raise DataError(f"{where}: column {name!r} ({role}) holds {kind} values (dtype "
                        f"{series.dtype}), not numbers; name the column that holds the {role}")
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & series.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}: column {name!r} ({role}) has a non-numeric value "
                        f"{series.iloc[row]!r} in data row {row}")
    return values


def read_fixations(source, *, coordinates: tuple[str, str], xy_order: str, one_based: bool,
                   image: str, subject: str | None = None, scanpath: str | None = None,
                   t: str | None = None, duration: str | None = None, time_unit: str = "s",
                   images=None, image_index_base: int = 0, n_images: int | None = None,
                   shapes=None, out_of_image: str = "error") -> Fixations:
    """Read fixations from a CSV/TSV/Parquet file (or a DataFrame).

    Parameters
    ----------
    source : path or pandas.DataFrame
    coordinates : (str, str)
        The two coordinate columns, in the order given by ``xy_order``.
    xy_order : {"xy", "yx"}
        ``"xy"``: the first column is x (the column index, horizontal); ``"yx"``: the first is y
        (the row index), as in NUS Scene's ``[y, x, ...]`` matrices. Required.
    one_based : bool
        True for 1-based pixel coordinates (MATLAB exports: 1 is subtracted), False for 0-based.
        Required.
    image : str
        Column identifying the image: file names (matched against ``images``) or integer indices
        (``image_index_base`` says whether they start at 0 or 1).
    subject, scanpath, t, duration : str, optional
        Columns for the observer, the trial, the onset and the duration. Subjects and scanpaths
        may be strings; they are numbered in order of first appearance. Without a scanpath column,
        each (image, subject) pair is one scanpath, its fixations in table order.
    time_unit : {"s", "ms"}
        Unit of ``t`` and ``duration``.
    images : sequence of str, optional
        Image file names in dataset order (e.g. ``dataset.stimuli.names``); names in the table may
        also be given without extension.
    n_images : int, optional
        Number of images (default: ``len(images)``, else the largest index + 1).
    shapes : array-like of int, shape (n_images, 2), optional
        ``(height, width)`` of each image (e.g. ``dataset.stimuli.shapes``). When given, fixations
        outside their image are found here and treated as ``out_of_image`` says.
    out_of_image : {"error", "drop", "clip", "keep"}
        What to do with fixations outside their image when ``shapes`` is given
        (:data:`salbench.datasets.dataset.OUT_OF_IMAGE_POLICIES`).

    Raises
    ------
    DataError
        Naming the file (and column and data row where there is one): no rows, a missing column,
        a value that is not a number (booleans and dates included), a missing subject or scanpath,
        an unknown image, a fixation outside its image (``out_of_image="error"``).

    Warns
    -----
    UserWarning
        ``one_based=True`` with coordinates below 1, which 1-based pixels never are.
    """
    if xy_order not in ("xy", "yx"):
        raise InputError(f"xy_order must be 'xy' or 'yx', got {xy_order!r}")
    if not isinstance(one_based, bool):
        raise InputError(f"one_based must be True or False, got {one_based!r}")
    if time_unit not in ("s", "ms"):
        raise InputError(f"time_unit must be 's' or 'ms', got {time_unit!r}")
    if image_index_base not in (0, 1):
        raise InputError(f"image_index_base must be 0 or 1, got {image_index_base!r}")
    try:
        first, second = coordinates
    except (TypeError, ValueError):
        raise InputError(f"coordinates must be two column names, got {coordinates!r}") from None
    frame, where = _read_table(source)
    if len(frame) == 0:
        raise DataError(f"{where}: the table has no rows (columns {[str(c) for c in frame.columns]}"
                        "): no fixations to read")
    a = _numeric(_column(frame, first, where, "first coordinate"), first, where, "coordinate")
    b = _numeric(_column(frame, second, where, "second coordinate"), second, where, "coordinate")
    x, y = (a, b) if xy_order == "xy" else (b, a)
    missing = np.isnan(x) | np.isnan(y)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DataError(f"{where}: data row {row} has no coordinates ({int(missing.sum())} row(s) "
                        "without coordinates); remove them first")
    if one_based:
        low = (x < 1) | (y < 1)
        if low.any():
            row = int(np.flatnonzero(low)[0])
            warnings.warn(
                f"{where}: one_based=True but {int(low.sum())} fixation(s) have a coordinate below "
                f"1 (the first in data row {row}: {first} = {float(a[row])!r}, {second} = {float(b[row])!r}), "
                "which 1-based pixel coordinates never are; if the table is 0-based, pass "
                "one_based=False (zero_based in a table: spec)", UserWarning, stacklevel=2)
        x, y = x - 1.0, y - 1.0

    n, n_images = _image_indices(_column(frame, image, where, "image"), images, image_index_base,
                                 n_images, where, image)
    kwargs = {}
    scale = 1e-3 if time_unit == "ms" else 1.0
    if t is not None:
        kwargs["t"] = _numeric(_column(frame, t, where, "t"), t, where, "onset") * scale
    if duration is not None:
        kwargs["duration"] = _numeric(_column(frame, duration, where, "duration"), duration, where,
                                      "duration") * scale
    if subject is not None:
        kwargs["subject"] = _codes(_column(frame, subject, where, "subject"), where, "subject")
    if scanpath is not None:
        trial = _codes(_column(frame, scanpath, where, "scanpath"), where, "scanpath")
    elif subject is not None:
        import pandas as pd

        key = n * (int(kwargs["subject"].max()) + 1) + kwargs["subject"]
        trial = pd.factorize(key, sort=False)[0].astype(np.int64)
    else:
        trial = None
    if trial is not None:
        order = np.argsort(trial, kind="stable")
        counts = np.bincount(trial)
        position = np.empty(trial.size, dtype=np.int64)
        position[order] = np.arange(trial.size) - np.repeat(np.cumsum(counts) - counts, counts)
        kwargs["scanpath"], kwargs["position"] = trial, position
    try:
        fixations = Fixations(x, y, n, n_images=n_images, **kwargs)
    except InputError as error:
        raise DataError(f"{where}: {error}") from None
    if shapes is None:
        return fixations
    from .dataset import apply_out_of_image_policy

    fixations, _ = apply_out_of_image_policy(where, fixations, shapes, out_of_image)
    return fixations


def _codes(series, where, role) -> np.ndarray:
    import pandas as pd

    codes, _ = pd.factorize(series, sort=False)
    missing = codes < 0
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DataError(f"{where}: column {series.name!r} ({role}) has no value in data row "
                        f"{row} ({int(missing.sum())} row(s) without one); fill them in or "
                        "leave the option out")
    return codes.astype(np.int64)


def _image_indices(series, images, base, n_images, where, name):
    import pandas as pd

    numeric = pd.api.types.is_numeric_dtype(series)
    if numeric:
        values = series.to_numpy()
        if np.isnan(values.astype(np.float64)).any() or (values != np.round(values)).any():
            raise DataError(f"{where}: image column {name!r} must hold whole numbers or file names")
        n = values.astype(np.int64) - base
        if (n < 0).any():
            raise DataError(f"{where}: image index {int(n.min()) + base} is below the base {base}")
        total = len(images) if images is not None else (n_images if n_images is not None else int(n.max()) + 1)
        if n.size and n.max() >= total:
            raise DataError(f"{where}: image index {int(n.max()) + base} is beyond the {total} images")
        return n, total
    if images is None:
        raise InputError(f"{where}: column {name!r} holds image names; pass images= (e.g. "
                         "dataset.stimuli.names) to number them")
    names = [str(v) for v in images]
    lookup = {v: i for i, v in enumerate(names)}
    lookup.update({Path(v).stem: i for i, v in enumerate(names) if Path(v).stem not in lookup})
    labels = series.astype(str).to_numpy()
    unknown = sorted({v for v in labels if v not in lookup})
    if unknown:
        raise DataError(f"{where}: {len(unknown)} image name(s) in column {name!r} are not among "
                        f"the images, e.g. {unknown[:3]}")
    return np.array([lookup[v] for v in labels], dtype=np.int64), len(names)


# ------------------------------------------------------------------ a dataset from a table
#: Image file suffixes a stimuli folder is listed with.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
_TABLE_KEYS = ("stimuli", "x", "y", "image", "subject", "scanpath", "t", "duration", "time_unit",
               "image_base", "name")


def table_dataset(table, *, stimuli, x: str, y: str, one_based: bool, image: str = "image",
                  subject: str | None = None, scanpath: str | None = None, t: str | None = None,
                  duration: str | None = None, time_unit: str = "s", image_index_base: int = 0,
                  name: str | None = None, out_of_image: str = "error"):
    """A :class:`~salbench.datasets.Dataset` from a fixation table and a folder of stimuli.

    Parameters
    ----------
    table : path or pandas.DataFrame
        CSV, TSV or Parquet, one row per fixation (see :func:`read_fixations`).
    stimuli : path-like
        Folder of the images (``.jpg``, ``.png``, ...), listed in natural order of their names;
        the ``image`` column holds their file names (with or without extension) or their
        indices in that order.
    x, y : str
        The columns of the horizontal (column) and vertical (row) coordinate.
    one_based : bool
        True for 1-based pixel coordinates (MATLAB), False for 0-based. Required.
    image, subject, scanpath, t, duration, time_unit, image_index_base
        As for :func:`read_fixations`.
    name : str, optional
        The dataset's name in results (default: the table's file name without extension).
    out_of_image : {"error", "drop", "clip", "keep"}
        What to do with fixations outside their image (reported with image and subject).

    Examples
    --------
    >>> import pandas as pd
    >>> from salbench.datasets.tabular import table_dataset
    >>> folder = getfixture("tmp_path")
    >>> from PIL import Image
    >>> Image.new("RGB", (40, 30)).save(folder / "a.png")
    >>> rows = pd.DataFrame({"image": ["a", "a"], "col": [1, 40], "row": [1, 30]})
    >>> ds = table_dataset(rows, stimuli=folder, x="col", y="row", one_based=True)
    >>> ds.fixations.x.tolist(), ds.fixations.y.tolist()
    ([0.0, 39.0], [0.0, 29.0])
    """
    from .dataset import Dataset, DatasetFacts
    from .loaders._files import list_images
    from .stimuli import Stimuli

    folder = Path(stimuli).expanduser()
    names = list_images(folder, IMAGE_SUFFIXES)
    fixations = read_fixations(table, coordinates=(x, y), xy_order="xy", one_based=one_based,
                               image=image, subject=subject, scanpath=scanpath, t=t,
                               duration=duration, time_unit=time_unit, images=names,
                               image_index_base=image_index_base)
    files = Stimuli([folder / n for n in names])
    label = name or (Path(table).stem if not hasattr(table, "columns") else "table")
    where = "DataFrame" if hasattr(table, "columns") else str(table)
    conversion = (f"x = {x}{' - 1' if one_based else ''}, y = {y}{' - 1' if one_based else ''} "
                  f"({'1-based' if one_based else '0-based'} table coordinates)")
    facts = DatasetFacts(name=label, title=f"fixations of {where} on the images in {folder}",
                         source=where, conversion=conversion)
    return Dataset(files, fixations, facts, out_of_image=out_of_image)


def parse_table_spec(text: str) -> dict:
    """The keyword arguments of :func:`table_dataset` from a command-line dataset spec.

    ``table:PATH,stimuli=DIR,x=COLUMN,y=COLUMN,one_based`` (or ``zero_based``); optional
    ``image=``, ``subject=``, ``scanpath=``, ``t=``, ``duration=``, ``time_unit=ms``,
    ``image_base=1``, ``name=``.

    >>> parse_table_spec("table:fix.csv,stimuli=img/,x=col,y=row,one_based")
    {'table': 'fix.csv', 'stimuli': 'img/', 'x': 'col', 'y': 'row', 'one_based': True}
    """
    if not text.startswith("table:"):
        raise InputError(f"a table dataset spec starts with 'table:', got {text!r}")
    path, *parts = text[len("table:"):].split(",")
    if not path:
        raise InputError("table: needs the table's path first, e.g. "
                         "table:fix.csv,stimuli=img/,x=col,y=row,one_based")
    options: dict = {"table": path}
    for part in parts:
        part = part.strip()
        if part in ("one_based", "zero_based"):
            if "one_based" in options:
                raise InputError("table: give one of one_based / zero_based, once")
            options["one_based"] = part == "one_based"
            continue
        key, sep, value = part.partition("=")
        if not sep or key not in _TABLE_KEYS:
            raise InputError(f"table: unknown option {part!r}; the options are "
                             f"{', '.join(k + '=' for k in _TABLE_KEYS)}, one_based, zero_based")
        if key == "image_base":
            if value not in ("0", "1"):
                raise InputError(f"table: image_base must be 0 or 1, got {value!r}")
            options["image_index_base"] = int(value)
        else:
            options[key] = value
    missing = [k for k in ("stimuli", "x", "y") if k not in options]
    if "one_based" not in options:
        missing.append("one_based or zero_based")
    if missing:
        raise InputError(f"table: missing {', '.join(missing)} (e.g. "
                         "table:fix.csv,stimuli=img/,x=col,y=row,one_based)")
    return options


def load_table_spec(text: str, *, out_of_image: str = "error"):
    """:func:`table_dataset` from a ``table:...`` spec (see :func:`parse_table_spec`)."""
    options = parse_table_spec(text)
    return table_dataset(options.pop("table"), out_of_image=out_of_image, **options)
