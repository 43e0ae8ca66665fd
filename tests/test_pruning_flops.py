"""FLOP accounting of GazeNet: analytic counts against counted multiply-adds, and ΔC after removals."""

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from salbench.exceptions import InputError
from salbench.models.pruning import (
    GazeNet,
    conv_flops,
    head_flops,
    layer_costs,
    network_flops,
    remove_channel,
    removal_savings,
    to_network,
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def counted_flops(model, size):
    """FLOPs of one forward pass counted from the tensors the convolutions actually see.

    A forward hook reads each convolution's real input and output: every output value costs
    ``in_channels · kH · kW`` multiply-adds (2 FLOPs each) plus one bias addition.
    """
    total = []

    def hook(module, inputs, output):
        x = inputs[0]
        per_output = x.shape[1] // module.groups * module.kernel_size[0] * module.kernel_size[1]
        values = output[0].numel()  # one image of the batch
        total.append(values * (2 * per_output + 1))

    handles = [conv.register_forward_hook(hook) for conv in model.convs]
    with torch.no_grad():
        model(torch.rand(2, 3, *size) * 255)
    for handle in handles:
        handle.remove()
    return sum(total)


def torch_counted_conv_flops(model, size):
    """PyTorch's own FLOP counter (2 FLOPs per multiply-add, biases not counted) over the convolutions."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.features(torch.rand(1, 3, *size) * 255)
    return counter.get_total_flops()


NETS = [
    dict(backbone=((4, 6), (8,), (5, 3)), readout=(7, 2)),
    dict(backbone=((3,),), readout=()),
    dict(backbone=((5,), (4,), (6,), (2,)), readout=(3,), readout_activation="prelu"),
]
SIZES = [(16, 16), (27, 19), (9, 40)]


@pytest.mark.parametrize("config", NETS)
@pytest.mark.parametrize("size", SIZES)
def test_analytic_flops_equal_counted_multiply_adds(config, size):
    torch.manual_seed(0)
    net = GazeNet(**config)
    analytic = network_flops(net, size)
    assert analytic == counted_flops(net, size)
    bias_adds = sum(c.height * c.width * c.out_channels for c in layer_costs(net, size))
    assert analytic - bias_adds == torch_counted_conv_flops(net, size)


def test_conv_flops_formula_by_hand():
    # 4×4 output, 3 → 8 channels, 3×3 kernel: 16 · 8 · (2·3·9 + 1)
    assert conv_flops(4, 4, 3, 8, 3) == 16 * 8 * 55
    net = GazeNet(backbone=((4,), (6,)), readout=())
    costs = layer_costs(net, (10, 7))
    assert [(c.height, c.width, c.in_channels, c.out_channels, c.kernel_size) for c in costs] == [
        (10, 7, 3, 4, 3), (5, 3, 4, 6, 3), (5, 3, 6, 1, 1)]


def test_flops_agree_with_the_runtime_flop_counter():
    from salbench.models.fastgaze.flops import conv_flops as runtime_conv_flops

    net = GazeNet(backbone=((4, 6), (8,), (5,)), readout=(3,))
    for size in SIZES:
        assert network_flops(net, size) == runtime_conv_flops(to_network(net), *size)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_removal_savings_are_recomputed_correctly_after_every_removal(seed):
    rng = np.random.default_rng(seed)
    net = GazeNet(backbone=((6, 5), (7,), (4, 6)), readout=(5, 3))
    size = (13, 18)
    for _ in range(12):
        savings = removal_savings(net, size)
        # Every layer's promised saving is what removing one of its maps really saves.
        for layer in range(net.n_prunable_layers):
            if net.convs[layer].out_channels < 2:
                continue
            probe = GazeNet(**net.config())
            probe.load_state_dict(net.state_dict())
            before = counted_flops(probe, size)
            remove_channel(probe, layer, 0)
            assert before - counted_flops(probe, size) == savings[layer]
        widths = net.widths()[:-1]
        candidates = [l for l, w in enumerate(widths) if w > 1]
        layer = int(rng.choice(candidates))
        before = network_flops(net, size)
        remove_channel(net, layer, int(rng.integers(widths[layer])))
        assert before - network_flops(net, size) == savings[layer]


def test_saving_changes_when_a_neighbour_shrinks():
    net = GazeNet(backbone=((4, 4), (4,)), readout=())
    size = (8, 8)
    first = removal_savings(net, size)
    remove_channel(net, 1, 0)  # the consumer of layer 0 loses an output map
    second = removal_savings(net, size)
    # Layer 0's map is read by 3 instead of 4 output maps of layer 1: 8·8·2·9 FLOPs less to save.
    assert first[0] - second[0] == 8 * 8 * 2 * 9


def test_head_flops_do_not_change_with_pruning_and_are_small():
    net = GazeNet(backbone=((8, 8), (8,)), readout=(4,), blur_sigma=1.0)
    size = (32, 32)
    head = head_flops(net, size)
    assert 0 < head < network_flops(net, size) / 10
    remove_channel(net, 2, 0)
    assert head_flops(net, size) <= head


def test_bad_input_size_is_rejected():
    net = GazeNet(backbone=((2,), (2,), (2,)), readout=())
    with pytest.raises(InputError, match="input_size"):
        network_flops(net, (10,))
    with pytest.raises(InputError, match="too small"):
        network_flops(net, (3, 20))
