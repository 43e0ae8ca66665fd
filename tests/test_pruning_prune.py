"""Physical removal of feature maps and the greedy pruning loop."""

import copy

import numpy as np
import pandas as pd
import pytest
import torch

from salbench.exceptions import InputError
from salbench.models.pruning import (
    FisherAccumulator,
    GazeNet,
    network_flops,
    prune,
    pruning_scores,
    remove_channel,
    removal_savings,
    select_map,
    synthetic_gaze_task,
    weight_magnitudes,
)
from salbench.models.pruning.train import make_optimizer, training_step


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def random_images(n, h, w, seed=0):
    return torch.rand(n, 3, h, w, generator=torch.Generator().manual_seed(seed)) * 255


def switched_off(net, removals):
    """A copy of ``net`` with the maps of ``removals`` (layer, original index) masked to zero."""
    masked = copy.deepcopy(net)
    for layer, channel in removals:
        mask = masked.masks[layer].mask.clone()
        mask[channel] = 0
        masked.masks[layer].set_mask(mask)
    return masked


@pytest.mark.parametrize("activation", ["relu", "prelu"])
def test_physically_pruned_network_equals_the_masked_network(activation):
    torch.manual_seed(0)
    net = GazeNet(backbone=((6, 5), (7,), (4,)), readout=(5, 3), readout_activation=activation)
    rng = np.random.default_rng(1)
    removed = []  # (layer, index in the original network)
    alive = [list(range(c)) for c in net.widths()[:-1]]
    for _ in range(12):
        layer = int(rng.choice([l for l, a in enumerate(alive) if len(a) > 1]))
        position = int(rng.integers(len(alive[layer])))
        removed.append((layer, alive[layer].pop(position)))
    masked = switched_off(net, removed)
    pruned = copy.deepcopy(net)
    alive = [list(range(c)) for c in net.widths()[:-1]]
    for layer, original in removed:
        remove_channel(pruned, layer, alive[layer].index(original))
        alive[layer].remove(original)
    x = random_images(3, 20, 28)
    with torch.no_grad():
        assert torch.allclose(pruned(x), masked(x), atol=1e-5)
        assert torch.allclose(pruned.logits(x), masked.logits(x), atol=1e-5)
    # The pruned network really is smaller and cheaper.
    assert pruned.widths()[:-1] == [len(a) for a in alive]
    assert sum(p.numel() for p in pruned.parameters()) < sum(p.numel() for p in net.parameters())
    assert network_flops(pruned, (20, 28)) < network_flops(net, (20, 28))
    assert [c.weight.shape[0] for c in pruned.convs] == pruned.widths()
    assert [c.weight.shape[1] for c in pruned.convs[1:]] == pruned.widths()[:-1]


def test_removal_keeps_parameters_and_slices_optimizer_state():
    torch.manual_seed(0)
    data, _ = synthetic_gaze_task(8, size=(16, 16), seed=0)
    net = GazeNet(backbone=((4,), (5,)), readout=(3,))
    optimizer = make_optimizer(net, optimizer="sgd", lr=0.01, momentum=0.9)
    training_step(net, optimizer, data)
    weight = net.convs[1].weight
    momentum = optimizer.state[weight]["momentum_buffer"].clone()
    consumer_momentum = optimizer.state[net.convs[2].weight]["momentum_buffer"].clone()
    keep = remove_channel(net, 1, 2, optimizer=optimizer)
    assert keep.tolist() == [0, 1, 3, 4]
    assert net.convs[1].weight is weight  # the optimizer still holds the same parameter
    assert torch.equal(optimizer.state[weight]["momentum_buffer"], momentum[[0, 1, 3, 4]])
    assert torch.equal(optimizer.state[net.convs[2].weight]["momentum_buffer"], consumer_momentum[:, [0, 1, 3, 4]])
    assert net.convs[1].out_channels == 4 and net.convs[2].in_channels == 4
    training_step(net, optimizer, data)  # and training goes on with the smaller network
    adam = make_optimizer(net, optimizer="adam", lr=0.01)
    training_step(net, adam, data)
    remove_channel(net, 0, 0, optimizer=adam)
    assert adam.state[net.convs[0].weight]["exp_avg"].shape == net.convs[0].weight.shape
    training_step(net, adam, data)


def test_removal_is_validated():
    net = GazeNet(backbone=((2,), (1,)), readout=())
    with pytest.raises(InputError, match="layer must be an integer in"):
        remove_channel(net, 2, 0)
    with pytest.raises(InputError, match="channel must be an integer in"):
        remove_channel(net, 0, 2)
    with pytest.raises(InputError, match="single map"):
        remove_channel(net, 1, 0)


def test_scores_follow_the_paper_definitions():
    deltas = [np.array([0.3, 0.1]), np.array([0.2, 0.5, 0.05])]
    savings = [2.0, 0.5]  # GFLOP saved per map (-ΔC)
    fisher = pruning_scores(deltas, savings, criterion="fisher", beta=0.1)
    np.testing.assert_allclose(fisher[0], [0.3 - 0.2, 0.1 - 0.2])
    np.testing.assert_allclose(fisher[1], [0.2 - 0.05, 0.5 - 0.05, 0.05 - 0.05])
    assert select_map(fisher) == (0, 1)
    assert select_map(pruning_scores(deltas, savings, criterion="fisher", beta=0.0)) == (1, 2)
    per_flop = pruning_scores(deltas, savings, criterion="fisher_per_flop")
    np.testing.assert_allclose(per_flop[1], [0.4, 1.0, 0.1])
    assert select_map(per_flop) == (0, 1)  # 0.1 / 2 = 0.05 < 0.05 / 0.5 = 0.1
    # A layer with one map left is never chosen.
    assert select_map([np.array([-5.0]), np.array([1.0, 2.0])]) == (1, 0)
    assert select_map([np.array([-5.0])]) is None


def test_weight_magnitude_is_the_filter_norm():
    net = GazeNet(backbone=((3,),), readout=(2,))
    norms = weight_magnitudes(net)
    w, b = net.convs[0].weight.detach().double(), net.convs[0].bias.detach().double()
    np.testing.assert_allclose(norms[0], torch.sqrt((w**2).sum((1, 2, 3)) + b**2).numpy())


@pytest.fixture(scope="module")
def small_task():
    data, _ = synthetic_gaze_task(32, size=(16, 16), seed=4)
    return data


@pytest.mark.parametrize("criterion, options", [
    ("fisher", {"beta": 10.0}), ("fisher_per_flop", {}), ("weight_magnitude", {}),
    ("activation_magnitude", {}), ("random", {"seed": 3}),
])
def test_prune_reaches_the_flop_target_one_map_at_a_time(small_task, criterion, options):
    torch.manual_seed(0)
    net = GazeNet(backbone=((6,), (6,)), readout=(4,))
    full = network_flops(net, (16, 16))
    history = prune(net, small_task, criterion=criterion, target_flops=0.4 * full, steps_per_removal=2,
                    batch_size=8, **options)
    assert isinstance(history, pd.DataFrame) and len(history) > 0
    assert list(history.step) == [2 * (i + 1) for i in range(len(history))]
    assert history.flops.iloc[-1] <= 0.4 * full < history.flops.iloc[-2]
    assert (np.diff([full, *history.flops]) < 0).all()
    assert (history.flops_saved == -np.diff([full, *history.flops])).all()
    assert history.widths.iloc[-1] == tuple(net.widths())
    assert network_flops(net, (16, 16)) == history.flops.iloc[-1]
    for layer, original in zip(history.layer, history.original_channel):
        assert 0 <= original < (6, 6, 4)[layer]
    assert not history.duplicated(["layer", "original_channel"]).any()
    if criterion.startswith("fisher"):
        assert np.isfinite(history.delta).all() and (history.delta >= 0).all()


def test_prune_removes_the_argmin_of_the_accumulated_score(small_task):
    """Replay the first step of prune by hand: train K steps while accumulating, then argmin."""
    torch.manual_seed(0)
    net = GazeNet(backbone=((5,), (6,)), readout=(4,))
    replay = copy.deepcopy(net)
    history = prune(net, small_task, criterion="fisher", beta=50.0, removals=1, steps_per_removal=3,
                    batch_size=8, seed=7)
    optimizer = make_optimizer(replay, optimizer="sgd", lr=0.0025, momentum=0.9)
    batches = small_task.batches(8, generator=torch.Generator().manual_seed(7))
    sampler = torch.Generator().manual_seed(8)  # prune draws the Fisher fixations from seed + 1
    with FisherAccumulator(replay, generator=sampler) as accumulator:
        for _ in range(3):
            training_step(replay, optimizer, next(batches), fisher=accumulator)
    savings = [s / 1e9 for s in removal_savings(replay, (16, 16))]
    scores = pruning_scores(accumulator.deltas(), savings, criterion="fisher", beta=50.0)
    assert select_map(scores) == (history.layer[0], history.channel[0])
    assert np.isclose(history.delta[0], accumulator.deltas()[history.layer[0]][history.channel[0]])


def test_prune_with_removals_stops_and_pruning_continues_training(small_task):
    torch.manual_seed(0)
    net = GazeNet(backbone=((4,), (4,)), readout=())
    before = copy.deepcopy(net.convs[0].weight.detach())
    history = prune(net, small_task, removals=3, steps_per_removal=2)
    assert len(history) == 3 and net.widths()[:-1].count(4) < 2
    kept = torch.tensor([c for c in range(4) if c not in history.original_channel[history.layer == 0].tolist()])
    assert not torch.allclose(net.convs[0].weight.detach(), before[kept])  # weights were trained


def test_prune_stops_when_nothing_is_left_to_remove(small_task):
    net = GazeNet(backbone=((2,), (2,)), readout=())
    history = prune(net, small_task, target_flops=0, steps_per_removal=1)
    assert len(history) == 2 and net.widths() == [1, 1, 1]


@pytest.mark.parametrize("options, message", [
    (dict(criterion="fisher"), "needs beta"),
    (dict(criterion="fisher", beta=-1.0, removals=1), "needs beta"),
    (dict(criterion="taylor", removals=1), "criterion must be one of"),
    (dict(), "target_flops or removals"),
    (dict(removals=1, steps_per_removal=0), "steps_per_removal"),
    (dict(removals=1, fisher_examples="pixels"), "fisher_examples"),
])
def test_prune_validates_its_arguments(small_task, options, message):
    with pytest.raises(InputError, match=message):
        prune(GazeNet(backbone=((2,),), readout=()), small_task, **options)
