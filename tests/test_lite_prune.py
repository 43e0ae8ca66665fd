"""Fisher pruning of Lite networks: physical removal equals masking, FLOPs, signals (needs torch)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from salbench.models.lite import lite_flops  # noqa: E402
from salbench.models.lite import prune as lp  # noqa: E402
from salbench.models.lite import runtime  # noqa: E402
from salbench.models.lite.torch_net import LiteGazeNet, to_lite_network  # noqa: E402
from test_lite_runtime import random_network  # noqa: E402


def torch_net(seed=0):
    net = random_network(seed)
    tn = LiteGazeNet((net.stem_w, net.stem_b), list(net.blocks), taps=net.taps,
                     grid_tap=net.grid_tap, readout=(5,), blur_sigma=1.0).eval()
    torch.manual_seed(seed)
    return tn


def images(n=3, shape=(24, 32), seed=0):
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.uniform(0, 255, (n, 3, *shape)).astype(np.float32))


def test_removing_an_expansion_channel_equals_masking_it():
    tn = torch_net()
    x = images()
    mask = torch.ones(tn.blocks[1].expand.out_channels)
    mask[3] = 0
    tn.blocks[1].mask = mask
    with torch.no_grad():
        masked = tn(x)
    tn.blocks[1].mask = None
    lp.remove_channels(tn, ("block", 1), [3])
    assert tn.blocks[1].dw.weight.shape[0] == tn.blocks[1].project.weight.shape[1] == 11
    with torch.no_grad():
        removed = tn(x)
    torch.testing.assert_close(removed, masked, atol=1e-5, rtol=1e-5)


def test_removing_a_readout_channel_equals_masking_it():
    tn = torch_net()
    x = images()
    mask = torch.ones(5)
    mask[[0, 4]] = 0
    tn.readout_masks[0] = mask
    with torch.no_grad():
        masked = tn(x)
    tn.readout_masks[0] = None
    lp.remove_channels(tn, ("readout", 0), [0, 4])
    with torch.no_grad():
        torch.testing.assert_close(tn(x), masked, atol=1e-5, rtol=1e-5)


def test_flops_savings_and_export_agree():
    tn = torch_net()
    size = (24, 32)
    before = lp.gflops(tn, *size)
    savings = lp.channel_savings(tn, *size)
    lp.remove_channels(tn, ("block", 3), [0])
    assert lp.gflops(tn, *size) == pytest.approx(before - savings[("block", 3)] / 1e9, rel=1e-12)
    net = to_lite_network(tn, input_pixels=24 * 32)
    assert lite_flops(net, *size) / 1e9 == pytest.approx(lp.gflops(tn, *size), rel=1e-12)
    with torch.no_grad():
        want = tn.head(tn.features(images(1)))[0, 0].numpy()
    got = runtime.forward(net, (images(1)[0].numpy() - 127) / 128)
    np.testing.assert_allclose(got, want, atol=1e-4 * np.abs(want).max())


def test_dead_channel_has_zero_signal_and_goes_first():
    tn = torch_net()
    with torch.no_grad():  # depthwise channel 2 of block 2 always ReLU6(-100) = 0
        tn.blocks[2].dw.weight[2] = 0
        tn.blocks[2].dw.bias[2] = -100
    x = images(4)
    fixations = [np.array([5, 100, 300]), np.array([7]), np.array([50, 60]), np.array([700])]
    signals = lp.fisher_signals(tn, x, fixations)
    assert signals[("block", 2)][2] == 0
    assert all(s.shape == (tn.blocks[u[1]].expand.out_channels,) if u[0] == "block" else True
               for u, s in signals.items())
    assert tn.blocks[2].mask is None  # masks are taken off again
    removed = lp.prune_round(tn, signals, target_gflop=0, beta=0.0, size=(24, 32), max_removals=1)
    (unit, index), = removed
    assert signals[unit][index] == 0 == min(float(s.min()) for s in signals.values())


def test_large_beta_removes_from_the_most_expensive_unit():
    tn = torch_net()
    x = images(2)
    signals = lp.fisher_signals(tn, x, [np.array([5, 9]), np.array([70])])
    savings = lp.channel_savings(tn, 24, 32)
    removed = lp.prune_round(tn, signals, target_gflop=0, beta=1e9, size=(24, 32), max_removals=1)
    assert removed[0][0] == max(savings, key=savings.get)
