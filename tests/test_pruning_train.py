"""Training data, the loss (fixations and distillation), the training loop and the log-likelihood."""

import math

import numpy as np
import pytest
import torch

from salbench.exceptions import InputError
from salbench.models.pruning import (
    FixationData,
    GazeNet,
    mean_log_likelihood,
    per_example_loss,
    synthetic_gaze_task,
    train,
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_fixations_become_per_pixel_counts():
    image = np.zeros((2, 4, 5, 3), np.uint8)
    data = FixationData.from_arrays(image, x=[0.5, 4.99, 4.2, 0.0], y=[1.0, 3.5, 3.0, 0.0], n=[0, 1, 1, 1])
    counts = data.fixation_counts.numpy()
    assert counts[0, 1, 0] == 1 and counts[1, 3, 4] == 2 and counts[1, 0, 0] == 1
    assert counts.sum() == 4
    assert data.images.shape == (2, 3, 4, 5) and data.images.dtype == torch.float32
    assert data.image_size == (4, 5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=[5.0], y=[0.0], n=[0]), r"fixation 0 \(image 0\) has x = 5.0"),
    (dict(x=[1.0], y=[-0.1], n=[0]), "has y"),
    (dict(x=[1.0], y=[1.0], n=[2]), "image indices"),
    (dict(x=[1.0, 2.0], y=[1.0], n=[0]), "same length"),
    (dict(x=[np.nan], y=[1.0], n=[0]), "has x = nan"),
])
def test_bad_fixations_are_rejected(kwargs, message):
    with pytest.raises(InputError, match=message):
        FixationData.from_arrays(np.zeros((2, 4, 5, 3)), **kwargs)


def test_bad_images_and_teacher_maps_are_rejected():
    with pytest.raises(InputError, match="images must have shape"):
        FixationData.from_arrays(np.zeros((4, 5, 3)), x=[], y=[], n=[])
    with pytest.raises(InputError, match="NaN or inf"):
        FixationData.from_arrays(np.full((1, 4, 5, 3), np.nan), x=[], y=[], n=[])
    uniform = np.full((1, 4, 5), -math.log(20))
    FixationData.from_arrays(np.zeros((1, 4, 5, 3)), x=[], y=[], n=[], teacher_log_densities=uniform)
    with pytest.raises(InputError, match="image 0 sums to 2"):
        FixationData.from_arrays(np.zeros((1, 4, 5, 3)), x=[], y=[], n=[],
                                 teacher_log_densities=uniform + math.log(2))
    with pytest.raises(InputError, match="shape"):
        FixationData.from_arrays(np.zeros((1, 4, 5, 3)), x=[], y=[], n=[], teacher_log_densities=uniform[:, :3])


def test_loss_is_mean_negative_log_likelihood_per_image_plus_teacher_cross_entropy():
    rng = np.random.default_rng(0)
    log_q = torch.log_softmax(torch.randn(2, 12, generator=torch.Generator().manual_seed(0)), 1).reshape(2, 3, 4)
    teacher = np.log(rng.dirichlet(np.ones(12), size=2)).reshape(2, 3, 4)
    data = FixationData.from_arrays(np.zeros((2, 3, 4, 3)), x=[0.5, 3.5, 1.5], y=[0.5, 2.5, 1.5], n=[0, 0, 1],
                                    teacher_log_densities=teacher)
    fix0 = -(log_q[0, 0, 0] + log_q[0, 2, 3]) / 2
    fix1 = -log_q[1, 1, 1]
    ce = [-(np.exp(teacher[i]) * log_q[i].double().numpy()).sum() for i in range(2)]
    loss = per_example_loss(log_q, data)  # default distillation weight 0.9, as in the paper
    assert torch.allclose(loss.double(), torch.tensor([0.1 * fix0 + 0.9 * ce[0], 0.1 * fix1 + 0.9 * ce[1]],
                                                      dtype=torch.float64), atol=1e-5)
    loss = per_example_loss(log_q, data, distillation_weight=0.0)
    assert torch.allclose(loss, torch.stack([fix0, fix1]), atol=1e-6)
    no_teacher = FixationData(data.images, data.fixation_counts)
    assert torch.allclose(per_example_loss(log_q, no_teacher), torch.stack([fix0, fix1]), atol=1e-6)


def test_image_without_fixations_contributes_only_its_teacher_term():
    log_q = torch.full((1, 2, 2), -math.log(4))
    teacher = np.log(np.array([[[0.7, 0.1], [0.1, 0.1]]]))
    data = FixationData.from_arrays(np.zeros((1, 2, 2, 3)), x=[], y=[], n=[], teacher_log_densities=teacher)
    assert math.isclose(float(per_example_loss(log_q, data)), 0.9 * math.log(4), rel_tol=1e-6)


def test_mean_log_likelihood_counts_every_fixation():
    torch.manual_seed(0)
    net = GazeNet(backbone=((3,), (3,)), readout=())
    data, _ = synthetic_gaze_task(5, size=(12, 12), fixations_per_image=4, seed=3)
    with torch.no_grad():
        log_q = net(data.images).double()
    expected = float((data.fixation_counts.double() * log_q).sum() / data.fixation_counts.sum())
    # torch's float32 conv (oneDNN) rounds differently per batch size: the reference uses the same batches of 2
    with torch.no_grad():
        log_q2 = torch.cat([net(data.images[i:i + 2]) for i in range(0, 5, 2)]).double()
    expected2 = float((data.fixation_counts.double() * log_q2).sum() / data.fixation_counts.sum())
    assert math.isclose(mean_log_likelihood(net, data, batch_size=2, relative_to_uniform=False), expected2, rel_tol=1e-9)
    assert math.isclose(mean_log_likelihood(net, data), expected + math.log(144), rel_tol=1e-9)


def test_training_learns_the_synthetic_task_beyond_centre_bias():
    """After a short training the model must beat what its centre bias alone achieves."""
    torch.manual_seed(0)
    train_data, _ = synthetic_gaze_task(96, size=(24, 24), radius=2.0, seed=10)
    val_data, truth = synthetic_gaze_task(48, size=(24, 24), radius=2.0, seed=11)
    net = GazeNet(backbone=((6,), (8,)), readout=(4,), blur_sigma=0.5)
    before = mean_log_likelihood(net, val_data)
    losses = train(net, train_data, steps=150, batch_size=16, lr=3e-3)
    after = mean_log_likelihood(net, val_data)
    counts = val_data.fixation_counts.numpy()
    gold = float((counts * truth).sum() / counts.sum()) + math.log(24 * 24)
    # A centre-bias-only model: zero the last readout layer so only the learned prior remains.
    prior_only = GazeNet(**net.config())
    prior_only.load_state_dict(net.state_dict())
    with torch.no_grad():
        prior_only.convs[-1].weight.zero_()
    assert np.mean(losses[-20:]) < np.mean(losses[:20])
    assert after > before + 0.3
    assert after > mean_log_likelihood(prior_only, val_data) + 0.3
    assert after < gold + 0.05  # cannot beat the density the fixations were drawn from (up to noise)


def test_distillation_pulls_the_model_towards_the_teacher():
    torch.manual_seed(0)
    data, truth = synthetic_gaze_task(48, size=(16, 16), radius=2.0, seed=5)
    with_teacher = FixationData(data.images, data.fixation_counts, torch.from_numpy(truth.astype(np.float32)))
    nets = []
    for d in (data, with_teacher):
        torch.manual_seed(1)
        net = GazeNet(backbone=((6,), (8,)), readout=(4,), blur_sigma=0.5)
        train(net, d, steps=120, batch_size=16, lr=3e-3)
        nets.append(net)

    def cross_entropy(net):
        with torch.no_grad():
            return float(-(torch.from_numpy(np.exp(truth)) * net(data.images).double()).sum((1, 2)).mean())

    assert cross_entropy(nets[1]) < cross_entropy(nets[0])


def test_train_validates_its_arguments():
    net = GazeNet(backbone=((2,),), readout=())
    data, _ = synthetic_gaze_task(2, size=(8, 8), seed=0)
    with pytest.raises(InputError, match="steps"):
        train(net, data, steps=0)
    with pytest.raises(InputError, match="optimizer"):
        train(net, data, steps=1, optimizer="rmsprop")
