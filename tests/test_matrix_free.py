"""Matrix-free products: J v (the forward R-operator, PRML 5.101-5.103), the Gauss-Newton
product sum_n B_n^T G_n B_n v (5.84, 5.85) and the exact diagonal of H (5.79 with 5.80),
each against an independent route."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import (
    assert_close,
    forward_loop,
    output_curvature,
    relative_difference,
    richardson_differences,
)
from strategies import make_problem, problems

import lib


@given(problems(), st.integers(1, 3))
def test_jacobian_vector_product_is_the_directional_derivative_of_a(p, c):
    """(J v)_nk = d/dt a_nk(w + t v) at t = 0, by differences of the reference forward pass
    in t, and B_n v with B from output_jacobian."""
    sizes, hidden, out = p.net.sizes, p.net.hidden.name, p.net.output.name
    V = np.random.default_rng(c).normal(size=(c, p.net.n_weights))
    JV = lib.jacobian_vector_product(p.net, p.w, p.X, V)
    assert JV.shape == (c, len(p.X), p.net.K)
    for v, Jv in zip(V, JV):
        expected = richardson_differences(
            lambda t, v=v: forward_loop(sizes, hidden, out, p.w + t[0] * v, p.X)[0],
            np.zeros(1))[..., 0]
        assert_close(Jv, expected, 1e-10 * np.abs(v).sum(), "J v vs differences")
    B = lib.output_jacobian(p.net, p.w, p.X)
    assert_close(JV, np.einsum("nkw,cw->cnk", B, V), 1e-13 * np.abs(V).sum(), "J v vs B v")
    one = lib.jacobian_vector_product(p.net, p.w, p.X, V[0])
    assert one.shape == (len(p.X), p.net.K)
    assert_close(one, JV[0], 0.0, "(W,) vs (1, W)")


@given(problems(), st.integers(1, 3))
def test_gauss_newton_vector_product_is_the_outer_product_times_v(p, c):
    """Against B^T G B v with G written out from the reference outputs, and the matrix of
    hessian_outer_product."""
    out = p.net.output.name
    y = forward_loop(p.net.sizes, p.net.hidden.name, out, p.w, p.X)[1]
    G = output_curvature(out, y)
    B = lib.output_jacobian(p.net, p.w, p.X)
    V = np.random.default_rng(c).normal(size=(c, p.net.n_weights))
    expected = np.einsum("nki,nkl,nlj,cj->ci", B, G, B, V)
    GV = lib.gauss_newton_vector_product(p.net, p.w, p.X, p.T, V)
    scale = 1e-12 * float(np.abs(V).sum(axis=1).max())
    assert GV.shape == V.shape
    assert_close(GV, expected, scale, "G V")
    assert_close(GV, V @ lib.hessian_outer_product(p.net, p.w, p.X, p.T), scale, "V H_op")
    Gv = lib.gauss_newton_vector_product(p.net, p.w, p.X, p.T, V[0])
    assert Gv.shape == (p.net.n_weights,)
    assert float(V[0] @ Gv) >= -1e-12 * float(np.abs(V[0]) @ np.abs(expected[0]))   # v^T G v >= 0


@given(problems(hidden_layers=st.just(0)))
def test_gauss_newton_product_is_the_hessian_product_without_hidden_layer(p):
    V = np.random.default_rng(0).normal(size=(2, p.net.n_weights))
    assert_close(lib.gauss_newton_vector_product(p.net, p.w, p.X, p.T, V),
                 lib.hessian_vector_product(p.net, p.w, p.X, p.T, V),
                 1e-12 * float(np.abs(V).sum(axis=1).max()), "G V vs H V")


@given(problems())
def test_exact_diagonal_is_the_diagonal_of_H(p):
    d = lib.hessian_diagonal_exact(p.net, p.w, p.X, p.T)
    assert d.shape == (p.net.n_weights,)
    assert_close(d, np.diag(lib.hessian_r_operator(p.net, p.w, p.X, p.T)), 1e-12, "diag H")


@given(problems(hidden_layers=st.integers(0, 1), outputs=st.sampled_from(["identity",
                                                                           "sigmoid"])))
def test_becker_lecun_equals_the_exact_diagonal_where_it_is_exact(p):
    """One hidden layer and diagonal G_n: (5.81) drops nothing."""
    assert_close(lib.hessian_diagonal_approx(p.net, p.w, p.X, p.T),
                 lib.hessian_diagonal_exact(p.net, p.w, p.X, p.T), 1e-12, "diagonal")


def test_exact_diagonal_at_large_W_against_hessian_vector_products():
    """W = 50 705, too large for a W x W matrix in a test: sampled entries of diag(H) from
    H e_i (R-operator), and the Becker-LeCun approximation measurably different."""
    p = make_problem([30, 150, 150, 150, 5], "tanh", "softmax", 40, seed=5)
    p.w *= 0.1
    W = p.net.n_weights
    d = lib.hessian_diagonal_exact(p.net, p.w, p.X, p.T)
    idx = np.random.default_rng(0).choice(W, size=40, replace=False)
    E = np.zeros((len(idx), W))
    E[np.arange(len(idx)), idx] = 1.0
    HE = lib.hessian_vector_product(p.net, p.w, p.X, p.T, E)
    assert_close(d[idx], HE[np.arange(len(idx)), idx], 1e-12, "sampled diag H")
    approx = lib.hessian_diagonal_approx(p.net, p.w, p.X, p.T)
    assert relative_difference(approx, d) > 1e-3


@pytest.mark.parametrize("bad", [np.zeros((0, 13)), np.zeros(12), np.zeros((2, 14)),
                                 np.full(13, np.nan), np.zeros(13, dtype=complex)])
def test_bad_directions_are_refused(bad):
    p = make_problem([2, 3, 1], "tanh", "identity", 3, seed=0)
    assert p.net.n_weights == 13
    for call in (lambda: lib.jacobian_vector_product(p.net, p.w, p.X, bad),
                 lambda: lib.gauss_newton_vector_product(p.net, p.w, p.X, p.T, bad),
                 lambda: lib.hessian_vector_product(p.net, p.w, p.X, p.T, bad)):
        with pytest.raises(ValueError, match="v"):
            call()
