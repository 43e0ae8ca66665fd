"""ONNX (onnxruntime) and torch adapters, on tiny real networks built here."""

import pickle

import numpy as np
import pytest
from PIL import Image
from scipy.special import logsumexp

from salbench.exceptions import InputError
from salbench.metrics import resize_map
from salbench.models import ProbabilisticModel
from salbench.models.adapters import OnnxModel, TorchModel
from salbench.models.spec import from_spec

#: 1x1 convolution weights: a weighted channel sum that tells R, G and B apart.
CHANNEL_WEIGHTS = np.array([1.0, 2.0, 4.0], np.float32)
POOL = 4


def onnx_model_bytes(*, nhwc=False, fixed=None):
    """Conv 1x1 (weights CHANNEL_WEIGHTS) then 4x4 average pooling, built with onnx.helper."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    h, w = fixed if fixed else ("h", "w")
    in_shape = [1, h, w, 3] if nhwc else [1, 3, h, w]
    nodes, first = [], "image"
    if nhwc:
        nodes.append(helper.make_node("Transpose", ["image"], ["nchw"], perm=[0, 3, 1, 2]))
        first = "nchw"
    nodes += [helper.make_node("Conv", [first, "weight"], ["mixed"], kernel_shape=[1, 1]),
              helper.make_node("AveragePool", ["mixed"], ["saliency"], kernel_shape=[POOL, POOL],
                               strides=[POOL, POOL])]
    weight = numpy_helper.from_array(CHANNEL_WEIGHTS.reshape(1, 3, 1, 1), name="weight")
    graph = helper.make_graph(
        nodes, "tiny_saliency",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("saliency", TensorProto.FLOAT, [1, 1, None, None])],
        initializer=[weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model.SerializeToString()


def reference(image, *, scale, mean, std, order="rgb", size=None):
    """What the tiny network computes, in numpy, resized back to the image (bilinear)."""
    a = image
    if size is not None and a.shape[:2] != size:
        a = np.asarray(Image.fromarray(a).resize((size[1], size[0]), Image.Resampling.BILINEAR))
    x = a.astype(np.float32)
    mean, std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
    if order == "bgr":
        x, mean, std = x[..., ::-1], mean[::-1], std[::-1]
    x = (x * np.float32(scale) - mean) / std
    mixed = (x * CHANNEL_WEIGHTS).sum(axis=2, dtype=np.float64)
    hp, wp = mixed.shape[0] // POOL, mixed.shape[1] // POOL
    pooled = mixed[:hp * POOL, :wp * POOL].reshape(hp, POOL, wp, POOL).mean(axis=(1, 3))
    return resize_map(pooled, image.shape[:2], method="bilinear")


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).integers(0, 256, (30, 41, 3), dtype=np.uint8)


PRE = {"scale": 1 / 255, "mean": (0.1, 0.2, 0.3), "std": (0.5, 0.25, 2.0)}


@pytest.mark.parametrize("order", ["rgb", "bgr"])
def test_onnx_dynamic_size_matches_numpy(tmp_path, image, order):
    path = tmp_path / "tiny.onnx"
    path.write_bytes(onnx_model_bytes())
    model = OnnxModel(path, channel_order=order, **PRE)
    got = model.saliency_map(image)
    assert got.shape == image.shape[:2]
    np.testing.assert_allclose(got, reference(image, order=order, **PRE), rtol=1e-5, atol=1e-5)
    # the channel order matters for this network, so the test can tell them apart
    other = "bgr" if order == "rgb" else "rgb"
    assert not np.allclose(got, reference(image, order=other, **PRE), rtol=1e-3)


def test_onnx_nhwc_fixed_size_and_greyscale(tmp_path, image):
    model = OnnxModel(onnx_model_bytes(nhwc=True, fixed=(16, 20)), layout="nhwc", **PRE)
    assert model.input_size_for(image.shape) == (16, 20)
    np.testing.assert_allclose(model.saliency_map(image),
                               reference(image, size=(16, 20), **PRE), rtol=1e-5, atol=1e-5)
    grey = image[..., 0]
    np.testing.assert_allclose(model.saliency_map(grey),
                               reference(np.repeat(grey[..., None], 3, axis=2), size=(16, 20), **PRE),
                               rtol=1e-5, atol=1e-5)
    resized = OnnxModel(onnx_model_bytes(), input_size=(24, 32), **PRE)
    np.testing.assert_allclose(resized.saliency_map(image),
                               reference(image, size=(24, 32), **PRE), rtol=1e-5, atol=1e-5)


def test_onnx_log_density_pickle_and_spec(tmp_path, image):
    path = tmp_path / "tiny.onnx"
    path.write_bytes(onnx_model_bytes())
    model = from_spec(f"onnx:{path}", kind="log_density", **PRE)
    assert isinstance(model, ProbabilisticModel) and isinstance(model, OnnxModel)
    ld = model.log_density(image)
    assert logsumexp(ld) == pytest.approx(0, abs=1e-9)
    expected = reference(image, **PRE)
    np.testing.assert_allclose(ld, expected - logsumexp(expected), rtol=1e-5, atol=1e-5)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(clone.log_density(image), ld)
    assert model.describe()["parameters"]["input"]["mean"] == [0.1, 0.2, 0.3]


def test_onnx_errors(tmp_path, image):
    with pytest.raises(InputError, match="has 20 channels in layout 'nhwc'"):
        OnnxModel(onnx_model_bytes(fixed=(16, 20)), layout="nhwc")
    with pytest.raises(InputError, match="differs from the model's fixed input size"):
        OnnxModel(onnx_model_bytes(fixed=(16, 20)), input_size=(8, 8))
    with pytest.raises(InputError, match="no input named 'x'"):
        OnnxModel(onnx_model_bytes(), input_name="x")
    with pytest.raises(InputError, match="std must be non-zero"):
        OnnxModel(onnx_model_bytes(), std=0)
    with pytest.raises(InputError, match="resize must be one of"):
        OnnxModel(onnx_model_bytes(), resize=None)
    model = OnnxModel(onnx_model_bytes())
    with pytest.raises(InputError, match="needs the image's pixels"):
        model.saliency_map((30, 41))


def tiny_torch_module():
    import torch

    conv = torch.nn.Conv2d(3, 1, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(CHANNEL_WEIGHTS.reshape(1, 3, 1, 1)))
    return torch.nn.Sequential(conv, torch.nn.AvgPool2d(POOL))


def test_torch_module_and_torchscript_match_onnx(tmp_path, image):
    import torch

    module = tiny_torch_module()
    expected = reference(image, **PRE)
    eager = TorchModel(module, **PRE)
    np.testing.assert_allclose(eager.saliency_map(image), expected, rtol=1e-5, atol=1e-5)
    onnx = OnnxModel(onnx_model_bytes(), **PRE)
    np.testing.assert_allclose(eager.saliency_map(image), onnx.saliency_map(image), rtol=1e-5, atol=1e-5)
    path = tmp_path / "tiny.pt"
    torch.jit.script(module).save(str(path))
    scripted = from_spec(f"torch:{path}", kind="log_density", **PRE)
    assert isinstance(scripted, ProbabilisticModel) and isinstance(scripted, TorchModel)
    ld = scripted.log_density(image)
    np.testing.assert_allclose(ld, expected - logsumexp(expected), rtol=1e-5, atol=1e-5)
    clone = pickle.loads(pickle.dumps(scripted))   # reloaded from the file
    np.testing.assert_allclose(clone.log_density(image), ld)
    with pytest.raises(InputError, match="must be a torch.nn.Module or a TorchScript file"):
        TorchModel(42)


def test_torch_export_program_with_a_fixed_input_size(tmp_path, image):
    import torch

    program = torch.export.export(tiny_torch_module().eval(), (torch.zeros(1, 3, 24, 32),))
    path = tmp_path / "tiny.pt2"
    torch.export.save(program, str(path))
    model = from_spec(str(path), input_size=(24, 32), **PRE)
    assert isinstance(model, TorchModel)
    np.testing.assert_allclose(model.saliency_map(image), reference(image, size=(24, 32), **PRE),
                               rtol=1e-5, atol=1e-5)
