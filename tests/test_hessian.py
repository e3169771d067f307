"""The exact Hessian (PRML 5.78, 5.4.6), its finite-difference check (5.91), the
Hessian-vector product and the decomposition (5.83) H = H_op + residual term."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from reference import assert_close, central_differences, forward_loop
from strategies import OUTPUTS, problems

import lib


@given(problems())
def test_hessian_exact_matches_finite_differences(p):
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    assert H.shape == (p.net.n_weights, p.net.n_weights)
    assert_close(H, lib.hessian_finite_difference(p.net, p.w, p.X, p.T), 1e-6, "H")


@given(problems(hidden_layers=st.integers(0, 2)))
def test_hessian_finite_difference_is_central_differences_of_the_gradient(p):
    """(5.91) against the reference differences of the gradient, with a different step."""
    H_ref = central_differences(lambda w: lib.gradient(p.net, w, p.X, p.T), p.w, 1e-4)
    assert_close(lib.hessian_finite_difference(p.net, p.w, p.X, p.T, eps=1e-5), H_ref, 1e-6,
                 "finite-difference H")


@given(problems())
def test_hessian_exact_is_symmetric(p):
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    assert_close(H, H.T, 1e-12, "H - H^T")


@given(problems(), st.integers(1, 3))
def test_hessian_vector_product_is_H_times_v(p, c):
    """Hv for one vector and for a stack (c, W), against the finite-difference H (independent)
    and, tightly, against hessian_exact (the same R-operator, so linearity in v)."""
    rng = np.random.default_rng(c)
    v = rng.normal(size=p.net.n_weights)
    V = rng.normal(size=(c, p.net.n_weights))
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    H_fd = lib.hessian_finite_difference(p.net, p.w, p.X, p.T)
    Hv = lib.hessian_vector_product(p.net, p.w, p.X, p.T, v)
    HV = lib.hessian_vector_product(p.net, p.w, p.X, p.T, V)
    assert Hv.shape == v.shape and HV.shape == V.shape
    scale = 1e-6 * max(1.0, float(np.abs(v).sum()))
    assert_close(Hv, H_fd @ v, scale, "Hv vs finite differences")
    assert_close(HV, V @ H_fd.T, 1e-6 * max(1.0, float(np.abs(V).sum(axis=1).max())), "HV")
    assert_close(Hv, H @ v, 1e-10 * float(np.abs(v).sum()), "Hv vs H v")


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


@given(problems(hidden_layers=st.just(0), outputs=st.sampled_from(["sigmoid", "softmax"])))
def test_logistic_and_softmax_regression_closed_form(p):
    """No hidden layer: H[(k, i), (k', i')] = sum_n G_nkk' x~_ni x~_ni' with
    G = diag(y (1 - y)) for sigmoid (logistic regression, PRML 4.97) and diag(y) - y y^T for
    softmax (4.110), y from the reference forward pass; written out element by element."""
    out = p.net.output.name
    y = forward_loop(p.net.sizes, p.net.hidden.name, out, p.w, p.X)[1]
    Xt = augmented_inputs(p.X)
    K, C = p.net.K, Xt.shape[1]
    expected = np.zeros((K * C, K * C))
    for n in range(len(Xt)):
        for k in range(K):
            for k2 in range(K):
                if out == "sigmoid":
                    g = y[n, k] * (1 - y[n, k]) if k == k2 else 0.0
                else:
                    g = y[n, k] * (k == k2) - y[n, k] * y[n, k2]
                expected[k * C:(k + 1) * C, k2 * C:(k2 + 1) * C] += g * np.outer(Xt[n], Xt[n])
    assert_close(lib.hessian_exact(p.net, p.w, p.X, p.T), expected, 1e-12, "H")


@given(problems(hidden_layers=st.integers(1, 3), outputs=st.sampled_from(OUTPUTS)))
def test_residual_term_is_errors_times_second_derivatives_of_a(p):
    """(5.83) generalised: H - H_op = sum_n sum_k (dE_n/da_nk) grad grad a_nk with
    dE_n/da_nk = y_nk - t_nk; the right side from central differences of the output Jacobian
    and the reference outputs. hessian_residual_term is that right side."""
    out = p.net.output.name
    y = forward_loop(p.net.sizes, p.net.hidden.name, out, p.w, p.X)[1]
    hess_a = central_differences(lambda w: lib.output_jacobian(p.net, w, p.X), p.w, 1e-5)
    expected = np.einsum("nk,nkij->ij", y - p.T, hess_a)
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    H_op = lib.hessian_outer_product(p.net, p.w, p.X, p.T)
    R = lib.hessian_residual_term(p.net, p.w, p.X, p.T)
    assert_close(H - H_op, expected, 1e-6, "H - H_op")
    assert_close(R, expected, 1e-6, "hessian_residual_term")
    assert_close(R, H - H_op, 1e-11, "hessian_residual_term vs H - H_op")


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
    assert_close(lib.hessian_exact(net, w, [[x]], [[t]]), expected, 1e-14, "H")
