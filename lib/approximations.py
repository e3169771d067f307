"""Approximations to the Hessian: diagonal (PRML 5.4.1) and outer product (5.4.2).

Both work through the second derivatives with respect to the pre-activations a_j, which
obey the backward recursion (5.80); Becker and LeCun's approximation (5.81) keeps only its
diagonal.
"""

import numpy as np

from .backprop import _forward_backward, jacobian_from_forward
from .validation import check_targets


def second_derivatives_exact(net, w, X, T):
    """The exact d^2 E_n / da_j da_j' for every layer, by the matrix form of (5.80):

        d^2E_n/da_j da_j' = h'(a_j) h'(a_j') sum_k sum_k' w_kj w_k'j' d^2E_n/da_k da_k'
                            + [j = j'] h''(a_j) sum_k w_kj dE_n/da_k

    started from G_n = d^2 E_n / da da^T at the outputs. Its diagonal (j = j') is (5.80).
    X : (N, D), T : (N, K) -> [S_1, ..., S_L], S_l of shape (N, M_l, M_l).
    Cost O(N sum_l M_l^2 M_{l+1}): more than O(W) per pattern.
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    S = [np.array(net.output.hessian(fwd.a[-1]))]
    for l in range(len(fwd.Ws) - 2, -1, -1):
        W_next = fwd.Ws[l + 1][:, 1:]                       # w_kj, (M_{l+1}, M_l)
        dh = net.hidden.dh(fwd.a[l])
        curvature = W_next.T @ S[-1] @ W_next                # sum_kk' w_kj w_k'j' S_kk'
        S_l = dh[:, :, None] * curvature * dh[:, None, :]
        diag = np.arange(S_l.shape[-1])
        S_l[:, diag, diag] += net.hidden.d2h(fwd.a[l]) * (deltas[l + 1] @ W_next)
        S.append(S_l)
    return S[::-1]


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


def diagonal_from_second_derivatives(net, w, X, d2E_da2):
    """Per-pattern diagonal of the Hessian from d^2 E_n / da_j^2 by (5.79):

        d^2 E_n / dw_ji^2 = d^2 E_n / da_j^2  z_i^2        (z_0 = 1 for the bias w_j0)

    d2E_da2 : list of (N, M_l) (e.g. from second_derivatives_becker_lecun, or the diagonals
    of second_derivatives_exact, with which this is exact) -> (N, W). Cost O(N W).
    """
    fwd = net.forward(w, X)
    N = fwd.y.shape[0]
    if len(d2E_da2) != len(fwd.Ws):
        raise ValueError(f"d2E_da2: expected one (N, M_l) array for each of the {len(fwd.Ws)} "
                         f"layers; got {len(d2E_da2)}")
    for l, (s, W) in enumerate(zip(d2E_da2, fwd.Ws), start=1):
        if np.shape(s) != (N, W.shape[0]):
            raise ValueError(f"d2E_da2[{l - 1}]: expected shape (N, M_l) = {(N, W.shape[0])} "
                             f"for layer {l}; got {np.shape(s)}")
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


def hessian_outer_product(net, w, X, T):
    """Outer-product (Levenberg-Marquardt, Gauss-Newton) approximation of H:

        sum-of-squares       H ~ sum_n b_n b_n^T                            (5.84)
        sigmoid + CE         H ~ sum_n y_n (1 - y_n) b_n b_n^T              (5.85)
        softmax + CE         H ~ sum_n B_n^T (diag y_n - y_n y_n^T) B_n

    with b_n = grad a_n (rows of B_n, from output_jacobian), summed over the K outputs; in
    general sum_n B_n^T G_n B_n with G_n = d^2 E_n / da da^T. Computed as A^T A with
    A_n = L_n^T B_n, G_n = L_n L_n^T, so the result is positive semi-definite by construction.
    Equals H when every residual is zero and when there is no hidden layer.
    X : (N, D), T : (N, K) -> (W, W). Cost O(N K W^2).
    """
    fwd = net.forward(w, X)
    check_targets(net, T, fwd.y.shape[0])
    B = jacobian_from_forward(net, fwd)
    if net.output.name != "identity":
        B = net.output.hessian_factor(fwd.a[-1]).transpose(0, 2, 1) @ B
    A = B.reshape(-1, net.n_weights)
    return A.T @ A
