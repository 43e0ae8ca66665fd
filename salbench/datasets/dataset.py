"""Dataset: stimuli + fixations + the facts a result must cite (source, licence, conversions)."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import DataError, InputError
from .fixations import Fixations, ImageFixations
from .stimuli import Stimuli

#: Ways to treat a fixation that lies outside its image: the values of every ``out_of_image=``
#: option (:class:`Dataset`, :func:`~salbench.datasets.load`, :func:`~salbench.datasets.read_fixations`,
#: :func:`~salbench.datasets.tabular.table_dataset`) and of the command line's ``--out-of-image``.
#: ``"error"`` stops with a list of them; ``"drop"`` removes them; ``"clip"`` moves each to the
#: nearest point inside its image (what the MIT benchmark code does); ``"keep"`` keeps them (the
#: metrics reject them later; the API only).
OUT_OF_IMAGE_POLICIES = ("error", "drop", "clip", "keep")
#: The advice an out-of-image error gives: what the API and the command line both accept.
OUT_OF_IMAGE_ADVICE = ("Pass out_of_image='drop' to remove them or 'clip' to move them to the image "
                       "border (on the command line: --out-of-image drop or --out-of-image clip); "
                       "out_of_image='keep' keeps them for the metrics to reject.")


@dataclass(frozen=True)
class DatasetFacts:
    """Provenance and conventions of a dataset, recorded in every result manifest.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"osie"``.
    title, citation, licence, source, commit : str
        What the data is, whom to cite, its licence, where it came from and the pinned commit.
    observers : int or None
        Number of distinct observers.
    pixels_per_degree : float or None
        Pixels per degree of visual angle where the publication states it.
    conversion : str
        The coordinate conversion applied to reach salbench's 0-based (x = column, y = row)
        convention, e.g. ``"x = fix_x - 1, y = fix_y - 1"``.
    out_of_image : int
        Fixations found outside their image when loading.
    dropped, clipped : int
        How many of those were dropped or moved inside the image (``out_of_image=`` policy).
    empty_trials : int
        Observer-image trials with no fixation in the source.
    images : tuple of int or None
        For a subset, the indices of its images in the parent dataset.
    notes : tuple of str
        Anything else a user should know.
    stimuli_only : bool
        The dataset publishes no fixations (benchmark test sets such as MIT300): it serves for
        predictions, not for scoring.
    tracking : str
        How gaze was recorded: ``"eye tracking"``, ``"webcam eye tracking"`` (iSUN) or
        ``"mouse tracking"`` (SALICON: mouse movements on a blurred display, not eye movements);
        empty where unknown.
    """

    name: str
    title: str = ""
    citation: str = ""
    licence: str = ""
    source: str = ""
    commit: str = ""
    observers: int | None = None
    pixels_per_degree: float | None = None
    conversion: str = ""
    out_of_image: int = 0
    dropped: int = 0
    clipped: int = 0
    empty_trials: int = 0
    images: tuple | None = None
    notes: tuple = field(default_factory=tuple)
    stimuli_only: bool = False
    tracking: str = ""

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["notes"] = list(self.notes)
        d["images"] = None if self.images is None else list(self.images)
        return d

    def replace(self, **changes) -> "DatasetFacts":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class DatasetImage:
    """One image of a dataset with its fixations; pixels are decoded only by :meth:`load`."""

    index: int
    id: str
    name: str
    shape: tuple
    fixations: ImageFixations
    _stimuli: Stimuli = field(repr=False)

    def load(self) -> np.ndarray:
        """Decode the image (uint8, ``(H, W)`` or ``(H, W, 3)``)."""
        return self._stimuli.load(self.index)


class Dataset:
    """A fixation dataset: :class:`Stimuli`, :class:`Fixations` and :class:`DatasetFacts`.

    ``len(dataset)`` is the number of images; iterating yields one :class:`DatasetImage` per image
    (its fixations are views, its pixels are decoded on ``.load()``).

    ``attributes`` is a pandas DataFrame with one row per image in dataset order (e.g. a
    ``category`` column for CAT2000 or FIGRIM, ``task``/``target`` for COCO-Search18); a dataset
    without per-image attributes has an empty frame with as many rows as images.

    Fixations outside their image are found here, when the dataset is built (the stimuli know
    every image's size): ``out_of_image`` (one of :data:`OUT_OF_IMAGE_POLICIES`, default
    ``"error"``) says what happens to them, and ``facts`` records how many were found, dropped or
    clipped. ``out_of_image=None`` skips the check, for a caller that applies a policy itself.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.datasets import Dataset, Fixations, Stimuli
    >>> stimuli = Stimuli(["a.png"], shapes=[(30, 40)])
    >>> outside = Fixations([10.0, 45.0], [5.0, 5.0], [0, 0])
    >>> Dataset(stimuli, outside)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    salbench.exceptions.DataError: 1 fixation(s) of dataset 'unnamed' lie outside their image: ...
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # "1 fixation(s) ... were dropped: ..."
    ...     dropped = Dataset(stimuli, outside, out_of_image="drop")
    >>> len(dropped.fixations), dropped.facts.dropped
    (1, 1)
    """

    def __init__(self, stimuli: Stimuli, fixations: Fixations, facts: DatasetFacts | None = None,
                 *, attributes=None, out_of_image: str | None = "error"):
        if not isinstance(stimuli, Stimuli):
            raise InputError(f"stimuli must be a salbench Stimuli object, got {type(stimuli).__name__}")
        if not isinstance(fixations, Fixations):
            raise InputError(f"fixations must be a salbench Fixations object, got {type(fixations).__name__}")
        if fixations.n_images != len(stimuli):
            raise InputError(
                f"fixations are indexed against {fixations.n_images} images but there are "
                f"{len(stimuli)} stimuli"
            )
        facts = facts if facts is not None else DatasetFacts(name="unnamed")
        if out_of_image is not None and len(fixations):
            fixations, stats = apply_out_of_image_policy(facts.name, fixations, stimuli,
                                                         out_of_image, stacklevel=3)
            if stats["out_of_image"]:
                facts = facts.replace(out_of_image=facts.out_of_image + stats["out_of_image"],
                                      dropped=facts.dropped + stats["dropped"],
                                      clipped=facts.clipped + stats["clipped"])
        self.stimuli = stimuli
        self.fixations = fixations
        self.facts = facts
        self._attributes = _attributes_argument(attributes, len(stimuli))

    @property
    def attributes(self):
        """Per-image attributes: a DataFrame, one row per image in dataset order."""
        import pandas as pd

        if self._attributes is None:
            return pd.DataFrame(index=pd.RangeIndex(len(self), name="image"))
        return self._attributes

    @property
    def name(self) -> str:
        return self.facts.name

    def __len__(self) -> int:
        return len(self.stimuli)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}: {len(self)} images, {len(self.fixations)} fixations, "
                f"{self.fixations.n_subjects} observers)")

    def __getitem__(self, i) -> DatasetImage:
        i = self.stimuli._check(i)
        return DatasetImage(i, self.stimuli.image_id(i), self.stimuli.name(i), self.stimuli.shape(i),
                            self.fixations.for_image(i), self.stimuli)

    def __iter__(self):
        ids, names = self.stimuli.ids, self.stimuli.names
        for i in range(len(self)):
            yield DatasetImage(i, ids[i], names[i], self.stimuli.shape(i),
                               self.fixations.for_image(i), self.stimuli)

    def subset(self, images) -> "Dataset":
        """The dataset restricted to ``images`` (indices, in the given order), renumbered 0..k-1."""
        idx = np.asarray(images, dtype=np.int64).reshape(-1)
        parent = self.facts.images
        absolute = idx if parent is None else np.asarray(parent, dtype=np.int64)[idx]
        attributes = None
        if self._attributes is not None:
            attributes = self._attributes.iloc[idx].reset_index(drop=True)
            attributes.index.name = "image"
        # checked (or kept on purpose) when this dataset was built: not again
        sub = Dataset(self.stimuli.subset(idx), self.fixations.subset(idx),
                      self.facts.replace(images=tuple(int(i) for i in absolute)),
                      attributes=attributes, out_of_image=None)
        return sub

    def describe(self) -> dict:
        """Counts and facts, e.g. for a result manifest or ``salbench datasets info``."""
        shapes = {tuple(s) for s in self.stimuli.shapes.tolist()}
        return {
            **self.facts.to_dict(),
            "n_images": len(self),
            "n_fixations": len(self.fixations),
            "n_observers": self.fixations.n_subjects,
            "n_scanpaths": self.fixations.n_scanpaths,
            "n_image_sizes": len(shapes),
        }


def _attributes_argument(attributes, n_images):
    if attributes is None:
        return None
    import pandas as pd

    if not isinstance(attributes, pd.DataFrame):
        try:
            attributes = pd.DataFrame(attributes)
        except (TypeError, ValueError) as error:
            raise InputError(f"attributes must be a pandas DataFrame (one row per image): {error}"
                             ) from None
    if "image" in attributes.columns:
        raise InputError("attributes must not have a column named 'image' (it is the image index "
                         "in results tables); rename it")
    if len(attributes) != n_images:
        raise InputError(f"attributes has {len(attributes)} rows but the dataset has {n_images} "
                         "images (one row per image, in dataset order)")
    attributes = attributes.reset_index(drop=True)
    attributes.index.name = "image"
    return attributes


# ------------------------------------------------------------------ out-of-image fixations
def outside_mask(fixations: Fixations, shapes: np.ndarray) -> np.ndarray:
    """True for each fixation outside ``[0, W) x [0, H)`` of its image."""
    heights = shapes[fixations.n, 0]
    widths = shapes[fixations.n, 1]
    x, y = fixations.x, fixations.y
    return ~((x >= 0) & (x < widths) & (y >= 0) & (y < heights))


def _shapes_and_names(stimuli):
    """``(shapes, names or None)`` of a :class:`Stimuli` or of an ``(n_images, 2)`` array of
    ``(height, width)``."""
    if isinstance(stimuli, Stimuli):
        return stimuli.shapes, stimuli.names
    shapes = np.asarray(stimuli, dtype=np.int64)
    if shapes.ndim != 2 or shapes.shape[1] != 2:
        raise InputError(f"image sizes must be an (n_images, 2) array of (height, width), got "
                         f"shape {shapes.shape}")
    return shapes, None


def describe_outside(dataset_name: str, fixations: Fixations, stimuli, mask: np.ndarray,
                     *, limit: int = 10) -> str:
    """One line per out-of-image fixation (the first ``limit``): dataset, image, subject, where.

    ``stimuli`` is a :class:`Stimuli` or an ``(n_images, 2)`` array of image sizes.
    """
    shapes, names = _shapes_and_names(stimuli)
    lines = []
    for k in np.flatnonzero(mask)[:limit]:
        n = int(fixations.n[k])
        h, w = (int(v) for v in shapes[n])
        subject = int(fixations.subject[k])
        label = f"{names[n]!r}, " if names is not None else ""
        lines.append(
            f"  dataset {dataset_name!r}, image {n} ({label}{w}x{h}), subject "
            f"{subject if subject >= 0 else 'unknown'}: x = {fixations.x[k]:.6g}, y = {fixations.y[k]:.6g}"
        )
    more = int(mask.sum()) - len(lines)
    if more > 0:
        lines.append(f"  ... and {more} more")
    return "\n".join(lines)


def apply_out_of_image_policy(dataset_name: str, fixations: Fixations, stimuli,
                              policy: str, *, stacklevel: int = 3) -> tuple[Fixations, dict]:
    """Find fixations outside their image and treat them as ``policy`` says.

    ``"error"`` raises a :class:`DataError` listing them; ``"drop"`` removes them; ``"clip"`` moves
    each coordinate to the nearest position inside the image (what the MIT benchmark code does);
    ``"keep"`` keeps them (metrics will reject them later). Every policy but ``"error"`` warns with
    the count. ``stimuli`` is a :class:`Stimuli` or an ``(n_images, 2)`` array of image sizes.
    Returns the fixations and ``{"out_of_image", "dropped", "clipped"}``.
    """
    if policy not in OUT_OF_IMAGE_POLICIES:
        raise InputError(f"out_of_image must be one of {list(OUT_OF_IMAGE_POLICIES)}, got {policy!r}")
    shapes, _ = _shapes_and_names(stimuli)
    if shapes.shape[0] != fixations.n_images:
        raise InputError(f"fixations are indexed against {fixations.n_images} images but "
                         f"{shapes.shape[0]} image sizes were given")
    mask = outside_mask(fixations, shapes)
    count = int(mask.sum())
    stats = {"out_of_image": count, "dropped": 0, "clipped": 0}
    if count == 0:
        return fixations, stats
    report = describe_outside(dataset_name, fixations, stimuli, mask)
    if policy == "error":
        raise DataError(
            f"{count} fixation(s) of dataset {dataset_name!r} lie outside their image:\n{report}\n"
            + OUT_OF_IMAGE_ADVICE
        )
    if policy == "drop":
        fixations = fixations.filter(~mask)
        stats["dropped"] = count
        action = "dropped"
    elif policy == "clip":
        w = shapes[fixations.n, 1].astype(np.float64)
        h = shapes[fixations.n, 0].astype(np.float64)
        # The largest float below W keeps floor(x) == W - 1, inside the image.
        x = np.clip(fixations.x, 0.0, np.nextafter(w, 0.0))
        y = np.clip(fixations.y, 0.0, np.nextafter(h, 0.0))
        fixations = Fixations(x, y, fixations.n, subject=fixations.subject,
                              scanpath=fixations.scanpath, position=fixations.position,
                              t=fixations.t, duration=fixations.duration,
                              n_images=fixations.n_images)
        stats["clipped"] = count
        action = "clipped to the image border"
    else:
        action = "kept (metrics will reject them)"
    warnings.warn(f"{count} fixation(s) of dataset {dataset_name!r} outside their image were "
                  f"{action}:\n{report}", UserWarning, stacklevel=stacklevel)
    return fixations, stats
