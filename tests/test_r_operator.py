"""The R-operator's passes (PRML 5.4.6): R{f} = d/dt f(w + t v) at t = 0 for every quantity,
checked against differences in t of references written from the formulas, not from lib."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import HIDDEN, assert_close, layer_matrices, richardson_differences
from strategies import make_problem, problems

import lib


def forward_layers(sizes, hidden, w, X):
    """[a^(1), ..., a^(L)] and [z^(1), ..., z^(L-1)], each (N, M_l), by (5.98)-(5.100) written
    out: a_j = w_j0 + sum_i w_ji z_i, z_j = h(a_j)."""
    a, z, inputs = [], [], np.asarray(X, dtype=float)
    Ws = layer_matrices(sizes, w)
    for l, W in enumerate(Ws):
        a.append(W[:, 0] + inputs @ W[:, 1:].T)
        if l < len(Ws) - 1:
            inputs = HIDDEN[hidden](a[-1])
            z.append(inputs)
    return a, z


def deltas_by_bias_gradients(p, w):
    """delta^(l)_j of every pattern: dE_n/dw^(l)_j0 = delta_j x_0 = delta_j (5.53 with the bias
    input 1), read from the gradient of each pattern alone; [(N, M_l) for each layer]."""
    rows = np.stack([lib.gradient(p.net, w, p.X[n:n + 1], p.T[n:n + 1])
                     for n in range(len(p.X))])
    out = []
    for start, (M, C) in zip(p.net.offsets[:-1], p.net.shapes):
        out.append(rows[:, start:start + M * C].reshape(len(p.X), M, C)[:, :, 0])
    return out


def along(f, v):
    """d/dt f(w + t v) at t = 0 by Richardson-extrapolated central differences in t."""
    return richardson_differences(lambda t: f(t[0] * v), np.zeros(1))[..., 0]


@given(problems(), st.integers(0, 2**32 - 1))
def test_r_forward_is_the_directional_derivative_of_a_and_z(p, seed):
    """(5.101)-(5.103): R{a^(l)} and R{z^(l)} of every layer are d/dt of a and z at w + t v."""
    v = np.random.default_rng(seed).normal(size=p.net.n_weights)
    sizes, hidden = p.net.sizes, p.net.hidden.name
    got = lib.r_forward(p.net, p.w, p.X, v)
    L = len(sizes) - 1
    assert len(got.Ra) == L and len(got.Rz) == L - 1
    for l in range(L):
        expected = along(lambda dw, l=l: forward_layers(sizes, hidden, p.w + dw, p.X)[0][l], v)
        assert_close(got.Ra[l], expected, 1e-9 * np.abs(v).sum(), f"R{{a^({l + 1})}}")
    for l in range(L - 1):
        expected = along(lambda dw, l=l: forward_layers(sizes, hidden, p.w + dw, p.X)[1][l], v)
        assert_close(got.Rz[l], expected, 1e-9 * np.abs(v).sum(), f"R{{z^({l + 1})}}")


@given(problems(), st.integers(0, 2**32 - 1))
def test_r_backward_is_the_directional_derivative_of_the_deltas(p, seed):
    """(5.106)-(5.107), and R{delta_k} = sum_k' M_kk' R{a_k'} for every output and error."""
    v = np.random.default_rng(seed).normal(size=p.net.n_weights)
    got = lib.r_backward(p.net, p.w, p.X, p.T, v)
    assert [r.shape for r in got] == [(len(p.X), M) for M, _ in p.net.shapes]
    expected = [along(lambda dw, l=l: deltas_by_bias_gradients(p, p.w + dw)[l], v)
                for l in range(len(got))]
    scale = np.abs(v).sum() * max(1.0, float(np.abs(p.w).max()))
    for l, (r, e) in enumerate(zip(got, expected)):
        assert_close(r, e, 1e-8 * scale, f"R{{delta^({l + 1})}}")


def test_r_forward_and_backward_take_a_stack_of_directions():
    p = make_problem([3, 4, 2], "tanh", "softmax", 5, seed=1)
    V = np.random.default_rng(2).normal(size=(3, p.net.n_weights))
    stacked = lib.r_forward(p.net, p.w, p.X, V)
    back = lib.r_backward(p.net, p.w, p.X, p.T, V)
    assert stacked.Ra[-1].shape == (3, 5, 2) and back[0].shape == (3, 5, 4)
    for c in range(3):
        one = lib.r_forward(p.net, p.w, p.X, V[c])
        assert_close(one.Ra[-1], stacked.Ra[-1][c], 0.0, "Ra")
        assert_close(lib.r_backward(p.net, p.w, p.X, p.T, V[c])[0], back[0][c], 0.0, "Rdelta")


def test_identity_outputs_with_sum_of_squares_give_r_delta_k_equal_r_y_k():
    """(5.106): with M = I at the outputs, R{delta_k} = R{y_k} = R{a_k}."""
    p = make_problem([2, 3, 2], "tanh", "identity", 4, seed=3)
    v = np.random.default_rng(4).normal(size=p.net.n_weights)
    Ry = lib.r_forward(p.net, p.w, p.X, v).Ra[-1]
    assert_close(lib.r_backward(p.net, p.w, p.X, p.T, v)[-1], Ry, 1e-15, "R{delta_k} = R{y_k}")


def test_bad_directions_are_named():
    p = make_problem([2, 3, 1], "tanh", "identity", 3, seed=0)
    with pytest.raises(ValueError, match=r"v: expected shape \(W,\) or \(c, W\) with W = 13"):
        lib.r_forward(p.net, p.w, p.X, np.ones(12))
    with pytest.raises(ValueError, match="v:"):
        lib.r_backward(p.net, p.w, p.X, p.T, np.full(13, np.nan))
