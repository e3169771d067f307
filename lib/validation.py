"""Argument checks that name the argument, what was expected and what was received."""

import numpy as np


def _as_finite_array(name, value, ndim_allowed):
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name}: expected an array of numbers; got {type(value).__name__}"
        ) from exc
    if array.ndim not in ndim_allowed:
        dims = " or ".join(f"{d}-D" for d in ndim_allowed)
        raise ValueError(f"{name}: expected a {dims} array; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name}: expected finite numbers; got {bad} NaN or inf entries")
    return array


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


def check_targets(net, T, N):
    """T must be (N, K) (or (N,) when K = 1), finite and valid for the output's error."""
    T = _as_finite_array("T", T, (1, 2))
    received = T.shape
    if T.ndim == 1 and net.K == 1:
        T = T[:, None]
    if T.shape != (N, net.K):
        raise ValueError(
            f"T: expected shape (N, K) = ({N}, {net.K}) to match X's {N} rows; got {received}"
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
        sums = T.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
        if bad.size:
            raise ValueError(
                f"T: expected softmax target rows that sum to 1; got row {bad[0]} summing to "
                f"{sums[bad[0]]} ({bad.size} of {N} rows off)"
            )
    return T


def check_directions(net, V):
    """V must be a finite (W,) vector or (c, W) stack of direction vectors."""
    V = _as_finite_array("v", V, (1, 2))
    if V.shape[-1] != net.n_weights:
        raise ValueError(
            f"v: expected shape (W,) or (c, W) with W = {net.n_weights}; got {V.shape}"
        )
    return V
