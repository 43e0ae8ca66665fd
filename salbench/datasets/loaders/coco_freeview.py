"""COCO-FreeView (Chen et al. 2022): free viewing of the COCO-Search18 images.

``COCOFreeView_fixations_trainval.json`` is a list of trials with ``name`` (image file),
``subject`` (1-based), ``X``, ``Y`` (fixation positions in image pixels), ``T`` (durations, ms),
``length`` and ``split`` (``train`` / ``valid``). The images are COCO-Search18's: the two image
archives unpacked as for ``coco_search18`` (``images/<task>/<name>.jpg`` and
``coco_search18_images_TA/<task>/<name>.jpg``), either in this dataset's folder or in the
``coco_search18`` folder beside it. An image found in several task folders is the same file
(pysaliency checks their MD5 sums); the first in sorted order is used.

Conversion: ``x = X``, ``y = Y`` (taken as 0-based, as for COCO-Search18),
``subject = subject - 1``, ``duration = T / 1000`` s, ``t = NaN``.
"""

from __future__ import annotations

from pathlib import Path

from ...exceptions import DataError
from .coco_search18 import IMAGE_FOLDERS, SPLITS, add_trial, read_trials
from .published import Trials, finish, require, stimuli_from

FIXATIONS = "COCOFreeView_fixations_trainval.json"


def image_index(folder: Path) -> dict:
    """``{file name: path relative to folder}`` over the COCO-Search18 image folders."""
    found = {}
    for top in IMAGE_FOLDERS.values():
        for path in sorted((folder / top).glob("*/*.jpg")):
            found.setdefault(path.name, path.relative_to(folder).as_posix())
    return found


def load(spec, folder, out_of_image, *, split="train"):
    """The registered ``coco_freeview`` dataset (one split) from ``folder``."""
    folder = Path(folder)
    path = require(folder, FIXATIONS, spec)
    wanted = SPLITS[split]
    selected = [r for r in read_trials(path) if r["split"] == wanted]
    if not selected:
        raise DataError(f"{path}: no trial has split {wanted!r}")
    names = sorted({r["name"] for r in selected})
    images_root = folder
    found = image_index(folder)
    if not found and (folder.parent / "coco_search18").is_dir():
        images_root = folder.parent / "coco_search18"
        found = image_index(images_root)
    missing = [n for n in names if n not in found]
    if missing:
        raise DataError(f"dataset {spec.name!r}: {len(missing)} image(s) of the fixation file are in "
                        f"none of {images_root}/images/<task>/ and "
                        f"{images_root}/coco_search18_images_TA/<task>/, e.g. {missing[0]}; unpack "
                        "COCO-Search18's image archives there (see datasets/coco_freeview.md)")
    stimuli = stimuli_from(images_root, [found[n] for n in names], spec)
    index = {name: n for n, name in enumerate(names)}
    trials = Trials()
    for record in sorted(selected, key=lambda r: index[r["name"]]):
        add_trial(trials, index[record["name"]], record)
    return finish(spec, stimuli, trials, out_of_image, options={"split": split})
