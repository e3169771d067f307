"""The error, its gradient by backpropagation (PRML 5.44, 5.53-5.56), the output Jacobian
b_n = grad a_n (5.84) and the output-layer Hessian G_n (5.82, 5.85)."""

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from reference import (
    assert_close,
    central_differences,
    error_from_a,
    error_from_outputs,
    forward_loop,
    richardson_differences,
    rounding,
    second_differences,
)
from strategies import problems

import lib


@given(problems())
def test_error_matches_the_formulas_computed_from_y(p):
    """E = sum_n E_n with 1/2 sum (y - t)^2, -sum t ln y + (1 - t) ln(1 - y) or -sum t ln y,
    from the reference forward pass: a sum over patterns, not a mean."""
    out = p.net.output.name
    y = forward_loop(p.net.sizes, p.net.hidden.name, out, p.w, p.X)[1]
    # 1 - y loses digits as a sigmoid saturates; keep to where the formula from y is accurate.
    assume(out != "sigmoid" or np.all(y < 1 - 1e-4))
    expected = float(np.sum(error_from_outputs(out, y, p.T)))
    assert np.isfinite(expected)
    E = lib.error(p.net, p.w, p.X, p.T)
    assert isinstance(E, float)
    assert abs(E - expected) <= 1e-10 * max(1.0, abs(expected))


@given(problems())
def test_gradient_matches_central_differences_of_the_error(p):
    """Against O(h^4) differences of the error (step 5e-4, accurate to about 1e-11 of the
    larger of |E| and |grad E|)."""
    g = lib.gradient(p.net, p.w, p.X, p.T)
    E = lib.error(p.net, p.w, p.X, p.T)
    g_ref = richardson_differences(lambda w: lib.error(p.net, w, p.X, p.T), p.w, 5e-4)
    assert g.shape == (p.net.n_weights,)
    assert_close(g, g_ref, 1e-10, "gradient", atol=1e-10 * abs(E))


@given(problems())
def test_output_jacobian_matches_central_differences_of_a(p):
    """B[n, k, :] = grad a_nk, checked against differences of the reference a_L."""
    sizes, hidden, out = p.net.sizes, p.net.hidden.name, p.net.output.name
    B = lib.output_jacobian(p.net, p.w, p.X)
    B_ref = richardson_differences(lambda w: forward_loop(sizes, hidden, out, w, p.X)[0], p.w)
    assert B.shape == (len(p.X), p.net.K, p.net.n_weights)
    assert_close(B, B_ref, 1e-10, "output Jacobian")


@given(problems(hidden_layers=st.integers(0, 1)))
def test_output_hessian_and_delta_match_differences_of_the_error_in_a(p):
    """For each pattern, dE_n/da = y - t (PRML 5.18, the premise of backprop) and
    G_n = d^2 E_n / da da^T (5.82, 5.85 and diag(y) - y y^T), both against differences of
    the formula E_n(a, t) in the output pre-activations a."""
    out = p.net.output.name
    A, y = forward_loop(p.net.sizes, p.net.hidden.name, out, p.w, p.X)
    G = lib.output_hessian(p.net, p.w, p.X, p.T)
    assert G.shape == (len(p.X), p.net.K, p.net.K)
    for n in range(len(p.X)):
        def E_n(a, t=p.T[n]):
            return float(error_from_a(out, a, t))

        E_value = E_n(A[n])
        assert_close(y[n] - p.T[n], central_differences(E_n, A[n], 1e-6), 1e-7, "dE_n/da",
                     atol=rounding(E_value, 1e-6, 1))
        assert_close(G[n], second_differences(E_n, A[n], 1e-4), 1e-6, "G_n",
                     atol=rounding(E_value, 1e-4, 2))
