"""Results of an evaluation: tidy tables, summary means, and the results directory format.

A :class:`Results` holds

* ``images`` — one row per scored image: ``model``, ``image`` (index in the dataset),
  ``image_id`` (file name and content hash, see :class:`salbench.Stimuli`), ``n_fixations``,
  ``model_seconds`` (wall time of the model's call for that image) and one float column per metric;
* ``fixations`` — for the metrics with a value per fixation
  (:data:`salbench.metrics.PER_FIXATION_METRICS` that were computed): ``model``, ``image``,
  ``fixation`` (row index into ``dataset.fixations``) and one column per such metric; the mean of
  a column over an image's fixations is that image's value (Tübingen definitions; under
  ``convention="mit"`` the per-image NSS counts each fixated pixel once and differs);
* ``attributes`` — the dataset's per-image attributes (``dataset.attributes``, e.g. CAT2000's
  ``category``) of the scored images: ``image`` plus one column per attribute, or None when the
  dataset has none; :func:`salbench.leaderboard` reports per attribute with ``by=``;
* ``manifest`` — a dict with what is needed to cite and reproduce the numbers (below).

Results directory (``evaluate(..., out=DIR)``)::

    DIR/manifest.json       format "salbench.Results/1": status ("running" or "complete"),
                            salbench version, model description, dataset name + fingerprint +
                            facts, split and image list, metrics (direction, unit), parameters
                            (convention, reference-map blur, IG baseline, seeds), timings,
                            the images where a metric is undefined and why, and summary means
    DIR/images.parquet      the per-image table       (.csv when pyarrow is not installed)
    DIR/fixations.parquet   the per-fixation table
    DIR/attributes.parquet  the per-image attributes (only when the dataset has some)
    DIR/parts/              while running: one images-NNNNN / fixations-NNNNN pair per finished
                            chunk; merged into the two tables and removed when the run completes

Every file is written atomically.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .._io import read_json, read_table, write_json, write_table
from ..exceptions import DataError, InputError

RESULTS_FORMAT = "salbench.Results/1"
MANIFEST = "manifest.json"
#: Columns of the per-image table that are not metrics.
IMAGE_COLUMNS = ("model", "image", "image_id", "n_fixations", "model_seconds")
#: Columns of the per-fixation table that are not metrics.
FIXATION_COLUMNS = ("model", "image", "fixation")


class Results:
    """Scores of one model on one dataset (see the module notes for the tables and manifest).

    Examples
    --------
    ``results.images`` is the per-image table, ``results.summary()`` the means per metric,
    ``Results.load(directory)`` reads a results directory written by ``evaluate(out=...)``.
    """

    def __init__(self, images, fixations, manifest: dict, attributes=None):
        self.images = images
        self.fixations = fixations
        self.manifest = manifest
        self.attributes = attributes

    # ------------------------------------------------------------------ facts
    @property
    def model(self) -> str:
        """The model's name (the ``model`` column)."""
        return self.manifest["model"]["name"]

    @property
    def metrics(self) -> list[str]:
        return [m["name"] for m in self.manifest["metrics"]]

    @property
    def dataset(self) -> dict:
        return self.manifest["dataset"]

    @property
    def role(self) -> str:
        """``"baseline"`` for uniform / centre bias / gold standard (and true-density) models."""
        return self.manifest["model"].get("role", "model")

    @property
    def complete(self) -> bool:
        return self.manifest.get("status") == "complete"

    def direction(self, metric: str) -> str:
        for m in self.manifest["metrics"]:
            if m["name"] == metric:
                return m["direction"]
        raise InputError(f"results of {self.model!r} have no metric {metric!r}; they have "
                         f"{', '.join(self.metrics)}")

    def __repr__(self) -> str:
        return (f"Results({self.model!r} on {self.dataset['name']!r}: {len(self.images)} images, "
                f"{len(self.metrics)} metrics{'' if self.complete else ', incomplete'})")

    # ------------------------------------------------------------------ summaries
    def summary(self, *, average: str = "image"):
        """Means per metric: a DataFrame indexed by metric with ``mean``, ``std``, ``n_images``
        (images where the metric is defined), ``direction`` and ``unit``.

        ``average="image"`` averages the per-image values (the leaderboard convention);
        ``average="fixation"`` averages the per-fixation table (only the metrics it holds).
        """
        import pandas as pd

        if average not in ("image", "fixation"):
            raise InputError(f"average must be 'image' or 'fixation', got {average!r}")
        rows = []
        for m in self.manifest["metrics"]:
            name = m["name"]
            if average == "image":
                values = self.images[name].to_numpy(dtype=float)
            else:
                if self.fixations is None or name not in self.fixations.columns:
                    continue
                values = self.fixations[name].to_numpy(dtype=float)
            defined = values[~np.isnan(values)]
            rows.append({
                "metric": name,
                "mean": float(defined.mean()) if defined.size else math.nan,
                "std": float(defined.std(ddof=1)) if defined.size > 1 else math.nan,
                "n_images" if average == "image" else "n_fixations": int(defined.size),
                "direction": m["direction"], "unit": m.get("unit", ""),
            })
        return pd.DataFrame(rows).set_index("metric")

    def means(self) -> dict:
        """``{metric: mean over images}`` (NaN images left out)."""
        return self.summary()["mean"].to_dict()

    # ------------------------------------------------------------------ files
    def save(self, directory) -> Path:
        """Write a complete results directory (tables + manifest), atomically file by file."""
        directory = Path(directory)
        fmt = self.manifest.get("table_format", "parquet")
        ext = table_extension(fmt)
        write_table(self.images, directory / f"images{ext}", fmt)
        if self.fixations is not None:
            write_table(self.fixations, directory / f"fixations{ext}", fmt)
        if self.attributes is not None:
            write_table(self.attributes, directory / f"attributes{ext}", fmt)
            self.manifest.setdefault("files", {})["attributes"] = f"attributes{ext}"
        write_json(directory / MANIFEST, self.manifest)
        return directory

    @classmethod
    def load(cls, directory) -> "Results":
        """Read a complete results directory (a DataError says what is missing or unfinished)."""
        directory = Path(directory)
        manifest = read_manifest(directory)
        if manifest.get("status") != "complete":
            raise DataError(
                f"{directory}: the evaluation is not complete ({manifest.get('status')!r}); run "
                "the same evaluate() call (or `salbench evaluate`) again to resume it"
            )
        fmt = manifest["table_format"]
        ext = table_extension(fmt)
        images = read_table(directory / f"images{ext}", fmt)
        missing = [c for c in [*IMAGE_COLUMNS, *(m["name"] for m in manifest["metrics"])]
                   if c not in images.columns]
        if missing:
            raise DataError(f"{directory / f'images{ext}'}: missing column(s) {missing}")
        fixations = None
        if manifest.get("files", {}).get("fixations"):
            fixations = read_table(directory / manifest["files"]["fixations"], fmt)
        attributes = None
        if manifest.get("files", {}).get("attributes"):
            attributes = read_table(directory / manifest["files"]["attributes"], fmt)
        return cls(images, fixations, manifest, attributes)


def table_extension(fmt: str) -> str:
    return ".parquet" if fmt == "parquet" else ".csv"


def read_manifest(directory) -> dict:
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no such results directory")
    manifest = read_json(directory / MANIFEST)
    if manifest.get("format") != RESULTS_FORMAT:
        raise DataError(f"{directory / MANIFEST}: not a salbench results manifest (format "
                        f"{manifest.get('format')!r}, expected {RESULTS_FORMAT!r})")
    return manifest


def find_results(paths) -> list[Path]:
    """Results directories at or below ``paths`` (each holds a ``manifest.json``), sorted."""
    found = []
    for path in paths:
        path = Path(path)
        if (path / MANIFEST).is_file():
            found.append(path)
        elif path.is_dir():
            below = sorted(p.parent for p in path.rglob(MANIFEST))
            if not below:
                raise DataError(f"{path}: holds no salbench results (no {MANIFEST} below it)")
            found.extend(below)
        else:
            raise DataError(f"{path}: no such results directory")
    return found


def load_results(items) -> list[Results]:
    """Accept Results objects and/or paths (directories of one or many results)."""
    if isinstance(items, (Results, str, Path)):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, Results):
            out.append(item)
        elif isinstance(item, (str, Path)):
            out.extend(Results.load(p) for p in find_results([item]))
        else:
            raise InputError(f"expected Results objects or results directories, got "
                             f"{type(item).__name__}")
    return out
