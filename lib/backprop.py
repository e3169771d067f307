"""Error, backpropagation and the output Jacobian (PRML 5.3).

All functions treat the N patterns as a batch dimension: there is no loop over patterns.
"""

import numpy as np

from .chunks import check_fits, pattern_chunks, take_patterns
from .validation import check_directions, check_targets


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
    X : (N, D) -> B : (N, K, W). Cost O(N K W), memory N K W (the result; a ValueError
    names the sizes if it cannot fit).
    """
    fwd = net.forward(w, X)
    check_fits("output_jacobian: B", (fwd.y.shape[0], net.K, net.n_weights))
    return jacobian_from_forward(net, fwd)


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


def jacobian_rows(net, fwd, layer, patterns, top, own_layer=True):
    """Rows of Jacobians of one layer's pre-activations, each for its own pattern:

        row r = grad (top_r . a^(l)) of pattern patterns[r]

    (top_r = e_j gives grad a^(l)_j, a row of output_jacobian's B when l is the output
    layer), by backpropagating top_r (5.56) and forming delta_j z_i (5.53), for the weights
    of layers 1..l (0-based `layer` = l - 1), or only those below l with own_layer=False
    (layer l's own columns are sparse: d a_j / dw_j'i = [j = j'] z_i).

    patterns : (R,) int, top : (R, M_l) -> (R, offsets[layer + 1]) or (R, offsets[layer]).
    Cost O(R W_<=l); no loop over patterns.
    """
    stop = layer + 1 if own_layer else layer
    R = len(patterns)
    J = np.empty((R, net.offsets[stop]))
    d = top
    for q in range(layer, -1, -1):
        if q < layer:
            d = (d @ fwd.Ws[q + 1][:, 1:]) * net.hidden.dh(fwd.a[q])[patterns]      # (5.56)
        if q < stop:
            rows, cols = net.shapes[q]
            block = J[:, net.offsets[q]:net.offsets[q + 1]].reshape(R, rows, cols)
            z = fwd.z[q][patterns]
            if cols <= 16:      # few inputs: one long product per input i is faster
                for i in range(cols):
                    np.multiply(d, z[:, i:i + 1], out=block[:, :, i])               # (5.53)
            else:
                np.multiply(d[:, :, None], z[:, None, :], out=block)                # (5.53)
    return J


def _r_forward(net, fwd, Vs):
    """The forward pass of the R-operator (PRML 5.101-5.103) for directions Vs = [V_1, ...],
    V_l of shape (c, M_l, M_{l-1} + 1): R{a_l} = V_l [1, z_{l-1}] + W_l [0, R{z_{l-1}}],
    R{z_l} = h'(a_l) R{a_l}. Returns (Ra, Rz), Ra[l] of shape (c, N, M_l) and Rz[l] the
    R{z} entering layer l (None for the inputs, R{x} = 0). R{a_L} = B_n v, the
    Jacobian-vector product."""
    L = len(fwd.Ws)
    Ra, Rz = [], [None]
    for l in range(L):
        Ra_l = fwd.z[l] @ Vs[l].transpose(0, 2, 1)
        if Rz[l] is not None:
            Ra_l += Rz[l] @ fwd.Ws[l][:, 1:].T
        Ra.append(Ra_l)
        if l < L - 1:
            Rz.append(net.hidden.dh(fwd.a[l]) * Ra_l)
    return Ra, Rz


def split_directions(net, V):
    """(c, W) directions -> [V_1, ..., V_L], V_l of shape (c, M_l, M_{l-1} + 1) (views)."""
    return [V[:, start:stop].reshape((V.shape[0],) + shape)
            for start, stop, shape in zip(net.offsets[:-1], net.offsets[1:], net.shapes)]


def jacobian_vector_product(net, w, X, v, chunk=None):
    """J v = B_n v for every pattern without forming B: the directional derivatives
    sum_i (d a_nk / dw_i) v_i of the output pre-activations, by the forward pass of the
    R-operator (PRML 5.101-5.103), R{a_k} = B_n v.

    v : (W,) or (c, W) -> (N, K) or (c, N, K). Cost O(c N W) (one forward pass per
    direction), memory O(c N K + c chunk sum_l M_l), patterns taken `chunk` at a time.
    """
    V = check_directions(net, v)
    fwd = net.forward(w, X)
    N = fwd.y.shape[0]
    Vs = split_directions(net, np.atleast_2d(V))
    c = Vs[0].shape[0]
    out = np.empty((c, N, net.K))
    for rows in pattern_chunks(N, c * sum(net.sizes[1:]), chunk):
        out[:, rows] = _r_forward(net, take_patterns(fwd, rows), Vs)[0][-1]
    return out[0] if V.ndim == 1 else out


def output_hessian(net, w, X, T):
    """G_n = d^2 E_n / da da^T at the output layer, (N, K, K): I for sum-of-squares (5.82),
    diag(y(1 - y)) for sigmoid with cross-entropy (5.85), diag(y) - y y^T for softmax.

    T is checked for shape and validity although G_n does not depend on it. Cost O(N K^2).
    """
    fwd = net.forward(w, X)
    check_targets(net, T, fwd.y.shape[0])
    return np.array(net.output.hessian(fwd.a[-1]))
