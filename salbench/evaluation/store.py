"""Where an evaluation's results go while it runs: memory, or a results directory that can resume.

:class:`DirectoryStore` writes each finished chunk as a part (per-fixation table, NaN notes, then
the per-image table, which marks the part as done), so an interrupted run loses at most the
chunks that were in flight; a rerun with the same configuration reads the parts, skips the images
they hold and merges everything into the final tables when the last image is done. The layout is
described in :mod:`salbench.results`.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import numpy as np

from .._io import canonical_json, read_json, read_table, write_json, write_table
from ..exceptions import DataError, InputError
from .results import FIXATION_COLUMNS, IMAGE_COLUMNS, MANIFEST, RESULTS_FORMAT, Results, \
    table_extension

_PART = re.compile(r"^images-(\d{5,})\.(parquet|csv)$")


def image_frame(model_name, metrics, results):
    """The per-image DataFrame of a list of :class:`~salbench._scoring.ImageResult`."""
    import pandas as pd

    rows = []
    for r in results:
        row = {"model": model_name, **r.row, "model_seconds": r.model_seconds}
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*IMAGE_COLUMNS, *metrics])
    return frame.astype({"image": "int64", "n_fixations": "int64", "model_seconds": "float64",
                         **{m: "float64" for m in metrics}})


def fixation_frame(model_name, metrics, results):
    """The per-fixation DataFrame (None when no per-fixation metric was computed)."""
    import pandas as pd

    columns = [m for m in metrics if any(r.fixations and m in r.fixations for r in results)]
    parts = [r for r in results if r.fixations]
    if not parts:
        frame = pd.DataFrame({c: [] for c in (*FIXATION_COLUMNS, *columns)})
        return frame.astype({"image": "int64", "fixation": "int64", "model": "object",
                             **{m: "float64" for m in columns}})
    image = np.concatenate([np.full(len(r.fixations["fixation"]), r.row["image"], np.int64)
                            for r in parts])
    data = {"model": np.full(image.shape[0], model_name, dtype=object), "image": image,
            "fixation": np.concatenate([r.fixations["fixation"] for r in parts])}
    for m in columns:
        data[m] = np.concatenate([r.fixations.get(m, np.full(len(r.fixations["fixation"]), np.nan))
                                  for r in parts])
    return pd.DataFrame(data)


def notes_of(results) -> dict:
    """``{metric: {reason: [images]}}`` of the NaN values in ``results``."""
    notes = {}
    for r in results:
        for metric, reason in r.reasons.items():
            notes.setdefault(metric, {}).setdefault(reason, []).append(int(r.row["image"]))
    return notes


def merge_notes(into: dict, more: dict) -> dict:
    for metric, reasons in more.items():
        for reason, images in reasons.items():
            into.setdefault(metric, {}).setdefault(reason, []).extend(images)
    for reasons in into.values():
        for reason in reasons:
            reasons[reason] = sorted(set(reasons[reason]))
    return into


class MemoryStore:
    """Keeps every chunk's results in memory (``out=None``)."""

    def __init__(self, model_name, metrics, per_fixation):
        self.model_name, self.metrics, self.per_fixation = model_name, list(metrics), per_fixation
        self.images, self.fixations, self.notes = [], [], {}
        self.model_seconds = self.scoring_seconds = 0.0
        self.previous_runs = []

    def done(self) -> set:
        return set()

    def add(self, results):
        self.images.append(image_frame(self.model_name, self.metrics, results))
        if self.per_fixation:
            self.fixations.append(fixation_frame(self.model_name, self.metrics, results))
        merge_notes(self.notes, notes_of(results))
        self.model_seconds += sum(r.model_seconds for r in results)
        self.scoring_seconds += sum(r.scoring_seconds for r in results)

    def tables(self):
        """The merged per-image and per-fixation tables, sorted, with uniform column types."""
        images = _concat(self.images, image_frame(self.model_name, self.metrics, []))
        images = images.sort_values("image", kind="stable").reset_index(drop=True)
        images = images.astype({"model": str, "image_id": str, "image": "int64",
                                "n_fixations": "int64"})
        fixations = None
        if self.per_fixation:
            fixations = _concat(self.fixations, fixation_frame(self.model_name, self.metrics, []))
            fixations = fixations.sort_values("fixation", kind="stable").reset_index(drop=True)
            fixations = fixations.astype({"model": str, "image": "int64", "fixation": "int64"})
        return images, fixations

    def finish(self, manifest) -> Results:
        images, fixations = self.tables()
        return Results(images, fixations, manifest)


class DirectoryStore(MemoryStore):
    """Writes parts to ``directory/parts`` and the final tables to ``directory``.

    Parameters
    ----------
    config : dict
        What must be equal for a rerun to resume (model description, dataset fingerprint, images,
        metrics, parameters). A directory holding another configuration is refused.
    resume : bool
        Reuse finished parts of an earlier run with the same configuration (else refuse).
    overwrite : bool
        Delete an earlier run's manifest, tables and parts first.
    """

    def __init__(self, directory, model_name, metrics, per_fixation, *, config, fmt, resume,
                 overwrite):
        super().__init__(model_name, metrics, per_fixation)
        self.directory = Path(directory)
        self.parts = self.directory / "parts"
        self.config = config
        self.fmt = fmt
        self.ext = table_extension(fmt)
        self._done = set()
        self._next = 0
        self.completed_manifest = None
        manifest_path = self.directory / MANIFEST
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError(f"out={self.directory} exists and is not a directory")
        if manifest_path.exists():
            if overwrite:
                self._clear()
            else:
                self._resume(manifest_path, resume)
        elif self.directory.is_dir() and any(self.directory.iterdir()) and not overwrite:
            raise InputError(f"out={self.directory} is a non-empty directory without a salbench "
                             "manifest; choose an empty or new directory")

    # ------------------------------------------------------------------ resuming
    def _clear(self):
        for name in (MANIFEST, "images.parquet", "images.csv", "fixations.parquet",
                     "fixations.csv"):
            (self.directory / name).unlink(missing_ok=True)
        shutil.rmtree(self.parts, ignore_errors=True)

    def _resume(self, manifest_path, resume):
        manifest = read_json(manifest_path)
        if manifest.get("format") != RESULTS_FORMAT:
            raise DataError(f"{manifest_path}: not a salbench results manifest")
        if not resume:
            raise InputError(f"{self.directory} already holds results; pass resume=True to "
                             "continue them or overwrite=True to start again")
        differences = [key for key in self.config
                       if canonical_json(manifest.get("config", {}).get(key))
                       != canonical_json(self.config[key])]
        if differences:
            raise InputError(
                f"{self.directory} holds results of a different evaluation (it differs in: "
                f"{', '.join(differences)}); use another directory or overwrite=True (--overwrite)"
            )
        if manifest.get("table_format") != self.fmt:
            self.fmt = manifest["table_format"]
            self.ext = table_extension(self.fmt)
        self.previous_runs = list(manifest.get("timings", {}).get("runs", []))
        if manifest.get("status") == "complete":
            self.completed_manifest = manifest
            return
        for path in sorted(self.parts.glob("images-*")) if self.parts.is_dir() else []:
            match = _PART.match(path.name)
            if not match or match.group(2) != self.fmt:
                continue
            seq = match.group(1)
            frame = read_table(path, self.fmt)
            self.images.append(frame)
            self._done.update(int(i) for i in frame["image"])
            if self.per_fixation:
                self.fixations.append(read_table(self.parts / f"fixations-{seq}{self.ext}",
                                                 self.fmt))
            notes = self.parts / f"notes-{seq}.json"
            if notes.is_file():
                merge_notes(self.notes, read_json(notes).get("undefined", {}))
                timing = read_json(notes).get("seconds", {})
                self.model_seconds += timing.get("model", 0.0)
                self.scoring_seconds += timing.get("scoring", 0.0)
            self._next = max(self._next, int(seq) + 1)
        # parts whose per-image file is missing were interrupted mid-write: start after them
        for path in self.parts.glob("*") if self.parts.is_dir() else []:
            number = re.search(r"-(\d{5,})\.", path.name)
            if number:
                self._next = max(self._next, int(number.group(1)) + 1)

    def done(self) -> set:
        return set(self._done)

    def start(self, manifest):
        """Write the running manifest (configuration first, so a crash can be resumed)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        write_json(self.directory / MANIFEST, manifest)

    # ------------------------------------------------------------------ adding and finishing
    def add(self, results):
        images = image_frame(self.model_name, self.metrics, results)
        seq = f"{self._next:05d}"
        self._next += 1
        self.parts.mkdir(parents=True, exist_ok=True)
        if self.per_fixation:
            fixations = fixation_frame(self.model_name, self.metrics, results)
            write_table(fixations, self.parts / f"fixations-{seq}{self.ext}", self.fmt)
            self.fixations.append(fixations)
        write_json(self.parts / f"notes-{seq}.json", {
            "undefined": notes_of(results),
            "seconds": {"model": sum(r.model_seconds for r in results),
                        "scoring": sum(r.scoring_seconds for r in results)},
        })
        # the per-image part is written last: its presence marks the chunk as done
        write_table(images, self.parts / f"images-{seq}{self.ext}", self.fmt)
        self.images.append(images)
        merge_notes(self.notes, notes_of(results))
        self.model_seconds += sum(r.model_seconds for r in results)
        self.scoring_seconds += sum(r.scoring_seconds for r in results)
        self._done.update(int(r.row["image"]) for r in results)

    def finish(self, manifest) -> Results:
        images, fixations = self.tables()
        manifest["files"] = {"images": f"images{self.ext}",
                             "fixations": f"fixations{self.ext}" if fixations is not None else None}
        manifest["table_format"] = self.fmt
        write_table(images, self.directory / f"images{self.ext}", self.fmt)
        if fixations is not None:
            write_table(fixations, self.directory / f"fixations{self.ext}", self.fmt)
        write_json(self.directory / MANIFEST, manifest)
        shutil.rmtree(self.parts, ignore_errors=True)
        return Results(images, fixations, manifest)


def _concat(frames, empty):
    import pandas as pd

    frames = [f for f in frames if len(f)]
    if not frames:
        return empty
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
