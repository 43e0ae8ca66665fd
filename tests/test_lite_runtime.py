"""The Lite gaze network's framework-free runtime against slow references and PyTorch."""

import numpy as np
import pytest

import naive_lite
from salbench.exceptions import DataError, InputError
from salbench.models.lite import LiteGazeModel, LiteNetwork, lite_flops, load_lite_network
from salbench.models.lite import runtime
from salbench.models.lite.backbone import Block, same_padding

CB = {"kind": "gaussian", "mu_x": 0.05, "mu_y": -0.02, "sigma_x": 0.3, "sigma_y": 0.25}


def random_network(seed=0):
    """A tiny network with every feature: no-expansion first block, k5 stride 2, skip, 3 taps."""
    rng = np.random.default_rng(seed)

    def w(*shape):
        return rng.normal(0, 0.4, shape).astype(np.float32)

    specs = [(None, 8, 4, 3, 1), (4, 12, 6, 5, 2), (6, 18, 6, 3, 1), (6, 12, 8, 3, 2)]
    blocks = []
    for in_c, mid, out, k, s in specs:
        expand = (w(mid, in_c), w(mid)) if in_c is not None else (None, None)
        blocks.append(Block(*expand, w(mid, k, k), w(mid), s, w(out, mid), w(out)))
    readout = ((w(5, 4 + 6 + 8), w(5)), (w(1, 5), w(1)))
    return LiteNetwork(w(8, 3, 3, 3), w(8), tuple(blocks), (0, 2, 3), 2, readout, 1.0, 2, CB,
                       input_pixels=24 * 32)


def as_dict(net):
    return {"stem_w": net.stem_w, "stem_b": net.stem_b, "taps": net.taps, "grid_tap": net.grid_tap,
            "readout": net.readout, "blur_sigma": net.blur_sigma, "blur_radius": net.blur_radius,
            "blocks": [{k: getattr(b, k) for k in ("expand_w", "expand_b", "dw_w", "dw_b",
                                                     "project_w", "project_b", "stride")}
                       for b in net.blocks]}


@pytest.mark.parametrize("n, k, s", [(7, 3, 2), (8, 3, 2), (9, 5, 2), (10, 5, 1), (1, 3, 2)])
def test_same_padding_is_tensorflows(n, k, s):
    top, bottom, _ = naive_lite.same_pad(n, k, s)
    assert same_padding(n, k, s) == (top, bottom)


def test_even_side_stride_two_pads_only_after():
    # TensorFlow's SAME: 8 pixels, k3, s2 -> 4 outputs need 1 row of padding, all at the end.
    assert same_padding(8, 3, 2) == (0, 1)


@pytest.mark.parametrize("shape", [(13, 17), (16, 16), (9, 22)])
def test_runtime_matches_naive_reference(shape):
    net = random_network()
    x = np.random.default_rng(1).normal(0, 1, (3, *shape)).astype(np.float32)
    got = runtime.forward(net, x)
    want = naive_lite.forward(as_dict(net), x.astype(np.float64))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_depthwise_stride_two_odd_width_matches_reference():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 2, (5, 11, 13)).astype(np.float32)
    w, b = rng.normal(0, 1, (5, 5, 5)).astype(np.float32), rng.normal(0, 1, 5).astype(np.float32)
    (t, bt), (l, r) = same_padding(11, 5, 2), same_padding(13, 5, 2)
    padded = np.pad(x, ((0, 0), (t, bt), (l, r)))
    out = np.empty((5, 6, 7), np.float32)
    runtime._depthwise_relu6(padded, w, b, 2, out)
    want = naive_lite.relu6(naive_lite.conv_same(x, w[:, None], b, 2, groups=5))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("size, src", [((30, 40), (15, 20)), ((30, 40), (60, 80)), ((7, 9), (4, 3))])
def test_resample_matches_reference(size, src):
    x = np.random.default_rng(3).normal(0, 1, (2, *src)).astype(np.float32)
    np.testing.assert_allclose(runtime.resample(x, size), naive_lite.bilinear(x, size), atol=1e-5)


def test_flops_match_layer_by_layer_count():
    net = random_network()
    for h, w in [(13, 17), (384, 512)]:
        assert lite_flops(net, h, w) == naive_lite.flops(as_dict(net), h, w)


def test_save_load_round_trip_half_and_full(tmp_path):
    net = random_network()
    for half in (False, True):
        path = net.save(tmp_path / f"n{half}.npz", half=half)
        back = load_lite_network(path)
        assert back.taps == net.taps and back.widths() == net.widths()
        x = np.random.default_rng(4).normal(0, 1, (3, 16, 20)).astype(np.float32)
        tol = 3e-2 if half else 1e-6
        np.testing.assert_allclose(runtime.forward(back, x), runtime.forward(net, x),
                                   atol=tol * np.abs(runtime.forward(net, x)).max())
    assert (tmp_path / "nTrue.npz").stat().st_size < (tmp_path / "nFalse.npz").stat().st_size


def test_corrupt_file_names_the_problem(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(3))
    with pytest.raises(DataError, match="bad.npz"):
        load_lite_network(bad)


def test_bad_shapes_are_rejected():
    net = random_network()
    with pytest.raises(InputError, match="block 1 expects"):
        LiteNetwork(net.stem_w, net.stem_b, (net.blocks[0], net.blocks[2]), (0,), 0,
                    ((np.zeros((1, 4)), np.zeros(1)),), 1.0, 2, CB)
    with pytest.raises(InputError, match="one channel"):
        LiteNetwork(net.stem_w, net.stem_b, net.blocks, (3,), 3,
                    ((np.zeros((2, 8)), np.zeros(2)),), 1.0, 2, CB)
    with pytest.raises(InputError, match=r"\(3, H, W\)"):
        runtime.forward(net, np.zeros((16, 16)))


def test_model_gives_a_normalised_density_any_size():
    from salbench.models.default import LearnedCentreBias

    model = LiteGazeModel(random_network(), centre_bias=LearnedCentreBias(
        **{k: CB[k] for k in ("mu_x", "mu_y", "sigma_x", "sigma_y")}))
    image = np.random.default_rng(5).integers(0, 256, (45, 61, 3), dtype=np.uint8)
    log_p = model.log_density(image)
    assert log_p.shape == (45, 61)
    assert np.isclose(np.logaddexp.reduce(log_p.ravel()), 0.0)
    assert model.input_size((45, 61)) == (24, 32)


def test_runtime_matches_pytorch_on_pretrained_like_network():
    torch = pytest.importorskip("torch")
    from salbench.models.lite.torch_net import LiteGazeNet

    net = random_network(7)
    stem = (net.stem_w, net.stem_b)
    tn = LiteGazeNet(stem, list(net.blocks), taps=net.taps, grid_tap=net.grid_tap, readout=(5,),
                     blur_sigma=1.0).eval()
    tn.blur_radius = net.blur_radius
    tn.blur_taps = torch.from_numpy(net.blur_kernel())
    with torch.no_grad():
        for conv, (w, b) in zip(tn.readout, net.readout):
            conv.weight.copy_(torch.from_numpy(np.array(w[:, :, None, None])))
            conv.bias.copy_(torch.from_numpy(np.array(b)))
    for shape in [(33, 47), (24, 32)]:
        image = np.random.default_rng(8).uniform(0, 255, (1, 3, *shape)).astype(np.float32)
        with torch.no_grad():
            want = tn.head(tn.features(torch.from_numpy(image)))[0, 0].numpy()
        got = runtime.forward(net, (image[0] - 127.0) / 128.0)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
