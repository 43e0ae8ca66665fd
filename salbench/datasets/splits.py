"""Deterministic splits of a dataset's images: train / validation / test, and k folds.

A split depends only on the dataset name, the seed and the image *file names*: each image gets
the key ``sha256("<dataset>/<seed>/<file name>")`` and images are ordered by that key. No random
number generator is involved, so a split is the same on every machine and every numpy version,
and it does not change when the images are listed in another order. Splits are stored (JSON)
with the dataset name, the seed, the fractions and the image names, and are checked against a
dataset before use.

Examples
--------
>>> s = split_images(["a.jpg", "b.jpg", "c.jpg", "d.jpg"], name="demo", seed=0,
...                  fractions=(0.5, 0.25, 0.25))
>>> len(s.train), len(s.validation), len(s.test)
(2, 1, 1)
>>> sorted(s.train + s.validation + s.test)
[0, 1, 2, 3]
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .._io import write_text_atomic
from ..exceptions import DataError, InputError

SPLIT_FORMAT = "salbench.Split/1"
DEFAULT_FRACTIONS = (0.7, 0.1, 0.2)


def _image_names(dataset_or_names):
    if hasattr(dataset_or_names, "stimuli"):
        return dataset_or_names.name, list(dataset_or_names.stimuli.names)
    names = [str(n) for n in dataset_or_names]
    return None, names


def _order(dataset: str, seed: int, names) -> np.ndarray:
    if len(set(names)) != len(names):
        raise InputError("image names must be unique to split a dataset deterministically")
    keys = [hashlib.sha256(f"{dataset}/{seed}/{name}".encode()).hexdigest() for name in names]
    return np.array(sorted(range(len(names)), key=keys.__getitem__), dtype=np.int64)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


@dataclass(frozen=True)
class Split:
    """Image indices of a train / validation / test split, with what is needed to reproduce it."""

    dataset: str
    seed: int
    fractions: tuple
    train: tuple
    validation: tuple
    test: tuple
    image_names: tuple

    @property
    def n_images(self) -> int:
        return len(self.image_names)

    def part(self, name: str) -> tuple:
        if name not in ("train", "validation", "test"):
            raise InputError(f"split part must be 'train', 'validation' or 'test', got {name!r}")
        return getattr(self, name)

    def check(self, dataset) -> None:
        """Raise DataError unless ``dataset`` is the one this split was made for."""
        if dataset.name != self.dataset:
            raise DataError(f"split was made for dataset {self.dataset!r}, not {dataset.name!r}")
        if tuple(dataset.stimuli.names) != self.image_names:
            raise DataError(f"split of {self.dataset!r} lists other images than this dataset "
                            f"({self.n_images} vs {len(dataset)} images, or another order)")

    def to_json(self) -> str:
        data = {"format": SPLIT_FORMAT, **asdict(self)}
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Split":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataError(f"split file is not valid JSON ({error})") from None
        if not isinstance(data, dict) or data.pop("format", None) != SPLIT_FORMAT:
            raise DataError(f"not a salbench split (expected format {SPLIT_FORMAT!r})")
        try:
            split = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
        except TypeError as error:
            raise DataError(f"split file has wrong fields ({error})") from None
        parts = sorted(split.train + split.validation + split.test)
        if parts != list(range(split.n_images)):
            raise DataError("split file is inconsistent: its parts do not cover every image once")
        return split

    def save(self, path) -> Path:
        return write_text_atomic(path, self.to_json())

    @classmethod
    def load(cls, path) -> "Split":
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as error:
            raise DataError(f"{path}: cannot read split file ({error.strerror or error})") from None
        try:
            return cls.from_json(text)
        except DataError as error:
            raise DataError(f"{path}: {error}") from None


def training_indices(dataset, train) -> np.ndarray:
    """Sorted distinct image indices of ``train`` (a sequence of indices or a :class:`Split`).

    A :class:`Split` is checked against ``dataset`` and its training part is used. An empty
    selection or an index outside the dataset is an :class:`~salbench.exceptions.InputError`.
    """
    if hasattr(train, "train") and hasattr(train, "check"):
        train.check(dataset)
        train = train.train
    idx = np.unique(np.asarray(list(train), dtype=np.int64))
    if idx.size == 0:
        raise InputError("train= is empty: it selects no image")
    if idx.min() < 0 or idx.max() >= len(dataset):
        raise InputError(f"train= has image indices outside 0..{len(dataset) - 1}")
    return idx


def split_images(dataset, *, fractions=DEFAULT_FRACTIONS, seed: int = 0,
                 name: str | None = None) -> Split:
    """Split images into train / validation / test.

    Parameters
    ----------
    dataset : Dataset or sequence of str
        A dataset, or image file names (then pass ``name=``).
    fractions : (train, validation, test)
        Non-negative, summing to 1. Counts are ``round(f * N)`` for train and validation; test
        gets the rest.
    seed : int
        Different seeds give independent splits.
    """
    ds_name, names = _image_names(dataset)
    ds_name = name or ds_name
    if not ds_name:
        raise InputError("pass name= (the dataset name) when splitting a list of image names")
    seed = _check_seed(seed)
    f = tuple(float(v) for v in fractions)
    if len(f) != 3 or min(f) < 0 or abs(sum(f) - 1) > 1e-9:
        raise InputError(f"fractions must be three non-negative numbers summing to 1, got {fractions!r}")
    order = _order(ds_name, seed, names)
    n = len(names)
    n_train = int(round(f[0] * n))
    n_val = min(int(round(f[1] * n)), n - n_train)
    parts = (order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:])
    train, val, test = (tuple(int(i) for i in np.sort(p)) for p in parts)
    return Split(ds_name, seed, f, train, val, test, tuple(names))


@dataclass(frozen=True)
class Folds:
    """k disjoint folds of image indices; ``folds.train(k)`` is every image outside fold k."""

    dataset: str
    seed: int
    folds: tuple
    image_names: tuple

    def __len__(self) -> int:
        return len(self.folds)

    def test(self, k: int) -> tuple:
        return self.folds[k]

    def train(self, k: int) -> tuple:
        return tuple(sorted(i for j, f in enumerate(self.folds) if j != k for i in f))

    def fold_of(self) -> np.ndarray:
        """``(n_images,)`` fold number of each image (-1 for images in no fold)."""
        out = np.full(len(self.image_names), -1, dtype=np.int64)
        for k, f in enumerate(self.folds):
            out[list(f)] = k
        return out

    def __iter__(self):
        for k in range(len(self)):
            yield self.train(k), self.test(k)


def kfold(dataset, *, k: int = 10, seed: int = 0, name: str | None = None, images=None) -> Folds:
    """Split images (optionally only ``images``, e.g. a training set) into ``k`` folds."""
    ds_name, names = _image_names(dataset)
    ds_name = name or ds_name
    if not ds_name:
        raise InputError("pass name= (the dataset name) when splitting a list of image names")
    seed = _check_seed(seed)
    pool = np.arange(len(names)) if images is None else np.asarray(images, dtype=np.int64).reshape(-1)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise InputError(f"k must be an integer >= 2, got {k!r}")
    if k > pool.size:
        raise InputError(f"cannot make {k} folds of {pool.size} images")
    order = pool[_order(ds_name, seed, [names[i] for i in pool])]
    folds = tuple(tuple(int(i) for i in np.sort(order[j::k])) for j in range(k))
    return Folds(ds_name, seed, folds, tuple(names))
