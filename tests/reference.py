"""Independent references for the tests, written from the formulas and not from lib/.

- `layer_matrices` reads the augmented matrices W_l out of the flat vector w with explicit
  loops over the documented layout: w_ji of layer l sits at offset(l) + j (M_{l-1} + 1) + i.
- `forward_loop` is the forward pass (5.48, 5.49) one pattern and one unit at a time.
- `error_from_outputs` is E_n from the outputs y by the formulas (5.11), (5.21), (5.24);
  `error_from_a` the same in terms of a, accurate enough to be differentiated numerically.
- `central_differences` and `second_differences` are numerical derivatives of any function;
  `richardson_differences` combines two central differences into an O(h^4) one, accurate to
  about 1e-11 relative for the smooth functions here (used for the 1e-10 tolerances).
- `HIDDEN_D1`, `HIDDEN_D2` are h' and h'' written from the closed forms.
- `assert_close` compares with a tolerance relative to the size of the reference.
"""

import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


HIDDEN = {"tanh": np.tanh, "sigmoid": sigmoid, "identity": lambda a: a}
HIDDEN_D1 = {"tanh": lambda a: 1.0 / np.cosh(a) ** 2,
             "sigmoid": lambda a: sigmoid(a) * sigmoid(-a),
             "identity": np.ones_like}
HIDDEN_D2 = {"tanh": lambda a: -2.0 * np.tanh(a) / np.cosh(a) ** 2,
             "sigmoid": lambda a: sigmoid(a) * sigmoid(-a) * (sigmoid(-a) - sigmoid(a)),
             "identity": np.zeros_like}


def output_activation(output, a):
    """y = f(a) along the last axis: identity, logistic sigmoid (4.59) or softmax (4.104)."""
    if output == "identity":
        return a
    if output == "sigmoid":
        return sigmoid(a)
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def output_curvature(output, y):
    """G_n = d^2 E_n / da da^T written out from the outputs y (N, K): I for sum-of-squares,
    diag(y (1 - y)) for sigmoid with cross-entropy, diag(y) - y y^T for softmax."""
    K = y.shape[-1]
    if output == "identity":
        return np.broadcast_to(np.eye(K), (len(y), K, K))
    if output == "sigmoid":
        return np.einsum("nk,kl->nkl", y * (1 - y), np.eye(K))
    return np.einsum("nk,kl->nkl", y, np.eye(K)) - np.einsum("nk,nl->nkl", y, y)


def layer_matrices(sizes, w):
    """[W_1, ..., W_L], W_l of shape (M_l, M_{l-1} + 1), read element by element from w."""
    Ws, offset = [], 0
    for m_prev, m in zip(sizes[:-1], sizes[1:]):
        W = np.empty((m, m_prev + 1))
        for j in range(m):
            for i in range(m_prev + 1):
                W[j, i] = w[offset + j * (m_prev + 1) + i]
        Ws.append(W)
        offset += m * (m_prev + 1)
    assert offset == len(w), "w is longer than the layout needs"
    return Ws


def forward_loop(sizes, hidden, output, w, X):
    """(a, y) at the outputs, each (N, K), by loops: a_j = w_j0 + sum_i w_ji z_i, z_j = h(a_j)."""
    Ws = layer_matrices(sizes, w)
    h = HIDDEN[hidden]
    A = np.empty((len(X), sizes[-1]))
    for n, x in enumerate(X):
        z = [float(v) for v in x]
        for l, W in enumerate(Ws):
            a = [W[j, 0] + sum(W[j, i + 1] * z[i] for i in range(len(z)))
                 for j in range(W.shape[0])]
            if l < len(Ws) - 1:
                z = [float(h(a_j)) for a_j in a]
        A[n] = a
    return A, output_activation(output, A)


def forward_from_layer(hidden, Ws, l, a_l):
    """Output pre-activations a_L (K,) of one pattern given the pre-activations a_l of layer
    l (counted from 1), for the second derivatives with respect to a hidden layer's a_j."""
    a = np.asarray(a_l, dtype=float)
    for W in Ws[l:]:
        a = W[:, 0] + W[:, 1:] @ HIDDEN[hidden](a)
    return a


def error_from_outputs(output, y, t):
    """E_n for each pattern (last axis summed) from the outputs y and targets t."""
    if output == "identity":
        return 0.5 * np.sum((y - t) ** 2, axis=-1)                       # (5.11)
    if output == "sigmoid":
        return -np.sum(xlogy(t, y) + xlogy(1.0 - t, 1.0 - y), axis=-1)   # (5.21)
    return -np.sum(xlogy(t, y), axis=-1)                                 # (5.24)


def log_sigmoid(a):
    """ln sigma(a) = -ln(1 + e^-a), evaluated without overflow or cancellation."""
    return np.where(a >= 0, -np.log1p(np.exp(-np.abs(a))), a - np.log1p(np.exp(-np.abs(a))))


def error_from_a(output, a, t):
    """E_n as a function of the output pre-activations a, for numerical derivatives in a:
    the same formulas as error_from_outputs, with ln y = ln sigma(a), ln(1 - y) = ln sigma(-a)
    and ln softmax(a)_k = a_k - ln sum_j e^a_j, which stay accurate when y saturates."""
    if output == "identity":
        return 0.5 * np.sum((a - t) ** 2, axis=-1)
    if output == "sigmoid":
        return -np.sum(t * log_sigmoid(a) + (1.0 - t) * log_sigmoid(-a), axis=-1)
    m = np.max(a, axis=-1, keepdims=True)
    log_y = a - m - np.log(np.sum(np.exp(a - m), axis=-1, keepdims=True))
    return -np.sum(t * log_y, axis=-1)


def xlogy(x, y):
    """x ln y with 0 ln 0 = 0 (a target of exactly 0 contributes nothing)."""
    return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


EPS = np.finfo(float).eps


def rounding(f_value, h, order):
    """A bound on the rounding error of a central difference of order 1 or 2 with step h
    when f is about f_value: four evaluations each off by eps |f|, divided by (2h)^order."""
    return 4 * EPS * max(1.0, abs(f_value)) / (2 * h) ** order


def central_differences(f, x, h):
    """J[..., i] = (f(x + h e_i) - f(x - h e_i)) / 2h for any array-valued f of a vector x."""
    x = np.asarray(x, dtype=float)
    columns = []
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        columns.append((np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * h))
    return np.stack(columns, axis=-1)


def richardson_differences(f, x, h=3e-4):
    """(4 D(h/2) - D(h)) / 3 with D the central differences: the h^2 error terms cancel,
    leaving O(h^4) truncation and about eps |f| / h rounding. With h = 3e-4 the Hessians
    of the hypothesis networks come out within about 1e-11 of the exact ones (relative)."""
    return (4 * central_differences(f, x, h / 2) - central_differences(f, x, h)) / 3


def second_differences(f, x, h):
    """The Hessian of a scalar f of a vector x by the four-point formula (PRML 5.90). Its error
    is O(h^2) plus rounding of about 4 eps |f| / h^2 (see `rounding`)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    H = np.empty((n, n))
    E = np.eye(n) * h
    for i in range(n):
        for j in range(n):
            H[i, j] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j])
                       - f(x - E[i] + E[j]) + f(x - E[i] - E[j])) / (4 * h * h)
    return H


def assert_close(actual, expected, tol, what="", atol=0.0):
    """max |actual - expected| <= tol * max(1, max |expected|) + atol, with a message."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    err = float(np.max(np.abs(actual - expected), initial=0.0))
    assert err <= tol * scale + atol, (
        f"{what}: max error {err:.3e} > {tol:.1e} x scale {scale:.3g} + {atol:.1e}")


def relative_difference(a, b):
    """max |a - b| / max |b|: how far a is from b, for tests that expect a difference."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))

