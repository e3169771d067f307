"""Approximations to the Hessian: Becker-LeCun's diagonal (PRML 5.79-5.81) and the outer
product (5.84, 5.85), with the second derivatives in the pre-activations they are built on."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import (
    assert_close,
    error_from_a,
    forward_from_layer,
    forward_loop,
    layer_matrices,
    output_curvature,
    relative_difference,
    rounding,
    second_differences,
)
from strategies import HIDDEN, OUTPUTS, make_problem, problems

import lib

diagonal_G = st.sampled_from(["identity", "sigmoid"])


def diag_H(p):
    return np.diag(lib.hessian_exact(p.net, p.w, p.X, p.T))


# --- second derivatives in the pre-activations, (5.80) and (5.81) -------------------------

@given(problems(hidden_layers=st.integers(0, 2), Ns=st.integers(1, 3)))
def test_second_derivatives_exact_match_differences_in_each_layer(p):
    """S_l[n] = d^2 E_n / da_l da_l^T, against second differences of E_n as a function of the
    pre-activations a_l of layer l (the reference network run from layer l upwards)."""
    sizes, hidden, out = p.net.sizes, p.net.hidden.name, p.net.output.name
    Ws = layer_matrices(sizes, p.w)
    S = lib.second_derivatives_exact(p.net, p.w, p.X, p.T)
    assert [s.shape for s in S] == [(len(p.X), m, m) for m in sizes[1:]]
    a = p.net.forward(p.w, p.X).a
    for l in range(1, len(sizes)):
        for n in range(len(p.X)):
            def E_n(a_l, l=l, t=p.T[n]):
                return float(error_from_a(out, forward_from_layer(hidden, Ws, l, a_l), t))

            a_n = a[l - 1][n]
            assert_close(S[l - 1][n], second_differences(E_n, a_n, 1e-4), 1e-6, f"S_{l}[{n}]",
                         atol=rounding(E_n(a_n), 1e-4, 2))


@given(problems())
def test_becker_lecun_keeps_the_exact_output_layer(p):
    """At the outputs (5.81) starts from the exact diagonal of G_n."""
    s = lib.second_derivatives_becker_lecun(p.net, p.w, p.X, p.T)
    S = lib.second_derivatives_exact(p.net, p.w, p.X, p.T)
    assert [x.shape for x in s] == [(len(p.X), m) for m in p.net.sizes[1:]]
    assert_close(s[-1], np.diagonal(S[-1], axis1=1, axis2=2), 1e-14, "output layer")


@given(problems(hidden_layers=st.integers(0, 1), outputs=diagonal_G))
def test_becker_lecun_second_derivatives_exact_for_one_hidden_layer_and_diagonal_G(p):
    s = lib.second_derivatives_becker_lecun(p.net, p.w, p.X, p.T)
    S = lib.second_derivatives_exact(p.net, p.w, p.X, p.T)
    for l, (s_l, S_l) in enumerate(zip(s, S), start=1):
        assert_close(s_l, np.diagonal(S_l, axis1=1, axis2=2), 1e-12, f"layer {l}")


# --- the diagonal of H, (5.79) ------------------------------------------------------------

@given(problems())
def test_diagonal_chain_rule_is_exact_with_exact_second_derivatives(p):
    """(5.79) d^2 E_n / dw_ji^2 = d^2 E_n / da_j^2 z_i^2 holds exactly for any depth: with the
    diagonals of the exact S_l it gives each pattern's diag(H_n)."""
    S = lib.second_derivatives_exact(p.net, p.w, p.X, p.T)
    per_pattern = lib.diagonal_from_second_derivatives(
        p.net, p.w, p.X, [np.diagonal(S_l, axis1=1, axis2=2) for S_l in S])
    assert per_pattern.shape == (len(p.X), p.net.n_weights)
    for n in range(len(p.X)):
        H_n = lib.hessian_exact(p.net, p.w, p.X[n:n + 1], p.T[n:n + 1])
        assert_close(per_pattern[n], np.diag(H_n), 1e-11, f"diag H_{n}")


@given(problems())
def test_becker_lecun_per_pattern_diagonals_sum_to_hessian_diagonal_approx(p):
    s = lib.second_derivatives_becker_lecun(p.net, p.w, p.X, p.T)
    per_pattern = lib.diagonal_from_second_derivatives(p.net, p.w, p.X, s)
    d = lib.hessian_diagonal_approx(p.net, p.w, p.X, p.T)
    assert d.shape == (p.net.n_weights,)
    assert_close(per_pattern.sum(axis=0), d, 1e-12, "sum_n")


@given(problems(hidden_layers=st.just(1), outputs=diagonal_G))
def test_becker_lecun_exact_for_one_hidden_layer_and_diagonal_G(p):
    """With one hidden layer and G_n diagonal (sum-of-squares; sigmoid with cross-entropy, any
    K) the dropped off-diagonal terms of (5.80) are zero."""
    assert_close(lib.hessian_diagonal_approx(p.net, p.w, p.X, p.T), diag_H(p), 1e-12, "diag")


@given(problems(hidden_layers=st.just(0)))
def test_becker_lecun_exact_without_hidden_layer(p):
    """Linear, logistic and softmax regression: (5.79) with the exact diagonal of G_n."""
    assert_close(lib.hessian_diagonal_approx(p.net, p.w, p.X, p.T), diag_H(p), 1e-12, "diag")


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 2), st.sampled_from(HIDDEN),
       diagonal_G, st.integers(1, 3), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_becker_lecun_exact_when_later_hidden_layers_have_one_unit(D, M1, depth, hidden, output,
                                                                   K, N, seed):
    """The off-diagonal terms live between units of one layer: with diagonal G and a single
    unit in every hidden layer after the first there are none to drop, at any depth."""
    p = make_problem([D, M1] + [1] * depth + [K], hidden, output, N, seed)
    assert_close(lib.hessian_diagonal_approx(p.net, p.w, p.X, p.T), diag_H(p), 1e-12, "diag")


DIFFERS = (
    [([2, 3, K], "softmax") for K in (2, 3)]                 # off-diagonal G = -y y^T
    + [([3, 4, 3], "softmax")]
    + [([2, 3, 3, 1], "identity"), ([2, 3, 3, 2], "sigmoid")]  # two hidden layers
    + [([2, 2, 2, 2, 2], "softmax")]                          # three hidden layers
)


@pytest.mark.parametrize("sizes, output", DIFFERS)
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("seed", range(3))
def test_becker_lecun_differs_for_softmax_and_deeper_networks(sizes, output, hidden, seed):
    """Where (5.81) drops nonzero terms -- off-diagonal entries of G_n (softmax, K >= 2) or of
    d^2 E_n / da_j da_j' in a hidden layer of two or more units feeding another hidden layer --
    the approximation is measurably off. The dropped terms are sums like
    h'(a_j)^2 sum_{k != k'} w_kj w_k'j G_kk', nonzero for generic weights."""
    p = make_problem(sizes, hidden, output, 5, seed)
    d = lib.hessian_diagonal_approx(p.net, p.w, p.X, p.T)
    assert relative_difference(d, diag_H(p)) > 1e-4


# --- the outer product, (5.84) and (5.85) --------------------------------------------------

@given(problems())
def test_outer_product_is_sum_of_B_transpose_G_B(p):
    """H_op = sum_n B_n^T G_n B_n with G_n written out from the reference outputs: I,
    diag(y (1 - y)) or diag(y) - y y^T, whatever factorisation lib uses."""
    out = p.net.output.name
    y = forward_loop(p.net.sizes, p.net.hidden.name, out, p.w, p.X)[1]
    G = output_curvature(out, y)
    B = lib.output_jacobian(p.net, p.w, p.X)
    expected = np.einsum("nki,nkl,nlj->ij", B, G, B)
    H_op = lib.hessian_outer_product(p.net, p.w, p.X, p.T)
    assert H_op.shape == (p.net.n_weights, p.net.n_weights)
    assert_close(H_op, expected, 1e-12, "H_op")


@given(problems(targets="outputs"))
def test_outer_product_equals_H_when_every_residual_is_zero(p):
    """Targets = the network's own outputs (valid targets for all three pairings): the
    residual term of (5.83) vanishes."""
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    assert_close(lib.hessian_outer_product(p.net, p.w, p.X, p.T), H, 1e-10, "H_op vs H")


@given(problems(hidden_layers=st.just(0)))
def test_outer_product_equals_H_without_hidden_layer(p):
    """a_n is linear in w, so grad grad a_nk = 0 whatever the residuals."""
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    assert_close(lib.hessian_outer_product(p.net, p.w, p.X, p.T), H, 1e-12, "H_op vs H")


WITH_HIDDEN_LAYERS = [(sizes, output) for output in OUTPUTS
                      for sizes in ([2, 3, 2], [2, 3, 3], [2, 2, 2, 3])]
WITH_HIDDEN_LAYERS += [([2, 3, 1], "identity"), ([2, 3, 1], "sigmoid")]


@pytest.mark.parametrize("sizes, output", WITH_HIDDEN_LAYERS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_outer_product_differs_from_H_with_residuals_and_a_hidden_layer(sizes, output, hidden):
    """The converse, so that the two tests above can tell: with random targets and a hidden
    layer, grad grad a_nk != 0 (a_nk is at least bilinear in the two layers' weights) and
    the residual term of (5.83) is measurably nonzero."""
    p = make_problem(sizes, hidden, output, 5, seed=0)
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    assert relative_difference(lib.hessian_outer_product(p.net, p.w, p.X, p.T), H) > 1e-3


@given(problems())
def test_outer_product_is_positive_semidefinite(p):
    H_op = lib.hessian_outer_product(p.net, p.w, p.X, p.T)
    assert_close(H_op, H_op.T, 1e-14, "H_op - H_op^T")
    eig = np.linalg.eigvalsh(H_op)
    assert eig.min() >= -1e-10 * max(1.0, np.abs(eig).max())


@given(problems(Ns=st.integers(2, 6)))
def test_outer_product_per_pattern_terms_sum_to_the_total(p):
    total = sum(lib.hessian_outer_product(p.net, p.w, p.X[n:n + 1], p.T[n:n + 1])
                for n in range(len(p.X)))
    assert_close(total, lib.hessian_outer_product(p.net, p.w, p.X, p.T), 1e-12, "sum_n")


# --- the argument d2E_da2 of (5.79) --------------------------------------------------------

def _bad_second_derivatives(p):
    """(what, d2E_da2) pairs that diagonal_from_second_derivatives must refuse."""
    s = lib.second_derivatives_becker_lecun(p.net, p.w, p.X, p.T)
    with_nan = [x.copy() for x in s]
    with_nan[0][0, 0] = np.nan
    return [
        ("one array too few", s[:-1]),
        ("not a list", s[0]),
        ("a NaN", with_nan),
        ("an infinity", [np.full_like(x, np.inf) for x in s]),
        ("complex", [x.astype(complex) for x in s]),
        ("strings", [x.astype(str) for x in s]),
        ("None", [None] + s[1:]),
        ("one pattern too many", [np.vstack([x, x[:1]]) for x in s]),
        ("transposed", [x.T for x in s]),
        ("a full matrix per pattern", lib.second_derivatives_exact(p.net, p.w, p.X, p.T)),
    ]


@pytest.mark.parametrize("case", range(10))
def test_diagonal_from_second_derivatives_checks_d2E_da2(case):
    p = make_problem([2, 3, 2], "tanh", "sigmoid", 4, seed=0)
    what, bad = _bad_second_derivatives(p)[case]
    with pytest.raises(ValueError, match="d2E_da2"):
        lib.diagonal_from_second_derivatives(p.net, p.w, p.X, bad)
