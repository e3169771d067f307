"""The inverse of the outer-product Hessian (PRML 5.4.3), built up one pattern at a time.

The outer-product approximation (5.84)-(5.86) is a sum of one term per pattern, so its
inverse can be updated as the patterns arrive, (5.87)-(5.89), starting from H_0 = alpha I:

    H_{L+1} = H_L + b b^T,    H_{L+1}^-1 = H_L^-1 - (H_L^-1 b)(H_L^-1 b)^T / (1 + b^T H_L^-1 b).

With K outputs (PRML Exercise 5.21) pattern n adds B_n^T G_n B_n = A_n^T A_n, A_n = L_n^T B_n
(G_n = L_n L_n^T, B_n = output_jacobian), that is K rank-one terms, one for each row of A_n.
The result is the inverse of H_op + alpha I, never the inverse of H_op itself.

`inverse_outer_product` makes the N K rank-one updates of (5.89) one by one;
`inverse_outer_product_blocked` adds b rows at a time by the Woodbury identity (C.7), of which
(5.88) is the case b = 1: the same result, with matrix-matrix instead of matrix-vector products.
"""

import numbers

import numpy as np

from .backprop import jacobian_from_forward
from .chunks import check_fits, pattern_chunks, take_patterns
from .validation import check_targets


def _check_alpha(alpha):
    """alpha must be a positive, finite real number (not a bool)."""
    if isinstance(alpha, bool | np.bool_) or not isinstance(alpha, numbers.Real) or not (
        np.isfinite(alpha) and alpha > 0
    ):
        raise ValueError(f"alpha: expected a positive finite real number (H_0 = alpha I); "
                         f"got {alpha!r}")
    return float(alpha)


def _check_block(block):
    """block must be a positive integer number of rows (not a bool)."""
    if isinstance(block, bool | np.bool_) or not isinstance(block, numbers.Integral) or block < 1:
        raise ValueError(f"block: expected a positive integer number of rows per update; "
                         f"got {block!r}")
    return int(block)


def _start(net, w, X, T, alpha):
    """Checked arguments, the forward pass and H_0^-1 = I / alpha, (W, W)."""
    alpha = _check_alpha(alpha)
    fwd = net.forward(w, X)
    check_targets(net, T, fwd.y.shape[0])     # G_n does not depend on T, but T must be valid
    W = net.n_weights
    H_inv = np.zeros(check_fits("inverse of the outer-product Hessian", (W, W)))
    H_inv[np.diag_indices(W)] = 1.0 / alpha
    return fwd, H_inv


def _data_rows(net, fwd, rows):
    """The rows of A for the patterns `rows` (a slice): A_n = L_n^T B_n, (c K, W), so that
    sum_n B_n^T G_n B_n = A^T A over these patterns."""
    part = take_patterns(fwd, rows)
    B = jacobian_from_forward(net, part)                                 # (c, K, W), (5.84)
    L_T = net.output.hessian_factor(part.a[-1]).transpose(0, 2, 1)       # (c, K, K)
    return (L_T @ B).reshape(-1, net.n_weights)


def inverse_outer_product(net, w, X, T, alpha):
    """(H_op + alpha I)^-1 by the sequential rank-one updates (5.87)-(5.89) from H_0 = alpha I.

    H_op = sum_n B_n^T G_n B_n is the outer-product approximation (5.84)-(5.86) for any
    output (sum-of-squares, sigmoid or softmax with cross-entropy). Each pattern brings K rows
    a of A_n = L_n^T B_n (Exercise 5.21), and each row one update (5.89):

        u = H^-1 a,    H^-1 <- H^-1 - u u^T / (1 + a^T u)

    (written as s s^T with s = u / sqrt(1 + a^T u), so H^-1 stays exactly symmetric).
    PRML chooses alpha small; the data directions hardly depend on it, but directions that
    no pattern's gradient reaches keep the eigenvalue 1 / alpha.

    X : (N, D), T : (N, K), alpha > 0 -> (W, W).
    Cost O(N K W^2): N K updates of O(W^2) each (a matrix-vector product and a rank-one
    update). Memory O(W^2 + chunk K W), the Jacobian taken a chunk of patterns at a time.
    Same result, faster: inverse_outer_product_blocked.
    """
    fwd, H_inv = _start(net, w, X, T, alpha)
    for rows in pattern_chunks(fwd.y.shape[0], net.K * net.n_weights):
        for a in _data_rows(net, fwd, rows):
            u = H_inv @ a                                  # H_L^-1 b_{L+1}
            s = u / np.sqrt(1.0 + a @ u)                   # 1 + b^T H_L^-1 b >= 1
            H_inv -= np.outer(s, s)                        # (5.89)
    return H_inv


def inverse_outer_product_blocked(net, w, X, T, alpha, block=64):
    """(H_op + alpha I)^-1 as inverse_outer_product gives it, but b = `block` rows of A at a
    time by the Woodbury identity (C.7), the rank-b form of (5.88)-(5.89):

        U = H^-1 A_b^T (W, b),   S = I_b + A_b U (b, b),   H^-1 <- H^-1 - U S^-1 U^T,

    with S = R R^T (Cholesky) and U S^-1 U^T = V V^T, V = U R^-T, so that H^-1 stays
    symmetric. The patterns are taken max(1, block // K) at a time, so an update has at most
    max(block, K) rows.

    X : (N, D), T : (N, K), alpha > 0, block >= 1 -> (W, W).
    Cost O(N K W^2), the same count as the sequential updates, but in matrix-matrix products
    (BLAS level 3), plus O(N K b^2) for the b x b factorisations. Memory O(W^2 + b W).
    """
    block = _check_block(block)
    fwd, H_inv = _start(net, w, X, T, alpha)
    per_chunk = max(1, block // net.K)
    for rows in pattern_chunks(fwd.y.shape[0], 1, chunk=per_chunk):
        A = _data_rows(net, fwd, rows)
        for start in range(0, len(A), block):
            A_b = A[start:start + block]                               # (b, W)
            U = H_inv @ A_b.T                                          # (W, b)
            R = np.linalg.cholesky(np.eye(len(A_b)) + A_b @ U)         # S = R R^T
            V = np.linalg.solve(R, U.T).T                              # U R^-T
            H_inv -= V @ V.T
    return H_inv
