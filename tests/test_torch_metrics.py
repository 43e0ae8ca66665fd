"""salbench.torch equals salbench.metrics on random batches, for every metric it covers."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import salbench.metrics as M  # noqa: E402
import salbench.torch as T  # noqa: E402
from salbench.exceptions import DegenerateInputWarning, InputError  # noqa: E402

BACKENDS = ("auto", "torch")  # "auto" uses the Numba rank counts on CPU tensors
#: float32 maps: the AUCs count exactly, so they are the float64 value rounded to float32; the
#: likelihoods sum gathered values in float64 (in another order than numpy: one float32 ulp);
#: the others accumulate float32 rounding of per-pixel arithmetic.
FLOAT32_RTOL = {"auc": 0.0, "auc_unfixated": 0.0, "sauc": 0.0, "log_likelihood": 2.0**-23,
                "information_gain": 2.0**-23}
FLOAT32_DEFAULT_RTOL = 2e-5


def _log_normalise(a):
    flat = a.reshape(a.shape[0], -1)
    return (flat - np.logaddexp.reduce(flat, axis=1, keepdims=True)).reshape(a.shape)


@st.composite
def batches(draw):
    b = draw(st.integers(1, 4))
    h, w = draw(st.integers(1, 6)), draw(st.integers(2, 7))
    level = draw(st.sampled_from(["ties", "smooth", "negative", "constant"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if level == "ties":
        maps = rng.integers(0, 4, (b, h, w)).astype(float)
    elif level == "smooth":
        maps = rng.random((b, h, w)) ** 2
    elif level == "negative":
        maps = rng.normal(size=(b, h, w))
    else:
        maps = np.repeat(rng.random((b, 1, 1)), h * w, 1).reshape(b, h, w)
        maps[0] = rng.random((h, w))  # one varying map keeps the batch interesting
    refs = rng.random((b, h, w)) ** 3
    if draw(st.booleans()):
        refs[-1] = 0.5  # a constant reference map
    lengths = rng.integers(0, 6, b)
    if draw(st.booleans()):
        lengths[0] = 0
    k = int(lengths.max()) if lengths.max() > 0 else 1
    x = rng.uniform(0, w, (b, k))
    y = rng.uniform(0, h, (b, k))
    if draw(st.booleans()):  # repeated fixations on one pixel
        x[:, 1:] = x[:, :1]
        y[:, 1:] = y[:, :1]
    x[np.arange(k)[None, :] >= lengths[:, None]] = np.nan  # padding is never read
    log_p = _log_normalise(rng.normal(size=(b, h, w)) * 2)
    baseline = _log_normalise(rng.normal(size=(1, h, w)))[0]
    return maps, refs, x, y, lengths, log_p, baseline


def _flat(x, y, lengths):
    keep = np.arange(x.shape[1])[None, :] < lengths[:, None]
    n = np.repeat(np.arange(x.shape[0]), lengths)
    return x[keep], y[keep], n


def _expected(name, maps, refs, x, y, lengths, log_p, baseline, convention="tuebingen"):
    fx, fy, n = _flat(x, y, lengths)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        if M.get(name).uses("log_density"):
            table = M.score_maps(list(np.exp(log_p)), fx, fy, n, metrics=[name],
                                 log_densities=list(log_p),
                                 baseline_log_densities=[baseline] * len(maps))
        else:
            table = M.score_maps(list(maps), fx, fy, n, metrics=[name],
                                 reference_maps=list(refs), convention={name: convention}
                                 if M.get(name).conventions else "tuebingen")
    return table[name].to_numpy()


def _got(name, dtype, backend, maps, refs, x, y, lengths, log_p, baseline,
         convention="tuebingen"):
    def t(a):
        return torch.tensor(a, dtype=dtype)

    tx, ty, tl = torch.tensor(x), torch.tensor(y), torch.tensor(lengths)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        if M.get(name).uses("log_density"):
            out = T.score_batch(t(log_p), tx, ty, tl, metrics=[name], log_density=True,
                                baseline_log_density=t(baseline), _backend=backend)
        else:
            options = {"convention": {name: convention}} if M.get(name).conventions else {}
            out = T.score_batch(t(maps), tx, ty, tl, metrics=[name], reference_maps=t(refs),
                                _backend=backend, **options)
    assert out[name].dtype == dtype and out[name].shape == (len(maps),)
    return out[name].numpy().astype(np.float64)


def _compare(name, got, expected, dtype):
    assert np.array_equal(np.isnan(got), np.isnan(expected)), (name, got, expected)
    ok = ~np.isnan(expected)
    if dtype == torch.float64:
        tolerance = 1e-12 if name in FLOAT32_RTOL else 1e-10
        np.testing.assert_allclose(got[ok], expected[ok], rtol=tolerance, atol=1e-12,
                                   err_msg=name)
    else:
        rounded = expected[ok].astype(np.float32).astype(np.float64)
        rtol = FLOAT32_RTOL.get(name, FLOAT32_DEFAULT_RTOL)
        atol = 1e-6 if name not in FLOAT32_RTOL else 0.0
        np.testing.assert_allclose(got[ok], rounded, rtol=rtol, atol=atol, err_msg=name)


def _conventions(name):
    return M.get(name).conventions or (None,)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", T.names())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=batches())
def test_equals_the_numpy_metrics(one_torch_thread, name, backend, dtype, batch):
    maps, refs, x, y, lengths, log_p, baseline = batch
    if dtype == torch.float32:  # the reference sees exactly the float32 values
        maps, refs, log_p, baseline = (a.astype(np.float32).astype(np.float64)
                                       for a in (maps, refs, log_p, baseline))
        log_p = _log_normalise(log_p).astype(np.float32).astype(np.float64)
    for convention in _conventions(name):
        convention = convention or "tuebingen"
        expected = _expected(name, maps, refs, x, y, lengths, log_p, baseline, convention)
        got = _got(name, dtype, backend, maps, refs, x, y, lengths, log_p, baseline, convention)
        _compare(name, got, expected, dtype)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@settings(max_examples=30, deadline=None)
@given(batch=batches(), m=st.integers(0, 6))
def test_auc_with_explicit_negatives_equals_sauc(one_torch_thread, dtype, batch, m):
    maps, _, x, y, lengths, _, _ = batch
    maps = maps.astype(np.float32).astype(np.float64)
    rng = np.random.default_rng(m)
    b, h, w = maps.shape
    n_lengths = rng.integers(0, m + 1, b)
    nx, ny = rng.uniform(0, w, (b, max(m, 1))), rng.uniform(0, h, (b, max(m, 1)))
    got = T.auc(torch.tensor(maps, dtype=dtype), torch.tensor(x), torch.tensor(y),
                torch.tensor(lengths), validate=False,
                negatives=(torch.tensor(nx), torch.tensor(ny), torch.tensor(n_lengths)))
    for i in range(b):
        k, j = lengths[i], n_lengths[i]
        if k == 0 or j == 0:
            assert math.isnan(float(got[i]))
            continue
        expected = M.sauc(maps[i], x[i, :k], y[i, :k], nx[i, :j], ny[i, :j])
        assert float(got[i]) == pytest.approx(float(np.float32(expected)) if
                                              dtype == torch.float32 else expected, abs=1e-12)


def test_functions_agree_with_score_batch_and_numpy():
    rng = np.random.default_rng(3)
    maps = rng.random((3, 8, 9))
    refs = rng.random((3, 8, 9))
    x, y, lengths = T.pad_fixations(rng.uniform(0, 9, 12), rng.uniform(0, 8, 12),
                                    [0, 0, 1, 1, 1, 2, 2, 2, 2, 0, 1, 2], 3)
    tm, tr = torch.tensor(maps), torch.tensor(refs)
    batch = T.score_batch(tm, x, y, lengths, metrics=["auc", "nss", "cc", "kld", "sim"],
                          reference_maps=tr)
    assert torch.equal(T.auc(tm, x, y, lengths), batch["auc"])
    assert torch.equal(T.nss(tm, x, y, lengths), batch["nss"])
    assert torch.equal(T.cc(tm, tr), batch["cc"])
    assert torch.equal(T.kld(tm, tr), batch["kld"])
    assert torch.equal(T.sim(tm, tr), batch["sim"])
    for i in range(3):
        k = int(lengths[i])
        xi, yi = x[i, :k].numpy(), y[i, :k].numpy()
        assert float(batch["auc"][i]) == pytest.approx(M.auc(maps[i], xi, yi), abs=1e-12)
        assert float(T.auc_unfixated(tm, x, y, lengths)[i]) == pytest.approx(
            M.auc_unfixated(maps[i], xi, yi), abs=1e-12)
        assert float(batch["nss"][i]) == pytest.approx(M.nss(maps[i], xi, yi), rel=1e-12)


def test_one_baseline_serves_every_image():
    rng = np.random.default_rng(4)
    log_p = torch.tensor(_log_normalise(rng.normal(size=(2, 5, 6))))
    base = torch.tensor(_log_normalise(rng.normal(size=(1, 5, 6)))[0])
    x, y, lengths = torch.tensor([[1.5, 2.5], [0.5, 5.5]]), torch.tensor([[1.5, 4.5],
                                                                         [0.5, 0.5]]), \
        torch.tensor([2, 1])
    shared = T.information_gain(log_p, base, x, y, lengths)
    expanded = T.information_gain(log_p, base.expand(2, 5, 6).clone(), x, y, lengths)
    assert torch.equal(shared, expanded)


def test_requires_grad_inputs_are_detached():
    maps = torch.rand(2, 4, 5, requires_grad=True)
    out = T.nss(maps * 2, torch.tensor([[0.5], [1.5]]), torch.tensor([[0.5], [1.5]]),
                torch.tensor([1, 1]))
    assert not out.requires_grad


# ------------------------------------------------------------------------------------ errors
def _numpy_message(call):
    with pytest.raises(InputError) as info:
        call()
    return str(info.value)


def test_nan_in_a_map_is_reported_as_the_numpy_metrics_report_it():
    maps = np.random.default_rng(0).random((3, 4, 5))
    maps[2, 1, 3] = np.nan
    x, y, lengths = torch.tensor([[0.5]] * 3), torch.tensor([[0.5]] * 3), torch.tensor([1] * 3)
    with pytest.raises(InputError) as info:
        T.nss(torch.tensor(maps), x, y, lengths)
    expected = _numpy_message(lambda: M.score_maps(maps, [0.5] * 3, [0.5] * 3, [0, 1, 2],
                                                   metrics=["nss"]))
    assert str(info.value) == expected.replace("saliency_maps", "saliency_map")
    assert "image 2" in str(info.value) and "row 1, column 3" in str(info.value)


def test_fixation_outside_is_reported_as_the_numpy_metrics_report_it():
    maps = torch.rand(2, 4, 5, dtype=torch.float64)
    x = torch.tensor([[0.5, 1.0], [4.5, 5.0]])
    y = torch.tensor([[0.5, 1.0], [3.5, 1.0]])
    with pytest.raises(InputError) as info:
        T.auc(maps, x, y, torch.tensor([2, 2]))
    expected = _numpy_message(lambda: M.score_maps(maps.numpy(), [0.5, 1.0, 4.5, 5.0],
                                                   [0.5, 1.0, 3.5, 1.0], [0, 0, 1, 1],
                                                   metrics=["auc"]))
    assert str(info.value) == expected
    # padding beyond lengths is never read
    T.auc(maps, x, y, torch.tensor([2, 1]))


def test_log_density_errors_match_the_numpy_ones():
    L = torch.tensor(_log_normalise(np.random.default_rng(1).normal(size=(2, 3, 4))))
    x, y, lengths = torch.tensor([[0.5]] * 2), torch.tensor([[0.5]] * 2), torch.tensor([1, 1])
    off = L.clone()
    off[1] += 0.01
    with pytest.raises(InputError) as info:
        T.log_likelihood(off, x, y, lengths)
    expected = _numpy_message(lambda: M.score_maps(None, [0.5, 0.5], [0.5, 0.5], [0, 1],
                                                   metrics=["log_likelihood"],
                                                   log_densities=list(off.numpy())))
    assert str(info.value) == expected.replace("log_densities", "log_density")
    T.log_likelihood(off, x, y, lengths, check_normalization=False)
    bad = L.clone()
    bad[0, 2, 1] = torch.inf
    with pytest.raises(InputError, match=r"log_density \(image 0\) contains 1 NaN or \+inf"):
        T.log_likelihood(bad, x, y, lengths)


@pytest.mark.parametrize("call, message", [
    (lambda: T.score_batch(torch.rand(2, 3, 4), torch.zeros(2, 1), torch.zeros(2, 1),
                           torch.ones(2, dtype=torch.long), metrics=["emd"]),
     "metric 'emd' has no torch implementation"),
    (lambda: T.score_batch(torch.rand(2, 3, 4), torch.zeros(2, 1), torch.zeros(2, 1),
                           torch.ones(2, dtype=torch.long), metrics=["nope"]),
     "unknown metric 'nope'"),
    (lambda: T.score_batch(torch.rand(2, 3, 4), torch.zeros(2, 1), torch.zeros(2, 1),
                           torch.ones(2, dtype=torch.long), metrics=["cc"]),
     "need reference_maps="),
    (lambda: T.score_batch(torch.rand(2, 3, 4), torch.zeros(2, 1), torch.zeros(2, 1),
                           torch.ones(2, dtype=torch.long), metrics=["log_likelihood"]),
     "log_density=True"),
    (lambda: T.nss(torch.rand(2, 3, 4), torch.zeros(2, 1), torch.zeros(2, 1),
                   torch.ones(2, dtype=torch.long), convention="matlab"),
     "convention must be one of"),
    (lambda: T.nss(torch.rand(3, 4), torch.zeros(1, 1), torch.zeros(1, 1),
                   torch.ones(1, dtype=torch.long)), r"shape \(B, H, W\)"),
    (lambda: T.nss(torch.zeros(2, 3, 4, dtype=torch.int64), torch.zeros(2, 1),
                   torch.zeros(2, 1), torch.ones(2, dtype=torch.long)), "float32 or float64"),
    (lambda: T.nss(torch.rand(2, 3, 4), torch.zeros(2, 1), torch.zeros(2, 1),
                   torch.tensor([1, 2])), r"lengths\[1\] = 2 is outside 0..1"),
    (lambda: T.cc(torch.rand(2, 3, 4), torch.rand(2, 3, 5)), "resize explicitly"),
])
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_degenerate_images_warn_like_score_maps():
    maps = np.random.default_rng(2).random((3, 4, 5))
    maps[1] = 0.25
    x, y, n = [0.5, 1.5, 2.5], [0.5, 1.5, 2.5], [0, 1, 1]
    with pytest.warns(DegenerateInputWarning) as numpy_warnings:
        M.score_maps(maps, x, y, n, metrics=["nss", "auc"], convention="mit")
    tx, ty, tl = T.pad_fixations(x, y, n, 3)
    with pytest.warns(DegenerateInputWarning) as torch_warnings:
        out = T.score_batch(torch.tensor(maps), tx, ty, tl, metrics=["nss", "auc"],
                            convention="mit")
    assert sorted(str(w.message) for w in torch_warnings) == sorted(
        str(w.message) for w in numpy_warnings)
    assert math.isnan(out["nss"][1]) and math.isnan(out["auc"][2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = T.score_batch(torch.tensor(maps), tx, ty, tl, metrics=["nss"], convention="mit",
                              validate=False)
    assert math.isnan(quiet["nss"][1])


def test_pad_fixations_rejects_bad_indices():
    with pytest.raises(InputError, match="image index n = 3"):
        T.pad_fixations([0.5], [0.5], [3], 2)


# ------------------------------------------------------------------------------------ the kernel
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), b=st.integers(1, 4), n=st.integers(1, 60),
       levels=st.integers(1, 60), unfixated=st.booleans(), many=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_batched_rank_kernel_equals_the_naive_counts(seed, b, n, levels, unfixated, many, dtype):
    # ``many``: more distinct thresholds than DIRECT_THRESHOLDS, so the bucketed histogram runs
    import naive  # the negatives of each AUC variant, read off the definitions

    from salbench.metrics._kernels.batch import rank_scores

    rng = np.random.default_rng(seed)
    maps = (rng.integers(0, levels, (b, n)) / levels).astype(dtype)  # ties on purpose
    lengths = rng.integers(0, 50 if many else 5, b)
    k = max(int(lengths.max()), 1)
    flat = rng.integers(0, n, (b, k))
    values = np.take_along_axis(maps, flat, 1).astype(np.float64)
    scores = np.zeros((b, k))
    n_negatives = np.zeros(b, dtype=np.int64)
    rank_scores(maps, values, flat, lengths, unfixated, scores, n_negatives)
    for i in range(b):
        m = lengths[i]
        if m == 0:
            assert n_negatives[i] == 0
            continue
        s = maps[i].reshape(1, n)
        x, y = flat[i, :m] + 0.5, np.full(m, 0.5)
        negatives = naive.negatives_unfixated(s, x, y) if unfixated else naive.negatives_all(s)
        assert n_negatives[i] == len(negatives)
        v = s[0, flat[i, :m]].astype(np.float64)[:, None]
        u = np.asarray(negatives, dtype=np.float64)[None, :]
        np.testing.assert_array_equal(scores[i, :m], (u < v).sum(1) + 0.5 * (u == v).sum(1))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_maps_larger_than_a_kernel_block(dtype):
    # 64 x 97 pixels span several 2048-pixel blocks of the CPU kernels, with a ragged end
    rng = np.random.default_rng(11)
    b, h, w = 3, 64, 97
    maps = (rng.random((b, h, w)) ** 2).astype(np.float32).astype(np.float64)
    maps[1] -= 0.3  # negative values: the shifted densities
    refs = (rng.random((b, h, w)) ** 4).astype(np.float32).astype(np.float64)
    lengths = np.array([20, 30, 5])
    x = rng.uniform(0, w, (b, 30))
    y = rng.uniform(0, h, (b, 30))
    log_p = _log_normalise(rng.normal(size=(b, h, w))).astype(np.float32).astype(np.float64)
    baseline = _log_normalise(rng.normal(size=(1, h, w)))[0].astype(np.float32).astype(np.float64)
    for name in T.names():
        for convention in _conventions(name):
            convention = convention or "tuebingen"
            expected = _expected(name, maps, refs, x, y, lengths, log_p, baseline, convention)
            got = _got(name, dtype, "auto", maps, refs, x, y, lengths, log_p, baseline,
                       convention)
            _compare(name, got, expected, dtype)
