"""Iterations that use the Hessian or its approximations: conjugate gradients on H v products
(5.4.6) and Levenberg-Marquardt training with the outer product (5.4.2).

PRML 5.4.6 motivates fast Hessian-vector products (5.96-5.111) by algorithms that need only
H v, such as conjugate gradients for a system H x = b (Moller 1993). `conjugate_gradient` takes
the product as a function, so lib.hessian_vector_product (or a damped (H + lambda I) v) can be
passed in: each iteration costs one product, O(N W), and memory stays O(W).
"""

import numbers

import numpy as np

from .approximations import hessian_outer_product
from .backprop import gradient
from .validation import _as_finite_array, check_weights


def conjugate_gradient(matvec, b, iterations, tol=0.0):
    """The conjugate-gradient method for A x = b, A symmetric positive definite, from x_0 = 0,
    given only the product p -> A p (one call per iteration).

    Stops after ``iterations`` products, or earlier when the residual norm |r_k| is at most
    tol |b|. Returns (xs, residuals): the iterates x_0, ..., x_k as rows of a (k + 1, n) array
    and the residual norms |r_0|, ..., |r_k| of the recursion r_k = r_k-1 - alpha A p (equal
    to |b - A x_k| in exact arithmetic). In exact arithmetic it ends after at most n steps.
    Raises ValueError when p^T A p <= 0 for a search direction: A is not positive definite.
    """
    b = _as_finite_array("b", b, (1,))
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral) \
            or iterations < 1:
        raise ValueError(f"iterations: expected a positive integer; got {iterations!r}")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol: expected a number >= 0; got {tol!r}")
    x, r = np.zeros_like(b), b.copy()
    p, rr = r.copy(), float(r @ r)
    xs, residuals = [x.copy()], [np.sqrt(rr)]
    for _ in range(int(iterations)):
        if np.sqrt(rr) <= tol * residuals[0]:             # with tol = 0: r = 0 exactly
            break
        Ap = np.asarray(matvec(p), dtype=float)
        if Ap.shape != b.shape:
            raise ValueError(f"matvec: expected a product of shape {b.shape}; got {Ap.shape}")
        curvature = float(p @ Ap)
        if not curvature > 0:
            raise ValueError(f"matvec: p^T A p = {curvature:.3e} <= 0 along a search direction; "
                             "conjugate gradients need a positive definite A "
                             "(for an indefinite H, add lambda I)")
        alpha = rr / curvature
        x, r = x + alpha * p, r - alpha * Ap
        rr_new = float(r @ r)
        p, rr = r + (rr_new / rr) * p, rr_new
        xs.append(x.copy())
        residuals.append(np.sqrt(rr))
    return np.array(xs), np.array(residuals)


def levenberg_marquardt(net, w, X, T, lam, n_iter):
    """Training with the outer-product Hessian (PRML 5.4.2): the Levenberg-Marquardt iteration
    with a fixed damping lambda,

        w <- w - (H_op + lambda I)^-1 grad E,     H_op = sum_n B_n^T G_n B_n (5.84, 5.85),

    from ``w``. Returns the iterates w_0 = w, w_1, ..., w_n_iter as rows of an (n_iter + 1, W)
    array. lambda > 0 keeps the system positive definite even where H_op is singular.
    """
    w = check_weights(net, w)
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not lam > 0:
        raise ValueError(f"lam: expected a damping lambda > 0; got {lam!r}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, numbers.Integral) or n_iter < 0:
        raise ValueError(f"n_iter: expected a number of iterations >= 0; got {n_iter!r}")
    iterates = [w]
    for _ in range(int(n_iter)):
        step_matrix = hessian_outer_product(net, w, X, T) + lam * np.eye(net.n_weights)
        w = w - np.linalg.solve(step_matrix, gradient(net, w, X, T))
        iterates.append(w)
    return np.array(iterates)
