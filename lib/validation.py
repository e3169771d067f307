"""Argument checks that name the argument, what was expected and what was received.

Every check returns a float64 array (a new one only when a conversion is needed) and never
writes into the caller's array.
"""

import numbers

import numpy as np

REAL_KINDS = "biuf"     # numpy dtype kinds of real numbers: bool, signed, unsigned, float


def _as_real_array(name, value):
    """value as a numpy array of real numbers in its own dtype (no conversion yet)."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:              # e.g. ragged nested lists
        raise ValueError(
            f"{name}: expected an array of real numbers; got {type(value).__name__}"
        ) from exc
    if array.dtype.kind not in REAL_KINDS:              # complex, strings, objects, None
        raise ValueError(
            f"{name}: expected an array of real numbers; got {type(value).__name__} "
            f"of dtype {array.dtype}"
        )
    return array


def _check_ndim_and_finite(name, array, ndim_allowed):
    if array.ndim not in ndim_allowed:
        dims = " or ".join(f"{d}-D" for d in ndim_allowed)
        raise ValueError(f"{name}: expected a {dims} array; got shape {array.shape}")
    array = np.asarray(array, dtype=float)
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name}: expected finite numbers; got {bad} NaN or inf entries")
    return array


def _as_finite_array(name, value, ndim_allowed):
    """value as a finite float64 array with one of the allowed numbers of dimensions."""
    return _check_ndim_and_finite(name, _as_real_array(name, value), ndim_allowed)


def check_weights(net, w):
    """w must be a finite (W,) vector with W = net.n_weights."""
    w = _as_finite_array("w", w, (1,))
    if w.shape != (net.n_weights,):
        raise ValueError(
            f"w: expected shape (W,) = ({net.n_weights},) for sizes {net.sizes}; got {w.shape}"
        )
    return w


def check_inputs(net, X):
    """X must be a finite (N, D) array with N >= 1 patterns and D = sizes[0]."""
    X = _as_finite_array("X", X, (2,))
    if X.shape[0] < 1 or X.shape[1] != net.D:
        raise ValueError(f"X: expected shape (N, D) with N >= 1 and D = {net.D}; got {X.shape}")
    return X


def _class_labels_to_one_hot(labels, N, K):
    """Integer class labels (N,) with values in [0, K) -> one-hot targets (N, K)."""
    if labels.shape != (N,):
        raise ValueError(
            f"T: expected integer class labels of shape (N,) = ({N},) to match X's {N} rows; "
            f"got shape {labels.shape}"
        )
    if labels.min() < 0 or labels.max() >= K:
        raise ValueError(
            f"T: expected integer class labels in [0, K) = [0, {K}); got values in "
            f"[{labels.min()}, {labels.max()}]"
        )
    return np.eye(K)[labels]


def softmax_row_sum_tolerance(dtype, K):
    """How far a row of softmax targets may sum from 1: 8 K eps of the targets' dtype
    (eps of float64 for integer or boolean targets), a few roundings per entry."""
    dtype = np.dtype(dtype)
    eps = np.finfo(dtype if dtype.kind == "f" else float).eps
    return 8 * K * float(eps)


def check_targets(net, T, N):
    """T must be (N, K) (or (N,) when K = 1), finite and valid for the output's error.

    sigmoid: every t in [0, 1]. softmax: t >= 0 and every row sums to 1 within
    `softmax_row_sum_tolerance`; integer class labels of shape (N,) with values in [0, K)
    are accepted too and returned as one-hot rows (N, K).
    """
    raw = _as_real_array("T", T)
    if net.output.name == "softmax" and raw.ndim == 1 and raw.dtype.kind in "iu":
        return _class_labels_to_one_hot(raw, N, net.K)
    T = _check_ndim_and_finite("T", raw, (1, 2))
    received = T.shape
    if T.ndim == 1 and net.K == 1:
        T = T[:, None]
    if T.shape != (N, net.K):
        labels = ", or integer class labels of shape (N,)," if net.output.name == "softmax" else ""
        raise ValueError(
            f"T: expected shape (N, K) = ({N}, {net.K}){labels} to match X's {N} rows; "
            f"got {received}"
        )
    if net.output.name == "sigmoid" and (T.min() < 0.0 or T.max() > 1.0):
        raise ValueError(
            f"T: expected targets in [0, 1] for sigmoid outputs; got values in "
            f"[{T.min()}, {T.max()}]"
        )
    if net.output.name == "softmax":
        if T.min() < 0.0:
            raise ValueError(
                f"T: expected non-negative targets for softmax outputs; got minimum {T.min()}"
            )
        tolerance = softmax_row_sum_tolerance(raw.dtype, net.K)
        sums = T.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > tolerance)
        if bad.size:
            raise ValueError(
                f"T: expected softmax target rows that sum to 1 (within 8 K eps = "
                f"{tolerance:.1e}); got row {bad[0]} summing to {sums[bad[0]]} "
                f"({bad.size} of {N} rows off)"
            )
    return T


def check_directions(net, V):
    """V must be a finite (W,) vector or (c, W) stack of c >= 1 direction vectors."""
    V = _as_finite_array("v", V, (1, 2))
    if V.shape[-1] != net.n_weights:
        raise ValueError(
            f"v: expected shape (W,) or (c, W) with W = {net.n_weights}; got {V.shape}"
        )
    if V.ndim == 2 and V.shape[0] < 1:
        raise ValueError(
            f"v: expected at least one direction, shape (c, W) with c >= 1; got {V.shape}"
        )
    return V


def check_step(eps):
    """A finite-difference step must be a positive, finite real number (not a bool)."""
    if isinstance(eps, bool | np.bool_) or not isinstance(eps, numbers.Real) or not (
        np.isfinite(eps) and eps > 0
    ):
        raise ValueError(f"eps: expected a positive step size; got {eps!r}")
    return float(eps)
