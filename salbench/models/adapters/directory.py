"""A folder of precomputed saliency maps (or log-densities), one file per stimulus.

Maps are matched to stimuli by file stem: the map of ``stimuli/1001.jpg`` is ``1001.png`` (or
``1001.npy``, ``1001.mat``…). :meth:`MapDirectoryModel.check` compares the folder with a dataset
before any scoring and reports every missing, extra, ambiguous, unreadable, wrongly-sized or
non-finite map in one :class:`~salbench.exceptions.DataError`, so a submission is fixed in one go.
"""

from __future__ import annotations

import errno
import os
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...exceptions import DataError, InputError
from ._base import Adapter, check_resize, log_density_problem, make_log_density_variant, stem_of
from ._io import MAP_SUFFIXES, is_map_file, map_shape, read_map


@dataclass(frozen=True)
class MapCheck:
    """What :meth:`MapDirectoryModel.check` found when nothing was wrong.

    Attributes
    ----------
    n_images : int
        Stimuli checked.
    extra : tuple of str
        Map files that match no stimulus (only when ``extra`` is ``"warn"`` or ``"ignore"``).
    ignored : tuple of str
        Files that are not maps by their extension (e.g. a README), never an error.
    decoded : bool
        Whether every map was fully decoded (else only headers were read).
    seconds : float
        Time the check took.
    """

    n_images: int
    extra: tuple
    ignored: tuple
    decoded: bool
    seconds: float


def _default_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _size(shape) -> str:
    return f"{shape[1]}x{shape[0]}"


def _nfc(text: str) -> str:
    """Names are compared in Unicode NFC: macOS file systems store NFD (``e`` + combining
    accent), most others keep what they were given, so one name can arrive in either form."""
    return unicodedata.normalize("NFC", text)


def _not_a_file(path: Path) -> str:
    """What an entry named like a map is when it is not a readable regular file."""
    if path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        try:
            os.stat(path)
        except OSError as error:
            if error.errno == errno.ELOOP:
                return f"a symlink loop (it points to {target}, which leads back to itself)"
            return f"a broken symlink (it points to {target}, which does not exist)"
        if path.is_dir():
            return f"a symlink to a folder ({target}), not a map file"
    if path.is_dir():
        return "a folder, not a map file"
    return "not a regular file (a device, socket or pipe)"


class MapDirectoryModel(Adapter):
    """Saliency maps read from a folder, matched to stimuli by file stem.

    Parameters
    ----------
    directory : path-like
        The folder. Files whose extension is one of ``.png .jpg .jpeg .tif .tiff .bmp .npy .npz
        .mat`` are maps; other files are ignored; hidden files (``.name``) are skipped.
    kind : {"saliency", "log_density"}
        What the files hold. ``"log_density"`` gives a probabilistic model whose files must be
        normalised natural-log densities (checked, not silently fixed).
    recursive : bool
        Also look in sub-folders. Maps in different folders with the same stem are told apart by
        their folder names, which must then match the stimuli's (e.g. CAT2000 categories).
    resize : {None, "bilinear", "mit", "nearest", "area"}
        ``None``: a map whose size differs from its image's is an error. Otherwise maps are resized
        to the image size with :func:`salbench.metrics.resize_map` and that method.
    key : str, optional
        The array (NPZ) or variable (MAT) to read when files hold several.
    name : str, optional
        Name in tables (default: the folder's name).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "1001.npy", np.eye(3))
    >>> model = MapDirectoryModel(folder)
    >>> float(model.saliency_map((3, 3), image_id="1001.jpg:0123456789abcdef").trace())
    3.0
    """

    needs_pixels = False
    normalise_log_density = False

    def __init__(self, directory, *, kind: str = "saliency", recursive: bool = False,
                 resize: str | None = None, key: str | None = None, name: str | None = None):
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise DataError(f"{self.directory}: not a folder of saliency maps (it does not exist "
                            "or is not a directory)")
        self.recursive = bool(recursive)
        self.resize = check_resize(resize)
        self.key = key
        self.name = name or self.directory.name
        self._scan()
        self._bound: dict = {}

    def _walk(self):
        """``(map files, ignored names)`` in the folder now (hidden files skipped)."""
        walk = self.directory.rglob("*") if self.recursive else self.directory.iterdir()
        maps, ignored, self._unusable = [], [], {}
        for path in walk:
            rel = path.relative_to(self.directory)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if not path.is_file():
                if is_map_file(path):  # e.g. a broken symlink: reported as what it is, not "missing"
                    self._unusable.setdefault(_nfc(path.stem), []).append((path, _not_a_file(path)))
                continue
            if is_map_file(path):
                maps.append(path)
            else:
                ignored.append(rel.as_posix())
        return maps, ignored

    def _scan(self):
        maps, ignored = self._walk()
        by_stem: dict[str, list[Path]] = {}
        for path in maps:
            by_stem.setdefault(_nfc(path.stem), []).append(path)
        for paths in by_stem.values():
            paths.sort()
        self._by_stem = by_stem
        self.ignored = tuple(sorted(ignored))

    @property
    def files(self) -> list[Path]:
        """Every map file found, sorted."""
        return sorted(p for paths in self._by_stem.values() for p in paths)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.directory).as_posix()

    # ------------------------------------------------------------------ matching
    def _candidates(self, stimulus_path: Path) -> list[Path]:
        """Map files for a stimulus: same stem, then (if several) the same trailing folders."""
        paths = self._by_stem.get(_nfc(stimulus_path.stem), [])
        if len(paths) > 1:
            target = tuple(_nfc(part) for part in stimulus_path.with_suffix("").parts)
            same_folders = [p for p in paths
                            if target[-len(p.relative_to(self.directory).parts):]
                            == tuple(_nfc(part) for part in
                                     p.relative_to(self.directory).with_suffix("").parts)]
            if same_folders:
                paths = same_folders
        return paths

    def candidates(self, stimulus_path) -> list[Path]:
        """The map files of a stimulus by the matching rule of :meth:`check` (same stem; when
        several, those in the same trailing folders): none, one, or several (ambiguous)."""
        return self._candidates(Path(stimulus_path))

    def path_for(self, image_id) -> Path:
        """The map file of the image with id (or file name, or stem) ``image_id``."""
        if image_id is None:
            raise InputError(f"{self.name}: maps are found by image, so saliency_map needs "
                             "image_id= (the stimulus id or file name)")
        bound = self._bound.get(image_id)
        if bound is not None:
            return bound
        stem = _nfc(stem_of(image_id))
        paths = self._by_stem.get(stem, [])
        if not paths and stem in self._unusable:
            path, what = self._unusable[stem][0]
            raise DataError(f"{self.directory}: the map for image {image_id!r}, "
                            f"{self._rel(path)}, is {what}")
        if not paths:
            raise DataError(f"{self.directory}: no map for image {image_id!r} (looked for "
                            f"{stem} with one of {', '.join(MAP_SUFFIXES)})")
        if len(paths) > 1:
            raise DataError(f"{self.directory}: several maps for image {image_id!r}: "
                            f"{', '.join(self._rel(p) for p in paths)}")
        return paths[0]

    def _output(self, image, image_id) -> np.ndarray:
        path = self.path_for(image_id)
        return self._finish(read_map(path, key=self.key), image, image_id, self.resize)

    def _parameters(self) -> dict:
        return {"directory": str(self.directory), "recursive": self.recursive,
                "resize": self.resize, "key": self.key, "n_files": len(self.files)}

    def fingerprint(self) -> dict:
        """Name, size, mtime and content hash of every map file in the folder now (the
        engine records it, and refuses to resume or reuse results of other files)."""
        from ..._fingerprint import files_fingerprint

        maps, _ = self._walk()
        return {"directory": str(self.directory.resolve()),
                "files": files_fingerprint(maps, root=self.directory)}

    # ------------------------------------------------------------------ checking
    def check(self, dataset, *, images=None, extra: str = "error", decode: bool = True,
              threads: int | None = None) -> MapCheck:
        """Check the folder against ``dataset`` before scoring; report every problem at once.

        Parameters
        ----------
        dataset : salbench.datasets.Dataset
        images : sequence of int, optional
            The images that will be scored (default: all). Maps of the dataset's other images
            are not "extra".
        extra : {"error", "warn", "ignore"}
            What to do about map files that match no stimulus of the dataset.
        decode : bool
            Decode every map (finds truncated files, NaN/inf values and, for log-densities,
            unnormalised ones). ``False`` reads only headers: much faster, but a corrupt pixel
            stream is found only when scoring reaches it.
        threads : int, optional
            Files decoded in parallel (default: up to 4).

        Returns
        -------
        MapCheck
            When nothing is wrong. The matches are remembered, so later lookups by image id are
            dictionary reads.

        Raises
        ------
        DataError
            Listing, by file and image name, every missing, ambiguous, extra, unreadable,
            wrongly-sized, non-finite or (log-density) unnormalised map.
        """
        from ..._validation import keyword_choice

        keyword_choice(extra, "extra", ("error", "warn", "ignore"))
        start = time.perf_counter()
        stimuli = dataset.stimuli
        paths = stimuli.paths
        names = stimuli.names
        ids = stimuli.ids
        chosen = range(len(stimuli)) if images is None else [int(i) for i in images]
        # Every stimulus of the dataset claims its map, so that maps of unscored images are not extra.
        claimed: set[Path] = set()
        matches: dict[int, list[Path]] = {}
        for i, path in enumerate(paths):
            candidates = self._candidates(path)
            claimed.update(candidates)
            matches[i] = candidates
        missing, unusable, ambiguous, clashes, resolved = [], [], [], [], []
        for i in chosen:
            candidates = matches[stimuli._check(i)]
            if not candidates:
                found = self._unusable.get(_nfc(Path(paths[i]).stem))
                if found:
                    unusable.extend(f"{names[i]}: {self._rel(p)} is {what}" for p, what in found)
                else:
                    missing.append(names[i])
            elif len(candidates) > 1:
                rels = [self._rel(p) for p in candidates]
                same = [r for r in rels if sum(_nfc(r) == _nfc(o) for o in rels) > 1]
                if same:
                    clashes.append(f"{names[i]}: {' and '.join(ascii(r) for r in same)} are one "
                                   "name in Unicode NFC")
                else:
                    ambiguous.append(f"{names[i]}: {', '.join(rels)}")
            else:
                resolved.append((i, candidates[0]))
        extras = [self._rel(p) for p in self.files if p not in claimed]

        shapes = stimuli.shapes
        problems = [None] * len(resolved)

        def inspect(k):
            i, path = resolved[k]
            expected = (int(shapes[i, 0]), int(shapes[i, 1]))
            try:
                if decode:
                    a = read_map(path, key=self.key)
                    shape = a.shape
                else:
                    a, shape = None, map_shape(path, key=self.key)
            except DataError as error:
                problems[k] = ("unreadable", str(error).replace(f"{path}: ", f"{self._rel(path)}: ", 1))
                return
            if shape != expected and self.resize is None:
                transposed = " (transposed)" if tuple(shape) == expected[::-1] else ""
                problems[k] = ("wrong size", f"{self._rel(path)} is {_size(shape)} (WxH) but image "
                               f"{names[i]} is {_size(expected)}{transposed}")
                return
            if a is None:
                return
            if self.kind == "saliency":
                bad = int(a.size - np.count_nonzero(np.isfinite(a)))
                if bad:
                    problems[k] = ("non-finite values", f"{self._rel(path)}: {bad} NaN/inf value(s)")
            else:
                problems[k] = log_density_problem(a, self._rel(path))

        workers = threads or _default_threads()
        if workers > 1 and len(resolved) > 1:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(inspect, range(len(resolved))))
        else:
            for k in range(len(resolved)):
                inspect(k)

        groups: dict[str, list[str]] = {}
        if missing:
            groups["missing"] = missing
        if unusable:
            groups["named like a map but not a map file"] = unusable
        if ambiguous:
            groups["ambiguous (several maps for one image)"] = ambiguous
        if clashes:
            groups["clash (file names that differ only in Unicode normalisation, NFC vs NFD)"] = clashes
        if extras and extra == "error":
            groups["extra (no stimulus has this stem)"] = extras
        for problem in problems:
            if problem is not None:
                groups.setdefault(problem[0], []).append(problem[1])
        if groups:
            count = sum(len(v) for v in groups.values())
            lines = [f"{self.directory}: {count} problem(s) with the maps for dataset "
                     f"{dataset.name!r} ({len(list(chosen))} image(s) to score):"]
            for title, items in groups.items():
                lines.append(f"  {title} ({len(items)}):")
                lines.extend(f"    {item}" for item in items)
            if missing:
                lines.append("  maps are matched to stimuli by file stem (image 1001.jpg -> "
                             f"1001 with one of {', '.join(MAP_SUFFIXES)})")
            if "wrong size" in groups:
                lines.append("  maps are not resized unless asked: resize='bilinear' (or 'mit', "
                             "'nearest', 'area'; --resize-maps METHOD on the command line)")
            raise DataError("\n".join(lines))
        if extras and extra == "warn":
            import warnings

            shown = ", ".join(extras[:20]) + (f" and {len(extras) - 20} more" if len(extras) > 20 else "")
            warnings.warn(f"{self.directory}: {len(extras)} map file(s) match no stimulus of "
                          f"dataset {dataset.name!r}: {shown}", UserWarning, stacklevel=2)
        for i, path in resolved:
            self._bound[ids[i]] = path
        return MapCheck(n_images=len(resolved), extra=tuple(extras) if extra != "error" else (),
                        ignored=self.ignored, decoded=bool(decode),
                        seconds=time.perf_counter() - start)


LogDensityDirectoryModel = make_log_density_variant(
    MapDirectoryModel, "LogDensityDirectoryModel",
    """Normalised log-densities read from a folder: ``MapDirectoryModel(folder, kind="log_density")``.""")
