"""GazeNet: shapes, normalisation, the pieces of the head, masks, configuration, validation."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from salbench.exceptions import InputError
from salbench.models.fastgaze.model import upsample_logits as runtime_upsample
from salbench.models.pruning import GazeNet, SeparableGaussianBlur
from salbench.models.pruning.architecture import gaussian_kernel1d, upsample_logits


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def images(n, h, w, seed=0):
    return torch.rand(n, 3, h, w, generator=torch.Generator().manual_seed(seed)) * 255


@pytest.mark.parametrize("size", [(16, 16), (19, 26), (8, 33)])
def test_output_is_a_normalised_log_density_at_image_size(size):
    torch.manual_seed(0)
    net = GazeNet(backbone=((4, 4), (6,), (8,)), readout=(5,))
    out = net(images(3, *size))
    assert out.shape == (3, *size)
    totals = torch.logsumexp(out.reshape(3, -1).double(), dim=1)
    assert torch.allclose(totals, torch.zeros(3, dtype=torch.float64), atol=1e-5)


def test_layout_pools_after_every_block_but_the_last():
    net = GazeNet(backbone=((4, 5), (6,), (7, 8)), readout=(3, 2))
    assert net.widths() == [4, 5, 6, 7, 8, 3, 2, 1]
    assert net.pool_after == (False, True, True, False, False, False, False, False)
    assert net.downsampling == 4
    assert net.n_prunable_layers == 7
    assert net.logits(images(1, 20, 28)).shape == (1, 1, 5, 7)
    assert [c.kernel_size for c in net.convs] == [(3, 3)] * 5 + [(1, 1)] * 3


def test_forward_equals_an_explicit_recomputation():
    """Standardise, conv+ReLU, pool, 1×1 readout, blur at low resolution, upsample, prior, softmax."""
    torch.manual_seed(1)
    net = GazeNet(backbone=((3,), (4,)), readout=(2,), blur_sigma=0.8)
    x = images(2, 12, 14)
    z = (x - torch.tensor([123.68, 116.779, 103.939]).view(1, 3, 1, 1)) / torch.tensor(
        [58.393, 57.12, 57.375]).view(1, 3, 1, 1)
    z = F.max_pool2d(F.relu(net.convs[0](z)), 2)
    z = F.relu(net.convs[1](z))
    z = net.convs[3](F.relu(net.convs[2](z)))
    k = gaussian_kernel1d(0.8, 3)
    z = F.conv2d(F.conv2d(z, k.view(1, 1, 1, -1), padding=(0, 3)), k.view(1, 1, -1, 1), padding=(3, 0))
    z = upsample_logits(z, 12, 14, 2)[:, 0] + net.log_prior(12, 14)
    expected = z - torch.logsumexp(z.reshape(2, -1), 1).view(2, 1, 1)
    assert torch.allclose(net(x), expected, atol=1e-5)


def test_blur_is_a_normalised_separable_gaussian():
    blur = SeparableGaussianBlur(1.5)
    assert blur.radius == 5
    k = blur.kernel.double()
    assert math.isclose(float(k.sum()), 1.0, rel_tol=1e-6)
    t = torch.arange(-5, 6, dtype=torch.float64)
    assert torch.allclose(k, torch.exp(-t**2 / (2 * 1.5**2)) / torch.exp(-t**2 / (2 * 1.5**2)).sum(), atol=1e-7)
    # An impulse far from the border becomes the outer product of the kernel with itself.
    impulse = torch.zeros(1, 1, 15, 15)
    impulse[0, 0, 7, 7] = 1
    assert torch.allclose(blur(impulse)[0, 0, 2:13, 2:13].double(), torch.outer(k, k), atol=1e-7)
    assert torch.equal(SeparableGaussianBlur(0)(impulse), impulse)


def test_replicate_padding_keeps_a_constant_map_constant():
    x = torch.full((1, 1, 6, 7), 3.0)
    assert torch.allclose(SeparableGaussianBlur(1.0, padding="replicate")(x), x)
    assert SeparableGaussianBlur(1.0, padding="zeros")(x)[0, 0, 0, 0] < 3.0


@pytest.mark.parametrize("shape", [(16, 16, 4), (19, 23, 4), (7, 9, 2), (33, 17, 8), (5, 6, 1)])
def test_upsampling_matches_the_runtime_adapter(shape):
    height, width, stride = shape
    logits = torch.randn(1, 1, height // stride, width // stride, generator=torch.Generator().manual_seed(3))
    ours = upsample_logits(logits, height, width, stride)[0, 0].double().numpy()
    theirs = runtime_upsample(logits[0, 0].numpy(), (height, width), (height, width), stride)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_learned_centre_bias_is_a_gaussian_in_relative_coordinates():
    net = GazeNet(backbone=((2,),), readout=())
    with torch.no_grad():
        net.centre_bias.centre.copy_(torch.tensor([0.1, -0.2]))
        net.centre_bias.log_sigma.copy_(torch.log(torch.tensor([0.3, 0.2])))
    prior = net.log_prior(10, 20).double()
    u = (torch.arange(20, dtype=torch.float64) + 0.5) / 20 - 0.5
    v = (torch.arange(10, dtype=torch.float64) + 0.5) / 10 - 0.5
    expected = -0.5 * ((v[:, None] + 0.2) / 0.2) ** 2 - 0.5 * ((u[None, :] - 0.1) / 0.3) ** 2
    assert torch.allclose(prior, expected, atol=1e-5)
    assert GazeNet(backbone=((2,),), readout=(), centre_bias="none").log_prior(4, 4) is None


def test_a_given_log_prior_replaces_the_learned_one():
    torch.manual_seed(0)
    net = GazeNet(backbone=((3,), (3,)), readout=())
    x = images(2, 8, 10)
    prior = torch.randn(8, 10)
    plain = GazeNet(**{**net.config(), "centre_bias": "none"})
    plain.load_state_dict({k: v for k, v in net.state_dict().items() if not k.startswith("centre_bias")})
    z = plain.logits(x)
    z = upsample_logits(z, 8, 10, 2)[:, 0] + prior
    expected = z - torch.logsumexp(z.reshape(2, -1), 1).view(2, 1, 1)
    assert torch.allclose(net(x, log_prior=prior), expected, atol=1e-5)
    with pytest.raises(InputError, match="log_prior"):
        net(x, log_prior=torch.zeros(8, 9))


def test_masks_switch_maps_off_and_are_free_when_all_ones():
    torch.manual_seed(0)
    net = GazeNet(backbone=((4,), (5,)), readout=(3,))
    x = images(2, 12, 12)
    mask = net.masks[1]
    captured = []
    hook = net.convs[2].register_forward_hook(lambda m, i, o: captured.append(i[0]))
    net(x)
    assert captured[-1].shape[1] == 5
    mask.set_mask(torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0]))
    net(x)
    hook.remove()
    assert torch.count_nonzero(captured[-1][:, [1, 4]]) == 0
    assert torch.equal(captured[-1][:, [0, 2, 3]], captured[0][:, [0, 2, 3]])
    with pytest.raises(InputError, match="mask"):
        mask.set_mask(torch.ones(4))
    # Loading a state dict restores the fast path flag from the buffer.
    fresh = GazeNet(**net.config())
    fresh.load_state_dict(net.state_dict())
    assert not fresh.masks[1]._all_ones and fresh.masks[0]._all_ones


def test_config_rebuilds_the_same_architecture():
    net = GazeNet(backbone=((4, 5), (6,)), readout=(3,), readout_activation="prelu", blur_sigma=2.0,
                  blur_padding="replicate", centre_bias="none")
    clone = GazeNet(**net.config())
    clone.load_state_dict(net.state_dict())
    x = images(1, 16, 16)
    assert torch.equal(clone(x), net(x))
    assert clone.config() == net.config()


@pytest.mark.parametrize("kwargs, message", [
    (dict(backbone=()), "backbone"),
    (dict(backbone=((4,), ())), "backbone"),
    (dict(backbone=((4, 0),)), "positive"),
    (dict(readout=(2.5,)), "positive integers"),
    (dict(readout_activation="tanh"), "readout_activation"),
    (dict(centre_bias="learned"), "centre_bias"),
    (dict(blur_sigma=-1.0), "blur_sigma"),
    (dict(blur_padding="reflect"), "blur_padding"),
    (dict(input_mean=(0.0, 0.0)), "input_mean"),
])
def test_bad_configuration_is_rejected_with_a_clear_message(kwargs, message):
    with pytest.raises(InputError, match=message):
        GazeNet(**kwargs)


def test_bad_image_tensor_is_rejected():
    net = GazeNet(backbone=((2,),), readout=())
    with pytest.raises(InputError, match=r"\(batch, 3, height, width\)"):
        net(torch.zeros(3, 8, 8))
