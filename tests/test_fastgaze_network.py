"""The network IR: validation of shapes, the saved .npz format, and its round trip."""

import json
import zipfile

import numpy as np
import pytest

from salbench.exceptions import DataError, InputError
from salbench.models.fastgaze.network import (
    Conv2d, GaussianBlur, MaxPool2d, Network, Preprocessing, load_network,
)


def small_network(seed=0):
    rng = np.random.default_rng(seed)
    return Network(
        [Conv2d(rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4), "relu"),
         MaxPool2d(2),
         Conv2d(rng.normal(size=(2, 4, 5, 5)), rng.normal(size=2), "prelu", 0.25),
         Conv2d(rng.normal(size=(1, 2, 1, 1)), rng.normal(size=1)),
         GaussianBlur(5, 1.5)],
        preprocessing=Preprocessing((32, 48), "bgr", 1.0, (123.68, 116.779, 103.939)),
        metadata={"source": "test"})


@pytest.mark.parametrize("module", ["network", "flops", "runtime", "model"])
def test_doctests(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"salbench.models.fastgaze.{module}")
    failures, tried = doctest.testmod(mod)
    assert tried > 0 and failures == 0


def test_shapes_and_counts():
    net = small_network()
    assert net.in_channels == 3 and net.out_channels == 1 and net.output_stride == 2
    assert net.output_shape(9, 11) == (1, 4, 5)
    # weights + biases, plus one alpha for the prelu layer
    assert net.parameter_count == (4 * 27 + 4) + (2 * 4 * 25 + 2 + 1) + (2 + 1)


def test_weights_are_private_float32_copies():
    w = np.ones((2, 3, 3, 3), dtype=np.float32)
    conv = Conv2d(w, np.zeros(2))
    assert conv.weight.dtype == np.float32 and not conv.weight.flags.writeable
    assert w.flags.writeable  # the caller's array is untouched
    w[0] = 5
    assert conv.weight[0, 0, 0, 0] == 1


@pytest.mark.parametrize("make, message", [
    (lambda: Conv2d(np.ones((2, 3, 2, 2)), np.zeros(2)), "odd height and width"),
    (lambda: Conv2d(np.ones((2, 3, 3, 3)), np.zeros(3)), "bias has shape"),
    (lambda: Conv2d(np.ones((2, 3, 3)), np.zeros(2)), "4-D"),
    (lambda: Conv2d(np.ones((2, 3, 3, 3)), np.zeros(2), "tanh"), "activation"),
    (lambda: Conv2d(np.ones((2, 3, 3, 3)), np.zeros(2), "relu", 0.3), "only meaningful"),
    (lambda: Conv2d(np.full((2, 3, 3, 3), np.nan), np.zeros(2)), "non-finite"),
    (lambda: MaxPool2d(0), "size"),
    (lambda: GaussianBlur(4, 1.0), "odd"),
    (lambda: GaussianBlur(5, 0.0), "std"),
    (lambda: Network([MaxPool2d(2)]), "Conv2d"),
    (lambda: Network([Conv2d(np.ones((2, 3, 1, 1)), np.zeros(2)),
                      Conv2d(np.ones((1, 3, 1, 1)), np.zeros(1))]), "expects 3 input channels"),
    (lambda: Preprocessing(channel_order="hsv"), "channel_order"),
    (lambda: Network([Conv2d(np.ones((1, 1, 1, 1)), np.zeros(1))], metadata={"x": object()}),
     "JSON"),
])
def test_invalid_layers_are_rejected(make, message):
    with pytest.raises(InputError, match=message):
        make()


def test_gaussian_kernel():
    k = GaussianBlur(19, 3).kernel()
    assert k.dtype == np.float32 and k.shape == (19,)
    assert np.isclose(k.sum(), 1.0) and np.allclose(k, k[::-1]) and k.argmax() == 9
    assert np.isclose(k[10] / k[9], np.exp(-1 / 18), rtol=1e-6)


def test_save_load_round_trip(tmp_path):
    net = small_network()
    path = net.save(tmp_path / "net.npz")
    loaded = load_network(path)
    assert loaded.spec() == net.spec()
    for a, b in zip(loaded.convolutions, net.convolutions):
        assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
    assert loaded.preprocessing == net.preprocessing
    # The file is an ordinary npz that numpy reads without salbench or pickle.
    with np.load(path, allow_pickle=False) as archive:
        spec = json.loads(archive["spec.json"].tobytes())
        assert spec["format"] == "salbench-network" and spec["layers"][1] == {"type": "maxpool2d",
                                                                               "size": 2}
        assert archive["layer2.weight"].shape == (2, 4, 5, 5)
    assert not [p for p in tmp_path.iterdir() if p.name != "net.npz"]  # no temp file left behind


def _rewrite(path, tmp_path, change):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    change(arrays)
    out = tmp_path / "bad.npz"
    np.savez(out, **arrays)
    return out


def _set_spec(arrays, edit):
    spec = json.loads(arrays["spec.json"].tobytes())
    edit(spec)
    arrays["spec.json"] = np.frombuffer(json.dumps(spec).encode(), np.uint8)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("spec.json"), "no 'spec.json'"),
    (lambda a: a.pop("layer2.bias"), "layer 2 has no array 'layer2.bias'"),
    (lambda a: a.__setitem__("layer2.bias", np.zeros(3, np.float32)), "layer 2"),
    (lambda a: _set_spec(a, lambda s: s["layers"][1].__setitem__("type", "avgpool")),
     "unknown type 'avgpool'"),
    (lambda a: _set_spec(a, lambda s: s.__setitem__("version", 99)), "version 99"),
    (lambda a: a.__setitem__("spec.json", np.frombuffer(b"{not json", np.uint8)), "not valid JSON"),
])
def test_corrupt_saved_networks_raise_data_error(tmp_path, change, message):
    path = small_network().save(tmp_path / "net.npz")
    with pytest.raises(DataError, match=message):
        load_network(_rewrite(path, tmp_path, change))


def test_truncated_or_missing_file(tmp_path):
    path = small_network().save(tmp_path / "net.npz")
    data = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cut.npz"):
        load_network(tmp_path / "cut.npz")
    with pytest.raises(DataError, match="does not exist"):
        load_network(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(path)
