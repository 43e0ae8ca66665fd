"""Stimuli: the images of a dataset, backed by files and decoded only when asked for.

Image sizes come from the file headers (Pillow reads only the header on ``Image.open``), so a
dataset of thousands of images knows every size without decoding a single one. Each image has a
stable id, ``"<file name>:<first 16 hex digits of the file's SHA-256>"``, which identifies the
picture across machines, renamed folders and re-downloads, and changes if the pixels change.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from ..exceptions import DataError, InputError

#: Hex digits of the SHA-256 kept in an image id.
ID_HASH_DIGITS = 16


def sha256_file(path, *, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def image_shape(path) -> tuple[int, int]:
    """``(height, width)`` of an image file, read from its header without decoding pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
    except FileNotFoundError:
        raise DataError(f"{path}: image file is missing") from None
    except (UnidentifiedImageError, OSError) as error:
        raise DataError(f"{path}: not a readable image ({error})") from None
    return int(height), int(width)


def read_image(path) -> np.ndarray:
    """Decode an image file: ``(H, W)`` uint8 for greyscale, ``(H, W, 3)`` uint8 for colour."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("L", "RGB"):
                array = np.asarray(image)
            elif image.mode == "1":
                array = np.asarray(image.convert("L"))
            else:  # palette, CMYK, YCbCr, alpha...: Pillow's conversion to 8-bit RGB
                array = np.asarray(image.convert("RGB"))
    except FileNotFoundError:
        raise DataError(f"{path}: image file is missing") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise DataError(f"{path}: image cannot be decoded ({error})") from None
    return np.ascontiguousarray(array)


class Stimuli:
    """A list of images stored as files, loaded lazily.

    Parameters
    ----------
    paths : sequence of path-like
        One image file per stimulus, in dataset order.
    shapes : array-like of int, shape (N, 2), optional
        ``(height, width)`` of each image. Read from the file headers when not given.
    hashes : sequence of str, optional
        Hex SHA-256 of each file (e.g. from a verified manifest). Computed on first use of
        :attr:`ids` when not given.

    Examples
    --------
    ``stimuli[i]`` decodes image ``i`` (uint8, ``(H, W)`` or ``(H, W, 3)``); ``stimuli.shapes[i]``
    is its ``(height, width)`` without decoding; ``stimuli.ids[i]`` its stable id.
    """

    def __init__(self, paths, *, shapes=None, hashes=None):
        self._paths = [Path(p) for p in paths]
        if shapes is None:
            shapes = [image_shape(p) for p in self._paths]
        shapes = np.asarray(shapes, dtype=np.int64).reshape(-1, 2) if len(self._paths) else np.zeros((0, 2), np.int64)
        if shapes.shape[0] != len(self._paths):
            raise InputError(f"got {len(self._paths)} paths but {shapes.shape[0]} shapes")
        if (shapes <= 0).any():
            i = int(np.flatnonzero((shapes <= 0).any(axis=1))[0])
            raise InputError(f"image {i} ({self._paths[i]}) has a non-positive shape {tuple(shapes[i].tolist())}")
        shapes.flags.writeable = False
        self._shapes = shapes
        if hashes is not None:
            hashes = list(hashes)
            if len(hashes) != len(self._paths):
                raise InputError(f"got {len(self._paths)} paths but {len(hashes)} hashes")
        self._hashes = hashes
        self._ids = None
        self._index = None

    def __len__(self) -> int:
        return len(self._paths)

    def __repr__(self) -> str:
        sizes = {tuple(s) for s in self._shapes.tolist()}
        return f"Stimuli({len(self)} images, {len(sizes)} distinct sizes)"

    # --------------------------------------------------------------- metadata
    @property
    def paths(self) -> list[Path]:
        return list(self._paths)

    @property
    def names(self) -> list[str]:
        """File names (with extension), e.g. ``'1001.jpg'``."""
        return [p.name for p in self._paths]

    @property
    def stems(self) -> list[str]:
        """File names without extension, used to match saliency-map files to stimuli."""
        return [p.stem for p in self._paths]

    @property
    def shapes(self) -> np.ndarray:
        """``(N, 2)`` int64 array of ``(height, width)``."""
        return self._shapes

    def shape(self, i: int) -> tuple[int, int]:
        h, w = self._shapes[self._check(i)]
        return int(h), int(w)

    @property
    def hashes(self) -> list[str]:
        """Hex SHA-256 of every file (computed once, on first use)."""
        if self._hashes is None:
            self._hashes = [sha256_file(p) for p in self._paths]
        return list(self._hashes)

    @property
    def ids(self) -> list[str]:
        """Stable ids ``"<file name>:<16 hex digits of SHA-256>"``."""
        if self._ids is None:
            self._ids = [f"{p.name}:{h[:ID_HASH_DIGITS]}" for p, h in zip(self._paths, self.hashes)]
        return list(self._ids)

    def name(self, i: int) -> str:
        """File name of image ``i`` (``names[i]`` without building the list: O(1) per image)."""
        return self._paths[self._check(i)].name

    def image_id(self, i: int) -> str:
        """Stable id of image ``i`` (``ids[i]`` without copying the list: O(1) per image)."""
        i = self._check(i)
        if self._ids is None:
            self.ids  # noqa: B018 - builds the cache once
        return self._ids[i]

    def index_of(self, image_id: str) -> int:
        """The position of the image with id ``image_id`` (raises InputError if absent)."""
        if self._index is None:
            self._index = {v: k for k, v in enumerate(self.ids)}
        try:
            return self._index[image_id]
        except KeyError:
            raise InputError(f"no stimulus has id {image_id!r}") from None

    # --------------------------------------------------------------- pixels
    def __getitem__(self, i) -> np.ndarray:
        return self.load(i)

    def load(self, i: int) -> np.ndarray:
        """Decode image ``i`` and check that its size matches the recorded shape."""
        i = self._check(i)
        array = read_image(self._paths[i])
        if array.shape[:2] != tuple(self._shapes[i]):
            raise DataError(
                f"{self._paths[i]}: decoded size {array.shape[:2]} differs from the recorded "
                f"shape {tuple(self._shapes[i].tolist())}"
            )
        return array

    def __iter__(self):
        for i in range(len(self)):
            yield self.load(i)

    def _check(self, i) -> int:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise InputError(f"image index must be an integer, got {i!r}")
        i = int(i)
        if not 0 <= i < len(self):
            raise InputError(f"image index {i} is out of range for {len(self)} images")
        return i

    # --------------------------------------------------------------- selection
    def subset(self, images) -> "Stimuli":
        idx = np.asarray(images, dtype=np.int64).reshape(-1)
        for i in idx:
            self._check(int(i))
        hashes = None if self._hashes is None else [self._hashes[i] for i in idx]
        return Stimuli([self._paths[i] for i in idx], shapes=self._shapes[idx], hashes=hashes)

    def relative_paths(self, start) -> list[str]:
        """File paths relative to ``start`` (POSIX separators), for portable manifests."""
        return [Path(os.path.relpath(p, start)).as_posix() for p in self._paths]
