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
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .activations import _sigmoid


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


def _softmax(a):
    """Softmax y_k = exp(a_k) / sum_j exp(a_j), PRML (4.104), along the last axis."""
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sum_of_squares(a, t):
    """E_n = 1/2 sum_k (y_nk - t_nk)^2, PRML (5.11) and (5.82); shape (N,)."""
    return 0.5 * np.sum((a - t) ** 2, axis=-1)


def _binary_cross_entropy(a, t):
    """E_n = -sum_k t ln y + (1 - t) ln(1 - y), PRML (5.21), from a without overflow."""
    # ln y = -softplus(-a) and ln(1 - y) = -softplus(a), so E_n = sum_k softplus(a) - t a.
    return np.sum(np.logaddexp(0.0, a) - t * a, axis=-1)


def _multiclass_cross_entropy(a, t):
    """E_n = -sum_k t_k ln y_k, PRML (5.24), with sum_k t_k = 1 so E_n = logsumexp(a) - t.a."""
    m = a.max(axis=-1, keepdims=True)
    logsumexp = m[..., 0] + np.log(np.sum(np.exp(a - m), axis=-1))
    return logsumexp - np.sum(t * a, axis=-1)


def _residual(f):
    """dE_n/da_k = y_k - t_k for every canonical pairing (PRML 5.18, 4.91, 4.109)."""
    return lambda a, t: f(a) - t


def _identity_hessian(a):
    return np.broadcast_to(np.eye(a.shape[-1]), a.shape + a.shape[-1:])


def _sigmoid_hessian(a):
    y = _sigmoid(a)
    return y[..., :, None] * (1.0 - y)[..., None, :] * np.eye(a.shape[-1])


def _softmax_hessian(a):
    """G = diag(y) - y y^T, the softmax analogue of (5.85)."""
    y = _softmax(a)
    return y[..., :, None] * np.eye(a.shape[-1]) - y[..., :, None] * y[..., None, :]


def _identity_factor(a):
    return _identity_hessian(a)


def _sigmoid_factor(a):
    y = _sigmoid(a)
    return np.sqrt(y * (1.0 - y))[..., :, None] * np.eye(a.shape[-1])


def _softmax_factor(a):
    """L with L L^T = diag(y) - y y^T: L = diag(s) - y s^T with s = sqrt(y) (uses sum_k y_k = 1)."""
    y = _softmax(a)
    s = np.sqrt(y)
    return s[..., :, None] * np.eye(a.shape[-1]) - y[..., :, None] * s[..., None, :]


def _sigmoid_diagonal(a):
    y = _sigmoid(a)
    return y * (1.0 - y)


def _softmax_diagonal(a):
    y = _softmax(a)
    return y * (1.0 - y)


OUTPUT_ERRORS = {
    "identity": OutputError(
        "identity", lambda a: a, _sum_of_squares, _residual(lambda a: a), _identity_hessian,
        _identity_factor, np.ones_like,
    ),
    "sigmoid": OutputError(
        "sigmoid", _sigmoid, _binary_cross_entropy, _residual(_sigmoid), _sigmoid_hessian,
        _sigmoid_factor, _sigmoid_diagonal,
    ),
    "softmax": OutputError(
        "softmax", _softmax, _multiclass_cross_entropy, _residual(_softmax), _softmax_hessian,
        _softmax_factor, _softmax_diagonal,
    ),
}


def get_output_error(name: str) -> OutputError:
    """Look up an output activation and its error by name ('identity', 'sigmoid', 'softmax')."""
    if name not in OUTPUT_ERRORS:
        raise ValueError(
            f"output: expected an output activation in {sorted(OUTPUT_ERRORS)}; got {name!r}"
        )
    return OUTPUT_ERRORS[name]
