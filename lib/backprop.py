"""Error, backpropagation and the output Jacobian (PRML 5.3).

All functions treat the N patterns as a batch dimension: there is no loop over patterns.
"""

import numpy as np

from .validation import check_targets


def backpropagate(net, fwd, delta_out):
    """Propagate output errors back through the layers, PRML (5.56):

        delta_j = h'(a_j) sum_k w_kj delta_k

    delta_out : (N, K) or (N, K', K) (one row of output errors per extra index).
    Returns [delta_1, ..., delta_L], delta_l of shape (N, M_l) or (N, K', M_l). Cost O(N W).
    """
    deltas = [delta_out]
    for a, W in zip(fwd.a[-2::-1], fwd.Ws[:0:-1]):
        dh = net.hidden.dh(a)
        if delta_out.ndim == 3:
            dh = dh[:, None, :]
        deltas.append(dh * (deltas[-1] @ W[:, 1:]))
    return deltas[::-1]


def _forward_backward(net, w, X, T):
    """Forward pass, checked targets and the per-pattern errors delta_l = dE_n/da_l."""
    fwd = net.forward(w, X)
    T = check_targets(net, T, fwd.y.shape[0])
    return fwd, T, backpropagate(net, fwd, net.output.delta(fwd.a[-1], T))


def error(net, w, X, T):
    """E(w) = sum_n E_n(w), the output's canonical error summed over patterns (PRML 5.44).

    X : (N, D), T : (N, K) -> float. Cost O(N W).
    """
    fwd = net.forward(w, X)
    T = check_targets(net, T, fwd.y.shape[0])
    return float(np.sum(net.output.error(fwd.a[-1], T)))


def gradient(net, w, X, T):
    """grad E = sum_n grad E_n by backpropagation, PRML (5.53) dE_n/dw_ji = delta_j z_i,
    with delta_k = y_k - t_k at the outputs (5.54) and (5.56) below.

    X : (N, D), T : (N, K) -> (W,). Cost O(N W).
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    return np.concatenate([(d.T @ z).ravel() for d, z in zip(deltas, fwd.z)])


def output_jacobian(net, w, X):
    """b_nk = grad a_nk, the gradient of every output pre-activation for every pattern:
    the vectors b_n = grad a_n of the outer-product approximations (5.84) and (5.85). For
    identity outputs b_n = grad y_n too; for sigmoid outputs grad y_n = y_n (1 - y_n) b_n.

    Backpropagates delta_k = e_k (a unit vector) for each output k, as in PRML 5.3.4.
    X : (N, D) -> B : (N, K, W). Cost O(N K W), memory N K W.
    """
    return jacobian_from_forward(net, net.forward(w, X))


def jacobian_from_forward(net, fwd):
    """output_jacobian from a forward pass that has already been computed: (N, K, W)."""
    N, K = fwd.y.shape
    deltas = backpropagate(net, fwd, np.broadcast_to(np.eye(K), (N, K, K)))
    B = np.empty((N, K, net.n_weights))
    for d, z, start, stop, shape in zip(deltas, fwd.z, net.offsets[:-1], net.offsets[1:],
                                        net.shapes):
        # dE/dw_ji = delta_j z_i (5.53), written straight into layer l's columns of B
        np.multiply(d[:, :, :, None], z[:, None, None, :],
                    out=B[:, :, start:stop].reshape((N, K) + shape))
    return B


def output_hessian(net, w, X, T):
    """G_n = d^2 E_n / da da^T at the output layer, (N, K, K): I for sum-of-squares (5.82),
    diag(y(1 - y)) for sigmoid with cross-entropy (5.85), diag(y) - y y^T for softmax.

    T is checked for shape and validity although G_n does not depend on it. Cost O(N K^2).
    """
    fwd = net.forward(w, X)
    check_targets(net, T, fwd.y.shape[0])
    return np.array(net.output.hessian(fwd.a[-1]))
