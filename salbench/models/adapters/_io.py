"""Reading saliency-map files: PNG, JPEG, TIFF, BMP, NPY, NPZ and MAT (v5 and v7.3).

:func:`read_map` decodes a file into a 2-D float64 array; :func:`map_shape` reads only what is
needed to know its ``(height, width)`` (image headers, the NPY header, MAT variable sizes).

Image files are decoded with Pillow (which releases the GIL while decoding, so several threads read
in parallel). A greyscale image gives its values (8 or 16 bit, or float for 32-bit TIFF); a colour
image is accepted only when its channels are equal (JPEG: nearly equal, since chroma compression
perturbs them slightly) — a colour-mapped heat map (``jet``) does not encode saliency values, and
scoring its luminance would give a silently wrong number.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..._io import read_mat
from ...exceptions import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
ARRAY_SUFFIXES = (".npy", ".npz", ".mat")
#: File name endings recognised as saliency maps (lower case).
MAP_SUFFIXES = IMAGE_SUFFIXES + ARRAY_SUFFIXES

#: Largest mean absolute difference between the colour channels of a JPEG map still read as grey.
JPEG_CHANNEL_TOLERANCE = 2.0


class ColourMapError(DataError):
    """A map file is a colour image (its channels differ): a heat map, not saliency values.

    A :class:`~salbench.exceptions.DataError` like every other unreadable map; its own class so
    that submission checks can list colour maps apart from damaged files.
    """


def is_map_file(path) -> bool:
    return Path(path).suffix.lower() in MAP_SUFFIXES


def _to_2d(array: np.ndarray, path, what: str = "array") -> np.ndarray:
    """Drop singleton axes of (1, H, W) / (H, W, 1) arrays; anything else must be 2-D."""
    a = array
    while a.ndim > 2 and 1 in a.shape:
        axis = a.shape.index(1)
        a = a.reshape(a.shape[:axis] + a.shape[axis + 1:])
    if a.ndim == 3 and a.shape[-1] in (3, 4):
        raise ColourMapError(f"{path}: {what} has shape {array.shape}, colour channels; a "
                             "saliency map must be 2-D (height, width)")
    if a.ndim != 2:
        raise DataError(f"{path}: {what} has shape {array.shape}; a saliency map must be 2-D "
                        "(height, width)")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise DataError(f"{path}: {what} is empty (shape {array.shape})")
    if a.dtype == np.bool_ or a.dtype.kind not in "iuf":
        raise DataError(f"{path}: {what} has dtype {a.dtype}; a saliency map must be real numbers")
    return a


# ---------------------------------------------------------------------------------- images
def _image_array(image, path) -> np.ndarray:
    mode = image.mode
    if mode in ("L", "I", "F") or mode.startswith("I;16"):
        return np.asarray(image)
    if mode == "1":
        return np.asarray(image.convert("L"))
    if mode == "LA":
        return np.asarray(image.getchannel("L"))
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    rgb = np.asarray(image)[:, :, :3]
    r, g, b = (rgb[:, :, k].astype(np.int16) for k in range(3))
    lossy = getattr(image, "format", None) == "JPEG" or Path(path).suffix.lower() in (".jpg", ".jpeg")
    if lossy:
        spread = (np.abs(r - g) + np.abs(g - b)).mean() / 2
        if spread <= JPEG_CHANNEL_TOLERANCE:
            return rgb.mean(axis=2)
    elif np.array_equal(r, g) and np.array_equal(g, b):
        return rgb[:, :, 0]
    raise ColourMapError(f"{path}: colour image (its red, green and blue channels differ); a saliency "
                    "map must be greyscale values, not a colour-mapped heat map")


def _read_image(path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            array = _image_array(image, path)
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except DataError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DataError(f"{path}: not a readable image ({error})") from None
    return _to_2d(array, path, "image")


def _image_shape(path) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DataError(f"{path}: not a readable image ({error})") from None
    return int(height), int(width)


# ---------------------------------------------------------------------------------- NPY / NPZ
def _read_npy(path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except (ValueError, OSError, EOFError) as error:
        raise DataError(f"{path}: not a readable .npy array ({error})") from None
    return _to_2d(array, path)


def _pick_key(names, path, key, what):
    """The one array (``what`` = "array" / "variable") a map file holds, or ``key`` if given."""
    if key is not None:
        if key not in names:
            raise DataError(f"{path}: has no {what} {key!r} (it holds {sorted(names)})")
        return key
    if len(names) != 1:
        raise DataError(f"{path}: holds {len(names)} {what}s {sorted(names)}; a map file must "
                        "hold exactly one (or pass key= to choose)")
    return names[0]


def _npz_key(names, path, key):
    return _pick_key(names, path, key, "array")


def _read_npz(path, key=None) -> np.ndarray:
    try:
        with np.load(path, allow_pickle=False) as archive:
            name = _npz_key(list(archive.files), path, key)
            array = archive[name]
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except DataError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{path}: not a readable .npz archive ({error})") from None
    return _to_2d(array, path, f"array {name!r}")


def _npy_header_shape(handle) -> tuple:
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, _, _ = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, _, _ = np.lib.format.read_array_header_2_0(handle)
    return shape


def _squeezed_shape(shape, path, what="array") -> tuple[int, int]:
    dims = [int(s) for s in shape]
    while len(dims) > 2 and 1 in dims:
        dims.remove(1)
    if len(dims) != 2 or min(dims) == 0:
        raise DataError(f"{path}: {what} has shape {tuple(shape)}; a saliency map must be 2-D "
                        "(height, width)")
    return dims[0], dims[1]


def _npy_shape(path) -> tuple[int, int]:
    try:
        with open(path, "rb") as handle:
            shape = _npy_header_shape(handle)
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except (ValueError, OSError, EOFError) as error:
        raise DataError(f"{path}: not a readable .npy array ({error})") from None
    return _squeezed_shape(shape, path)


def _npz_shape(path, key=None) -> tuple[int, int]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n[:-4] for n in archive.namelist() if n.endswith(".npy")]
            name = _npz_key(names, path, key)
            with archive.open(name + ".npy") as handle:
                shape = _npy_header_shape(handle)
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except DataError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{path}: not a readable .npz archive ({error})") from None
    return _squeezed_shape(shape, path, f"array {name!r}")


# ---------------------------------------------------------------------------------- MAT
def _mat_key(names, path, key):
    names = [n for n in names if not n.startswith("__") and not n.startswith("#")]
    return _pick_key(names, path, key, "variable")


def _read_mat_v73(path, key=None) -> np.ndarray:
    """MATLAB v7.3 files are HDF5; MATLAB stores arrays column-major, so the data is transposed."""
    try:
        import h5py
    except ImportError:
        raise DataError(f"{path}: is a MATLAB v7.3 (HDF5) file; reading it needs h5py "
                        "(pip install 'salbench[hdf5]')") from None
    try:
        with h5py.File(path, "r") as handle:
            names = [k for k, v in handle.items() if isinstance(v, h5py.Dataset)]
            name = _mat_key(names, path, key)
            array = np.asarray(handle[name]).T
    except DataError:
        raise
    except (OSError, KeyError, TypeError) as error:
        raise DataError(f"{path}: not a readable MATLAB v7.3 file ({error})") from None
    return _to_2d(array, path, f"variable {name!r}")


def _read_mat(path, key=None) -> np.ndarray:
    try:
        data = read_mat(path)  # a damaged file is a DataError naming it
    except NotImplementedError:  # scipy: "Please use HDF reader for matlab v7.3 files"
        return _read_mat_v73(path, key)
    name = _mat_key(list(data), path, key)
    return _to_2d(np.asarray(data[name]), path, f"variable {name!r}")


def _mat_shape(path, key=None) -> tuple[int, int]:
    try:
        variables = read_mat(path, shapes_only=True)
    except NotImplementedError:
        return _read_mat_v73(path, key).shape
    shapes = {name: shape for name, shape, _ in variables}
    name = _mat_key(list(shapes), path, key)
    return _squeezed_shape(shapes[name], path, f"variable {name!r}")


# ---------------------------------------------------------------------------------- public
def read_map(path, *, key: str | None = None) -> np.ndarray:
    """Decode a saliency-map file into a 2-D float64 array.

    Parameters
    ----------
    path : path-like
        A ``.png``, ``.jpg``/``.jpeg``, ``.tif``/``.tiff``, ``.bmp``, ``.npy``, ``.npz`` or
        ``.mat`` file.
    key : str, optional
        The array (NPZ) or variable (MAT) to read when the file holds several.

    Raises
    ------
    DataError
        The file is missing, cannot be decoded, is not 2-D, or is a colour image.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "map.npy")
    >>> np.save(path, np.arange(6).reshape(2, 3))
    >>> read_map(path)
    array([[0., 1., 2.],
           [3., 4., 5.]])
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        array = _read_npy(path)
    elif suffix == ".npz":
        array = _read_npz(path, key)
    elif suffix == ".mat":
        array = _read_mat(path, key)
    elif suffix in IMAGE_SUFFIXES:
        array = _read_image(path)
    else:
        raise DataError(f"{path}: unknown map format {suffix!r} (known: {', '.join(MAP_SUFFIXES)})")
    return np.ascontiguousarray(array, dtype=np.float64)


def map_shape(path, *, key: str | None = None) -> tuple[int, int]:
    """``(height, width)`` of a map file, read from its header where the format allows."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _npy_shape(path)
    if suffix == ".npz":
        return _npz_shape(path, key)
    if suffix == ".mat":
        return _mat_shape(path, key)
    if suffix in IMAGE_SUFFIXES:
        return _image_shape(path)
    raise DataError(f"{path}: unknown map format {suffix!r} (known: {', '.join(MAP_SUFFIXES)})")
