"""Fisher pruning signals: exact per-example gradients, and what they predict.

The synthetic task (``synthetic_gaze_task``): observers fixate red discs and ignore green and blue
ones, so a small network needs a few colour-selective maps and many of its maps are spare.
"""

import copy

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from salbench.exceptions import InputError
from salbench.models.pruning import (
    FisherAccumulator,
    GazeNet,
    fisher_signals,
    mean_log_likelihood,
    network_flops,
    per_example_loss,
    prune,
    synthetic_gaze_task,
    train,
)

SIZE = (24, 24)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def task():
    train_data, _ = synthetic_gaze_task(192, size=SIZE, radius=2.0, seed=100)
    val_data, _ = synthetic_gaze_task(96, size=SIZE, radius=2.0, seed=200)
    return train_data, val_data


@pytest.fixture(scope="module")
def trained(task):
    """A small network trained on the synthetic task (a few seconds on one core)."""
    train_data, _ = task
    torch.manual_seed(0)
    net = GazeNet(backbone=((8, 8), (12, 12), (12,)), readout=(6,), blur_sigma=0.5)
    train(net, train_data, steps=400, batch_size=16, lr=3e-3, seed=0)
    return net


def brute_force_signals(net, data):
    """g_nk by autograd with respect to explicit mask variables, one example at a time."""
    net = copy.deepcopy(net)
    masks = [torch.ones(m.channels, requires_grad=True) for m in net.masks]
    for module, m in zip(net.masks, masks):
        module.forward = lambda x, m=m: x * m.view(1, -1, 1, 1)
    per_example = []
    for n in range(len(data)):
        example = data.subset([n])
        loss = per_example_loss(net(example.images), example)[0]
        grads = torch.autograd.grad(loss, masks)
        per_example.append([g.double() for g in grads])
    return per_example


def test_signals_are_per_example_gradients_squared_before_averaging():
    torch.manual_seed(0)
    data, _ = synthetic_gaze_task(10, size=(16, 16), seed=1)
    net = GazeNet(backbone=((4, 5), (6,)), readout=(3,), readout_activation="prelu")
    g = brute_force_signals(net, data)
    expected = [sum(g[n][l] ** 2 for n in range(10)).numpy() / (2 * 10) for l in range(len(net.masks))]
    got = fisher_signals(net, data, batch_size=4)  # batches of 4, 4, 2: per-example sums must survive
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-12)
    # Averaging the gradient first would give a different (much smaller) number.
    averaged = [(sum(g[n][l] for n in range(10)) / 10) ** 2 / 2 for l in range(len(net.masks))]
    assert all((a > 1.5 * b.numpy()).any() for a, b in zip(got, averaged))
    assert all(p.grad is None for p in net.parameters())


def test_accumulating_during_training_with_mean_loss_gives_the_same_signals():
    """The training loop backpropagates a batch mean; the accumulator must undo the 1/N."""
    from salbench.models.pruning.train import training_step

    torch.manual_seed(0)
    data, _ = synthetic_gaze_task(12, size=(16, 16), seed=2)
    net = GazeNet(backbone=((4,), (6,)), readout=(3,))
    expected = fisher_signals(net, data)
    frozen = torch.optim.SGD(net.parameters(), lr=0.0)
    with FisherAccumulator(net) as accumulator:
        for batch in data.batches(5, shuffle=False):
            training_step(net, frozen, batch, before_backward=lambda n: setattr(accumulator, "loss_scale", n))
    for a, b in zip(accumulator.deltas(), expected):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_signals_need_a_backward_pass():
    net = GazeNet(backbone=((2,),), readout=())
    with pytest.raises(InputError, match="no backward pass"):
        FisherAccumulator(net).deltas()
    with pytest.raises(InputError, match="track_activations"):
        FisherAccumulator(net).mean_activations()


def test_delta_predicts_the_measured_loss_increase_of_removing_each_map(trained, task):
    train_data, _ = task
    deltas = np.concatenate(fisher_signals(trained, train_data))

    def loss():
        with torch.no_grad():
            return float(per_example_loss(trained(train_data.images), train_data).mean())

    base = loss()
    measured = []
    for module in trained.masks:
        for k in range(module.channels):
            mask = torch.ones(module.channels)
            mask[k] = 0
            module.set_mask(mask)
            measured.append(loss() - base)
            module.set_mask(torch.ones(module.channels))
    measured = np.array(measured)
    alive = ~((deltas == 0) & (np.abs(measured) < 1e-7))  # dead ReLU maps: trivially 0 and 0
    assert alive.sum() >= 40
    rho = spearmanr(deltas[alive], measured[alive])[0]
    assert rho > 0.7, rho
    # The map Fisher deems most important really is among the most harmful to remove.
    assert measured[np.argmax(deltas)] >= np.quantile(measured, 0.9)


LEVELS = (0.5, 0.3, 0.2, 0.1)


def _prune_and_score(trained, task, criterion, **options):
    """Validation log-likelihood when FLOPs first fall below each level (nats/fixation vs uniform)."""
    train_data, val_data = task
    net = copy.deepcopy(trained)
    full = network_flops(net, SIZE)
    scores = {}

    def at_removal(row):
        for level in LEVELS:
            if level not in scores and row["flops"] <= level * full:
                scores[level] = mean_log_likelihood(net, val_data)

    history = prune(net, train_data, criterion=criterion, target_flops=min(LEVELS) * full,
                    steps_per_removal=5, batch_size=16, callback=at_removal, **options)
    assert history.flops.iloc[-1] <= min(LEVELS) * full
    assert network_flops(net, SIZE) == history.flops.iloc[-1]
    return np.array([scores[level] for level in LEVELS])


def test_fisher_pruning_beats_random_and_weight_magnitude_at_equal_flops(trained, task):
    """Pruned to 50 %, 30 %, 20 % and 10 % of the FLOPs with training continuing in between,
    Fisher pruning keeps a higher validation log-likelihood, averaged over those levels, than
    weight-magnitude pruning and than each of three random prunings (fixed seeds)."""
    fisher = _prune_and_score(trained, task, "fisher_per_flop").mean()
    fisher_beta = _prune_and_score(trained, task, "fisher", beta=100.0).mean()
    magnitude = _prune_and_score(trained, task, "weight_magnitude").mean()
    random = [_prune_and_score(trained, task, "random", seed=s).mean() for s in (10, 11, 12)]
    baseline = max(magnitude, *random)
    assert fisher > baseline + 0.02, (fisher, magnitude, random)
    assert fisher_beta > baseline + 0.02, (fisher_beta, magnitude, random)
