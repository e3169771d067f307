"""The exact Hessian H = grad grad E (PRML 5.78) and its finite-difference check (5.4.4).

The exact Hessian is built from Hessian-vector products v^T H computed with the
R-operator of PRML 5.4.6 (Pearlmutter 1994), one batch of directions at a time, so the
peak memory is O(W^2 + N W): no (N, W, W) array is ever formed.
"""

import numbers

import numpy as np

from .backprop import _forward_backward, gradient
from .validation import check_directions, check_inputs, check_weights


def _r_operator(net, w, X, T, V, output_curvature=True):
    """R{grad E} for a stack of directions V (c, W): returns V H, shape (c, W).

    Forward (PRML 5.101-5.103, any depth):
        R{a_l} = V_l [1, z_{l-1}] + W_l [0, R{z_{l-1}}],    R{z_l} = h'(a_l) R{a_l}
    Backward (5.106-5.107):
        R{delta_L} = G_n R{a_L}    (G_n = d^2 E_n / da da^T at the outputs)
        R{delta_l} = h''(a_l) R{a_l} sum_k w_kj delta_k
                     + h'(a_l) sum_k (v_kj delta_k + w_kj R{delta_k})
    Gradient (5.110-5.111):
        R{dE/dW_l} = sum_n R{delta_l} [1, z_{l-1}]^T + delta_l [0, R{z_{l-1}}]^T

    With output_curvature=False, R{delta_L} = 0: the result is then the second term of
    (5.83) generalised, sum_n sum_k (dE_n/da_k) grad grad a_nk, applied to V.
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    c = V.shape[0]
    Vs = [V[:, start:stop].reshape((c,) + shape)
          for start, stop, shape in zip(net.offsets[:-1], net.offsets[1:], net.shapes)]
    L = len(fwd.Ws)

    # Forward pass of R{.}: Rz[l] = R{z_l} without the bias unit (R{z_0} = R{x} = 0).
    Ra, Rz = [], [None]
    for l in range(L):
        Ra_l = fwd.z[l] @ Vs[l].transpose(0, 2, 1)
        if Rz[l] is not None:
            Ra_l += Rz[l] @ fwd.Ws[l][:, 1:].T
        Ra.append(Ra_l)
        if l < L - 1:
            Rz.append(net.hidden.dh(fwd.a[l]) * Ra_l)

    # Backward pass of R{.}.
    if output_curvature:
        G = net.output.hessian(fwd.a[-1])                       # (N, K, K)
        Rdelta = [np.einsum("nkj,cnj->cnk", G, Ra[-1])]
    else:
        Rdelta = [np.zeros_like(Ra[-1])]
    for l in range(L - 2, -1, -1):
        W_next, V_next = fwd.Ws[l + 1][:, 1:], Vs[l + 1][:, :, 1:]
        back = deltas[l + 1] @ W_next                       # sum_k w_kj delta_k, (N, M_l)
        R_back = Rdelta[-1] @ W_next + deltas[l + 1] @ V_next
        a = fwd.a[l]
        Rdelta.append(net.hidden.d2h(a) * Ra[l] * back + net.hidden.dh(a) * R_back)
    Rdelta = Rdelta[::-1]

    # R{gradient}, layer by layer.
    blocks = []
    for l in range(L):
        block = Rdelta[l].transpose(0, 2, 1) @ fwd.z[l]      # (c, M_l, M_{l-1} + 1)
        if Rz[l] is not None:
            block[:, :, 1:] += deltas[l].T @ Rz[l]
        blocks.append(block.reshape(c, -1))
    return np.concatenate(blocks, axis=1)


def hessian_vector_product(net, w, X, T, v):
    """H v by the R-operator (PRML 5.4.6) without forming H.

    v : (W,) or (c, W) -> (W,) or (c, W). Cost O(c N W), memory O(c N W).
    """
    v = check_directions(net, v)
    result = _r_operator(net, w, X, T, np.atleast_2d(v))
    return result[0] if v.ndim == 1 else result


def _chunked_hessian(net, w, X, T, output_curvature):
    """Stack R-operator products with the unit vectors, a batch of c directions at a time.

    c is chosen so that the (c, N, M_l) intermediate arrays hold at most max(N W, 2^19)
    numbers: peak memory O(W^2 + N W). (Chunks of about 4 MB stay in cache; larger ones were
    slower as well as bigger, see benchmarks/README.md.)
    """
    W = net.n_weights
    N = check_inputs(net, X).shape[0]
    per_direction = N * sum(rows + cols for rows, cols in net.shapes)
    c = int(max(1, max(N * W, 2**19) // per_direction))
    H = np.empty((W, W))
    for start in range(0, W, c):
        stop = min(start + c, W)
        E = np.zeros((stop - start, W))
        E[np.arange(stop - start), np.arange(start, stop)] = 1.0
        H[start:stop] = _r_operator(net, w, X, T, E, output_curvature)
    return H


def hessian_exact(net, w, X, T):
    """The exact Hessian H_ij = sum_n d^2 E_n / dw_i dw_j (PRML 5.78), by W R-operator
    products (5.4.6) batched over directions.

    X : (N, D), T : (N, K) -> (W, W). Cost O(N W^2) (O(W^2) per pattern); memory O(W^2 + N W).
    """
    return _chunked_hessian(net, w, X, T, output_curvature=True)


def hessian_residual_term(net, w, X, T):
    """The second term of (5.83), generalised to any output pairing:

        H - sum_n B_n^T G_n B_n = sum_n sum_k (dE_n/da_nk) grad grad a_nk

    For sum-of-squares with identity outputs dE_n/da_nk = y_nk - t_nk and this is
    sum_n (y_n - t_n) grad grad y_n of (5.83). Zero when every residual is zero, and for a
    network without hidden layers (a_nk is then linear in w).

    X : (N, D), T : (N, K) -> (W, W). Cost O(N W^2).
    """
    return _chunked_hessian(net, w, X, T, output_curvature=False)


def hessian_finite_difference(net, w, X, T, eps=1e-5):
    """H by central differences of the backpropagated gradient (PRML 5.91):

        H[:, i] = (grad E(w + eps e_i) - grad E(w - eps e_i)) / (2 eps) + O(eps^2)

    The independent check of hessian_exact. X : (N, D), T : (N, K) -> (W, W).
    Cost 2W gradient evaluations, O(N W^2).
    """
    w = check_weights(net, w)
    if not (isinstance(eps, numbers.Real) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a positive step size; got {eps!r}")
    H = np.empty((net.n_weights, net.n_weights))
    for i in range(net.n_weights):
        step = np.zeros_like(w)
        step[i] = eps
        H[:, i] = (gradient(net, w + step, X, T) - gradient(net, w - step, X, T)) / (2 * eps)
    return H
