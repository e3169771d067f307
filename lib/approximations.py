"""Approximations to the Hessian: diagonal (PRML 5.4.1) and outer product (5.4.2).

Both work through the second derivatives with respect to the pre-activations a_j, which
obey the backward recursion (5.80); Becker and LeCun's approximation (5.81) keeps only its
diagonal.
"""

import numpy as np

from .backprop import (
    _forward_backward,
    _r_forward,
    backpropagate,
    jacobian_rows,
    split_directions,
)
from .chunks import check_fits, chunks_of, pattern_chunks, take_patterns, zeros_checked
from .validation import _as_finite_array, check_directions, check_inputs, check_targets


def second_derivatives_exact(net, w, X, T, chunk=None):
    """The exact d^2 E_n / da_j da_j' for every layer, by the matrix form of (5.80):

        d^2E_n/da_j da_j' = h'(a_j) h'(a_j') sum_k sum_k' w_kj w_k'j' d^2E_n/da_k da_k'
                            + [j = j'] h''(a_j) sum_k w_kj dE_n/da_k

    started from G_n = d^2 E_n / da da^T at the outputs. Its diagonal (j = j') is (5.80).
    X : (N, D), T : (N, K) -> [S_1, ..., S_L], S_l of shape (N, M_l, M_l).
    Cost O(N sum_l M_l^2 M_{l+1}): more than O(W) per pattern. Memory: the result and
    temporaries for `chunk` patterns at a time.
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    N = fwd.y.shape[0]
    S = [np.empty(check_fits("second_derivatives_exact: S_l", (N, m, m)))
         for m in net.sizes[1:]]
    for n in pattern_chunks(N, 3 * max(m * m for m in net.sizes[1:]), chunk):
        S[-1][n] = net.output.hessian(fwd.a[-1][n])
        for l in range(len(fwd.Ws) - 2, -1, -1):
            W_next = fwd.Ws[l + 1][:, 1:]                   # w_kj, (M_{l+1}, M_l)
            dh = net.hidden.dh(fwd.a[l][n])
            curvature = W_next.T @ S[l + 1][n] @ W_next      # sum_kk' w_kj w_k'j' S_kk'
            S_l = S[l][n]                                    # a view: written in place
            np.multiply(dh[:, :, None] * curvature, dh[:, None, :], out=S_l)
            diag = np.arange(S_l.shape[-1])
            S_l[:, diag, diag] += net.hidden.d2h(fwd.a[l][n]) * (deltas[l + 1][n] @ W_next)
    return S


def _becker_lecun(net, fwd, deltas):
    s = [net.output.hessian_diagonal(fwd.a[-1])]
    for l in range(len(fwd.Ws) - 2, -1, -1):
        W_next = fwd.Ws[l + 1][:, 1:]
        a = fwd.a[l]
        s.append(net.hidden.dh(a) ** 2 * (s[-1] @ W_next**2)
                 + net.hidden.d2h(a) * (deltas[l + 1] @ W_next))
    return s[::-1]


def second_derivatives_becker_lecun(net, w, X, T):
    """Becker and LeCun's approximation (5.81) to d^2 E_n / da_j^2, off-diagonal terms dropped:

        d^2E_n/da_j^2 ~ h'(a_j)^2 sum_k w_kj^2 d^2E_n/da_k^2 + h''(a_j) sum_k w_kj dE_n/da_k

    started from the exact diagonal of G_n at the outputs. Exact for one hidden layer when
    G_n is diagonal (sum-of-squares, sigmoid with cross-entropy).
    X : (N, D), T : (N, K) -> [s_1, ..., s_L], s_l of shape (N, M_l). Cost O(N W).
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    return _becker_lecun(net, fwd, deltas)


def _check_second_derivatives(net, d2E_da2, N):
    """d2E_da2 must be a list of L finite real arrays of shapes (N, M_l)."""
    L = len(net.shapes)
    if not isinstance(d2E_da2, list | tuple) or len(d2E_da2) != L:
        got = f"{len(d2E_da2)} items" if isinstance(d2E_da2, list | tuple) else (
            type(d2E_da2).__name__)
        raise ValueError(f"d2E_da2: expected a list of one (N, M_l) array for each of the {L} "
                         f"layers; got {got}")
    checked = []
    for l, (s, m) in enumerate(zip(d2E_da2, net.sizes[1:]), start=1):
        s = _as_finite_array(f"d2E_da2[{l - 1}]", s, (2,))
        if s.shape != (N, m):
            raise ValueError(f"d2E_da2[{l - 1}]: expected shape (N, M_l) = {(N, m)} "
                             f"for layer {l}; got {s.shape}")
        checked.append(s)
    return checked


def diagonal_from_second_derivatives(net, w, X, d2E_da2):
    """Per-pattern diagonal of the Hessian from d^2 E_n / da_j^2 by (5.79):

        d^2 E_n / dw_ji^2 = d^2 E_n / da_j^2  z_i^2        (z_0 = 1 for the bias w_j0)

    d2E_da2 : list of (N, M_l) (e.g. from second_derivatives_becker_lecun, or the diagonals
    of second_derivatives_exact, with which this is exact) -> (N, W). Cost O(N W).
    """
    fwd = net.forward(w, X)
    d2E_da2 = _check_second_derivatives(net, d2E_da2, fwd.y.shape[0])
    N = fwd.y.shape[0]
    blocks = [s[:, :, None] * z[:, None, :] ** 2 for s, z in zip(d2E_da2, fwd.z)]
    return np.concatenate([b.reshape(N, -1) for b in blocks], axis=1)


def hessian_diagonal_approx(net, w, X, T):
    """Becker-LeCun diagonal approximation of H (PRML 5.4.1): (5.79) with (5.81), summed
    over patterns, sum_n s_nj z_ni^2.

    X : (N, D), T : (N, K) -> (W,). Cost O(N W), O(W) per pattern: it never forms a W x W matrix.
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    s = _becker_lecun(net, fwd, deltas)
    return np.concatenate([(s_l.T @ z**2).ravel() for s_l, z in zip(s, fwd.z)])


def hessian_diagonal_exact(net, w, X, T, chunk=None):
    """The exact diagonal of H without forming H: (5.79), which is exact, with the exact
    second derivatives of (5.80) in place of Becker and LeCun's (5.81),

        H_ji,ji = sum_n d^2 E_n / da_j^2  z_ni^2,

    `chunk` patterns at a time. The reference to compare hessian_diagonal_approx against when
    W is too large for hessian_exact.
    X : (N, D), T : (N, K) -> (W,). Cost O(N sum_l M_l^2 M_{l+1}); memory
    O(W + chunk (sum_l M_l^2 + W)), never W x W.
    """
    X = check_inputs(net, X)
    T = check_targets(net, T, len(X))
    diagonal = np.zeros(net.n_weights)
    per_pattern = 3 * sum(m * m for m in net.sizes[1:]) + net.n_weights
    for n in pattern_chunks(len(X), per_pattern, chunk):
        S = second_derivatives_exact(net, w, X[n], T[n])
        s = [np.diagonal(S_l, axis1=1, axis2=2) for S_l in S]
        diagonal += diagonal_from_second_derivatives(net, w, X[n], s).sum(axis=0)
    return diagonal


def hessian_outer_product(net, w, X, T, chunk=None):
    """Outer-product (Levenberg-Marquardt, Gauss-Newton) approximation of H:

        sum-of-squares       H ~ sum_n b_n b_n^T                            (5.84)
        sigmoid + CE         H ~ sum_n y_n (1 - y_n) b_n b_n^T              (5.85)
        softmax + CE         H ~ sum_n B_n^T (diag y_n - y_n y_n^T) B_n

    with b_n = grad a_n (rows of B_n, from output_jacobian), summed over the K outputs; in
    general sum_n B_n^T G_n B_n with G_n = d^2 E_n / da da^T. Computed as A^T A with
    A_n = L_n^T B_n, G_n = L_n L_n^T, so the result is positive semi-definite by construction.
    Equals H when every residual is zero and when there is no hidden layer.
    X : (N, D), T : (N, K) -> (W, W). Cost O(N K W^2); memory O(W^2 + chunk K W).
    """
    fwd = net.forward(w, X)
    check_targets(net, T, fwd.y.shape[0])
    W = net.n_weights
    H = zeros_checked("hessian_outer_product: the (W, W) Hessian", (W, W))
    for part in chunks_of(fwd, net.K * W, chunk):     # a chunk of patterns at a time
        A = _factored_jacobian(net, part)              # A_n = L_n^T B_n, rows (c K, W)
        H += A.T @ A                                   # sum_n B_n^T G_n B_n
    return H


def _factored_jacobian(net, fwd):
    """A_n = L_n^T B_n for the patterns of fwd, with G_n = L_n L_n^T (hessian_factor), as
    (c K, W) rows: backpropagating the rows of L_n^T (5.56) gives them directly, without
    forming B_n (row r of A_n is grad (L_n[:, r] . a_n))."""
    c, K = fwd.y.shape
    L = net.output.hessian_factor(fwd.a[-1])                            # (c, K, K)
    return jacobian_rows(net, fwd, len(fwd.Ws) - 1, np.repeat(np.arange(c), K),
                         L.transpose(0, 2, 1).reshape(c * K, K))


def _add_outer_product(H, net, fwd):
    """H += sum_n B_n^T G_n B_n = A^T A over the patterns of fwd: one symmetric product
    (BLAS syrk) of the (c K, W) rows."""
    A = _factored_jacobian(net, fwd)
    H += A.T @ A


def gauss_newton_vector_product(net, w, X, T, v, chunk=None):
    """The outer-product (Gauss-Newton) approximation times v without forming it,
    sum_n B_n^T G_n B_n v (5.84, 5.85): B_n v by the forward pass of the R-operator
    (5.101-5.103), times G_n, then backpropagated as output errors (5.56) and collected
    as gradients (5.53). Always positive semi-definite: v^T G v = sum_n |L_n^T B_n v|^2.

    v : (W,) or (c, W) -> (W,) or (c, W). Cost O(c N W) (two passes per direction);
    memory O(c W + c chunk sum_l M_l).
    """
    V = check_directions(net, v)
    fwd = net.forward(w, X)
    check_targets(net, T, fwd.y.shape[0])
    Vs = split_directions(net, np.atleast_2d(V))
    c = Vs[0].shape[0]
    GV = np.zeros((c, net.n_weights))
    for n in pattern_chunks(fwd.y.shape[0], 2 * c * sum(net.sizes[1:]), chunk):
        part = take_patterns(fwd, n)
        Bv = _r_forward(net, part, Vs)[0][-1]                            # (c, chunk, K)
        MBv = np.einsum("nkj,cnj->nck", net.output.hessian(part.a[-1]), Bv)
        deltas = backpropagate(net, part, MBv)                           # (chunk, c, M_l)
        GV += np.concatenate([(d.transpose(1, 2, 0) @ z).reshape(c, -1)
                              for d, z in zip(deltas, part.z)], axis=1)
    return GV[0] if V.ndim == 1 else GV
