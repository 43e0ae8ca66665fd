"""The .vxm reader and writer, on Twitter's real file and on corrupted copies of it."""

import struct

import numpy as np
import pytest

from fastgaze_paths import VXM_PATH
from salbench.exceptions import DataError, InputError
from salbench.models.fastgaze.network import Conv2d, GaussianBlur, MaxPool2d, Network
from salbench.models.fastgaze.vxm import (
    parse_vxm_entries, read_vxm, read_vxm_entries, vxm_bytes, write_vxm,
)

REAL = VXM_PATH.read_bytes()


def entry_offsets(data):
    """Independent walk over the container: key -> (entry offset, value offset, value length)."""
    out, offset = {}, 8
    for _ in range(struct.unpack_from("<I", data, 4)[0]):
        start = offset
        (kl,) = struct.unpack_from("<I", data, offset)
        key = data[offset + 4: offset + 4 + kl - 1].decode()
        offset += 4 + kl
        (vl,) = struct.unpack_from("<I", data, offset)
        out[key] = (start, offset + 4, vl)
        offset += 4 + vl
    return out


OFFSETS = entry_offsets(REAL)


def test_real_file_layers():
    net = read_vxm(VXM_PATH)
    convs = net.convolutions
    assert len(net.layers) == 19 and len(convs) == 14
    widths = [c.out_channels for c in convs]
    assert widths == [43, 44, 49, 56, 44, 38, 31, 20, 18, 10, 7, 7, 2, 1]
    assert [c.kernel_size for c in convs] == [(3, 3)] * 10 + [(1, 1)] * 4
    assert [c.activation for c in convs] == ["relu"] * 10 + ["prelu"] * 4
    assert all(0.27 < c.alpha < 0.39 for c in convs[10:])
    assert [i for i, layer in enumerate(net.layers) if isinstance(layer, MaxPool2d)] == [2, 5, 8, 11]
    blur = net.layers[18]
    assert isinstance(blur, GaussianBlur) and blur.kernel_size == 19 and blur.std == 3.0
    assert net.parameter_count == 121_064
    assert net.output_stride == 16 and net.output_shape(384, 512) == (1, 24, 32)
    # Values are the raw little-endian float32 bytes of the file, in O×I×kH×kW order.
    start, value_offset, length = OFFSETS["1w"]
    raw = np.frombuffer(REAL[value_offset: value_offset + length], "<f4").reshape(44, 43, 3, 3)
    assert np.array_equal(convs[1].weight, raw)


def test_writer_reproduces_the_real_file_byte_for_byte(tmp_path):
    net = read_vxm(VXM_PATH)
    assert vxm_bytes(net) == REAL
    path = write_vxm(net, tmp_path / "copy.vxm")
    assert path.read_bytes() == REAL
    assert [p.name for p in tmp_path.iterdir()] == ["copy.vxm"]


def test_write_read_round_trip_of_other_networks(tmp_path):
    rng = np.random.default_rng(1)
    net = Network([Conv2d(rng.normal(size=(5, 3, 3, 3)), rng.normal(size=5), None),
                   MaxPool2d(3),
                   Conv2d(rng.normal(size=(1, 5, 5, 1)), rng.normal(size=1), "prelu", 0.1),
                   GaussianBlur(7, 2)])
    back = read_vxm(write_vxm(net, tmp_path / "n.vxm"))
    assert [layer.spec() for layer in back.layers] == [layer.spec() for layer in net.layers]
    for a, b in zip(back.convolutions, net.convolutions):
        assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)


def test_non_integer_blur_std_cannot_be_written(tmp_path):
    net = Network([Conv2d(np.ones((1, 3, 1, 1)), np.zeros(1)), GaussianBlur(5, 1.5)])
    with pytest.raises(InputError, match="integer"):
        write_vxm(net, tmp_path / "n.vxm")


def test_container_entries_and_offsets():
    entries = read_vxm_entries(VXM_PATH)
    assert len(entries) == 239
    for key, (start, value_offset, length) in OFFSETS.items():
        assert entries[key].offset == start and entries[key].value_offset == value_offset
        assert len(entries[key].value) == length


def write(tmp_path, data, name="bad.vxm"):
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def replace_value(data, key, new_value):
    """Rebuild the container with one value replaced (lengths fixed up)."""
    start, value_offset, length = entry_offsets(data)[key]
    return (data[:value_offset - 4] + struct.pack("<I", len(new_value)) + new_value
            + data[value_offset + length:])


def test_bad_magic(tmp_path):
    with pytest.raises(DataError, match=r"bad\.vxm: bad magic b'\\x00tPM' at byte offset 0"):
        read_vxm(write(tmp_path, b"\x00" + REAL[1:]))


@pytest.mark.parametrize("cut", [4, 100, len(REAL) // 2, len(REAL) - 1])
def test_truncated_file(tmp_path, cut):
    with pytest.raises(DataError, match=r"bad\.vxm: .*(too short|file ends|runs past)"):
        read_vxm(write(tmp_path, REAL[:cut]))


def test_truncated_value_names_entry_and_offset(tmp_path):
    # Cut inside the value of the last entry ('modelType').
    start, value_offset, length = OFFSETS["modelType"]
    with pytest.raises(DataError, match=rf"entry 238 'modelType' at byte offset {start}: value "
                                        r"of 4 bytes .* runs past the end"):
        read_vxm(write(tmp_path, REAL[:value_offset + 2]))


def test_value_length_pointing_past_the_end(tmp_path):
    start, value_offset, length = OFFSETS["3w"]
    data = bytearray(REAL)
    struct.pack_into("<I", data, value_offset - 4, 10**8)
    with pytest.raises(DataError, match=rf"'3w' at byte offset {start}: value of 100000000 bytes"):
        read_vxm(write(tmp_path, data))


def test_trailing_bytes(tmp_path):
    with pytest.raises(DataError, match="3 unexpected trailing byte"):
        read_vxm(write(tmp_path, REAL + b"abc"))


def test_entry_count_too_large(tmp_path):
    data = bytearray(REAL)
    struct.pack_into("<I", data, 4, 240)
    with pytest.raises(DataError, match=f"entry 239 at byte offset {len(REAL)}: file ends"):
        read_vxm(write(tmp_path, data))


def test_unknown_layer_type(tmp_path):
    data = replace_value(REAL, "5Type", struct.pack("<i", 7))
    start = entry_offsets(data)["5Type"][0]
    with pytest.raises(DataError, match=rf"entry '5Type' at byte offset {start}: unknown layer "
                                        r"type 7 for layer 5"):
        read_vxm(write(tmp_path, data))


def test_unknown_activation(tmp_path):
    with pytest.raises(DataError, match="'3Act' at byte offset .*unknown activation code 9"):
        read_vxm(write(tmp_path, replace_value(REAL, "3Act", struct.pack("<i", 9))))


def test_weight_length_does_not_match_shape(tmp_path):
    start, value_offset, length = OFFSETS["4w"]
    data = replace_value(REAL, "4w", REAL[value_offset: value_offset + length - 4])
    with pytest.raises(DataError, match=r"entry '4w' at byte offset \d+ \(value at byte offset "
                                        r"\d+\): 98780 bytes, but shape \(56, 49, 3, 3\)"):
        read_vxm(write(tmp_path, data))


def test_shape_entries_disagree(tmp_path):
    data = replace_value(REAL, "4w.shape[1]", struct.pack("<i", 48))
    with pytest.raises(DataError, match=r"'4w.shape\[1\]' at byte offset \d+: 48 disagrees"):
        read_vxm(write(tmp_path, data))


def test_bias_does_not_match_weight(tmp_path):
    data = replace_value(REAL, "6b", REAL[OFFSETS["6b"][1]: OFFSETS["6b"][1] + 4 * 43])
    data = replace_value(data, "6b.shape", struct.pack("<i", 43))
    with pytest.raises(DataError, match=r"'6b' at byte offset \d+: bias shape \(43,\) does not "
                                        r"match 44 output channels"):
        read_vxm(write(tmp_path, data))


def test_channels_do_not_chain(tmp_path):
    # Layer 14 (1×1, 10→7) is made 9→7 consistently in itself, so only the chaining is wrong.
    w = np.zeros((7, 9, 1, 1), "<f4").tobytes()
    data = replace_value(REAL, "14w", w)
    data = replace_value(data, "14w.shape", struct.pack("<4i", 7, 9, 1, 1))
    data = replace_value(data, "14w.shape[1]", struct.pack("<i", 9))
    with pytest.raises(DataError, match="layer 14 .*expects 9 input channels"):
        read_vxm(write(tmp_path, data))


def test_wrong_dtype(tmp_path):
    data = replace_value(REAL, "0b.dtype", b"float64")
    with pytest.raises(DataError, match=r"'0b.dtype' at byte offset \d+: unsupported dtype"):
        read_vxm(write(tmp_path, data))


def test_missing_and_unexpected_entries(tmp_path):
    renamed = REAL.replace(b"18Std\x00", b"18Stx\x00")
    with pytest.raises(DataError, match="required entry '18Std' is missing"):
        read_vxm(write(tmp_path, renamed))
    # An extra, unknown key after the real ones.
    extra = b"zzExtra\x00"
    data = bytearray(REAL + struct.pack("<I", len(extra)) + extra + struct.pack("<I", 1) + b"\x01")
    struct.pack_into("<I", data, 4, 240)
    with pytest.raises(DataError, match=rf"'zzExtra' at byte offset {len(REAL)}: unexpected entry"):
        read_vxm(write(tmp_path, data))


def test_duplicate_key(tmp_path):
    key = b"modelType\x00"
    data = bytearray(REAL + struct.pack("<I", len(key)) + key + struct.pack("<I", 4)
                     + struct.pack("<i", 2))
    struct.pack_into("<I", data, 4, 240)
    with pytest.raises(DataError, match=r"'modelType' at byte offset \d+: duplicate key"):
        read_vxm(write(tmp_path, data))


def test_unknown_model_type_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="unknown model type 5"):
        read_vxm(write(tmp_path, replace_value(REAL, "modelType", struct.pack("<i", 5))))
    with pytest.raises(DataError, match="does not exist"):
        read_vxm(tmp_path / "nope.vxm")
    with pytest.raises(DataError, match="not a single NUL-terminated"):
        parse_vxm_entries(b"\x01tPM" + struct.pack("<II", 1, 3) + b"abc" + struct.pack("<I", 0))
