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
    DIR/.salbench.lock      the lock a writer holds for the whole run (one writer at a time)

The manifest's ``config`` is what a rerun must match to resume or reuse the results, including
``config["inputs"]``, the fingerprints of every input (:mod:`salbench.evaluation.fingerprints`).
``checksums`` holds the SHA-256 hash of each final table, checked by :meth:`Results.load`.

Every file is written atomically, and a run finishes in one idempotent step: the final tables
are written first, then the manifest with status "complete" and the summary (the commit point),
then ``parts/`` is removed. Killed anywhere, a rerun completes it and removes what the killed
run left (temporary ``.*.tmp`` files, stale parts).
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
        """Write a complete results directory: the tables (each atomically), then the manifest
        with their checksums — the manifest is written last, so it never names a missing table."""
        directory = Path(directory)
        write_results(directory, self.images, self.fixations, self.manifest,
                      fmt=self.manifest.get("table_format", "parquet"), attributes=self.attributes)
        return directory

    @classmethod
    def load(cls, directory) -> "Results":
        """Read a complete results directory.

        A :class:`DataError` names the file when something is missing, unfinished or changed
        after the run: a table whose checksum differs from the manifest's, rows for other images
        than the manifest's, or a NaN score the run did not record as undefined (a mean would
        silently cover fewer images than the manifest says).
        """
        directory = Path(directory)
        manifest = read_manifest(directory)
        if manifest.get("status") != "complete":
            raise DataError(
                f"{directory}: the evaluation is not complete ({manifest.get('status')!r}); run "
                "the same evaluate() call (or `salbench evaluate`) again to resume it"
            )
        fmt = manifest["table_format"]
        ext = table_extension(fmt)
        files = manifest.get("files") or {}
        image_file = directory / (files.get("images") or f"images{ext}")
        images = read_table(image_file, fmt)
        _verify_checksum(image_file, manifest, directory)
        missing = [c for c in [*IMAGE_COLUMNS, *(m["name"] for m in manifest["metrics"])]
                   if c not in images.columns]
        if missing:
            raise DataError(f"{image_file}: missing column(s) {missing}")
        _check_rows(images, manifest, image_file)
        fixations = None
        if files.get("fixations"):
            fixation_file = directory / files["fixations"]
            fixations = read_table(fixation_file, fmt)
            _verify_checksum(fixation_file, manifest, directory)
        attributes = None
        if files.get("attributes"):
            attributes_file = directory / files["attributes"]
            attributes = read_table(attributes_file, fmt)
            _verify_checksum(attributes_file, manifest, directory)
        return cls(images, fixations, manifest, attributes)


def table_extension(fmt: str) -> str:
    return ".parquet" if fmt == "parquet" else ".csv"


def read_manifest(directory) -> dict:
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no such results directory")
    path = directory / MANIFEST
    manifest = read_json(path)
    check_manifest(manifest, path)
    return manifest


def check_manifest(manifest: dict, path) -> None:
    """A DataError naming ``path`` and the key when a manifest lacks what readers rely on."""
    if manifest.get("format") != RESULTS_FORMAT:
        raise DataError(f"{path}: not a salbench results manifest (format "
                        f"{manifest.get('format')!r}, expected {RESULTS_FORMAT!r})")

    def bad(key, expected):
        raise DataError(f"{path}: the manifest's {key!r} is missing or not {expected}; the file "
                        "is damaged or was edited (rerun the evaluation with --overwrite)")

    if not isinstance(manifest.get("status"), str):
        bad("status", "a string")
    if not isinstance(manifest.get("model"), dict) or not isinstance(
            manifest["model"].get("name"), str):
        bad("model", "an object with a name")
    if not isinstance(manifest.get("dataset"), dict):
        bad("dataset", "an object")
    metrics = manifest.get("metrics")
    if not isinstance(metrics, list) or not metrics or not all(
            isinstance(m, dict) and isinstance(m.get("name"), str) and "direction" in m
            for m in metrics):
        bad("metrics", "a list of metrics (each with a name and a direction)")
    if manifest["status"] == "complete" and manifest.get("table_format") not in ("parquet", "csv"):
        bad("table_format", "'parquet' or 'csv'")


def write_results(directory, images, fixations, manifest, *, fmt, attributes=None,
                  before_commit=None, while_writing=None) -> None:
    """Write the tables, then ``manifest`` with their names and checksums (the commit point).

    ``while_writing`` is called with each table written to its temporary file and
    ``before_commit`` before the manifest (hooks for the fault-injection tests).
    """
    from .._io import atomic_path
    from .fingerprints import file_entry

    directory = Path(directory)
    ext = table_extension(fmt)
    tables = {"images": images, "fixations": fixations}
    if attributes is not None:
        tables["attributes"] = attributes
    names = {key: (f"{key}{ext}" if frame is not None else None) for key, frame in tables.items()}
    checksums = {}
    for key, frame in tables.items():
        if frame is None:
            continue
        path = directory / names[key]
        with atomic_path(path) as tmp:
            write_table(frame, tmp, fmt)
            if while_writing is not None:
                while_writing()
        checksums[names[key]] = file_entry(path)["sha256"]
    manifest["table_format"] = fmt
    manifest["files"] = names
    manifest["checksums"] = {name: f"sha256:{digest}" for name, digest in checksums.items()}
    if before_commit is not None:
        before_commit()
    write_json(directory / MANIFEST, manifest)


def _verify_checksum(path: Path, manifest: dict, directory: Path) -> None:
    from .fingerprints import file_entry

    expected = (manifest.get("checksums") or {}).get(path.name)
    if expected is None:  # written before checksums were recorded
        return
    entry = file_entry(path)
    if "missing" in entry:
        raise DataError(f"{path}: result table is missing ({entry['missing']})")
    if f"sha256:{entry['sha256']}" != expected:
        raise DataError(f"{path}: the table was changed after the run (its checksum differs from "
                        f"the one in {directory / MANIFEST}); its numbers cannot be trusted — "
                        "rerun the evaluation with --overwrite")


def _check_rows(images, manifest: dict, path: Path) -> None:
    """Rows for exactly the manifest's images; NaN only where the run recorded why."""
    expected = (manifest.get("config") or {}).get("images")
    present = [int(i) for i in images["image"]]
    if len(set(present)) != len(present):
        raise DataError(f"{path}: an image appears in more than one row")
    if expected is not None and sorted(present) != sorted(int(i) for i in expected):
        lost = sorted(set(int(i) for i in expected) - set(present))
        more = sorted(set(present) - set(int(i) for i in expected))
        raise DataError(f"{path}: holds {len(present)} image row(s) but the manifest lists "
                        f"{len(expected)} scored images (missing {lost[:10]}, unexpected "
                        f"{more[:10]})")
    undefined = manifest.get("undefined") or {}
    for m in manifest["metrics"]:
        name = m["name"]
        values = images[name].to_numpy(dtype=float)
        nan_images = {present[k] for k in np.flatnonzero(np.isnan(values))}
        explained = {int(i) for images_ in (undefined.get(name) or {}).values() for i in images_}
        unexplained = sorted(nan_images - explained)
        if unexplained:
            shown = ", ".join(map(str, unexplained[:10])) + (" ..." if len(unexplained) > 10 else "")
            raise DataError(
                f"{path}: {name} is NaN for {len(unexplained)} image(s) (dataset indices {shown}) "
                f"that the run scored (the manifest records no reason for them); a mean would "
                f"silently cover fewer images than the {len(present)} the manifest says — the "
                "table was changed after the run; rerun the evaluation with --overwrite")


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
