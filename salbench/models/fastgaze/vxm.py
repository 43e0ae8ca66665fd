"""Read and write Twitter's ``.vxm`` weight files (the format of ``fastgaze.vxm``).

No specification of the format is published; this layout was decoded from the one real file
(``image-crop-analysis/bin/fastgaze.vxm``) and is checked by reading it back byte for byte.

Container (all integers little-endian)::

    bytes 0-3   magic b"\\x01tPM"
    bytes 4-7   uint32 entry count
    entries     uint32 key length (including a trailing NUL), key bytes,
                uint32 value length, value bytes
                -- in the real file the keys are sorted bytewise, and the writer does the same.

Keys and values:

* ``layerCount`` (int32), ``modelType`` (int32; 2 is the only type seen and the only one read).
* Per layer ``i``: ``{i}Type`` (int32) — 0 convolution, 2 pooling, 3 Gaussian blur.

  - convolution: ``{i}Act`` (int32; 1 ReLU, 4 parametric ReLU with ``{i}alpha``, and — our own
    convention for writing networks without an activation, never seen in Twitter's file — 0 none),
    tensors ``{i}w`` (``O × I × kH × kW``) and ``{i}b`` (``O``);
  - pooling: ``{i}Pool`` (int32 window size; max pooling with stride = size);
  - blur: ``{i}KernelSize`` and ``{i}Std`` (both int32).

* A tensor ``name`` is the raw float32 little-endian value plus ``name.dtype`` (text ``float32``),
  ``name.ndims`` (int32) and ``name.shape`` (int32 × ndims); tensors with more than one dimension
  also carry ``name.shape.listlength`` (int32 = ndims) and ``name.shape[k]`` (int32) per axis.

Every inconsistency (bad magic, an entry running past the end of the file, trailing bytes, a
duplicate or unexpected key, an unknown layer type or activation, a value whose length does not
match its shape) raises :class:`~salbench.exceptions.DataError` naming the entry and its byte
offset.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...exceptions import DataError, InputError
from ..._io import write_bytes_atomic
from .network import Conv2d, GaussianBlur, MaxPool2d, Network

MAGIC = b"\x01tPM"
MODEL_TYPE = 2

LAYER_TYPES = {0: "convolution", 2: "pooling", 3: "gaussian_blur"}
ACTIVATION_CODES = {0: None, 1: "relu", 4: "prelu"}
_ACTIVATION_TO_CODE = {v: k for k, v in ACTIVATION_CODES.items()}


@dataclass(frozen=True)
class Entry:
    """One key/value record of a ``.vxm`` container, with where it was found."""

    key: str
    value: bytes
    offset: int  # byte offset of the entry's key-length field
    value_offset: int  # byte offset of the value bytes


def read_vxm_entries(path) -> dict:
    """Parse the container of a ``.vxm`` file into ``{key: Entry}`` (file order kept).

    Only the container is checked here (magic, lengths, NUL-terminated unique keys, nothing
    trailing); :func:`read_vxm` interprets the entries as a network.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"vxm file {path} does not exist")
    data = path.read_bytes()
    return parse_vxm_entries(data, source=str(path))


def parse_vxm_entries(data: bytes, *, source: str = "<bytes>") -> dict:
    """Parse the bytes of a ``.vxm`` container (see :func:`read_vxm_entries`)."""
    size = len(data)
    if size < 8:
        raise DataError(f"{source}: file is {size} bytes, too short for the 8-byte .vxm header")
    if data[:4] != MAGIC:
        raise DataError(f"{source}: bad magic {data[:4]!r} at byte offset 0 "
                        f"(a .vxm file starts with {MAGIC!r})")
    (count,) = struct.unpack_from("<I", data, 4)
    entries: dict = {}
    offset = 8
    for index in range(count):
        start = offset
        where = f"{source}: entry {index} at byte offset {start}"
        if offset + 4 > size:
            raise DataError(f"{where}: file ends before the key length "
                            f"(header declares {count} entries; {size} bytes in the file)")
        (key_length,) = struct.unpack_from("<I", data, offset)
        offset += 4
        if key_length < 2:
            raise DataError(f"{where}: key length {key_length} is too small for a NUL-terminated key")
        if offset + key_length > size:
            raise DataError(f"{where}: key of {key_length} bytes runs past the end of the file "
                            f"({size} bytes)")
        raw_key = data[offset:offset + key_length]
        if raw_key[-1] != 0 or 0 in raw_key[:-1]:
            raise DataError(f"{where}: key {raw_key!r} is not a single NUL-terminated string")
        try:
            key = raw_key[:-1].decode("ascii")
        except UnicodeDecodeError:
            raise DataError(f"{where}: key {raw_key!r} is not ASCII text") from None
        offset += key_length
        where = f"{source}: entry {index} {key!r} at byte offset {start}"
        if offset + 4 > size:
            raise DataError(f"{where}: file ends before the value length")
        (value_length,) = struct.unpack_from("<I", data, offset)
        offset += 4
        if offset + value_length > size:
            raise DataError(f"{where}: value of {value_length} bytes (from byte {offset}) runs past "
                            f"the end of the file ({size} bytes); the file is truncated")
        if key in entries:
            raise DataError(f"{where}: duplicate key (first seen at byte offset "
                            f"{entries[key].offset})")
        entries[key] = Entry(key, data[offset:offset + value_length], start, offset)
        offset += value_length
    if offset != size:
        raise DataError(f"{source}: {size - offset} unexpected trailing byte(s) after the last of "
                        f"the {count} declared entries (from byte offset {offset})")
    return entries


class _Reader:
    """Interprets container entries as a network, remembering which keys were used."""

    def __init__(self, entries: dict, source: str):
        self.entries = entries
        self.source = source
        self.used: set = set()

    def where(self, key: str) -> str:
        entry = self.entries.get(key)
        at = f" at byte offset {entry.offset}" if entry is not None else ""
        return f"{self.source}: entry {key!r}{at}"

    def get(self, key: str) -> Entry:
        if key not in self.entries:
            raise DataError(f"{self.source}: required entry {key!r} is missing")
        self.used.add(key)
        return self.entries[key]

    def int32(self, key: str) -> int:
        entry = self.get(key)
        if len(entry.value) != 4:
            raise DataError(f"{self.where(key)}: expected a 4-byte int32, got {len(entry.value)} "
                            "bytes")
        return struct.unpack("<i", entry.value)[0]

    def int32s(self, key: str, count: int) -> tuple:
        entry = self.get(key)
        if len(entry.value) != 4 * count:
            raise DataError(f"{self.where(key)}: expected {count} int32 values ({4 * count} bytes), "
                            f"got {len(entry.value)} bytes")
        return struct.unpack(f"<{count}i", entry.value)

    def tensor(self, name: str) -> np.ndarray:
        entry = self.get(name)
        dtype = self.get(f"{name}.dtype").value.rstrip(b"\x00")
        if dtype != b"float32":
            raise DataError(f"{self.where(name + '.dtype')}: unsupported dtype {dtype!r} "
                            "(only float32 is known)")
        ndims = self.int32(f"{name}.ndims")
        if not 1 <= ndims <= 8:
            raise DataError(f"{self.where(name + '.ndims')}: implausible number of dimensions "
                            f"{ndims}")
        shape = self.int32s(f"{name}.shape", ndims)
        if any(s < 1 for s in shape):
            raise DataError(f"{self.where(name + '.shape')}: shape {shape} has a non-positive "
                            "dimension")
        if f"{name}.shape.listlength" in self.entries:
            listlength = self.int32(f"{name}.shape.listlength")
            if listlength != ndims:
                raise DataError(f"{self.where(name + '.shape.listlength')}: {listlength} "
                                f"disagrees with {name}.ndims = {ndims}")
            for axis in range(ndims):
                value = self.int32(f"{name}.shape[{axis}]")
                if value != shape[axis]:
                    raise DataError(f"{self.where(f'{name}.shape[{axis}]')}: {value} disagrees "
                                    f"with {name}.shape = {shape}")
        expected = 4 * int(np.prod(shape))
        if len(entry.value) != expected:
            raise DataError(f"{self.where(name)} (value at byte offset {entry.value_offset}): "
                            f"{len(entry.value)} bytes, but shape {shape} of float32 needs "
                            f"{expected}")
        array = np.frombuffer(entry.value, dtype="<f4").reshape(shape).astype(np.float32)
        if not np.isfinite(array).all():
            raise DataError(f"{self.where(name)}: tensor contains NaN or infinite values")
        return array


def read_vxm(path) -> Network:
    """Read a ``.vxm`` file into a :class:`~salbench.models.fastgaze.network.Network`.

    Parameters
    ----------
    path : str or Path
        e.g. ``shared/models/fastgaze/fastgaze.vxm``.

    Returns
    -------
    Network
        Layers in file order; ``metadata`` records the source file name.

    Raises
    ------
    DataError
        If the file is malformed (see the module docstring); the message names the entry and its
        byte offset.
    """
    path = Path(path)
    entries = read_vxm_entries(path)
    return _network_from_entries(entries, source=str(path), name=path.name)


def _network_from_entries(entries: dict, *, source: str, name: str) -> Network:
    reader = _Reader(entries, source)
    model_type = reader.int32("modelType")
    if model_type != MODEL_TYPE:
        raise DataError(f"{reader.where('modelType')}: unknown model type {model_type} "
                        f"(only {MODEL_TYPE} is known)")
    layer_count = reader.int32("layerCount")
    if not 1 <= layer_count <= 10_000:
        raise DataError(f"{reader.where('layerCount')}: implausible layer count {layer_count}")
    layers = []
    for index in range(layer_count):
        type_key = f"{index}Type"
        layer_type = reader.int32(type_key)
        try:
            if layer_type == 0:
                act_key = f"{index}Act"
                code = reader.int32(act_key)
                if code not in ACTIVATION_CODES:
                    raise DataError(f"{reader.where(act_key)}: unknown activation code {code} "
                                    f"(known: {sorted(ACTIVATION_CODES)})")
                activation = ACTIVATION_CODES[code]
                alpha = 0.0
                if activation == "prelu":
                    alpha_array = reader.tensor(f"{index}alpha")
                    if alpha_array.size != 1:
                        raise DataError(f"{reader.where(f'{index}alpha')}: expected one scalar "
                                        f"alpha, got shape {alpha_array.shape}")
                    alpha = float(alpha_array.reshape(-1)[0])
                weight = reader.tensor(f"{index}w")
                bias = reader.tensor(f"{index}b")
                if weight.ndim != 4:
                    raise DataError(f"{reader.where(f'{index}w')}: convolution weight must be 4-D "
                                    f"(O×I×kH×kW), got shape {weight.shape}")
                if bias.shape != (weight.shape[0],):
                    raise DataError(f"{reader.where(f'{index}b')}: bias shape {bias.shape} does "
                                    f"not match {weight.shape[0]} output channels of "
                                    f"{index}w {weight.shape}")
                layers.append(Conv2d(weight, bias, activation, alpha))
            elif layer_type == 2:
                layers.append(MaxPool2d(reader.int32(f"{index}Pool")))
            elif layer_type == 3:
                layers.append(GaussianBlur(reader.int32(f"{index}KernelSize"),
                                           reader.int32(f"{index}Std")))
            else:
                raise DataError(f"{reader.where(type_key)}: unknown layer type {layer_type} for "
                                f"layer {index} (known: "
                                f"{', '.join(f'{k} {v}' for k, v in LAYER_TYPES.items())})")
        except InputError as error:
            raise DataError(f"{source}: layer {index} is invalid: {error}") from None
    unused = [key for key in entries if key not in reader.used]
    if unused:
        key = unused[0]
        raise DataError(f"{reader.where(key)}: unexpected entry (not part of any of the "
                        f"{layer_count} layers); {len(unused)} unexpected in total")
    try:
        return Network(layers, metadata={"source": name, "format": "vxm"})
    except InputError as error:
        raise DataError(f"{source}: the layers do not form a network: {error}") from None


# -- writing ------------------------------------------------------------------------------------

def _int32(value: int) -> bytes:
    return struct.pack("<i", int(value))


def _tensor_entries(name: str, array: np.ndarray) -> dict:
    array = np.ascontiguousarray(array, dtype="<f4")
    out = {name: array.tobytes(), f"{name}.dtype": b"float32",
           f"{name}.ndims": _int32(array.ndim),
           f"{name}.shape": struct.pack(f"<{array.ndim}i", *array.shape)}
    if array.ndim > 1:  # as in Twitter's file: 1-D tensors carry no per-axis shape entries
        out[f"{name}.shape.listlength"] = _int32(array.ndim)
        for axis, length in enumerate(array.shape):
            out[f"{name}.shape[{axis}]"] = _int32(length)
    return out


def vxm_bytes(network: Network) -> bytes:
    """Serialise ``network`` in the ``.vxm`` layout (keys sorted bytewise, like Twitter's file)."""
    values: dict = {"layerCount": _int32(len(network.layers)), "modelType": _int32(MODEL_TYPE)}
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Conv2d):
            values[f"{index}Type"] = _int32(0)
            values[f"{index}Act"] = _int32(_ACTIVATION_TO_CODE[layer.activation])
            if layer.activation == "prelu":
                values.update(_tensor_entries(f"{index}alpha",
                                              np.array([layer.alpha], np.float32)))
            values.update(_tensor_entries(f"{index}w", layer.weight))
            values.update(_tensor_entries(f"{index}b", layer.bias))
        elif isinstance(layer, MaxPool2d):
            values[f"{index}Type"] = _int32(2)
            values[f"{index}Pool"] = _int32(layer.size)
        elif isinstance(layer, GaussianBlur):
            if layer.std != int(layer.std):
                raise InputError(f"layer {index}: .vxm stores the blur std as an integer; "
                                 f"std = {layer.std} cannot be written (save as .npz instead)")
            values[f"{index}Type"] = _int32(3)
            values[f"{index}KernelSize"] = _int32(layer.kernel_size)
            values[f"{index}Std"] = _int32(int(layer.std))
    parts = [MAGIC, struct.pack("<I", len(values))]
    for key in sorted(values, key=lambda k: k.encode("ascii")):
        raw_key = key.encode("ascii") + b"\x00"
        parts += [struct.pack("<I", len(raw_key)), raw_key,
                  struct.pack("<I", len(values[key])), values[key]]
    return b"".join(parts)


def write_vxm(network: Network, path) -> Path:
    """Write ``network`` as a ``.vxm`` file, atomically.

    Preprocessing and metadata are not part of the format and are not written. A blur whose
    ``std`` is not an integer cannot be stored (the format keeps it as int32) and raises
    ``InputError``.
    """
    if not isinstance(network, Network):
        raise InputError(f"write_vxm needs a Network, got {type(network).__name__}")
    path = Path(path)
    write_bytes_atomic(path, vxm_bytes(network))
    return path
