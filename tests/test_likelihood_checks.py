"""The normalisation check of log-densities: verified once for frozen arrays, never trusted else.

A read-only array whose base chain is read-only cannot change through NumPy, so its mass is
checked on its first call only (a baseline reused across calls); every other array is checked
on every call. An array made writeable again is checked again.
"""

import numpy as np
import pytest

import salbench.metrics as M
from salbench.exceptions import InputError
from salbench.metrics import _likelihood


def _density(shape=(30, 40), seed=0):
    p = np.random.default_rng(seed).random(shape) + 0.1
    return np.log(p / p.sum())


def _frozen(a):
    a = a.copy()
    a.flags.writeable = False
    return a


X, Y = np.array([3.5, 20.2]), np.array([4.5, 11.0])


def test_a_frozen_baseline_is_verified_once_and_rechecked_when_writeable_again():
    model, baseline = _density(), _frozen(_density(seed=1))
    first = M.information_gain(model, baseline, X, Y)
    assert _likelihood._verified(baseline)
    assert M.information_gain(model, baseline, X, Y) == first
    baseline.flags.writeable = True
    assert not _likelihood._verified(baseline)
    baseline += 1.0  # no longer a density
    with pytest.raises(InputError, match="baseline_log_density is not a normalised"):
        M.information_gain(model, baseline, X, Y)


def test_a_failing_frozen_array_is_never_remembered():
    bad = _frozen(_density() + 0.5)
    for _ in range(2):
        with pytest.raises(InputError, match="not a normalised log-density"):
            M.log_likelihood(bad, X, Y)
    assert not _likelihood._verified(bad)


def test_a_read_only_view_of_a_writeable_array_is_checked_every_time():
    base = _density()
    view = base.view()
    view.flags.writeable = False
    M.log_likelihood(view, X, Y)
    assert not _likelihood._verified(view)
    base += 1.0  # changes the view's values
    with pytest.raises(InputError, match="not a normalised"):
        M.log_likelihood(view, X, Y)


def test_the_memo_forgets_arrays_that_are_gone():
    a = _frozen(_density())
    M.log_likelihood(a, X, Y)
    key = id(a)
    assert key in _likelihood._VERIFIED
    del a
    assert key not in _likelihood._VERIFIED


def test_non_finite_and_overflowing_log_densities_are_reported_where_they_are():
    a = _density()
    a[7, 9] = np.inf
    with pytest.raises(InputError, match=r"row 7, column 9"):
        M.log_likelihood(a, X, Y)
    a[7, 9] = 800.0  # finite but exp overflows: reported as not normalised, mass inf
    with pytest.raises(InputError, match=r"sum\(exp\(log_density\)\) = inf"):
        M.log_likelihood(a, X, Y)
    a[7, 9] = -np.inf  # probability 0 is allowed
    a = a - np.log(np.exp(a).sum())
    assert np.isfinite(M.log_likelihood(a, X, Y))


@pytest.mark.parametrize("excess, accepted", [(1e-6 - 1e-12, True), (1e-6 + 1e-12, False)])
def test_normalisation_boundary_is_decided_by_the_accurate_sum(excess, accepted):
    # the check's fast exp is good to 3e-10 only; a mass this close to the tolerance must be
    # decided (and reported) by the accurate sum, to ~1e-15 (here the fast sum is 9.5e-12 high)
    p = np.random.default_rng(5).random((60, 80)) + 0.1
    log_density = np.log(p / p.sum()) + np.log1p(excess)
    if accepted:
        M.log_likelihood(log_density, [3.5], [2.5])
    else:
        with pytest.raises(InputError, match="more than 1e-06 away from 1"):
            M.log_likelihood(log_density, [3.5], [2.5])
