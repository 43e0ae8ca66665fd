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


pytestmark = pytest.mark.usefixtures("one_torch_thread")


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


def with_mask_variables(net):
    """A copy of ``net`` whose masks are explicit leaf tensors that autograd differentiates."""
    net = copy.deepcopy(net)
    masks = [torch.ones(m.channels, requires_grad=True) for m in net.masks]
    for module, m in zip(net.masks, masks):
        module.forward = lambda x, m=m: x * m.view(1, -1, 1, 1)
    return net, masks


def brute_force_deltas(net, data, examples):
    """Δ_k = Σ_n g_nk² / 2N with g_nk = ∂L_n/∂m_k by autograd, one data point at a time."""
    net, masks = with_mask_variables(net)
    squares = [torch.zeros(m.numel(), dtype=torch.float64) for m in masks]
    count = 0
    for n in range(len(data)):
        image = data.subset([n])
        if examples == "images":
            points = [image]
        else:  # every fixation of the image is one data point: -log Q(z | I)
            rows, cols = torch.nonzero(image.fixation_counts[0], as_tuple=True)
            points = []
            for r, c in zip(rows.tolist(), cols.tolist()):
                one = torch.zeros_like(image.fixation_counts)
                one[0, r, c] = 1.0
                points += [type(image)(image.images, one)] * int(image.fixation_counts[0, r, c])
        for point in points:
            loss = per_example_loss(net(point.images), point)[0]
            for total, g in zip(squares, torch.autograd.grad(loss, masks)):
                total += g.double() ** 2
            count += 1
    return [(s / (2 * count)).numpy() for s in squares], count


@pytest.mark.parametrize("examples", ["fixations", "images"])
def test_signals_are_per_example_gradients_squared_before_averaging(examples):
    torch.manual_seed(0)
    data, _ = synthetic_gaze_task(7, size=(16, 16), fixations_per_image=3, seed=1)
    net = GazeNet(backbone=((4, 5), (6,)), readout=(3,), readout_activation="prelu")
    expected, count = brute_force_deltas(net, data, examples)
    assert count == (21 if examples == "fixations" else 7)
    got = fisher_signals(net, data, examples=examples, batch_size=3)  # batches 3, 3, 1
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-12)
    assert all(p.grad is None for p in net.parameters())


def test_per_image_signals_are_smaller_than_per_fixation_signals():
    """Averaging F fixations inside one example shrinks g², so the two definitions differ."""
    torch.manual_seed(0)
    data, _ = synthetic_gaze_task(12, size=(16, 16), fixations_per_image=8, seed=2)
    net = GazeNet(backbone=((4,), (6,)), readout=(3,))
    per_fixation = np.concatenate(fisher_signals(net, data))
    per_image = np.concatenate(fisher_signals(net, data, examples="images"))
    assert (per_fixation > 2 * per_image).mean() > 0.8


def test_observing_training_batches_estimates_the_exact_signals():
    from salbench.models.pruning.train import training_step

    torch.manual_seed(0)
    net = GazeNet(backbone=((4,), (6,)), readout=(3,))
    frozen = torch.optim.SGD(net.parameters(), lr=0.0)
    # One fixation per image: drawing "one fixation per image" is exact.
    single, _ = synthetic_gaze_task(12, size=(16, 16), fixations_per_image=1, seed=2)
    for examples in ("fixations", "images"):
        with FisherAccumulator(net, examples=examples) as accumulator:
            for batch in single.batches(5, shuffle=False):
                training_step(net, frozen, batch, fisher=accumulator)
        for a, b in zip(accumulator.deltas(), fisher_signals(net, single, examples=examples)):
            np.testing.assert_allclose(a, b, rtol=1e-5)
    # Several (and unequal) fixations per image: the drawn fixations average to the exact value.
    data, _ = synthetic_gaze_task(6, size=(16, 16), fixations_per_image=4, seed=3)
    keep = torch.ones_like(data.fixation_counts)
    keep[0] = 0  # image 0 keeps no fixation: one data point, no fixation term
    data.fixation_counts = data.fixation_counts * keep
    data.fixation_counts[1, 0, 0] += 3.0  # image 1 now has 7 fixations
    exact = np.concatenate(fisher_signals(net, data))
    with FisherAccumulator(net, generator=torch.Generator().manual_seed(0)) as accumulator:
        for _ in range(300):
            training_step(net, frozen, data, fisher=accumulator)
    estimate = np.concatenate(accumulator.deltas())
    big = exact > 0.05 * exact.max()
    np.testing.assert_allclose(estimate[big], exact[big], rtol=0.15)


def test_signals_need_a_recorded_forward_pass():
    net = GazeNet(backbone=((2,),), readout=())
    accumulator = FisherAccumulator(net)
    with pytest.raises(InputError, match="no examples"):
        accumulator.deltas()
    with pytest.raises(InputError, match="track_activations"):
        accumulator.mean_activations()
    with accumulator, pytest.raises(InputError, match="no forward pass"):
        accumulator.accumulate(torch.zeros(2))
    with pytest.raises(InputError, match="examples must be one of"):
        FisherAccumulator(net, examples="pixels")


def test_delta_predicts_the_measured_loss_increase_of_removing_each_map(trained, task):
    """Δ_k is the paper's estimate of how much the mean loss per fixation rises without map k.
    Switch each map off in turn and measure: the ranks must agree, and so must the scale."""
    train_data, _ = task
    deltas = np.concatenate(fisher_signals(trained, train_data))

    def loss():  # mean negative log-likelihood per fixation: the mean over the data points
        return -mean_log_likelihood(trained, train_data, relative_to_uniform=False)

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
    # And the total predicted increase matches the total measured one within a factor of two.
    assert 0.5 < measured[alive].sum() / deltas[alive].sum() < 2.0


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
    fisher_beta = _prune_and_score(trained, task, "fisher", beta=1000.0).mean()
    magnitude = _prune_and_score(trained, task, "weight_magnitude").mean()
    random = [_prune_and_score(trained, task, "random", seed=s).mean() for s in (10, 11, 12)]
    baseline = max(magnitude, *random)
    assert fisher > baseline + 0.02, (fisher, magnitude, random)
    assert fisher_beta > baseline + 0.02, (fisher_beta, magnitude, random)
