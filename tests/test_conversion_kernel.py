"""The fused likelihood kernel of the saliency-to-density fit against the naive reference."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from salbench.models.conversion import _Problem, knot_values

from naive_conversion import naive_rows


@st.composite
def problems(draw):
    k = draw(st.integers(2, 8))
    sizes = draw(st.lists(st.integers(1, 25), min_size=1, max_size=4))
    n = sum(sizes)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    s = rng.random(n)
    # exact knots and the ends of [0, 1] are the edge cases of the interpolation
    s[rng.random(n) < 0.2] = rng.integers(0, k, size=1) / (k - 1)
    s[rng.random(n) < 0.1] = 1.0
    c = rng.normal(-5, 2, n)
    log_area = np.log(rng.integers(1, 10, n).astype(float))
    counts = rng.poisson(draw(st.floats(0.0, 3.0)), n).astype(float)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    theta = rng.normal(0, 1.5, k - 1)
    w = draw(st.floats(-1.0, 2.0))
    return s, c, log_area, counts, offsets, k, theta, w


@settings(max_examples=150, deadline=None)
@given(problems())
def test_kernel_rows_match_the_naive_reference(problem):
    s, c, log_area, counts, offsets, k, theta, w = problem
    values = knot_values(theta)
    got = _Problem(s, c, log_area, counts, offsets, k).log_likelihood(values, w)
    expected = naive_rows(s, c, log_area, counts, offsets, values, w)
    scale = 1.0 + np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10 * scale)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    sizes = [40, 55, 31]
    n = sum(sizes)
    problem = _Problem(rng.random(n), rng.normal(size=n), np.log(rng.integers(1, 5, n).astype(float)),
                       rng.poisson(0.7, n).astype(float), np.array([0, 40, 95]), 6)
    params = rng.normal(size=6)
    value, grad = problem.value_and_grad(params)
    step = 1e-6
    numeric = [(problem.value_and_grad(params + e)[0] - problem.value_and_grad(params - e)[0])
               / (2 * step) for e in np.eye(6) * step]
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    assert np.isfinite(value)


def test_no_centre_bias_term_has_no_weight_parameter():
    rng = np.random.default_rng(2)
    s = rng.random(30)
    problem = _Problem(s, None, np.zeros(30), np.ones(30), np.array([0]), 4)
    value, grad = problem.value_and_grad(np.zeros(3))
    assert grad.shape == (3,)
    expected = naive_rows(s, np.zeros(30), np.zeros(30), np.ones(30), [0], knot_values(np.zeros(3)), 0.0)
    assert np.isclose(value, -expected[0, 0] / 30, rtol=1e-12)
