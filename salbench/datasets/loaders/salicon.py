"""SALICON (Jiang, Huang, Duan, Zhao 2015): mouse tracking on 20,000 MS COCO images.

SALICON is **mouse tracking**, not eye tracking: observers moved a mouse over a blurred image
that was sharp around the cursor, and the cursor's path stands in for gaze. Two file formats:

* **LSUN challenge MAT files** (the 2015 and the re-derived 2017 release), one file per image,
  ``<split>/COCO_<split>2014_<id>.mat``, holding ``gaze``: a struct array with one element per
  observer and fields ``location`` (k x 2 mouse positions **[x, y], 1-based**), ``timestamp``
  (k x 1, milliseconds since image onset) and ``fixations`` (m x 2 fixations detected in the
  mouse path, **[x, y], 1-based**). Observers are not identified across images.
* **salicon-api JSON** (the original v1.0 release, ``fixations_<split>2014.json``), COCO-style:
  ``images[{id, file_name, width, height, ...}]`` and ``annotations[{id, image_id, worker_id,
  fixations}]`` with ``fixations`` a list of **[row, col], 1-based integer** points. Despite the
  name these are the low-velocity samples of the mouse path (consecutive points a median 2 px
  apart), about 125 per observer and image.

Conversion: MAT ``x = p(:, 1) - 1, y = p(:, 2) - 1``; JSON ``x = col - 1, y = row - 1``;
mouse ``t = timestamp / 1000`` s. The JSON reader refuses points that are not integers inside
``[1, H] x [1, W]`` in [row, col] order rather than guessing another convention.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError, InputError
from ._mat import load_mat
from .published import Trials, finish, read_json, require, stimuli_from

RELEASES = ("2017", "2015", "2015-json")
SPLITS = ("train", "val", "test")
POINTS = ("fixations", "mouse")


def read_salicon_json(path):
    """Parse a salicon-api annotation file.

    Returns ``(images, annotations)``: ``images`` a list of ``{"id", "file_name", "height",
    "width"}`` in file order, ``annotations`` a list of ``(image index, worker_id, annotation id,
    k x 2 int array [row, col] as stored, 1-based)``.
    """
    path = Path(path)
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) \
            or not isinstance(data.get("annotations"), list):
        raise DataError(f"{path}: expected a COCO-style object with 'images' and 'annotations' lists")
    images, index = [], {}
    for k, image in enumerate(data["images"]):
        try:
            record = {"id": image["id"], "file_name": str(image["file_name"]),
                      "height": int(image["height"]), "width": int(image["width"])}
        except (KeyError, TypeError, ValueError):
            raise DataError(f"{path}: images[{k}] lacks id, file_name, height or width") from None
        if record["id"] in index:
            raise DataError(f"{path}: image id {record['id']} appears twice")
        index[record["id"]] = len(images)
        images.append(record)
    annotations = []
    for k, annotation in enumerate(data["annotations"]):
        try:
            image_id, worker, points = annotation["image_id"], annotation["worker_id"], annotation["fixations"]
        except (KeyError, TypeError):
            raise DataError(f"{path}: annotations[{k}] lacks image_id, worker_id or fixations") from None
        if image_id not in index:
            raise DataError(f"{path}: annotations[{k}] refers to image id {image_id}, which is not in 'images'")
        image = images[index[image_id]]
        here = (f"{path}: annotations[{k}] (id {annotation.get('id')}, image {image['file_name']}, "
                f"worker {worker})")
        array = np.asarray(points, dtype=np.float64) if len(points) else np.zeros((0, 2))
        if array.ndim != 2 or array.shape[1] != 2:
            raise DataError(f"{here}: fixations must be a list of [row, col] pairs, got shape {array.shape}")
        if array.size and not (array == np.round(array)).all():
            raise DataError(f"{here}: points are not integers ({array[array != np.round(array)][0]!r}); "
                            "this reader takes the v1.0 release's [row, col] 1-based integer points "
                            "and does not guess another convention (older example files used [x, y] "
                            "floats)")
        rows_over = array[:, 0] > image["height"]
        if rows_over.any() or (array[:, 1] > image["width"]).any():
            bad = array[rows_over | (array[:, 1] > image["width"])][0]
            raise DataError(f"{here}: point {bad.astype(int).tolist()} lies outside the "
                            f"{image['height']} x {image['width']} image read as [row, col]; the "
                            "file is not in the v1.0 [row, col] convention")
        annotations.append((index[image_id], int(worker), annotation.get("id"), array.astype(np.int64)))
    return images, annotations


def read_salicon_mat(path, *, points: str = "fixations"):
    """Parse one LSUN-format SALICON file: a list of ``(k x 2 [x, y] as stored, t seconds or None)``
    per observer (``points="fixations"``: the detected fixations, no times; ``"mouse"``: the
    mouse positions with ``timestamp / 1000``)."""
    gaze = load_mat(path, ("gaze",))["gaze"]
    if not isinstance(gaze, np.ndarray) or gaze.dtype.names is None:
        raise DataError(f"{path}: gaze is not a MATLAB struct array")
    field = "fixations" if points == "fixations" else "location"
    needed = [field] + (["timestamp"] if points == "mouse" else [])
    missing = [f for f in needed if f not in gaze.dtype.names]
    if missing:
        raise DataError(f"{path}: gaze lacks the field(s) {missing}")
    observers = []
    for j, observer in enumerate(gaze.reshape(-1)):
        array = np.asarray(observer[field])
        if array.size == 0:
            observers.append((np.zeros((0, 2)), None))
            continue
        if array.dtype == object or array.ndim != 2 or array.shape[1] != 2:
            raise DataError(f"{path}: gaze({j + 1}).{field} must be a k x 2 [x, y] matrix, got "
                            f"{array.dtype} {array.shape}")
        t = None
        if points == "mouse":
            t = np.asarray(observer["timestamp"], dtype=np.float64).reshape(-1)
            if t.size != array.shape[0]:
                raise DataError(f"{path}: gaze({j + 1}) has {array.shape[0]} locations but "
                                f"{t.size} timestamps")
            t = t / 1000.0
        observers.append((array.astype(np.float64), t))
    return observers


def check_options(*, release="2017", split="train", points="fixations"):
    """Refuse option combinations the files cannot answer."""
    if release == "2015-json" and points == "mouse" and split != "test":
        raise InputError("salicon release '2015-json' (the salicon-api JSON) holds one kind of "
                         "point, the low-velocity mouse samples it calls fixations; load it with "
                         "points='fixations', or use release='2015'/'2017' for the raw mouse path")


def load(spec, folder, out_of_image, *, release="2017", split="train", points="fixations"):
    """The registered ``salicon`` dataset from ``folder`` (see the module notes for the layout)."""
    folder = Path(folder)
    options = {"release": release, "split": split, "points": points}
    if split == "test":  # stimuli only: the test fixations were never released
        from ..stimuli import Stimuli

        images = require(folder, f"images/{split}", spec, what="folder")
        paths = sorted(images.glob("*.jpg"))
        if not paths:
            raise DataError(f"dataset {spec.name!r}: {images} holds no .jpg image")
        return finish(spec, Stimuli(paths), Trials(), out_of_image, options=options,
                      notes=("test split: stimuli only, no fixations were released",))
    if release == "2015-json":
        check_options(release=release, points=points)
        return _load_json(spec, folder, out_of_image, split, options)
    mats = require(folder, f"{release}/{split}", spec, what="folder")
    files = sorted(mats.glob("*.mat"))
    if not files:
        raise DataError(f"dataset {spec.name!r}: {mats} holds no .mat file")
    image_folder = f"images/{split}"
    stimuli = stimuli_from(folder, [f"{image_folder}/{p.stem}.jpg" for p in files], spec)
    trials = Trials()
    empty = 0
    for n, path in enumerate(files):
        for array, t in read_salicon_mat(path, points=points):
            if not array.shape[0]:
                empty += 1
                continue
            trials.add(n, array[:, 0] - 1.0, array[:, 1] - 1.0, t=t)
    return finish(spec, stimuli, trials, out_of_image, empty_trials=empty, options=options,
                  notes=("observers are not identified across images in the MAT files: "
                         "subject = -1, one scanpath per observer and image",))


def _load_json(spec, folder, out_of_image, split, options):
    path = require(folder, f"annotations/fixations_{split}2014.json", spec)
    images, annotations = read_salicon_json(path)
    order = sorted(range(len(images)), key=lambda k: images[k]["file_name"])
    position = {k: n for n, k in enumerate(order)}
    names = [images[k]["file_name"] for k in order]
    subfolder = next((f"images/{s}" for s in (split, f"{split}2014")
                      if (Path(folder) / "images" / s).is_dir()), f"images/{split}")
    stimuli = stimuli_from(folder, [f"{subfolder}/{name}" for name in names], spec)
    for n, k in enumerate(order):
        recorded = (images[k]["height"], images[k]["width"])
        if stimuli.shape(n) != recorded:
            raise DataError(f"{path}: image {names[n]} is {recorded[0]} x {recorded[1]} in the "
                            f"JSON but {stimuli.shape(n)[0]} x {stimuli.shape(n)[1]} on disk")
    trials = Trials()
    empty = 0
    for image_index, worker, _id, points in sorted(annotations, key=lambda a: position[a[0]]):
        if not points.shape[0]:
            empty += 1
            continue
        trials.add(position[image_index], points[:, 1] - 1.0, points[:, 0] - 1.0, subject=worker)
    return finish(spec, stimuli, trials, out_of_image, empty_trials=empty, options=options,
                  notes=("salicon-api JSON v1.0: points are the low-velocity samples of the mouse "
                         "path (SALICON 2015's fixations), subject = worker_id",))
