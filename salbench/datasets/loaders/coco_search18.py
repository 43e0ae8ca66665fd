"""COCO-Search18 (Chen, Yang, Ahn, Samaras, Hoai, Zelinsky 2021): visual search for 18 targets.

The publisher's archives unpack into the dataset folder as

* ``images/<task>/<name>.jpg`` (``COCOSearch18-images-TP.zip``: target-present images) and
  ``coco_search18_images_TA/<task>/<name>.jpg`` (``COCOSearch18-images-TA.zip``: target-absent),
  1680 x 1050, one folder per target category (``potted plant`` and ``stop sign`` with a space);
* ``coco_search18_fixations_TP_train_split1.json``, ``coco_search18_fixations_TP_validation_split1.json``
  (``COCOSearch18-fixations-TP.zip``) and ``coco_search18_fixations_TA_trainval.json``.

Each JSON file is a list of trials (one observer searching one image for one target): ``name``
(image file), ``subject`` (1-based), ``task`` (target category), ``condition`` (``present`` /
``absent``), ``bbox`` ([x, y, width, height] of the target, target-present only), ``X``, ``Y``
(fixation positions in image pixels), ``T`` (durations, ms), ``length``, ``correct``, ``RT``,
``split`` (``train`` / ``valid``).

Conversion: ``x = X``, ``y = Y`` (continuous pixels, taken as 0-based as pysaliency does; the
publisher does not state a base), ``subject = subject - 1``, ``duration = T / 1000`` s; onsets
are not recorded (``t = NaN``). One dataset image per image file: an image searched for several
targets carries them all in its ``task`` attribute (joined with ``+``); pass ``task=`` for one
target's trials only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError
from .published import Trials, finish, read_json, require, stimuli_from

TASKS = ("bottle", "bowl", "car", "chair", "clock", "cup", "fork", "keyboard", "knife", "laptop",
         "microwave", "mouse", "oven", "potted plant", "sink", "stop sign", "toilet", "tv")
TP_FILES = ("coco_search18_fixations_TP_train_split1.json",
            "coco_search18_fixations_TP_validation_split1.json")
TA_FILE = "coco_search18_fixations_TA_trainval.json"
IMAGE_FOLDERS = {"present": "images", "absent": "coco_search18_images_TA"}
SPLITS = {"train": "train", "val": "valid"}


def read_trials(path, *, required=("name", "subject", "X", "Y", "T", "split")):
    """The list of trial records of a COCO-Search18 / COCO-FreeView JSON file, checked."""
    path = Path(path)
    records = read_json(path)
    if not isinstance(records, list):
        raise DataError(f"{path}: expected a list of trials")
    for k, record in enumerate(records):
        missing = [f for f in required if not isinstance(record, dict) or f not in record]
        if missing:
            raise DataError(f"{path}: trial {k} lacks {missing}")
        n = len(record["X"])
        if len(record["Y"]) != n or len(record["T"]) != n or record.get("length", n) != n:
            raise DataError(f"{path}: trial {k} (image {record['name']}, subject {record['subject']}) "
                            f"has {n} X, {len(record['Y'])} Y, {len(record['T'])} T values and "
                            f"length {record.get('length')}")
    return records


def add_trial(trials: Trials, n: int, record) -> None:
    trials.add(n, record["X"], record["Y"], subject=int(record["subject"]) - 1,
               duration=np.asarray(record["T"], np.float64) / 1000.0)


def load(spec, folder, out_of_image, *, split="train", task=None, condition="both"):
    """The registered ``coco_search18`` dataset (one split) from ``folder``."""
    import pandas as pd

    folder = Path(folder)
    paths = [require(folder, name, spec) for name in TP_FILES + (TA_FILE,)]
    wanted = SPLITS[split]
    selected = []
    for path in paths:
        for record in read_trials(path, required=("name", "subject", "task", "condition", "X",
                                                  "Y", "T", "split")):
            if record["task"] not in TASKS or record["condition"] not in IMAGE_FOLDERS:
                raise DataError(f"{path}: trial of image {record['name']} has task "
                                f"{record['task']!r} / condition {record['condition']!r}, not one "
                                "of the 18 targets / present, absent")
            if record["split"] != wanted or (task is not None and record["task"] != task):
                continue
            if condition != "both" and record["condition"] != condition:
                continue
            selected.append(record)
    if not selected:
        raise DataError(f"dataset {spec.name!r}: no trial matches split={split!r}, task={task!r}, "
                        f"condition={condition!r}")
    names = sorted({r["name"] for r in selected})
    index = {name: n for n, name in enumerate(names)}
    searches = {name: {} for name in names}  # name -> {task: (condition, bbox)}
    for r in selected:
        searches[r["name"]].setdefault(r["task"], (r["condition"], r.get("bbox")))
    files = []
    for name in names:
        first_task, (first_condition, _) = sorted(searches[name].items())[0]
        files.append(f"{IMAGE_FOLDERS[first_condition]}/{first_task}/{name}")
    stimuli = stimuli_from(folder, files, spec)
    trials = Trials()
    for r in sorted(selected, key=lambda r: index[r["name"]]):
        add_trial(trials, index[r["name"]], r)
    rows = []
    for name in names:
        pairs = sorted(searches[name].items())
        bbox = pairs[0][1][1] if len(pairs) == 1 and pairs[0][1][0] == "present" else None
        bbox = [np.nan] * 4 if bbox is None else [float(v) for v in bbox]
        rows.append({"task": "+".join(t for t, _ in pairs),
                     "condition": "+".join(c for _, (c, _b) in pairs),
                     "n_targets": len(pairs), "target_x": bbox[0], "target_y": bbox[1],
                     "target_width": bbox[2], "target_height": bbox[3]})
    return finish(spec, stimuli, trials, out_of_image, attributes=pd.DataFrame(rows),
                  options={"split": split, "task": task, "condition": condition})
