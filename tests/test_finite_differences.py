"""The four-point difference of E (PRML 5.90), lib.hessian_four_point_difference, against the
exact Hessian (lib.hessian_exact, the block method of 5.4.5) and against special cases.

Error model (notebooks/5.90-5.91_finite_differences.ipynb proves the Taylor part):

    D(eps) - H = c eps^2 + O(eps^4) + r,   c = (d^4E/dx^3dy + d^4E/dxdy^3) / 6,
    |r| <~ eps_m sum_n |E_n| / eps^2     (the four evaluations of E rounded, over 4 eps^2)

Tolerances come from that model, entry by entry. The truncation term is measured, not
guessed: D(2 eps) - D(eps) = 3 c eps^2 + O(eps^4), so |D(2 eps) - D(eps)| / 3 estimates
|c| eps^2. The tolerance is twice that estimate (headroom for the O(eps^4) term) plus 64
times the rounding estimate. Over 300 seeded problems like those below (widths 1-4, 0-2
hidden layers, N 1-4) the measured error was at most 0.50 of this tolerance: the error is
the truncation term itself, half of twice its estimate.
A wrong formula (a wrong sign, a missing 1/4, a swapped index) leaves an O(|H|) error whose
two differences agree, so it fails by orders of magnitude.
"""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import EPS
from strategies import make_problem, problems

import lib
from lib.validation import check_targets

SMALL = problems(hidden_layers=st.integers(0, 2), Ns=st.integers(1, 4))


def error_scale(p):
    """sum_n |E_n|: the size of the numbers whose rounding the four-point formula divides
    by eps^2."""
    T = check_targets(p.net, p.T, p.X.shape[0])
    return float(np.sum(np.abs(p.net.output.error(p.net.forward(p.w, p.X).a[-1], T))))


def rounding_bound(p, eps):
    return 64 * EPS * error_scale(p) / eps**2


@given(SMALL)
def test_agrees_with_the_exact_hessian_within_the_error_model(p):
    """Every entry within 2 |c| eps^2 (measured by D(2 eps) - D(eps)) plus rounding, for
    0-2 hidden layers, every hidden activation and every output pairing."""
    eps = 1e-3
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    D = lib.hessian_four_point_difference(p.net, p.w, p.X, p.T, eps=eps)
    D2 = lib.hessian_four_point_difference(p.net, p.w, p.X, p.T, eps=2 * eps)
    tol = 2 * np.abs(D2 - D) / 3 + rounding_bound(p, eps)
    assert D.shape == H.shape
    assert np.all(np.abs(D - H) <= tol), (p, np.max(np.abs(D - H) - tol))


@given(SMALL)
def test_default_step_agrees_with_the_exact_hessian(p):
    """At the default eps = 1e-4 (near eps_m^(1/4)): 1e-6 max|H| for the truncation (over
    300 seeded problems like these |c| / max|H|, measured as above, stayed below 25, so
    |c| eps^2 < 2.5e-7 max|H|) plus 64 times the rounding estimate. The measured error was
    at most 0.12 of this tolerance."""
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    D = lib.hessian_four_point_difference(p.net, p.w, p.X, p.T)
    tol = 1e-6 * np.abs(H).max() + rounding_bound(p, 1e-4)
    assert np.all(np.abs(D - H) <= tol), p


@given(SMALL, st.sampled_from([1e-2, 1e-3, 1e-4]))
def test_result_is_exactly_symmetric(p, eps):
    D = lib.hessian_four_point_difference(p.net, p.w, p.X, p.T, eps=eps)
    np.testing.assert_array_equal(D, D.T)


@given(SMALL)
def test_diagonal_is_the_second_difference_with_step_2_eps(p):
    """For i = j (5.90) becomes {E(w + 2 eps e_i) - 2 E(w) + E(w - 2 eps e_i)} / (4 eps^2),
    written here directly; the two agree within rounding (lib adds the steps before adding
    them to w, so its middle points are w itself)."""
    eps = 1e-3
    D = lib.hessian_four_point_difference(p.net, p.w, p.X, p.T, eps=eps)
    E0 = lib.error(p.net, p.w, p.X, p.T)
    for i in range(p.net.n_weights):
        step = np.zeros(p.net.n_weights)
        step[i] = 2 * eps
        second = (lib.error(p.net, p.w + step, p.X, p.T) - 2 * E0
                  + lib.error(p.net, p.w - step, p.X, p.T)) / (4 * eps**2)
        assert abs(D[i, i] - second) <= rounding_bound(p, eps), (p, i)


@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
def test_truncation_error_scales_like_eps_squared(output):
    """Halving eps divides the error by 4 (C eps^2) while truncation dominates: eps from
    1e-2 to 2.5e-3, where the rounding bound (64 times the estimate) is below 1 % of the error."""
    p = make_problem([2, 3, 2], "tanh", output, N=4, seed=590)
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    errors = [lib.relative_error(lib.hessian_four_point_difference(p.net, p.w, p.X, p.T, e), H)
              for e in (1e-2, 5e-3, 2.5e-3)]
    for e, err in zip((1e-2, 5e-3, 2.5e-3), errors):
        assert rounding_bound(p, e) / np.abs(H).max() < 1e-2 * err, output
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all((3.8 < ratios) & (ratios < 4.2)), (output, ratios)


@given(problems(hidden_layers=st.just(0), outputs=st.just("identity")))
def test_exact_up_to_rounding_for_a_quadratic_error(p):
    """No hidden layer and identity outputs: E is quadratic in w, every fourth derivative is
    0, so c = 0 and only rounding remains, at any eps."""
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    D = lib.hessian_four_point_difference(p.net, p.w, p.X, p.T, eps=1e-2)
    assert np.all(np.abs(D - H) <= rounding_bound(p, 1e-2)), p


def test_counts_2W_W_plus_1_evaluations_of_E_and_no_gradient():
    """(5.90) for i <= j: W (W + 1) / 2 entries, four evaluations of E each."""
    p = make_problem([2, 3, 1], "tanh", "identity", N=3, seed=1)
    W = p.net.n_weights
    with mock.patch("lib.hessian.error", wraps=lib.error) as error, \
            mock.patch("lib.hessian.gradient", wraps=lib.gradient) as gradient:
        lib.hessian_four_point_difference(p.net, p.w, p.X, p.T)
    assert error.call_count == 2 * W * (W + 1)
    assert gradient.call_count == 0


@pytest.mark.parametrize("eps", [0, 0.0, -1e-4, float("nan"), float("inf"), True, "1e-4", None])
def test_bad_step_raises(eps):
    p = make_problem([1, 2, 1], "tanh", "identity", N=2, seed=0)
    with pytest.raises(ValueError, match="eps"):
        lib.hessian_four_point_difference(p.net, p.w, p.X, p.T, eps=eps)
