r"""The exact Hessian H = grad grad E (PRML 5.78): the block method of 5.4.5, the R-operator
of 5.4.6 as an independent route, and the finite-difference check of 5.4.4.

Notation (PRML 5.3, any depth)
------------------------------
Layers l = 1..L with a^(l)_j = sum_i w^(l)_ji z^(l-1)_i (5.48), z^(l)_j = h(a^(l)_j) (5.49),
z^(l-1)_0 = 1 for the biases, z^(0) = x, and a_k = a^(L)_k at the outputs. For one pattern:

    delta^(l)_j = dE_n/da^(l)_j               (5.51; backpropagated by 5.56)
    M_kk'       = d^2 E_n / da_k da_k'        (5.92; output_hessian's G_n: I, diag(y(1-y)), ...)
    g^(m,l)_j'j = da^(m)_j' / da^(l)_j        (m >= l; g^(l,l) = I,
                  g^(m,l) = W^(m) diag(h'(a^(m-1))) g^(m-1,l), W^(m) without its bias column)
    S^(l)_jj'   = d^2 E_n / da^(l)_j da^(l)_j'  (S^(L) = M; S^(l) by the matrix form of 5.80)

Any block, derived
------------------
Take two weights w^(l)_ji and w^(m)_j'i' with l <= m. By (5.53) dE_n/dw^(m)_j'i' =
delta^(m)_j' z^(m-1)_i'. The weight w^(l)_ji reaches everything above it only through a^(l)_j,
with da^(l)_j / dw^(l)_ji = z^(l-1)_i, so

    d^2 E_n / dw^(l)_ji dw^(m)_j'i'
        = z^(l-1)_i [ z^(m-1)_i' d delta^(m)_j'/da^(l)_j + delta^(m)_j' d z^(m-1)_i'/da^(l)_j ]
        = z^(l-1)_i z^(m-1)_i' (S^(m) g^(m,l))_j'j
          + z^(l-1)_i delta^(m)_j' h'(a^(m-1)_i') g^(m-1,l)_i'j   [m > l and i' >= 1]    (*)

because delta^(m) depends on a^(l) only through a^(m) (d delta^(m)/d a^(l) = S^(m) g^(m,l)),
and z^(m-1) = h(a^(m-1)) is a function of a^(l) only for m > l.

Two layers (one hidden layer): write w^(1)_ji (inputs x_i) and w^(2)_kj (hidden z_j).
With S^(2) = M, g^(2,1) = W^(2) diag(h'(a)) and S^(1) from (5.80),

    S^(1)_jj' = h'(a_j) h'(a_j') sum_k sum_k' w^(2)_kj w^(2)_k'j' M_kk'
                + I_jj' h''(a_j) sum_k w^(2)_kj delta_k,

(*) gives for both weights in the second layer (l = m = 2), z_j z_j' M_kk'          (5.93)
for both in the first (l = m = 1):

    x_i x_i' h''(a_j') I_jj' sum_k w^(2)_kj' delta_k
    + x_i x_i' h'(a_j') h'(a_j) sum_k sum_k' w^(2)_k'j' w^(2)_kj M_kk'               (5.94)

and for w^(1)_ji and w^(2)_kj' (l = 1, m = 2, with g^(1,1)_j'j = I_jj'):

    x_i h'(a_j) { delta_k I_jj' + z_j' sum_k' w^(2)_k'j M_kk' }                      (5.95)

which is (5.95) as printed with j and j' exchanged throughout its right side (PRML prints
x_i h'(a_j') { delta_k I_jj' + z_j sum_k' w^(2)_k'j' H_kk' }, with H for M): the printed form
is the derivative with respect to w^(1)_j'i and w^(2)_kj, and agrees with this one only where
j = j'. The test `test_two_layer_blocks_are_5_93_to_5_95` checks the form derived here,
element by element.

The computation: a sum of Gram matrices and sparse terms
--------------------------------------------------------
Unrolling (5.80), S^(m) = g^(L,m)T M g^(L,m) + sum_{p=m}^{L-1} g^(p,m)T D^(p) g^(p,m), with the
diagonal D^(p) = diag(h''(a^(p)) * sum_k w^(p+1)_kj delta^(p+1)_k). Put into (*), and with
z^(l-1)_i g^(p,l)_kj = da^(p)_k / dw^(l)_ji = (J^(p))_k,(l,j,i) (J^(L) = B_n, output_jacobian),

    H = sum_n B_n^T M_n B_n                                   outer product (5.84, 5.85)
      + sum_n sum_{p=1}^{L-1} J^(p)_n^T D^(p)_n J^(p)_n       curvature of h in layer p
      + sum_n sum_{p=2}^{L} (C^(p)_n + C^(p)_n^T)             first-order cross terms

    C^(p)[(p, j, i), w'] = delta^(p)_j h'(a^(p-1)_i) da^(p-1)_i / dw'  (w' below layer p)

The last two lines are the residual term sum_n sum_k delta_k grad grad a_nk (5.83). J^(p) is
dense over the weights below layer p and sparse over layer p's own weights
(da^(p)_j / dw^(p)_j'i = I_jj' z^(p-1)_i), so each term is one batched matrix product over
the patterns of a chunk:

    outer product       Gram of N K rows of length W (A^T A, BLAS syrk)   N K W^2
    curvature, p >= 2   Gram over the W_<p weights below, by blocks       N (W_<p^2 + M_p m_<p^2)
                        cross block layer p x below p                     N M_p (M_p-1 + 1) W_<p
                        diagonal blocks [j = j'] sum_n D_j z_i z_i'       N M_p (M_p-1 + 1)^2
    cross terms C^(p)   dense part and sparse part                        N M_p M_p-1 W_<p

(m_<p = M_1 + ... + M_p-1). The curvature Gram uses the Kronecker structure of J^(p): its
entries for the weights w^(q)_ji of a layer q < p are g^(p,q)_kj z^(q-1)_i, so its block
(q, q') is sum_n (g^(p,q)T D^(p) g^(p,q'))_n (x) (z^(q-1) z^(q'-1)T)_n, which is (*) again:
M_p times fewer multiplications than the Gram of the N M_p rows. For two layers only the
first line is dense, the rest is O(N W): exact costs about as much as the outer product.
Every block below the diagonal is computed once and copied above it.
"""

import numpy as np

from .approximations import _add_outer_product
from .backprop import _forward_backward, error, gradient
from .chunks import pattern_chunks, take_patterns, zeros_checked
from .validation import check_inputs, check_step, check_weights


def hessian_exact(net, w, X, T, chunk=None):
    """The exact Hessian H = sum_n grad grad E_n (PRML 5.78) by the block method of 5.4.5
    (Bishop 1992), any depth, biases included:

        H = sum_n B_n^T G_n B_n + sum_n sum_k (dE_n/da_nk) grad grad a_nk          (5.83)

    with B_n = grad a_n (output_jacobian) and G_n = d^2 E_n / da da^T (output_hessian); the
    second term is assembled layer block by layer block, (5.93)-(5.95) for one hidden layer
    (derived in this module's docstring).

    X : (N, D), T : (N, K) -> (W, W). Cost O(N K W^2) for the outer product plus
    O(N sum_{2<=p<L} (W_<p^2 + M_p (M_p-1 + M_p+1) W_<p)) for the hidden layers (the module
    docstring has each term). Memory O(W^2 + chunk (K W + sum_p M_p W_<p)): patterns are
    taken `chunk` at a time.
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    H = zeros_checked("hessian_exact: the (W, W) Hessian", (net.n_weights, net.n_weights))
    for n in _hessian_chunks(net, fwd, chunk):
        part, part_deltas = take_patterns(fwd, n), [d[n] for d in deltas]
        _add_outer_product(H, net, part)                  # sum_n B_n^T G_n B_n
        _add_residual_term(H, net, part, part_deltas)     # sum_n sum_k delta_nk grad grad a_nk
    _copy_lower_blocks_up(H, net)
    return H


def hessian_residual_term(net, w, X, T, chunk=None):
    """The second term of (5.83), generalised to any output pairing:

        H - sum_n B_n^T G_n B_n = sum_n sum_k (dE_n/da_nk) grad grad a_nk

    For sum-of-squares with identity outputs dE_n/da_nk = y_nk - t_nk and this is
    sum_n (y_n - t_n) grad grad y_n of (5.83). Zero when every residual is zero, and for a
    network without hidden layers (a_nk is then linear in w). Built from the same blocks as
    hessian_exact, without the outer product.

    X : (N, D), T : (N, K) -> (W, W). Cost O(N W) for one hidden layer, plus
    O(N sum_{2<=p<L} (W_<p^2 + M_p (M_p-1 + M_p+1) W_<p)) for deeper networks;
    memory O(W^2 + chunk sum_p M_p W_<p).
    """
    fwd, _, deltas = _forward_backward(net, w, X, T)
    H = zeros_checked("hessian_residual_term: the (W, W) Hessian", (net.n_weights, net.n_weights))
    for n in _hessian_chunks(net, fwd, chunk):
        _add_residual_term(H, net, take_patterns(fwd, n), [d[n] for d in deltas])
    _copy_lower_blocks_up(H, net)
    return H


def _hessian_chunks(net, fwd, chunk):
    """Pattern chunks for the block method: per pattern, B holds K W numbers and each
    hidden layer's Jacobian M_p W_<p."""
    per_pattern = net.K * net.n_weights + sum(
        m * net.offsets[p] for p, m in enumerate(net.sizes[1:-1]))
    return pattern_chunks(fwd.y.shape[0], per_pattern, chunk)


def _layer_rows(H, net, l):
    """H's rows for the weights of layer l (0-based) as (M_l, M_{l-1} + 1, W): a view."""
    return H[net.offsets[l]:net.offsets[l + 1]].reshape(net.shapes[l] + (-1,))


def _view(block, shape):
    """block reshaped to shape without a copy (so that += writes into H), checked."""
    view = block.reshape(shape)
    if not np.shares_memory(view, block):
        raise RuntimeError("internal: a block of H could not be viewed without a copy")
    return view


def _unit_jacobians(net, fwd, l):
    """Delta^(l,q) = d a^(l) / d a^(q) for the layers q < l, by backpropagating the unit
    vectors of layer l (5.56): a list of (c, M_l, M_q). (PRML's g^(l,q) transposed.)"""
    c, M = fwd.a[l].shape
    d = np.broadcast_to(np.eye(M), (c, M, M))
    Deltas = []
    for q in range(l - 1, -1, -1):
        d = (d @ fwd.Ws[q + 1][:, 1:]) * net.hidden.dh(fwd.a[q])[:, None, :]
        Deltas.append(d)
    return Deltas[::-1]


def _add_curvature_gram(H, net, fwd, Deltas, D):
    """H[:o_l, :o_l] += sum_n J_n^T diag(D_n) J_n, the Gram of layer l's Jacobian rows over
    the weights below it, block by block in its Kronecker form: J_n's columns for layer q are
    Delta^(l,q)_n (x) z^(q)_n, so block (q, q') is

        sum_n (Delta^(l,q)T D Delta^(l,q'))_n (x) (z^(q) z^(q')T)_n

    a product over the patterns of the chunk of cost c W_q W_q' (the Gram itself would cost
    c M_l W_q W_q'). Blocks on and below the diagonal (q' <= q) only."""
    o, c = net.offsets, D.shape[0]
    for q, Dq in enumerate(Deltas):
        DDq = D[:, :, None] * Dq                                    # (c, M_l, M_q)
        Mq, Cq = net.shapes[q]
        for q2 in range(q + 1):
            Mq2, Cq2 = net.shapes[q2]
            P = DDq.transpose(0, 2, 1) @ Deltas[q2]                 # (c, M_q, M_q')
            zz = fwd.z[q][:, :, None] * fwd.z[q2][:, None, :]       # (c, C_q, C_q')
            block = (P.reshape(c, -1).T @ zz.reshape(c, -1)).reshape(Mq, Mq2, Cq, Cq2)
            target = _view(H[o[q]:o[q + 1], o[q2]:o[q2 + 1]], (Mq, Cq, Mq2, Cq2))
            target += block.transpose(0, 2, 1, 3)


def _add_residual_term(H, net, fwd, deltas):
    """H += sum_n sum_k delta_nk grad grad a_nk for the patterns of fwd, layer block by layer
    block (the module docstring's curvature and cross terms). Only the blocks on and below
    the block diagonal are written (rows of layer l, columns of layers <= l)."""
    L, o, c = len(fwd.Ws), net.offsets, fwd.y.shape[0]
    for l in range(L):
        M, C = net.shapes[l]
        rows = _layer_rows(H, net, l)                            # (M_l, M_{l-1} + 1, W)
        if l >= 1:
            # C^(l) on layer l-1's own weights: delta^(l)_j h'(a^(l-1)_i) z^(l-2)_i'', placed
            # at row (j, i) of layer l and column (i, i'') of layer l-1 (the same unit i).
            M_prev, C_prev = net.shapes[l - 1]
            us = deltas[l][:, :, None] * net.hidden.dh(fwd.a[l - 1])[:, None, :]
            own = _view(rows[:, 1:, o[l - 1]:o[l]], (M, M_prev, M_prev, C_prev))
            i = np.arange(M_prev)
            own[:, i, i, :] += (us.reshape(c, -1).T @ fwd.z[l - 1]).reshape(M, M_prev, C_prev)
        if l <= L - 2:
            # Curvature of h in layer l: D^(l) = h''(a^(l)) sum_k w_kj delta^(l+1)_k, (c, M_l).
            D = net.hidden.d2h(fwd.a[l]) * (deltas[l + 1] @ fwd.Ws[l + 1][:, 1:])
            Dz = D[:, :, None] * fwd.z[l][:, None, :]                             # (c, M, C)
            diagonal = _view(H[o[l]:o[l + 1], o[l]:o[l + 1]], (M, C, M, C))
            j = np.arange(M)
            diagonal[j, :, j, :] += Dz.transpose(1, 2, 0) @ fwd.z[l]   # [j = j'] sum D z z^T
            if l >= 1:
                Deltas = _unit_jacobians(net, fwd, l)                 # d a^(l) / d a^(q)
                _add_curvature_gram(H, net, fwd, Deltas, D)
                _add_cross_blocks(H, net, fwd, l, Deltas, D, deltas[l + 1])


def _add_cross_blocks(H, net, fwd, l, Deltas, D, delta_next):
    """The blocks between the weights of layers l, l+1 and those of a layer q < l, in the
    Kronecker form of _add_curvature_gram (J^(l)'s columns for layer q are
    Delta^(l,q) (x) z^(q)):

        layer l   x layer q:  sum_n D_j z^(l)_i Delta_jj' z^(q)_i'       (curvature of h)
        layer l+1 x layer q:  sum_n delta^(l+1)_k h'(a^(l)_j) Delta_jj' z^(q)_i'   (C^(l+1))

    each a product over the chunk's patterns, the second one output unit k at a time."""
    o, c = net.offsets, D.shape[0]
    M, C = net.shapes[l]
    rows_next = _layer_rows(H, net, l + 1)                       # (M_l+1, M_l + 1, W)
    dh = net.hidden.dh(fwd.a[l])
    for q, Dq in enumerate(Deltas):
        Mq, Cq = net.shapes[q]
        cols = slice(o[q], o[q + 1])
        zz = fwd.z[l][:, :, None] * fwd.z[q][:, None, :]        # (c, C_l, C_q)
        block = (D[:, :, None] * Dq).reshape(c, -1).T @ zz.reshape(c, -1)   # (M Mq, C Cq)
        target = _view(H[o[l]:o[l + 1], cols], (M, C, Mq, Cq))
        target += block.reshape(M, Mq, C, Cq).transpose(0, 2, 1, 3)
        dz = dh[:, :, None] * Dq                                 # d z^(l) / d a^(q)
        for k in range(rows_next.shape[0]):
            coef = (delta_next[:, k, None, None] * dz).reshape(c, -1)          # (c, M Mq)
            rows_next[k, 1:, cols] += (coef.T @ fwd.z[q]).reshape(M, Mq * Cq)


def _copy_lower_blocks_up(H, net):
    """Set each layer's blocks above the block diagonal to the transposes of those below."""
    o = net.offsets
    for l in range(1, len(net.shapes)):
        H[:o[l], o[l]:o[l + 1]] = H[o[l]:o[l + 1], :o[l]].T


def hessian_finite_difference(net, w, X, T, eps=1e-5):
    """H by central differences of the backpropagated gradient (PRML 5.91):

        H[:, i] = (grad E(w + eps e_i) - grad E(w - eps e_i)) / (2 eps) + O(eps^2)

    The independent check of hessian_exact. X : (N, D), T : (N, K) -> (W, W).
    Cost 2W gradient evaluations, O(N W^2). The truncation error (eps^2/6) d^4E/dw_j dw_i^3 is
    not symmetric in i, j, so neither is the result, by O(eps^2).
    """
    w = check_weights(net, w)
    eps = check_step(eps)
    check_inputs(net, X)
    H = zeros_checked("hessian_finite_difference: the (W, W) Hessian",
                      (net.n_weights, net.n_weights))
    for i in range(net.n_weights):
        step = np.zeros_like(w)
        step[i] = eps
        H[:, i] = (gradient(net, w + step, X, T) - gradient(net, w - step, X, T)) / (2 * eps)
    return H


def hessian_four_point_difference(net, w, X, T, eps=1e-4):
    """H by the four-point central difference of the error itself (PRML 5.90):

        H[i, j] = {E(w + eps e_i + eps e_j) - E(w + eps e_i - eps e_j)
                   - E(w - eps e_i + eps e_j) + E(w - eps e_i - eps e_j)} / (4 eps^2) + O(eps^2)

    (for i = j the same formula: E(w + 2 eps e_i) - 2 E(w) + E(w - 2 eps e_i)). Each entry with
    i <= j takes four evaluations of E, 2 W (W + 1) in all, each O(N W): O(N W^3). The entries
    below the diagonal are copies (H is symmetric by construction). Error ~ c eps^2 (truncation)
    + eps_mach |E| / eps^2 (rounding): best near eps ~ (eps_mach |E| / c)^(1/4), about 1e-4,
    where it is about 2 sqrt(c eps_mach |E|), near 1e-8 relative when |E|, c and |H| are alike.
    X : (N, D), T : (N, K) -> (W, W).
    """
    w = check_weights(net, w)
    eps = check_step(eps)
    check_inputs(net, X)
    W = net.n_weights
    H = zeros_checked("hessian_four_point_difference: the (W, W) Hessian", (W, W))
    steps = eps * np.eye(W)
    for i in range(W):
        for j in range(i, W):
            # the steps are added first, so for i = j the two middle points are exactly w
            H[i, j] = (error(net, w + (steps[i] + steps[j]), X, T)
                       - error(net, w + (steps[i] - steps[j]), X, T)
                       - error(net, w + (steps[j] - steps[i]), X, T)
                       + error(net, w - (steps[i] + steps[j]), X, T)) / (4 * eps**2)
            H[j, i] = H[i, j]
    return H
