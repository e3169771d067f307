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
