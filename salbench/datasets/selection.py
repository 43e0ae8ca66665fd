"""Named image selections, ``DATASET[:SPLIT]``: the images a model or a baseline is fitted on.

A fitted model (a saliency-to-density conversion, a centre bias, FastGaze's scale and prior
weight) is only honest on images it was not fitted on. :class:`ImageSelection` names its
fitting images — a dataset and a part of its default deterministic split
(:func:`salbench.datasets.split_images`, seed 0) — so they can be recorded in a results manifest
and compared with the scored images: :meth:`ImageSelection.shared_with` finds scored images that
are also fitting images, by *content* (the SHA-256 in each stimulus id), so the same photograph
under another file name or in another dataset counts too. A dataset loaded with options
(``figrim:viewing=rec``: the same pictures, other fixations) is named with them — in the label
(``figrim:viewing=rec:train``) and in the record (``options``) — so the manifest says which
fixations a model was fitted on.

Examples
--------
>>> from salbench.datasets.selection import parse_selection
>>> parse_selection("osie:train"), parse_selection("osie"), parse_selection("data/osie:test")
(('osie', 'train'), ('osie', 'all'), ('data/osie', 'test'))
>>> parse_selection("figrim:viewing=rec:train"), parse_selection("figrim:viewing=rec")
(('figrim:viewing=rec', 'train'), ('figrim:viewing=rec', 'all'))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import InputError

#: The parts a selection can name: every image, or a part of the default split (seed 0).
PARTS = ("all", "train", "validation", "test")


def parse_dataset_spec(text: str) -> tuple[str, dict]:
    """``"NAME[:KEY=VALUE[,KEY=VALUE...]]"`` -> ``(NAME, {KEY: VALUE})``: a dataset with its
    loader's options, as the command line's ``--dataset`` and ``--fit-on`` take them.

    ``NAME`` is a registered name or a folder named like one; the options are checked against
    the dataset's own (``spec(name).options``) when it is loaded. Anything else is returned
    unchanged with no options.

    Examples
    --------
    >>> parse_dataset_spec("figrim:viewing=rec")
    ('figrim', {'viewing': 'rec'})
    >>> parse_dataset_spec("salicon:release=2015,split=val"), parse_dataset_spec("osie")
    (('salicon', {'release': '2015', 'split': 'val'}), ('osie', {}))
    """
    from .registry import names

    head, sep, tail = text.partition(":")
    if not sep or not tail or Path(head).name not in names() or "=" not in tail:
        return text, {}
    options: dict = {}
    for part in tail.split(","):
        key, eq, value = (item.strip() for item in part.partition("="))
        if not eq or not key or not value:
            raise InputError(f"{text!r}: dataset options are KEY=VALUE pairs separated by commas "
                             f"(e.g. figrim:viewing=rec), got {part!r}")
        if key in options:
            raise InputError(f"{text!r}: the option {key!r} is given twice")
        options[key] = value
    return head, options


def load_dataset(spec: str, *, root=None, download: bool = False, out_of_image: str | None = None):
    """A dataset from a registered name (``osie``), a registered name with its loader's options
    (``figrim:viewing=rec``, see :func:`parse_dataset_spec`), a folder in a registered layout
    (``.../osie``), or a folder of pysaliency files (``stimuli.hdf5`` + ``fixations.hdf5``).

    ``out_of_image`` is the policy for fixations outside their image (one of
    :data:`salbench.datasets.dataset.OUT_OF_IMAGE_POLICIES`; default: the dataset's own).

    Examples
    --------
    >>> load_dataset("no-such-dataset")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    salbench.exceptions.InputError: unknown dataset 'no-such-dataset': not a registered name (...) nor an existing folder
    """
    from .registry import load, names

    spec, options = parse_dataset_spec(spec)
    path = Path(spec)
    if path.is_dir():
        if (path / "stimuli.hdf5").is_file() and (path / "fixations.hdf5").is_file():
            from .hdf5 import load_pysaliency

            return load_pysaliency(path, name=path.name, out_of_image=out_of_image or "error")
        if path.name in names():
            return load(path.name, root=path.parent, out_of_image=out_of_image, **options)
        raise InputError(f"{path}: not a dataset folder (expected a folder named like a "
                         f"registered dataset ({', '.join(names())}) or holding stimuli.hdf5 and "
                         "fixations.hdf5)")
    if spec in names():
        return load(spec, root=root, download=download, out_of_image=out_of_image, **options)
    raise InputError(f"unknown dataset {spec!r}: not a registered name ({', '.join(names())}) "
                     "nor an existing folder")


def dataset_options(dataset) -> dict:
    """The loader options ``dataset`` was loaded with (``{"viewing": "rec"}`` for
    ``figrim:viewing=rec``, defaults included), as its facts record them; ``{}`` for a dataset
    without options.

    The publishers' loaders write them as the first note of the facts, ``"options: K=V, ..."``
    (:func:`salbench.datasets.loaders.published.finish`), which is also what a result manifest
    shows; a selection reads them back from there so that it names the variant it holds.
    """
    facts = getattr(dataset, "facts", None)
    for note in getattr(facts, "notes", ()) or ():
        if isinstance(note, str) and note.startswith("options: "):
            pairs = (item.partition("=") for item in note[len("options: "):].split(", "))
            return {key.strip(): value.strip() for key, eq, value in pairs if eq}
    return {}


def _requested_options(dataset_spec: str) -> tuple[str, dict]:
    """``(NAME, options with the loader's defaults filled in)`` of a ``NAME[:K=V,...]`` spec;
    ``(spec, {})`` for anything else (a folder, a dataset without options)."""
    from .loaders.published import resolve_options
    from .registry import spec as registered

    name, given = parse_dataset_spec(dataset_spec)
    try:
        declared = registered(Path(name).name).options
    except InputError:
        return name, given
    return name, {k: str(v) for k, v in resolve_options(Path(name).name, declared,
                                                        given).items()}


def parse_selection(text: str) -> tuple[str, str]:
    """``"DATASET[:SPLIT]"`` -> ``(dataset spec, part)``; the part defaults to ``"all"``."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"expected DATASET[:SPLIT] (SPLIT one of {', '.join(PARTS)}), got "
                         f"{text!r}")
    head, sep, tail = text.strip().rpartition(":")
    if sep and tail in PARTS and head:
        return head, tail
    if sep and "=" in tail:  # NAME:KEY=VALUE, a dataset's options (parse_dataset_spec)
        return text.strip(), "all"
    if sep and tail and not Path(text).exists() and "/" not in tail:
        raise InputError(f"{text!r}: {tail!r} is not a split; expected DATASET[:SPLIT] with SPLIT "
                         f"one of {', '.join(PARTS)}")
    return text.strip(), "all"


def part_images(dataset, part: str) -> np.ndarray:
    """Sorted dataset indices of ``part`` (``"all"`` or a part of the default split, seed 0)."""
    from .splits import split_images

    if part not in PARTS:
        raise InputError(f"split must be one of {', '.join(PARTS)}, got {part!r}")
    if part == "all":
        return np.arange(len(dataset), dtype=np.int64)
    return np.asarray(split_images(dataset).part(part), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class ImageSelection:
    """Images of one dataset: ``part`` of its default split (or ``"all"``), as ``images``.

    Build one with :meth:`of` (a loaded dataset) or :func:`select` (a ``DATASET[:SPLIT]``
    string).
    """

    dataset: object
    part: str
    images: np.ndarray

    @classmethod
    def of(cls, dataset, part: str = "all") -> ImageSelection:
        return cls(dataset, part, part_images(dataset, part))

    @property
    def options(self) -> dict:
        """The loader options of the dataset (:func:`dataset_options`), e.g. FIGRIM's
        viewing: the same images with other fixations are other fitting data."""
        return dataset_options(self.dataset)

    @property
    def label(self) -> str:
        """``"<dataset>[:<options>]:<part>"``, e.g. ``"osie:train"`` or
        ``"figrim:viewing=rec:train"`` — itself a ``DATASET[:SPLIT]`` that selects these
        images again."""
        options = ",".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.dataset.name}{':' + options if options else ''}:{self.part}"

    def __repr__(self) -> str:
        return f"ImageSelection({self.label!r}, {self.images.size} images)"

    def content_hashes(self) -> set:
        ids = self.dataset.stimuli.ids
        return {_content(ids[int(i)]) for i in self.images}

    def shared_with(self, dataset, images) -> np.ndarray:
        """The indices among ``images`` (of ``dataset``) whose picture is also in this selection."""
        mine = self.content_hashes()
        ids = dataset.stimuli.ids
        images = np.asarray(images, dtype=np.int64).reshape(-1)
        return np.array([int(i) for i in images if _content(ids[int(i)]) in mine], dtype=np.int64)

    def describe(self) -> dict:
        """What a results manifest records: the label, the dataset, the part, how many images,
        and a SHA-256 of the selected stimulus ids (names and content hashes), which changes
        when any selected picture does."""
        import hashlib

        ids = self.dataset.stimuli.ids
        digest = hashlib.sha256("\n".join(sorted(ids[int(i)] for i in self.images)).encode())
        described = {"selection": self.label, "dataset": self.dataset.name, "part": self.part,
                     "split_seed": None if self.part == "all" else 0,
                     "n_images": int(self.images.size), "images_sha256": digest.hexdigest()}
        options = self.options
        if options:
            # only for datasets with options, so the records of all others stay as they were
            described["options"] = options
        return described


def _content(image_id: str) -> str:
    """The content part of a stimulus id ``"<name>:<sha256 prefix>"`` (the id if it has none)."""
    return image_id.rpartition(":")[2] or image_id


def select(text: str, *, known=(), root=None, download: bool = False,
           out_of_image: str | None = None) -> ImageSelection:
    """The :class:`ImageSelection` named by ``"DATASET[:SPLIT]"``.

    ``known`` holds datasets already loaded (the scored one): a ``DATASET`` equal to one's name
    reuses it instead of loading the files again. ``out_of_image`` is passed to
    :func:`load_dataset` for a dataset that is loaded.
    """
    dataset_spec, part = parse_selection(text)
    name, options = _requested_options(dataset_spec)
    for dataset in known:
        # the scored figrim (viewing=enc) is not figrim:viewing=rec: same name, other fixations
        if dataset is not None and name == dataset.name and options == dataset_options(dataset):
            return ImageSelection.of(dataset, part)
    return ImageSelection.of(load_dataset(dataset_spec, root=root, download=download,
                                          out_of_image=out_of_image), part)


def check_overlap(fitted_on: ImageSelection, dataset, images, *, allow: bool = False,
                  what: str = "the model") -> np.ndarray:
    """Raise when scored ``images`` of ``dataset`` are among the images ``what`` was fitted on.

    Returns the shared images (empty, or allowed by ``allow=True``).
    """
    shared = fitted_on.shared_with(dataset, images)
    if shared.size and not allow:
        names = dataset.stimuli.names
        shown = ", ".join(f"{int(i)} ({names[int(i)]})" for i in shared[:5])
        raise InputError(
            f"{what} was fitted on {fitted_on.label} ({fitted_on.images.size} images), which "
            f"includes {shared.size} of the {len(images)} scored images of {dataset.name} (e.g. "
            f"{shown}): its scores there would be in-sample. Fit on other images (--fit-on "
            f"DATASET:SPLIT, e.g. {dataset.name}:train with --split test) or allow the overlap "
            "explicitly (--allow-fit-overlap / allow_fit_overlap=True)"
        )
    return shared
