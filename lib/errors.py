"""Output activations paired with their canonical error functions (PRML section 5.2).

Each pairing gives dE_n/da_k = y_nk - t_nk (PRML 5.18 and the remarks after 4.90), and
the per-pattern output-layer Hessian G_n = d^2 E_n / da da^T that the second-order
formulas need:

=============  =============================  ===============================  ====
output         error E_n                      G_n = d^2E_n / da da^T           PRML
=============  =============================  ===============================  ====
``identity``   1/2 sum_k (y_k - t_k)^2        I                                5.82
``sigmoid``    -sum_k t ln y + (1-t) ln(1-y)  diag(y (1 - y))                  5.85
``softmax``    -sum_k t_k ln y_k              diag(y) - y y^T                  5.85
=============  =============================  ===============================  ====

Saturation. A confident network has |a| of 20 to 100, where y = 1 - 2e-18 rounds to 1 and
every formula with 1 - y, y - y^2 or softplus(a) - t a cancels to 0 (or below). Every
function here therefore takes a and writes each quantity as a sum or product of terms of
one sign: 1 - sigma(a) = sigma(-a); for softmax 1 - y_k = sum_{j != k} y_j, summed
directly; the errors as sum_k t softplus(-a) + (1 - t) softplus(a) and
sum_k t_k (logsumexp(a) - a_k), both >= 0. Each result then keeps a relative error of a
few ulps for any a (tests/test_saturation.py checks |a| = 20, 40, 100 against mpmath);
only y - t itself cancels, when t is not 0 or 1 and y is close to t.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .activations import _sigmoid, _sigmoid_d1


class OutputError(NamedTuple):
    """An output activation y = f(a) with its canonical per-pattern error E_n(a, t).

    Every function takes the output pre-activations a (N, K), not y = f(a): near
    saturation y rounds to 0 or 1 and formulas in y lose what a still carries.
    error(a, t) -> (N,); delta(a, t) = dE_n/da -> (N, K); hessian(a) = G_n -> (N, K, K);
    hessian_factor(a) = L_n with L_n L_n^T = G_n -> (N, K, K); hessian_diagonal(a) -> (N, K).
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    error: Callable[[np.ndarray, np.ndarray], np.ndarray]
    delta: Callable[[np.ndarray, np.ndarray], np.ndarray]
    hessian: Callable[[np.ndarray], np.ndarray]
    hessian_factor: Callable[[np.ndarray], np.ndarray]
    hessian_diagonal: Callable[[np.ndarray], np.ndarray]


def _exp_of_difference(x, m):
    """exp(x - m) to full relative precision, even when x - m is not a float.

    The difference d = x - m rounds to the nearest float, and exp turns that absolute error
    (up to ulp(d) / 2, 7e-15 when |d| = 100) into a relative error of the same size. The
    rounding error r = (x - m) - d is itself a float and is recovered exactly by Knuth's
    two-sum (five more additions), so exp(x - m) = exp(d) exp(r) = exp(d) (1 + r) up to
    r^2 / 2 (below 1e-28 for |d| <= 100). Without it softmax would be off by 30 ulps at
    a = (100, 99.63, -0.4); with it by at most 1.
    """
    d = x - m
    x_part = d + m                              # the part of d that came from x ...
    m_part = d - x_part                         # ... and the part that came from -m
    r = (x - x_part) + (-m - m_part)
    e = np.exp(d)
    return e + e * r


def _softmax_parts(a):
    """The pieces every softmax formula is built from, along the last axis of a:

    e : exp(a_k - max_j a_j), so that the largest entry is exactly 1 and nothing overflows;
    total : sum_k e_k (>= 1);
    others : sum_{j != k} e_j for each k, summed directly, never as total - e_k, which
        cancels when one e_k dominates. others / total = 1 - y_k.
    """
    e = _exp_of_difference(a, a.max(axis=-1, keepdims=True))
    K = a.shape[-1]
    others = np.sum(e[..., None, :] * (1.0 - np.eye(K)), axis=-1)   # sum_{j != k} e_j
    total = e.sum(axis=-1, keepdims=True)
    return e, total, others


def _softmax(a):
    """Softmax y_k = exp(a_k) / sum_j exp(a_j), PRML (4.104), along the last axis."""
    e, total, _ = _softmax_parts(a)
    return e / total


def _softplus(x):
    """softplus(x) = ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): no overflow, and accurate
    when it is tiny (softplus(-40) = 4.2e-18)."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _sum_of_squares(a, t):
    """E_n = 1/2 sum_k (y_nk - t_nk)^2, PRML (5.11) and (5.82); shape (N,)."""
    return 0.5 * np.sum((a - t) ** 2, axis=-1)


def _binary_cross_entropy(a, t):
    """E_n = -sum_k t ln y + (1 - t) ln(1 - y), PRML (5.21), from a without overflow.

    ln y = -softplus(-a) and ln(1 - y) = -softplus(a), so
    E_n = sum_k t softplus(-a) + (1 - t) softplus(a): a sum of non-negative terms, never
    negative and without the cancellation of softplus(a) - t a when the pattern is
    confidently right (a = 40, t = 1 gives 4.2e-18, not 0).
    """
    return np.sum(t * _softplus(-a) + (1.0 - t) * _softplus(a), axis=-1)


def _multiclass_cross_entropy(a, t):
    """E_n = -sum_k t_k ln y_k, PRML (5.24), from a: -ln y_k = logsumexp(a) - a_k, so

        E_n = sum_k t_k (logsumexp(a) - a_k),
        logsumexp(a) - a_k = (m - a_k) + ln(1 + sum_{j != k*} e^{a_j - m})

    with m = a_k* the largest a. Both parts are >= 0, so E_n >= 0 and nothing cancels;
    ln(1 + r) is evaluated as log1p(r), which keeps r = 2e-18 (not 0) when one class
    dominates by 40.
    """
    e, _, others = _softmax_parts(a)
    m = a.max(axis=-1, keepdims=True)
    k_max = np.argmax(a, axis=-1)[..., None]
    r = np.take_along_axis(others, k_max, axis=-1)       # sum_{j != k*} e_j
    return np.sum(t * ((m - a) + np.log1p(r)), axis=-1)


def _identity_delta(a, t):
    """dE_n/da_k = y_k - t_k = a_k - t_k (PRML 5.18)."""
    return a - t


def _sigmoid_delta(a, t):
    """dE_n/da_k = y_k - t_k (PRML 4.91) as -t sigma(-a) + (1 - t) sigma(a): the same
    number, but accurate to an ulp when t is 0 or 1 (sigma(a) - 1 would round
    -sigma(-a) = -4e-18 to 0)."""
    return -t * _sigmoid(-a) + (1.0 - t) * _sigmoid(a)


def _softmax_delta(a, t):
    """dE_n/da_k = y_k - t_k (PRML 4.109, with sum_k t_k = 1) as
    y_k (1 - t_k) - t_k sum_{j != k} y_j: for a one-hot t it is -sum_{j != k} y_j at the
    target class, computed without forming 1 - y_k."""
    e, total, others = _softmax_parts(a)
    return (e * (1.0 - t) - t * others) / total


def _identity_hessian(a):
    return np.broadcast_to(np.eye(a.shape[-1]), a.shape + a.shape[-1:])


def _sigmoid_hessian(a):
    """G = diag(y (1 - y)) with y (1 - y) = sigma(a) sigma(-a) (5.85)."""
    return _sigmoid_d1(a)[..., :, None] * np.eye(a.shape[-1])


def _softmax_hessian(a):
    """G = diag(y) - y y^T, the softmax analogue of (5.85): G_kk = y_k sum_{j != k} y_j
    (= y_k (1 - y_k) without the subtraction), G_kj = -y_k y_j."""
    e, total, others = _softmax_parts(a)
    y = e / total
    G = -y[..., :, None] * y[..., None, :]
    diagonal = np.arange(a.shape[-1])
    G[..., diagonal, diagonal] = y * others / total
    return G


def _identity_factor(a):
    return _identity_hessian(a)


def _sigmoid_factor(a):
    """L = diag(sqrt(sigma(a) sigma(-a))), L L^T = G."""
    return np.sqrt(_sigmoid_d1(a))[..., :, None] * np.eye(a.shape[-1])


def _softmax_factor(a):
    """L with L L^T = diag(y) - y y^T: L = diag(s) - y s^T with s = sqrt(y) (uses sum_k y_k = 1).

    Its diagonal s_k - y_k s_k = s_k sum_{j != k} y_j is formed without the subtraction.
    """
    e, total, others = _softmax_parts(a)
    y = e / total
    s = np.sqrt(y)
    L = -y[..., :, None] * s[..., None, :]
    diagonal = np.arange(a.shape[-1])
    L[..., diagonal, diagonal] = s * others / total
    return L


def _sigmoid_diagonal(a):
    return _sigmoid_d1(a)


def _softmax_diagonal(a):
    e, total, others = _softmax_parts(a)
    return e * others / total**2


OUTPUT_ERRORS = {
    "identity": OutputError(
        "identity", lambda a: a, _sum_of_squares, _identity_delta, _identity_hessian,
        _identity_factor, np.ones_like,
    ),
    "sigmoid": OutputError(
        "sigmoid", _sigmoid, _binary_cross_entropy, _sigmoid_delta, _sigmoid_hessian,
        _sigmoid_factor, _sigmoid_diagonal,
    ),
    "softmax": OutputError(
        "softmax", _softmax, _multiclass_cross_entropy, _softmax_delta, _softmax_hessian,
        _softmax_factor, _softmax_diagonal,
    ),
}


def get_output_error(name: str) -> OutputError:
    """Look up an output activation and its error by name ('identity', 'sigmoid', 'softmax')."""
    if not isinstance(name, str) or name not in OUTPUT_ERRORS:
        raise ValueError(
            f"output: expected an output activation in {sorted(OUTPUT_ERRORS)}; got {name!r}"
        )
    return OUTPUT_ERRORS[name]
