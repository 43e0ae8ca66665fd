"""Export of trained / pruned GazeNets: ONNX (checked with onnxruntime) and the framework-free runtime."""

import numpy as np
import onnxruntime as ort
import pytest
import torch

from salbench.exceptions import DataError, InputError
from salbench.models.fastgaze.network import Conv2d, GaussianBlur, MaxPool2d, load_network
from salbench.models.fastgaze.runtime import Runtime
from salbench.models.fastgaze.vxm import read_vxm
from salbench.models.pruning import (
    GazeNet,
    GazeNetModel,
    export_onnx,
    export_runtime,
    export_vxm,
    load_model,
    remove_channel,
    save_model,
    to_fastgaze_model,
    to_network,
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make_net(activation="relu", seed=0, **options):
    """A small network with non-trivial weights, centre bias and some maps removed or masked."""
    torch.manual_seed(seed)
    net = GazeNet(backbone=((6, 5), (7,), (6,)), readout=(5, 3), readout_activation=activation,
                  blur_sigma=1.0, **options)
    with torch.no_grad():
        for conv in net.convs:
            conv.bias.normal_(0.0, 0.1)
        if net.centre_bias is not None:
            net.centre_bias.centre.copy_(torch.tensor([0.08, -0.05]))
            net.centre_bias.log_sigma.copy_(torch.log(torch.tensor([0.3, 0.22])))
        for prelu in net.activations:
            if isinstance(prelu, torch.nn.PReLU):
                prelu.weight.fill_(0.3)
    remove_channel(net, 1, 3)
    remove_channel(net, 4, 0)
    return net.eval()


def rgb(h, w, seed=0):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def as_tensor(*images):
    return torch.from_numpy(np.stack([i.astype(np.float32).transpose(2, 0, 1) for i in images]))


@pytest.mark.parametrize("activation", ["relu", "prelu"])
@pytest.mark.parametrize("output", ["log_density", "logits"])
def test_onnx_export_agrees_with_torch_at_any_size(tmp_path, activation, output):
    net = make_net(activation)
    path = export_onnx(net, tmp_path / "net.onnx", output=output)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for shape in [(1, 32, 32), (2, 27, 45), (3, 16, 19)]:
        x = as_tensor(*[rgb(*shape[1:], seed=s) for s in range(shape[0])])
        with torch.no_grad():
            expected = (net(x) if output == "log_density" else net.logits(x)).numpy()
        got = session.run(None, {"images": x.numpy()})[0]
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=2e-5)
    assert not list(tmp_path.glob(".*tmp"))  # written atomically, no temporary left behind


def test_onnx_export_of_a_masked_network(tmp_path):
    net = make_net()
    mask = net.masks[0].mask.clone()
    mask[2] = 0
    net.masks[0].set_mask(mask)
    path = export_onnx(net, tmp_path / "masked.onnx")
    x = as_tensor(rgb(24, 24))
    with torch.no_grad():
        expected = net(x).numpy()
    got = ort.InferenceSession(str(path)).run(None, {"images": x.numpy()})[0]
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_onnx_export_validates_its_arguments(tmp_path):
    net = make_net()
    with pytest.raises(InputError, match="output"):
        export_onnx(net, tmp_path / "x.onnx", output="density")
    with pytest.raises(InputError, match="example_size"):
        export_onnx(net, tmp_path / "x.onnx", example_size=(2, 8))


def test_runtime_network_mirrors_the_layers():
    net = make_net("prelu")
    network = to_network(net)
    kinds = [type(layer) for layer in network.layers]
    assert kinds == [Conv2d, Conv2d, MaxPool2d, Conv2d, MaxPool2d, Conv2d, Conv2d, Conv2d, Conv2d, GaussianBlur]
    assert [c.activation for c in network.convolutions] == ["relu"] * 4 + ["prelu"] * 2 + [None]
    assert network.convolutions[4].alpha == pytest.approx(0.3)
    assert network.layers[-1].kernel_size == 7 and network.layers[-1].std == 1.0
    assert network.output_stride == net.downsampling
    assert network.preprocessing.mean == pytest.approx(tuple(net.input_mean.flatten().tolist()))
    assert network.metadata["centre_bias"]["sigma_x"] == pytest.approx(0.3)


@pytest.mark.parametrize("activation", ["relu", "prelu"])
def test_runtime_logits_and_densities_agree_with_torch(activation):
    net = make_net(activation)
    model = to_fastgaze_model(net)
    for shape in [(32, 32), (27, 45), (17, 23)]:
        image = rgb(*shape, seed=shape[0])
        x = as_tensor(image)
        with torch.no_grad():
            logits = net.logits(x)[0, 0].double().numpy()
            log_density = net(x)[0].double().numpy()
        np.testing.assert_allclose(model.network_logits(image), logits, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(model.log_density(image), log_density, atol=2e-5)


def test_masked_maps_are_folded_into_the_runtime_network():
    net = make_net()
    for layer, channel in ((0, 1), (3, 4), (5, 2)):
        mask = net.masks[layer].mask.clone()
        mask[channel] = 0
        net.masks[layer].set_mask(mask)
    image = rgb(20, 28)
    with torch.no_grad():
        expected = net.logits(as_tensor(image))[0].numpy()
    preprocessed = ((as_tensor(image) - net.input_mean) / net.input_std)[0].numpy()
    got = Runtime(to_network(net)).forward(preprocessed)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_runtime_file_round_trip_needs_no_torch_objects(tmp_path):
    net = make_net("prelu")
    path = export_runtime(net, tmp_path / "net.npz", metadata={"trained_on": "synthetic"})
    network = load_network(path)
    assert network.metadata["trained_on"] == "synthetic"
    image = rgb(24, 30)
    np.testing.assert_allclose(to_fastgaze_model(network).log_density(image),
                               to_fastgaze_model(net).log_density(image), atol=1e-12)


def test_model_without_centre_bias_exports_without_prior():
    net = make_net(centre_bias="none")
    model = to_fastgaze_model(net)
    assert model.centre_bias is None
    image = rgb(16, 20)
    with torch.no_grad():
        expected = net(as_tensor(image))[0].double().numpy()
    np.testing.assert_allclose(model.log_density(image), expected, atol=2e-5)


def test_vxm_export_round_trip(tmp_path):
    net = make_net("prelu")
    path = export_vxm(net, tmp_path / "net.vxm")
    back = read_vxm(path)
    ours = to_network(net)
    assert len(back.layers) == len(ours.layers)
    for a, b in zip(back.convolutions, ours.convolutions):
        assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
        assert a.activation == b.activation and a.alpha == pytest.approx(b.alpha)


def test_export_rejects_what_the_runtime_cannot_express():
    net = make_net(blur_padding="replicate")
    with pytest.raises(InputError, match="pads with zeros"):
        to_network(net)
    net = make_net()
    mask = net.masks[0].mask.clone()
    mask[0] = -1.0
    net.masks[0].set_mask(mask)
    with pytest.raises(InputError, match="negative mask"):
        to_network(net)


def test_saved_pruned_model_loads_with_its_smaller_shape(tmp_path):
    net = make_net()
    path = save_model(net, tmp_path / "net.pt", metadata={"note": "test"})
    back = load_model(path)
    assert back.widths() == net.widths() and back.config() == net.config()
    x = as_tensor(rgb(16, 16))
    with torch.no_grad():
        assert torch.equal(back(x), net(x))
    (tmp_path / "bad.pt").write_bytes(b"not a model")
    with pytest.raises(DataError, match="bad.pt"):
        load_model(tmp_path / "bad.pt")
    with pytest.raises(DataError, match="does not exist"):
        load_model(tmp_path / "missing.pt")


def test_gazenet_model_adapter_matches_torch_and_validates():
    net = make_net()
    model = GazeNetModel(net)
    image = rgb(20, 24)
    with torch.no_grad():
        expected = net(as_tensor(image))[0].double().numpy()
    got = model.log_density(image)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert abs(np.logaddexp.reduce(got.ravel())) < 1e-12
    assert model.log_likelihoods(image, [3.5], [2.5])[0] == got[2, 3]
    with pytest.raises(InputError, match="smaller than"):
        model.log_density(rgb(3, 30))
    assert model.describe()["parameters"]["config"]["backbone"] == ((6, 4), (7,), (6,))
