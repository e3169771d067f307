"""Conjugate gradients from products only (the use of H v that PRML 5.4.6 names)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lib


@given(st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_conjugate_gradient_solves_a_positive_definite_system_in_n_steps(n, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = Q @ np.diag(rng.uniform(1.0, 10.0, size=n)) @ Q.T       # condition number <= 10
    b = rng.normal(size=n)
    calls = []
    xs, residuals = lib.conjugate_gradient(lambda p: calls.append(1) or A @ p, b, iterations=n)
    assert xs.shape[1] == n and len(xs) == len(residuals) == len(calls) + 1 <= n + 1
    x_ref = np.linalg.solve(A, b)
    assert np.linalg.norm(xs[-1] - x_ref) <= 1e-9 * np.linalg.norm(x_ref)
    recomputed = np.linalg.norm(b - xs @ A.T, axis=1)             # |b - A x_k| directly
    assert np.allclose(residuals, recomputed, rtol=1e-6, atol=1e-9 * np.linalg.norm(b))


def test_conjugate_gradient_stops_at_the_tolerance():
    A = np.diag(np.arange(1.0, 31.0))
    b = np.ones(30)
    xs, residuals = lib.conjugate_gradient(lambda p: A @ p, b, iterations=30, tol=1e-3)
    assert residuals[-1] <= 1e-3 * residuals[0] < residuals[-2]


def test_conjugate_gradient_names_an_indefinite_operator_and_bad_arguments():
    A = np.diag([1.0, -2.0])
    with pytest.raises(ValueError, match="positive definite"):
        lib.conjugate_gradient(lambda p: A @ p, np.array([1.0, 1.0]), iterations=2)
    with pytest.raises(ValueError, match="iterations: expected a positive integer"):
        lib.conjugate_gradient(lambda p: p, np.ones(2), iterations=0)
    with pytest.raises(ValueError, match="tol: expected a number >= 0"):
        lib.conjugate_gradient(lambda p: p, np.ones(2), iterations=2, tol=-1)
    with pytest.raises(ValueError, match=r"matvec: expected a product of shape \(2,\)"):
        lib.conjugate_gradient(lambda p: np.ones(3), np.ones(2), iterations=2)
    with pytest.raises(ValueError, match="b:"):
        lib.conjugate_gradient(lambda p: p, np.ones((2, 2)), iterations=2)


def test_levenberg_marquardt_takes_the_damped_outer_product_step():
    """Each iterate is w - (H_op + lambda I)^-1 grad E, written out here with the closed-form
    H_op = J^T J of a linear model (no hidden layer), where one step with a tiny lambda solves
    the least-squares problem."""
    rng = np.random.default_rng(7)
    net = lib.MLP([3, 1], "tanh", "identity")                    # a_n = w_0 + w^T x_n
    X, T = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    w0 = net.init(seed=1)
    J = np.hstack([np.ones((20, 1)), X])                         # d a_n / d w
    ws = lib.levenberg_marquardt(net, w0, X, T, lam=0.5, n_iter=3)
    assert ws.shape == (4, net.n_weights) and np.array_equal(ws[0], w0)
    for k in range(3):
        grad = J.T @ (J @ ws[k] - T[:, 0])
        expected = ws[k] - np.linalg.solve(J.T @ J + 0.5 * np.eye(4), grad)
        assert np.allclose(ws[k + 1], expected, rtol=1e-12, atol=1e-12)
    one = lib.levenberg_marquardt(net, w0, X, T, lam=1e-12, n_iter=1)[-1]
    assert np.allclose(one, np.linalg.lstsq(J, T[:, 0], rcond=None)[0], atol=1e-8)
    with pytest.raises(ValueError, match="lam: expected a damping lambda > 0"):
        lib.levenberg_marquardt(net, w0, X, T, lam=0.0, n_iter=1)
    with pytest.raises(ValueError, match="n_iter: expected a number of iterations >= 0"):
        lib.levenberg_marquardt(net, w0, X, T, lam=1.0, n_iter=-1)
