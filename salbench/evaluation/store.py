"""Where an evaluation's results go while it runs: memory, or a results directory that can resume.

:class:`DirectoryStore` writes each finished chunk as a part (per-fixation table, NaN notes, then
the per-image table, which marks the part as done), so an interrupted run loses at most the
chunks that were in flight; a rerun with the same configuration reads the parts, skips the images
they hold and merges everything into the final tables when the last image is done. The layout is
described in :mod:`salbench.results`.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from .._io import atomic_path, canonical_json, read_json, read_table, write_json, write_table
from ..exceptions import DataError, InputError
from ._faults import checkpoint
from .fingerprints import describe_changes
from .results import FIXATION_COLUMNS, IMAGE_COLUMNS, MANIFEST, Results, check_manifest, \
    table_extension, write_results

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
        _append(self.images, image_frame(self.model_name, self.metrics, results))
        if self.per_fixation:
            _append(self.fixations, fixation_frame(self.model_name, self.metrics, results))
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

    def finish(self, manifest, *, attributes=None) -> Results:
        images, fixations = self.tables()
        return Results(images, fixations, manifest, attributes)


def _comparable(key, value):
    """``config[key]`` without the fields that describe rather than determine the scores: the
    spec string a model was built from (``from_spec`` sets it, baselines' ``describe()`` show
    it). The same model built from another spelling, or results written before models carried
    their spec, must resume rather than differ."""
    if key != "model" or not isinstance(value, dict):
        return value
    value = {k: v for k, v in value.items() if k != "spec"}
    description = value.get("description")
    if isinstance(description, dict):
        value["description"] = {k: v for k, v in description.items() if k != "spec"}
    return value


class DirectoryStore(MemoryStore):
    """Writes parts to ``directory/parts`` and the final tables to ``directory``.

    One writer at a time: the store holds ``directory/.salbench.lock`` (an OS file lock, freed
    by the system when the process dies, even by SIGKILL) from before it reads the manifest until
    :meth:`close`. A second writer waits for it, saying so on standard error, or with
    ``lock_timeout`` seconds fails with an :class:`InputError`.

    Parameters
    ----------
    config : dict
        What must be equal for a rerun to resume (model description, input fingerprints, dataset
        fingerprint, images, metrics, parameters). A directory holding another configuration is
        refused, naming what differs (for input fingerprints: which files).
    resume : bool
        Reuse finished parts of an earlier run with the same configuration (else refuse).
    overwrite : bool
        Delete an earlier run's manifest, tables and parts first.
    lock_timeout : float, optional
        Seconds to wait for another writer (None: as long as it takes; 0: fail at once).
    """

    def __init__(self, directory, model_name, metrics, per_fixation, *, config, fmt, resume,
                 overwrite, lock_timeout=None):
        super().__init__(model_name, metrics, per_fixation)
        self.directory = Path(directory)
        self.parts = self.directory / "parts"
        self.config = config
        self.fmt = fmt
        self.ext = table_extension(fmt)
        self._done = set()
        self._next = 0
        self.completed_manifest = None
        self._lock = None
        self.read_only = False
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError(f"out={self.directory} exists and is not a directory")
        self._acquire(lock_timeout)
        try:
            self._open(resume, overwrite)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ one writer
    def _acquire(self, timeout):
        import filelock

        path = self.directory / LOCK
        try:
            with writing(self.directory, "create the results folder"):
                self.directory.mkdir(parents=True, exist_ok=True)
            lock = filelock.FileLock(str(path))
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                if timeout is not None and timeout <= 0:
                    raise InputError(self._busy(path)) from None
                print(f"waiting: {self._busy(path, waiting=True)}", file=sys.stderr, flush=True)
                try:
                    lock.acquire(timeout=-1 if timeout is None else timeout)
                except filelock.Timeout:
                    raise InputError(f"{self._busy(path)} (waited {timeout:g} s)") from None
        except (OSError, DataError) as error:
            if self._complete_here():
                # complete results in a folder we cannot write: nobody else can write there
                # either, so they are read without the lock
                self.read_only = True
                return
            reason = error if isinstance(error, DataError) else DataError(
                f"cannot write into {self.directory}: {_reason(error)}")
            raise reason from None
        self._lock = lock
        checkpoint("locked")

    def _busy(self, path, waiting=False) -> str:
        text = (f"another salbench run is writing into {self.directory} (it holds the lock "
                f"{path.name})")
        if waiting:
            return text + "; this run goes on when that one ends (Ctrl-C to stop waiting)"
        return text + "; wait for it to finish, or write elsewhere"

    def _complete_here(self) -> bool:
        try:
            return read_json(self.directory / MANIFEST).get("status") == "complete"
        except DataError:
            return False

    def close(self):
        """Release the results folder (idempotent)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # ------------------------------------------------------------------ resuming
    def _open(self, resume, overwrite):
        manifest_path = self.directory / MANIFEST
        if manifest_path.exists():
            if overwrite:
                self._clear()
            else:
                self._resume(manifest_path, resume)
        elif not overwrite and any(not _leftover(p) for p in self.directory.iterdir()):
            raise InputError(f"out={self.directory} is a non-empty directory without a salbench "
                             "manifest; choose an empty or new directory")
        else:
            self._clear()

    def _clear(self):
        with writing(self.directory, "clear earlier results"):
            for name in (MANIFEST, "images.parquet", "images.csv", "fixations.parquet",
                         "fixations.csv"):
                (self.directory / name).unlink(missing_ok=True)
            shutil.rmtree(self.parts, ignore_errors=True)
            self._clean_temporary()

    def _clean_temporary(self):
        """Remove temporary files that a killed write left (``.NAME.XXXX.tmp``)."""
        for folder in (self.directory, self.parts):
            if folder.is_dir():
                for path in folder.iterdir():
                    if _temporary(path):
                        path.unlink(missing_ok=True)

    def _clean_leftovers(self, complete: bool):
        """What a killed run left: temporary files, parts of a finished run, and parts whose
        per-image table (the mark of a finished chunk) was never written."""
        if self.read_only:
            return
        with writing(self.directory, "clean up after an interrupted run"):
            self._clean_temporary()
            if complete:
                shutil.rmtree(self.parts, ignore_errors=True)
                return
            if not self.parts.is_dir():
                return
            finished = {m.group(1) for m in map(_PART.match, (p.name for p in self.parts.iterdir()))
                        if m}
            for path in self.parts.iterdir():
                number = re.search(r"-(\d{5,})\.", path.name)
                if number and number.group(1) not in finished:
                    path.unlink(missing_ok=True)

    def _resume(self, manifest_path, resume):
        manifest = read_json(manifest_path)
        check_manifest(manifest, manifest_path)
        if not resume:
            raise InputError(f"{self.directory} already holds results; pass resume=True to "
                             "continue them or overwrite=True to start again")
        recorded = manifest.get("config", {})
        state = "complete" if manifest.get("status") == "complete" else "interrupted"

        def differing(keys):
            return [key for key in keys
                    if canonical_json(_comparable(key, recorded.get(key)))
                    != canonical_json(_comparable(key, self.config[key]))]

        # the user's choices (metrics, images, parameters) first, then the inputs by file
        differences = differing(k for k in self.config if k not in ("inputs", "model", "dataset"))
        if differences:
            raise InputError(
                f"{self.directory} holds results of a different evaluation (it differs in: "
                f"{', '.join(differences)}); use another directory or overwrite=True (--overwrite)"
            )
        if "inputs" in self.config:
            if "inputs" not in recorded:
                raise InputError(
                    f"{self.directory} holds {state} results that record no fingerprints of "
                    "their inputs (an older salbench wrote them), so it cannot be told whether "
                    "they describe these maps, weights and data; pass overwrite=True "
                    "(--overwrite) to score again, or use another directory")
            changes = describe_changes(recorded["inputs"], self.config["inputs"])
            if changes:
                raise InputError("\n".join([
                    f"{self.directory} holds {state} results of other inputs than this run's:",
                    *changes,
                    "pass overwrite=True (--overwrite) to score them again, or use another "
                    "directory"]))
        differences = differing(k for k in self.config if k in ("model", "dataset"))
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
            self._clean_leftovers(complete=True)
            self.completed_manifest = manifest
            return
        self._clean_leftovers(complete=False)
        for path in sorted(self.parts.glob("images-*")) if self.parts.is_dir() else []:
            match = _PART.match(path.name)
            if not match or match.group(2) != self.fmt:
                continue
            seq = match.group(1)
            frame = read_table(path, self.fmt)
            _append(self.images, frame)
            self._done.update(int(i) for i in frame["image"])
            if self.per_fixation:
                _append(self.fixations,
                        read_table(self.parts / f"fixations-{seq}{self.ext}", self.fmt))
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
        with writing(self.directory, "start the results"):
            self.directory.mkdir(parents=True, exist_ok=True)
            write_json(self.directory / MANIFEST, manifest)
        checkpoint("started")

    # ------------------------------------------------------------------ adding and finishing
    def add(self, results):
        images = image_frame(self.model_name, self.metrics, results)
        seq = f"{self._next:05d}"
        self._next += 1
        notes = notes_of(results)
        with writing(self.directory, "save a finished chunk; it will be scored again on resume"):
            self.parts.mkdir(parents=True, exist_ok=True)
            fixations = None
            if self.per_fixation:
                fixations = fixation_frame(self.model_name, self.metrics, results)
                write_table(fixations, self.parts / f"fixations-{seq}{self.ext}", self.fmt)
            write_json(self.parts / f"notes-{seq}.json", {
                "undefined": notes,
                "seconds": {"model": sum(r.model_seconds for r in results),
                            "scoring": sum(r.scoring_seconds for r in results)},
            })
            # the per-image part is written last: its presence marks the chunk as done
            with atomic_path(self.parts / f"images-{seq}{self.ext}") as tmp:
                write_table(images, tmp, self.fmt)
                checkpoint("part-tmp")
        checkpoint("part")
        _append(self.images, images)
        if fixations is not None:
            _append(self.fixations, fixations)
        merge_notes(self.notes, notes)
        self.model_seconds += sum(r.model_seconds for r in results)
        self.scoring_seconds += sum(r.scoring_seconds for r in results)
        self._done.update(int(r.row["image"]) for r in results)

    def finish(self, manifest, *, attributes=None) -> Results:
        """Write the final tables, then the complete manifest (the commit point), then remove
        the parts. A kill anywhere leaves a state a rerun completes: before the manifest says
        complete, the parts are all still there."""
        images, fixations = self.tables()
        manifest["table_format"] = self.fmt
        results = Results(images, fixations, manifest, attributes)
        manifest["summary"] = results.means()
        with writing(self.directory, "write the final tables; rerun to finish"):
            write_results(self.directory, images, fixations, manifest, fmt=self.fmt,
                          attributes=attributes,
                          before_commit=lambda: checkpoint("tables"),
                          while_writing=lambda: checkpoint("tables-tmp"))
        checkpoint("committed")
        with contextlib.suppress(OSError):
            shutil.rmtree(self.parts)
        return results


#: The lock file of a results directory (never removed: removing a lock file that another
#: process may be waiting on would let two writers in).
LOCK = ".salbench.lock"


def _temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp") and path.is_file()


def _leftover(path: Path) -> bool:
    """Files salbench itself leaves in a results directory that holds no manifest yet."""
    return path.name == LOCK or _temporary(path)


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


@contextlib.contextmanager
def writing(directory, doing: str):
    """Turn an ``OSError`` (read-only folder, full disk...) into one clear :class:`DataError`."""
    try:
        yield
    except DataError as error:
        raise DataError(f"{error}; could not {doing}") from None
    except OSError as error:
        where = getattr(error, "filename", None) or directory
        raise DataError(f"cannot write {where}: {_reason(error)}; could not {doing}") from None


#: Chunk tables kept apart before they are merged into one: each small pandas frame costs a few
#: kilobytes of its own (index, block manager, per-column arrays), which at 100,000 images made
#: the client's memory grow with N; merging every so many chunks keeps it at the rows' own size.
_MERGE_EVERY = 64


def _append(frames: list, frame) -> None:
    """``frames.append(frame)``, merging the list into one frame every ``_MERGE_EVERY`` chunks."""
    frames.append(frame)
    if len(frames) > _MERGE_EVERY:
        merged = _concat(frames, frames[0])
        frames[:] = [merged]


def _concat(frames, empty):
    import pandas as pd

    frames = [f for f in frames if len(f)]
    if not frames:
        return empty
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
