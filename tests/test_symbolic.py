"""lib.symbolic: the unspecified functions and symbolic networks of the sympy derivations.

References: direct differentiation of concrete functions (tanh, a polynomial E) after
``concrete`` replaces the unspecified ones, evaluated exactly at rational points; lib.MLP's
own layout for the flat order of the weights.
"""

import random

import numpy as np
import pytest
import sympy as sp

import lib
from lib.symbolic import (
    activation,
    concrete,
    direction_symbols,
    error_function,
    hessian_matrix,
    is_zero,
    partial,
    r_operator,
    symbolic_network,
)


def E_concrete(a1, a2):
    return a1**2 * a2 + sp.sin(a1) * a2**3


def test_partials_are_named_and_symmetric():
    E = error_function(2)
    a = sp.symbols("a1:3")
    assert E(*a).diff(a[0]) == partial(E, 1)(*a)
    assert E(*a).diff(a[0], a[1]) == E(*a).diff(a[1], a[0]) == partial(E, 1, 2)(*a)
    assert str(E(*a).diff(a[1], a[0])) == "E_12(a1, a2)"
    assert E(*a).diff(a[0], a[0]) != E(*a).diff(a[0], a[1])
    h = activation("h")
    x = sp.Symbol("x")
    assert str(h(x).diff(x, 2)) == "h''(x)"
    assert not (h(x).diff(x, 2) - partial(h, 1, 1)(x)).has(sp.Subs, sp.Derivative)
    assert partial(E, sp.Integer(2), 1) == partial(E, 1, 2)  # indices from sp.Matrix lambdas
    for bad in (0, 3, True, 1.0):
        with pytest.raises(ValueError, match="indices: expected argument numbers in 1..2"):
            partial(E, bad)


def test_chain_rule_through_a_network_matches_direct_differentiation():
    h, E = activation(), error_function(2)
    x = sp.symbols("x1:3")
    net = symbolic_network([2, 2, 2], h, x)
    H = hessian_matrix(E(*net.a[-1]), net.weights)
    direct_E = concrete(E(*net.a[-1]), h=sp.tanh, E=E_concrete)
    rng = random.Random(0)
    point = {s: sp.Rational(rng.randint(-9, 9), 7) for s in [*net.weights, *x]}
    for i, j in [(0, 1), (3, 8), (9, 2), (11, 11), (5, 0)]:
        via_symbolic = concrete(H[i, j], h=sp.tanh, E=E_concrete)
        direct = sp.diff(direct_E, net.weights[i], net.weights[j])
        assert abs(sp.N((via_symbolic - direct).subs(point), 40)) < 1e-30, (i, j)
    assert not H.has(sp.Subs, sp.Derivative)


def test_hessian_matrix_differentiates_every_entry():
    u, v = sp.symbols("u v")
    f = u**3 * v + sp.exp(u * v)
    H = hessian_matrix(f, [u, v])
    assert H[0, 1] == sp.diff(f, u, v) and H[1, 0] == sp.diff(f, v, u)
    assert is_zero(H - H.T)
    # an asymmetric "Hessian" is caught: is_zero sees every entry
    broken = H.copy()
    broken[1, 0] += u
    assert not is_zero(broken - broken.T)


@pytest.mark.parametrize("sizes", [[2, 1], [2, 3, 2], [1, 2, 2, 3]])
def test_symbolic_network_follows_lib_layout_and_forward_pass(sizes):
    x = sp.symbols(f"x1:{sizes[0] + 1}")
    net = symbolic_network(sizes, sp.tanh, x)
    mlp = lib.MLP(sizes, hidden="tanh", output="identity")
    assert len(net.weights) == mlp.n_weights
    for p, symbol in enumerate(net.weights):
        l, j, i = mlp.layer_of(p)
        assert symbol == sp.Symbol(f"w^{{({l})}}_{{{j + 1}{i}}}"), (p, symbol)
    w = mlp.init(seed=3)
    X = np.random.default_rng(1).normal(size=(1, sizes[0]))
    values = {**dict(zip(net.weights, w)), **dict(zip(x, X[0]))}
    a_out = [float(a_k.subs(values)) for a_k in net.a[-1]]
    np.testing.assert_allclose(a_out, mlp.forward(w, X).a[-1][0], rtol=1e-12)


def test_is_zero_is_exact():
    a, b = sp.symbols("a b")
    assert is_zero((a + b) ** 2 - a**2 - 2 * a * b - b**2)
    assert not is_zero((a + b) ** 2 - a**2 - b**2)
    assert not is_zero(sp.Rational(1, 10**30))


def test_bad_input():
    with pytest.raises(ValueError, match="K: expected"):
        error_function(0)
    with pytest.raises(ValueError, match="indices: expected"):
        partial(error_function(2), 3)
    with pytest.raises(ValueError, match="f: expected"):
        partial(sp.Function("E"), 1)
    with pytest.raises(ValueError, match="x: expected D = 2"):
        symbolic_network([2, 1], sp.tanh, sp.symbols("x1:4"))


def test_r_operator_is_v_dot_grad_and_gives_v_for_the_weights():
    """R{f} = d/dr f(w + r v) at r = 0 against sum_i v_i df/dw_i, built separately (5.96),
    on a symbolic network with unspecified h and E; R{w} = v (5.97)."""
    h, E = activation(), error_function(2)
    x = sp.symbols("x1:3")
    net = symbolic_network([2, 2, 2], h, x)
    v = direction_symbols(net.weights)
    assert str(v[0]) == "v^{(1)}_{10}" and len(set(v)) == len(net.weights)
    f = E(*net.a[-1])
    by_gradient = sum(v_i * sp.diff(f, w) for w, v_i in zip(net.weights, v))
    assert is_zero(r_operator(f, net.weights, v) - by_gradient)
    assert [r_operator(w, net.weights, v) for w in net.weights] == v
    assert r_operator(x[0], net.weights, v) == 0
    grad = sp.Matrix([sp.diff(f, w) for w in net.weights])
    assert is_zero(r_operator(grad, net.weights, v)
                   - hessian_matrix(f, net.weights) * sp.Matrix(v))      # R{grad E} = H v
    with pytest.raises(ValueError, match="v: expected one entry per weight"):
        r_operator(f, net.weights, v[:-1])
