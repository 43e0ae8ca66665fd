"""Fitting data made explicit: build a fitted model on named images, never on the scored ones.

Some models learn parameters from fixations before they are scored — the saliency-to-density
conversion (``density:SPEC``), FastGaze's centre bias and scales (``fastgaze:FILE.vxm``), the
centre-bias and gold-standard baselines. Scored on the images they were fitted on, they look
better than they are. :func:`model_for_scoring` builds such a model on explicit fitting images
(``fit_on="DATASET[:SPLIT]"``; by default the scored dataset's training split when its test or
validation split is scored), refuses fitting images that are also scored unless told
``allow_fit_overlap=True``, and records them as the model's ``fitted_on``, which
:func:`salbench.evaluate` writes to the results manifest (``"fit"``) and the leaderboard shows.

Models that fit nothing (maps, networks, commands, ``builtin:``) are built as they are.
"""

from __future__ import annotations

from ..datasets.selection import PARTS, ImageSelection, check_overlap, select
from ..exceptions import InputError

__all__ = ["default_fit_selection", "model_for_scoring", "scored_part"]


def scored_part(dataset, images) -> str:
    """The part of ``dataset``'s default split (seed 0) that holds every one of ``images``:
    ``"test"``, ``"validation"`` or ``"train"``; ``"all"`` when they span parts. What sets the
    default fitting images of a command that scores (or draws) chosen images.

    Examples
    --------
    >>> from salbench.demo import synthetic_dataset
    >>> from salbench.datasets import split_images
    >>> data = synthetic_dataset(n_images=10, shape=(12, 16), root=getfixture("tmp_path")).dataset
    >>> test = list(split_images(data).test)
    >>> scored_part(data, test[:1]), scored_part(data, range(10))
    ('test', 'all')
    """
    from ..datasets.splits import split_images

    chosen = {int(i) for i in images}
    split = split_images(dataset)
    for part in ("test", "validation", "train"):
        if chosen and chosen <= {int(i) for i in split.part(part)}:
            return part
    return "all"


def default_fit_selection(dataset, split) -> ImageSelection | None:
    """``dataset``'s training part when ``split`` is its ``"test"`` or ``"validation"`` part;
    None otherwise (every other choice would fit on scored images).

    Examples
    --------
    >>> default_fit_selection(None, "all") is None
    True
    """
    if split in ("test", "validation"):
        return ImageSelection.of(dataset, "train")
    return None


def model_for_scoring(spec: str, dataset, images, *, split: str = "all", fit_on=None,
                      allow_fit_overlap: bool = False, kind: str | None = None, root=None,
                      download: bool = False, out_of_image: str | None = None, **options):
    """The model of ``spec`` (:func:`salbench.models.from_spec`), fitted where it must be, to
    score ``images`` (indices) of ``dataset``.

    Parameters
    ----------
    spec : str
        A model spec. Specs that fit nothing are built without any fixations.
    dataset : Dataset
        The scored dataset.
    images : sequence of int
        The scored images.
    split : {"all", "train", "validation", "test"}
        Which part of ``dataset`` ``images`` come from (it sets the default fitting images;
        :func:`scored_part` finds it for chosen images).
    fit_on : str or ImageSelection, optional
        ``"DATASET[:SPLIT]"`` to fit on (``DATASET`` a registered name, a folder, or the scored
        dataset's name; a bare ``SPLIT`` such as ``"train"`` is the scored dataset's). Default: :func:`default_fit_selection`; with no default (scoring
        ``"all"`` or ``"train"``) an error, unless ``allow_fit_overlap`` (then the scored part
        itself, as salbench did before).
    allow_fit_overlap : bool
        Fit on images that are also scored.
    root, download, out_of_image
        How a ``fit_on`` dataset other than ``dataset`` is loaded
        (:func:`~salbench.datasets.selection.load_dataset`).
    kind, **options
        Passed to :func:`~salbench.models.from_spec`.

    Returns
    -------
    model
        With ``model.fitted_on`` (an :class:`~salbench.datasets.selection.ImageSelection`) when
        it was fitted.

    Examples
    --------
    >>> model_for_scoring("baseline:uniform", None, [0, 1]).name
    'uniform'
    """
    from ..models.spec import BASELINES, fits_parameters, from_spec, split_scheme

    if not fits_parameters(spec):
        return from_spec(spec, kind=kind, **options)
    if fit_on is None:
        selection = default_fit_selection(dataset, split)
        if selection is None:
            if not allow_fit_overlap:
                raise InputError(
                    f"model {spec!r} is fitted to fixations, and scoring {dataset.name}:{split} "
                    f"leaves no held-out images to fit it on by default (the default is "
                    f"{dataset.name}:train only when scoring the test or validation split). Name "
                    "the fitting images with --fit-on DATASET[:SPLIT] (fit_on=), e.g. another "
                    "dataset, or fit on the scored images on purpose with --allow-fit-overlap "
                    "(allow_fit_overlap=True)"
                )
            selection = ImageSelection.of(dataset, split)
    elif isinstance(fit_on, ImageSelection):
        selection = fit_on
    elif isinstance(fit_on, str) and fit_on.strip() in PARTS:
        selection = ImageSelection.of(dataset, fit_on.strip())
    else:
        selection = select(fit_on, known=(dataset,), root=root, download=download,
                           out_of_image=out_of_image)
    scheme, rest = split_scheme(spec.strip())
    baseline = BASELINES.get(rest.lower()) if scheme == "baseline" else None
    # a centre bias predicts each of its fitting images from the folds without it
    check_overlap(selection, dataset, images, allow=allow_fit_overlap or baseline == "centre",
                  what=f"model {spec!r}")
    if baseline in ("gold", "gold_all") and selection.dataset is not dataset:
        raise InputError(f"model {spec!r} predicts each image from the other observers' "
                         f"fixations on it: fit its bandwidth on images of the scored dataset "
                         f"{dataset.name!r}, not {selection.label!r}")
    if scheme == "density" and allow_fit_overlap:
        # the conversion refuses its own training images by itself; the user allowed them
        options.setdefault("allow_training_images", True)
    model = from_spec(spec, dataset=selection.dataset, train=selection.images, kind=kind,
                      **options)
    model.fitted_on = selection
    return model
