r"""Fast multiplication by the Hessian (PRML 5.4.6): the R-operator R{.} = v^T grad (5.96-5.97)
applied to the forward pass, the backward pass and the gradient, for any depth.

For a direction v (split per layer like w, v_ji the entry of v for weight w_ji), per pattern:

    forward   (5.101-5.103)  R{a^(l)_j} = sum_i v^(l)_ji z^(l-1)_i + sum_i w^(l)_ji R{z^(l-1)_i}
                              R{z^(l)_j} = h'(a^(l)_j) R{a^(l)_j},      R{x_i} = 0, R{z_0} = 0
    backward  (5.106-5.107)  R{delta_k} = sum_k' M_kk' R{a_k'}            (M_kk' of (5.92))
                              R{delta_j} = h''(a_j) R{a_j} sum_k w_kj delta_k
                                  + h'(a_j) sum_k v_kj delta_k + h'(a_j) sum_k w_kj R{delta_k}
    gradient  (5.110-5.111)  R{dE/dw_ji} = R{delta_j} z_i + delta_j R{z_i}

With identity outputs and the sum-of-squares error M = I, so R{delta_k} = R{y_k} (5.106); with
one hidden layer R{z_i} = 0 for the inputs and (5.111) is x_i R{delta_j}. R{dE/dw} summed over
the patterns is H v (= (v^T H)^T, H being symmetric), at the cost of a few gradients.

Arrays: for v of shape (W,), R{a^(l)} etc. are (N, M_l); for a stack V of shape (c, W), (c, N, M_l).
"""

from typing import NamedTuple

import numpy as np

from .backprop import _forward_backward, _r_forward, split_directions
from .chunks import pattern_chunks, take_patterns, zeros_checked
from .validation import check_directions


class RForward(NamedTuple):
    """The R-operator's forward pass (5.101-5.103) for the layers l = 1..L.

    Ra : [R{a^(1)}, ..., R{a^(L)}], R{a^(L)} = B_n v (R{y} for identity outputs, 5.103)
    Rz : [R{z^(1)}, ..., R{z^(L-1)}], the hidden units' R{z} (5.102)
    """

    Ra: list
    Rz: list


def r_forward(net, w, X, v):
    """The forward pass of the R-operator, PRML (5.101)-(5.103), next to the forward pass
    (5.98)-(5.100): R{a_j} = sum_i v_ji x_i, R{z_j} = h'(a_j) R{a_j},
    R{y_k} = sum_j w_kj R{z_j} + sum_j v_kj z_j, for any depth (biases included).

    v : (W,) or (c, W). Returns an RForward of (N, M_l) (or (c, N, M_l)) arrays. Cost O(c N W).
    """
    V = check_directions(net, v)
    fwd = net.forward(w, X)
    Ra, Rz = _r_forward(net, fwd, split_directions(net, np.atleast_2d(V)))
    return _single(V, RForward(Ra, Rz[1:]))


def r_backward(net, w, X, T, v):
    """The backward pass of the R-operator, PRML (5.106)-(5.107): R{delta} for every layer,
    R{delta_k} = sum_k' M_kk' R{a_k'} at the outputs (R{y_k} for identity outputs and the
    sum-of-squares error, 5.106), then (5.107) down to the first layer.

    v : (W,) or (c, W). Returns [R{delta^(1)}, ..., R{delta^(L)}], (N, M_l) or (c, N, M_l).
    Cost O(c N W).
    """
    V = check_directions(net, v)
    fwd, _, deltas = _forward_backward(net, w, X, T)
    Vs = split_directions(net, np.atleast_2d(V))
    Ra, _ = _r_forward(net, fwd, Vs)
    return _single(V, _r_backward(net, fwd, deltas, Vs, Ra))


def hessian_vector_product(net, w, X, T, v, chunk=None):
    """H v by the R-operator (PRML 5.4.6) without forming H: the forward (5.101-5.103) and
    backward (5.106-5.107) passes, then R{dE/dw} by (5.110)-(5.111), summed over patterns.

    v : (W,) or (c, W) -> (W,) or (c, W). Cost O(c N W); memory O(c W + c chunk sum_l M_l),
    patterns taken `chunk` at a time (by default as many as fit a fixed budget).
    """
    V = check_directions(net, v)
    fwd, _, deltas = _forward_backward(net, w, X, T)
    Vs = split_directions(net, np.atleast_2d(V))
    c = Vs[0].shape[0]
    HV = np.zeros((c, net.n_weights))
    for n in pattern_chunks(fwd.y.shape[0], c * _r_floats_per_pattern(net), chunk):
        HV += _r_operator(net, take_patterns(fwd, n), [d[n] for d in deltas], Vs)
    return HV[0] if V.ndim == 1 else HV


def hessian_r_operator(net, w, X, T, chunk=None):
    """The exact Hessian as W R-operator products H e_i (PRML 5.4.6, Pearlmutter 1994), a batch
    of unit vectors at a time: an independent route to hessian_exact (and the algorithm it
    used before the block method).

    X : (N, D), T : (N, K) -> (W, W). Cost O(N W^2) (O(W) per pattern and direction);
    memory O(W^2 + chunk sum_l M_l), patterns taken `chunk` at a time.
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    W = net.n_weights
    H = zeros_checked("hessian_r_operator: the (W, W) Hessian", (W, W))
    per = _r_floats_per_pattern(net)
    for n in pattern_chunks(fwd.y.shape[0], per, chunk):
        part, part_deltas = take_patterns(fwd, n), [d[n] for d in deltas]
        # directions at a time: intermediates of about 2^19 numbers stay in cache
        batch = max(1, 2**19 // ((n.stop - n.start) * per))
        for start in range(0, W, batch):
            stop = min(start + batch, W)
            E = np.zeros((stop - start, W))
            E[np.arange(stop - start), np.arange(start, stop)] = 1.0
            H[start:stop] += _r_operator(net, part, part_deltas, split_directions(net, E))
    return H


def _single(V, result):
    """Drop the leading direction axis when one direction (W,) was given."""
    if V.ndim == 2:
        return result
    if isinstance(result, RForward):
        return RForward([r[0] for r in result.Ra], [r[0] for r in result.Rz])
    return [r[0] for r in result]


def _r_backward(net, fwd, deltas, Vs, Ra):
    """R{delta^(l)} for l = 1..L, (c, N, M_l) each: (5.106) generalised, then (5.107)."""
    G = net.output.hessian(fwd.a[-1])                            # M_kk' of (5.92), (N, K, K)
    Rdelta = [np.einsum("nkj,cnj->cnk", G, Ra[-1])]
    for l in range(len(fwd.Ws) - 2, -1, -1):
        W_next, V_next = fwd.Ws[l + 1][:, 1:], Vs[l + 1][:, :, 1:]
        back = deltas[l + 1] @ W_next                            # sum_k w_kj delta_k, (N, M_l)
        # sum_k (w_kj R{delta_k} + v_kj delta_k)
        R_back = Rdelta[-1] @ W_next + deltas[l + 1] @ V_next
        a = fwd.a[l]
        Rdelta.append(net.hidden.d2h(a) * Ra[l] * back + net.hidden.dh(a) * R_back)
    return Rdelta[::-1]


def _r_gradient(fwd, deltas, Rdelta, Rz):
    """R{dE/dw} summed over the patterns of fwd, (c, W): (5.110)-(5.111) for every layer,
    R{dE/dw^(l)_ji} = sum_n R{delta^(l)_j} z^(l-1)_i + delta^(l)_j R{z^(l-1)_i}."""
    blocks = []
    for l, Rdelta_l in enumerate(Rdelta):
        block = Rdelta_l.transpose(0, 2, 1) @ fwd.z[l]           # (c, M_l, M_{l-1} + 1)
        if Rz[l] is not None:                                    # R{z_0} = 0: the bias column
            block[:, :, 1:] += deltas[l].T @ Rz[l]
        blocks.append(block.reshape(block.shape[0], -1))
    return np.concatenate(blocks, axis=1)


def _r_operator(net, fwd, deltas, Vs):
    """R{grad E} = V H, (c, W), for directions Vs = split_directions(V), V of shape (c, W),
    summed over the patterns of fwd (with their deltas)."""
    Ra, Rz = _r_forward(net, fwd, Vs)
    return _r_gradient(fwd, deltas, _r_backward(net, fwd, deltas, Vs, Ra), Rz)


def _r_floats_per_pattern(net):
    """Numbers the R-operator holds per pattern and direction (R{a}, R{z}, R{delta})."""
    return sum(rows + cols for rows, cols in net.shapes)
