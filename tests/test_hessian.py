"""The exact Hessian (PRML 5.78): the block method of 5.4.5 against the R-operator (5.4.6)
and finite differences of the gradient (5.91); its two-layer blocks (5.93)-(5.95); the
Hessian-vector product and the decomposition (5.83) H = H_op + residual term."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import (
    HIDDEN,
    HIDDEN_D1,
    HIDDEN_D2,
    assert_close,
    central_differences,
    forward_loop,
    layer_matrices,
    relative_difference,
    richardson_differences,
)
from strategies import HIDDEN as HIDDEN_NAMES
from strategies import OUTPUTS, make_problem, problems

import lib


def differences_of_gradient(p):
    """The Hessian by O(h^4) differences of the backpropagated gradient (about 1e-11)."""
    return richardson_differences(lambda w: lib.gradient(p.net, w, p.X, p.T), p.w)


@given(problems())
def test_block_method_matches_r_operator_and_differences(p):
    """Any depth (0-3 hidden layers), every hidden activation, every output pairing: the
    block method, the R-operator and differences of the gradient agree near rounding."""
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    H_r = lib.hessian_r_operator(p.net, p.w, p.X, p.T)
    H_fd = differences_of_gradient(p)
    assert H.shape == H_r.shape == (p.net.n_weights, p.net.n_weights)
    assert_close(H, H_fd, 1e-10, "block method vs differences")
    assert_close(H_r, H_fd, 1e-10, "R-operator vs differences")
    assert_close(H, H_r, 1e-12, "block method vs R-operator")


@given(problems(hidden_layers=st.integers(0, 2)))
def test_hessian_finite_difference_is_central_differences_of_the_gradient(p):
    """(5.91) is the central difference of the gradient with step eps (the same arithmetic
    as the reference, so equal to rounding), and within O(eps^2) of the exact H."""
    eps = 1e-5
    H_fd = lib.hessian_finite_difference(p.net, p.w, p.X, p.T, eps=eps)
    H_ref = central_differences(lambda w: lib.gradient(p.net, w, p.X, p.T), p.w, eps)
    assert_close(H_fd, H_ref, 1e-12, "finite-difference H vs reference differences")
    assert_close(H_fd, lib.hessian_exact(p.net, p.w, p.X, p.T), 1e-7, "O(eps^2) error")


@pytest.mark.parametrize("eps", [True, False, 0.0, -1e-5, np.inf, np.nan, "1e-5", None])
def test_hessian_finite_difference_rejects_bad_steps(eps):
    p = make_problem([2, 2, 1], "tanh", "identity", 3, seed=0)
    with pytest.raises(ValueError, match="eps"):
        lib.hessian_finite_difference(p.net, p.w, p.X, p.T, eps=eps)


@given(problems())
def test_hessian_exact_is_symmetric(p):
    """Neither method symmetrises its result; the block method computes each block below the
    diagonal once, its diagonal blocks as Grams, the R-operator every row independently."""
    for method in (lib.hessian_exact, lib.hessian_r_operator):
        H = method(p.net, p.w, p.X, p.T)
        assert_close(H, H.T, 1e-13, f"{method.__name__}: H - H^T")


@given(problems(), st.integers(1, 3))
def test_hessian_vector_product_is_H_times_v(p, c):
    """Hv for one vector and for a stack (c, W), against differences of the gradient
    (independent) and, tightly, against the block method."""
    rng = np.random.default_rng(c)
    v = rng.normal(size=p.net.n_weights)
    V = rng.normal(size=(c, p.net.n_weights))
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    H_fd = differences_of_gradient(p)
    Hv = lib.hessian_vector_product(p.net, p.w, p.X, p.T, v)
    HV = lib.hessian_vector_product(p.net, p.w, p.X, p.T, V)
    assert Hv.shape == v.shape and HV.shape == V.shape
    scale = float(np.abs(V).sum(axis=1).max())
    assert_close(Hv, H_fd @ v, 1e-10 * max(1.0, float(np.abs(v).sum())), "Hv vs differences")
    assert_close(HV, V @ H_fd.T, 1e-10 * max(1.0, scale), "HV vs differences")
    assert_close(Hv, H @ v, 1e-12 * float(np.abs(v).sum()), "Hv vs H v")
    assert_close(HV, V @ H.T, 1e-12 * scale, "HV vs H V")


@given(problems(Ns=st.integers(2, 6)))
def test_per_pattern_hessians_sum_to_the_total(p):
    """E = sum_n E_n, so H = sum_n H_n, with H_n from a one-pattern data set."""
    total = sum(lib.hessian_exact(p.net, p.w, p.X[n:n + 1], p.T[n:n + 1])
                for n in range(len(p.X)))
    assert_close(total, lib.hessian_exact(p.net, p.w, p.X, p.T), 1e-11, "sum_n H_n")


def augmented_inputs(X):
    return np.hstack([np.ones((len(X), 1)), X])


@given(problems(hidden_layers=st.just(0), outputs=st.just("identity")))
def test_linear_network_closed_form(p):
    """Linear outputs with sum-of-squares, no hidden layer: a_k = w_k . x~, so
    H[(k, i), (k', i')] = [k = k'] sum_n x~_i x~_i' whatever w and T: in the flat layout
    (k major, i minor) H = kron(I_K, sum_n x~ x~^T)."""
    Xt = augmented_inputs(p.X)
    expected = np.kron(np.eye(p.net.K), Xt.T @ Xt)
    assert_close(lib.hessian_exact(p.net, p.w, p.X, p.T), expected, 1e-12, "H")
    assert_close(lib.hessian_outer_product(p.net, p.w, p.X, p.T), expected, 1e-12, "H_op")


def regression_hessian(output, y, Xt):
    """No hidden layer: H[(k, i), (k', i')] = sum_n G_nkk' x~_ni x~_ni' with G = diag(y (1 - y))
    (logistic regression, PRML 4.97) or diag(y) - y y^T (softmax, 4.110), element by element."""
    K, C = y.shape[1], Xt.shape[1]
    expected = np.zeros((K * C, K * C))
    for n in range(len(Xt)):
        for k in range(K):
            for k2 in range(K):
                if output == "sigmoid":
                    g = y[n, k] * (1 - y[n, k]) if k == k2 else 0.0
                else:
                    g = y[n, k] * (k == k2) - y[n, k] * y[n, k2]
                expected[k * C:(k + 1) * C, k2 * C:(k2 + 1) * C] += g * np.outer(Xt[n], Xt[n])
    return expected


@given(problems(hidden_layers=st.just(0), outputs=st.sampled_from(["sigmoid", "softmax"])))
def test_logistic_and_softmax_regression_closed_form(p):
    """(4.97) and (4.110) with y from the reference forward pass."""
    out = p.net.output.name
    y = forward_loop(p.net.sizes, p.net.hidden.name, out, p.w, p.X)[1]
    expected = regression_hessian(out, y, augmented_inputs(p.X))
    assert_close(lib.hessian_exact(p.net, p.w, p.X, p.T), expected, 1e-12, "H")


@given(problems(hidden_layers=st.just(0)), st.sampled_from([1.0, 20.0, 40.0, 100.0]))
def test_exact_hessian_is_positive_semidefinite_without_hidden_layer(p, scale):
    """Linear, logistic and softmax regression are convex in w: H is PSD to rounding, also
    with weights scaled so that the outputs saturate (|a| up to a few hundred)."""
    w = p.w * scale
    H = lib.hessian_exact(p.net, w, p.X, p.T)
    eig = np.linalg.eigvalsh(H)
    assert eig.min() >= -1e-12 * max(1e-300, np.abs(eig).max()), f"min eigenvalue {eig.min()}"
    assert_close(H, lib.hessian_outer_product(p.net, w, p.X, p.T), 1e-12, "H vs H_op")


def test_saturated_softmax_regression_is_convex():
    """Softmax regression with one bias at 40 (every pattern confidently right): H equals the
    outer product, here the Hessian of (4.110) written out, and is PSD."""
    net = lib.MLP([2, 3], output="softmax")
    rng = np.random.default_rng(0)
    w = rng.normal(size=net.n_weights) * 0.3
    w[0] = 40.0
    X = rng.normal(size=(20, 2))
    T = np.tile([1.0, 0, 0], (20, 1))
    H = lib.hessian_exact(net, w, X, T)
    assert np.linalg.eigvalsh(H).min() >= -1e-12 * np.abs(H).max()
    assert_close(H, lib.hessian_outer_product(net, w, X, T), 1e-12, "H vs H_op")


@given(problems(hidden_layers=st.integers(1, 3), outputs=st.sampled_from(OUTPUTS)))
def test_residual_term_is_errors_times_second_derivatives_of_a(p):
    """(5.83) generalised: H - H_op = sum_n sum_k (dE_n/da_nk) grad grad a_nk with
    dE_n/da_nk = y_nk - t_nk; the right side from differences of the output Jacobian and the
    reference outputs. hessian_residual_term is that right side."""
    out = p.net.output.name
    y = forward_loop(p.net.sizes, p.net.hidden.name, out, p.w, p.X)[1]
    hess_a = richardson_differences(lambda w: lib.output_jacobian(p.net, w, p.X), p.w)
    expected = np.einsum("nk,nkij->ij", y - p.T, hess_a)
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    H_op = lib.hessian_outer_product(p.net, p.w, p.X, p.T)
    R = lib.hessian_residual_term(p.net, p.w, p.X, p.T)
    assert_close(H - H_op, expected, 1e-10, "H - H_op")
    assert_close(R, expected, 1e-10, "hessian_residual_term")
    assert_close(R, H - H_op, 1e-12, "hessian_residual_term vs H - H_op")


def test_hessian_by_hand_for_one_tanh_unit():
    """A [1, 1, 1] tanh network, y = c + v tanh(b + u x), w = (b, u, c, v), sum-of-squares,
    one pattern: H = grad y grad y^T + (y - t) grad grad y (5.83), derivatives by hand."""
    b, u, c, v, x, t = 0.2, -0.7, 0.1, 1.3, 0.8, 0.5
    net = lib.MLP([1, 1, 1], hidden="tanh")
    w = np.array([b, u, c, v])
    z = np.tanh(b + u * x)
    d1, d2 = 1 - z**2, -2 * z * (1 - z**2)
    r = c + v * z - t
    dy = np.array([v * d1, v * d1 * x, 1.0, z])              # grad y over (b, u, c, v)
    d2y = np.zeros((4, 4))                                   # grad grad y
    d2y[0, 0], d2y[0, 1], d2y[1, 1] = v * d2, v * d2 * x, v * d2 * x * x
    d2y[0, 3], d2y[1, 3] = d1, d1 * x
    d2y = np.triu(d2y) + np.triu(d2y, 1).T
    expected = np.outer(dy, dy) + r * d2y                     # (5.83)
    for method in (lib.hessian_exact, lib.hessian_r_operator):
        assert_close(method(net, w, [[x]], [[t]]), expected, 1e-14, method.__name__)


# --- PRML (5.93)-(5.95): the blocks of a network with one hidden layer ---------------------

def two_layer_quantities(p):
    """Per pattern, from the reference formulas: x~ (N, D+1), a_j (N, M), z~ (N, M+1),
    delta_k (N, K), M_kk' (N, K, K), and the matrices W1 (M, D+1), W2 (K, M+1)."""
    sizes, hidden, out = p.net.sizes, p.net.hidden.name, p.net.output.name
    W1, W2 = layer_matrices(sizes, p.w)
    xt = augmented_inputs(p.X)
    a = xt @ W1.T
    zt = augmented_inputs(HIDDEN[hidden](a))
    y = forward_loop(sizes, hidden, out, p.w, p.X)[1]
    K = sizes[-1]
    M = {"identity": np.broadcast_to(np.eye(K), (len(y), K, K)),
         "sigmoid": np.einsum("nk,kl->nkl", y * (1 - y), np.eye(K)),
         "softmax": np.einsum("nk,kl->nkl", y, np.eye(K)) - np.einsum("nk,nl->nkl", y, y)}[out]
    return xt, a, zt, y - p.T, M, W1, W2


def two_layer_blocks(p, printed_5_95=False):
    """H from (5.93), (5.94) and (5.95) summed over patterns, element by element (PRML's
    indices: j, j' hidden units 1..M, i, i' inputs 0..D, k, k' outputs). With printed_5_95
    the (5.95) block follows the printed form, with j and j' exchanged in its second term."""
    xt, a, zt, delta, Mkk, W1, W2 = two_layer_quantities(p)
    h1, h2 = HIDDEN_D1[p.net.hidden.name], HIDDEN_D2[p.net.hidden.name]
    D1, M_, K = W1.shape[1], W1.shape[0], W2.shape[0]
    o = M_ * D1
    H = np.zeros((p.net.n_weights, p.net.n_weights))
    for n in range(len(xt)):
        x, z, d, Mn = xt[n], zt[n], delta[n], Mkk[n]
        for k in range(K):                                        # (5.93)
            for j in range(M_ + 1):
                for k2 in range(K):
                    for j2 in range(M_ + 1):
                        H[o + k * (M_ + 1) + j, o + k2 * (M_ + 1) + j2] += z[j] * z[j2] * Mn[k, k2]
        for j in range(1, M_ + 1):                                # (5.94)
            for i in range(D1):
                for j2 in range(1, M_ + 1):
                    for i2 in range(D1):
                        first = h2(a[n, j2 - 1]) * sum(W2[k, j2] * d[k] for k in range(K)) \
                            if j == j2 else 0.0
                        second = h1(a[n, j2 - 1]) * h1(a[n, j - 1]) * sum(
                            W2[k2, j2] * W2[k, j] * Mn[k, k2] for k in range(K) for k2 in range(K))
                        H[(j - 1) * D1 + i, (j2 - 1) * D1 + i2] += x[i] * x[i2] * (first + second)
        for j in range(1, M_ + 1):                                # (5.95) and its transpose
            for i in range(D1):
                for k in range(K):
                    for j2 in range(M_ + 1):
                        if printed_5_95:
                            if j2 == 0:
                                continue                          # h'(a_0) is not defined
                            value = x[i] * h1(a[n, j2 - 1]) * (
                                d[k] * (j == j2) + z[j] * sum(W2[k2, j2] * Mn[k, k2]
                                                              for k2 in range(K)))
                        else:
                            value = x[i] * h1(a[n, j - 1]) * (
                                d[k] * (j == j2) + z[j2] * sum(W2[k2, j] * Mn[k, k2]
                                                               for k2 in range(K)))
                        row, col = (j - 1) * D1 + i, o + k * (M_ + 1) + j2
                        H[row, col] += value
                        H[col, row] += value
    return H


@given(problems(hidden_layers=st.just(1), Ns=st.integers(1, 3)))
def test_two_layer_blocks_are_5_93_to_5_95(p):
    """For one hidden layer the block method's H is (5.93), (5.94) and (5.95) (in the form
    derived in lib/hessian.py's docstring), every entry, biases included."""
    assert_close(lib.hessian_exact(p.net, p.w, p.X, p.T), two_layer_blocks(p), 1e-12, "H")


@pytest.mark.parametrize("hidden", HIDDEN_NAMES[:2])
@pytest.mark.parametrize("output", OUTPUTS)
def test_printed_5_95_differs_from_the_derivation(hidden, output):
    """With j and j' exchanged in the second term (the printed form), the mixed block is
    measurably off for a generic network with two or more hidden units; the first- and
    second-layer blocks stay the same."""
    p = make_problem([2, 3, 2], hidden, output, 4, seed=1)
    o = p.net.offsets[1]
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    printed = two_layer_blocks(p, printed_5_95=True)
    assert_close(printed[o:, o:], H[o:, o:], 1e-12, "(5.93) block")
    assert_close(printed[:o, :o], H[:o, :o], 1e-12, "(5.94) block")
    weights = [k * 4 + j2 for k in range(2) for j2 in range(1, 4)]       # no bias column
    mixed = H[:o, o:][:, weights]
    assert relative_difference(printed[:o, o:][:, weights], mixed) > 1e-3


# --- memory --------------------------------------------------------------------------------

@pytest.mark.parametrize("method", [lib.hessian_exact, lib.hessian_r_operator,
                                    lib.hessian_residual_term, lib.hessian_outer_product,
                                    lib.hessian_finite_difference])
def test_a_hessian_that_cannot_fit_is_refused_before_it_is_allocated(method):
    """W = 1 002 001: a (W, W) float64 array needs 8 TB. The error names the sizes."""
    net = lib.MLP([1000, 1000, 1])
    w = np.zeros(net.n_weights)
    with pytest.raises(ValueError, match=r"\(1002001, 1002001\).*GB"):
        method(net, w, np.zeros((1, 1000)), np.zeros((1, 1)))
