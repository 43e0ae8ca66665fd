"""salbench.losses: the differentiable metrics equal salbench.metrics and have correct gradients."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import salbench.metrics as M  # noqa: E402
from salbench import losses  # noqa: E402
from salbench.exceptions import InputError  # noqa: E402


def _batch(seed, shape=(3, 17, 23), negative=False):
    rng = np.random.default_rng(seed)
    maps = rng.random(shape) ** 3 + (rng.random((shape[0], 1, 1)) - 0.7 if negative else 0)
    refs = rng.random(shape) ** 2
    x = rng.uniform(0, shape[2], 40)
    y = rng.uniform(0, shape[1], 40)
    n = np.repeat(np.arange(shape[0]), [10, 20, 10][: shape[0]] if shape[0] == 3 else 40)
    return maps, refs, x, y, n


def _counts(x, y, n, shape):
    return losses.fixation_counts(x, y, n, batch_size=shape[0], shape=shape[1:],
                                  dtype=torch.float64)


def _log_density(maps):
    flat = maps.reshape(maps.shape[0], -1)
    return np.log(flat / flat.sum(1, keepdims=True)).reshape(maps.shape)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("negative", [False, True])
def test_scores_equal_the_metrics(seed, negative):
    maps, refs, x, y, n = _batch(seed, negative=negative)
    t_maps, t_refs = torch.from_numpy(maps), torch.from_numpy(refs)
    counts = _counts(x, y, n, maps.shape)
    log_p, log_b = _log_density(np.abs(maps) + 0.01), _log_density(refs)
    got = {
        "nss": losses.nss(t_maps, counts),
        "cc": losses.cc(t_maps, t_refs),
        "kld": losses.kld(t_maps, t_refs),
        "sim": losses.sim(t_maps, t_refs),
        "ll": losses.log_likelihood(torch.from_numpy(log_p), counts),
        "ig": losses.information_gain(torch.from_numpy(log_p), torch.from_numpy(log_b), counts),
    }
    for i in range(maps.shape[0]):
        k = n == i
        expected = {
            "nss": M.nss(maps[i], x[k], y[k]),
            "cc": M.cc(maps[i], refs[i]),
            "kld": M.kld(maps[i], refs[i]),
            "sim": M.sim(maps[i], refs[i]),
            "ll": M.log_likelihood(log_p[i], x[k], y[k]),
            "ig": M.information_gain(log_p[i], log_b[i], x[k], y[k]),
        }
        for name, value in expected.items():
            assert float(got[name][i]) == pytest.approx(value, rel=1e-10, abs=1e-12), (name, i)


def test_constant_map_follows_the_tuebingen_convention():
    const = torch.ones(1, 4, 5, dtype=torch.float64)
    counts = torch.zeros(1, 4, 5, dtype=torch.float64)
    counts[0, 1, 2] = 1
    ref = torch.rand(1, 4, 5, dtype=torch.float64)
    assert float(losses.nss(const, counts)) == M.nss(np.ones((4, 5)), [2.5], [1.5]) == 0.0
    assert float(losses.cc(const, ref)) == M.cc(np.ones((4, 5)), ref[0].numpy()) == 0.0
    zero = torch.zeros(1, 4, 5, dtype=torch.float64)  # an all-zero map is the uniform density
    assert float(losses.sim(zero, ref)) == pytest.approx(M.sim(np.zeros((4, 5)), ref[0].numpy()))


@pytest.mark.parametrize("name", ["nss", "cc", "kld", "sim", "ll", "ig"])
def test_gradients_match_finite_differences(name):
    rng = np.random.default_rng(7)
    pred = torch.tensor(rng.random((2, 4, 5)) + 0.1, dtype=torch.float64, requires_grad=True)
    ref = torch.tensor(rng.random((2, 4, 5)) + 0.1, dtype=torch.float64)
    counts = _counts([0.5, 3.5, 4.2, 1.1], [0.5, 2.5, 3.9, 0.2], [0, 0, 1, 1], (2, 4, 5))

    def log_softmax(t):
        return torch.log_softmax(t.flatten(1), 1).reshape(t.shape)

    functions = {
        "nss": lambda p: losses.nss(p, counts),
        "cc": lambda p: losses.cc(p, ref),
        "kld": lambda p: losses.kld(p, ref),
        "sim": lambda p: losses.sim(p, ref + 0.05 * torch.arange(20).reshape(4, 5)),
        "ll": lambda p: losses.log_likelihood(log_softmax(p), counts),
        "ig": lambda p: losses.information_gain(log_softmax(p), log_softmax(ref), counts),
    }
    assert torch.autograd.gradcheck(functions[name], (pred,), eps=1e-6, atol=1e-6)


def test_training_a_map_by_nss_moves_mass_to_the_fixations():
    counts = torch.zeros(1, 8, 8)
    counts[0, 2, 5] = 3
    pred = torch.zeros(1, 8, 8, requires_grad=True)
    with torch.no_grad():
        pred += 0.01 * torch.randn(1, 8, 8, generator=torch.Generator().manual_seed(0))
    optimiser = torch.optim.SGD([pred], lr=0.5)
    for _ in range(20):
        optimiser.zero_grad()
        loss = -losses.nss(pred, counts).mean()
        loss.backward()
        optimiser.step()
    assert int(pred.detach().flatten().argmax()) == 2 * 8 + 5
    assert float(losses.nss(pred.detach(), counts)) > 5


def test_fixation_counts_use_the_package_convention():
    counts = losses.fixation_counts([0.0, 0.999, 3.5, 3.5], [0.0, 0.0, 1.0, 1.0], [0, 0, 1, 1],
                                    batch_size=2, shape=(2, 4))
    assert counts.dtype == torch.float32 and counts.shape == (2, 2, 4)
    assert counts[0, 0, 0] == 2 and counts[1, 1, 3] == 2 and counts.sum() == 4


@pytest.mark.parametrize("call, message", [
    (lambda: losses.nss(torch.zeros(2, 3, 4), torch.zeros(2, 3, 5)), "resize explicitly"),
    (lambda: losses.cc(torch.zeros(3, 4, 5, 6), torch.zeros(3, 4, 5, 6)), r"shape \(B, H, W\)"),
    (lambda: losses.kld(np.zeros((3, 4)), torch.zeros(3, 4)), "must be a torch.Tensor"),
    (lambda: losses.sim(torch.zeros(3, 4, dtype=torch.int64), torch.zeros(3, 4)),
     "floating-point"),
    (lambda: losses.nss(torch.zeros(2, 3, 4), torch.ones(2, 3, 4) * torch.tensor([1.0, 0.0])
                        .reshape(2, 1, 1)), r"image\(s\) \[1\] have no fixations"),
    (lambda: losses.cc(torch.tensor([[[0.0, float("nan")]]]), torch.ones(1, 1, 2)),
     r"non-finite value at row 0, column 1 \(image 0\)"),
    (lambda: losses.log_likelihood(torch.zeros(1, 2, 2), -torch.ones(1, 2, 2)), "negative"),
    (lambda: losses.fixation_counts([4.0], [0.0], [0], batch_size=1, shape=(2, 4)),
     "fixation 0 at x=4.0, y=0.0 is outside the 2x4 image"),
    (lambda: losses.fixation_counts([1.0], [0.0], [2], batch_size=2, shape=(2, 4)),
     r"integers in 0\.\.1"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_validation_can_be_skipped_and_then_costs_nothing_extra():
    counts = torch.zeros(1, 2, 2)  # no fixations: NaN instead of an error when not validating
    assert torch.isnan(losses.nss(torch.rand(1, 2, 2), counts, validate=False)).all()


def test_importing_salbench_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, salbench, salbench.metrics; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
