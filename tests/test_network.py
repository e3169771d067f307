"""The network and its flat weight vector (PRML 5.1, 5.48-5.49): sizes, layout, forward pass."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import assert_close, forward_loop, layer_matrices
from strategies import HIDDEN, OUTPUTS, problems, saturated_problems

import lib

sizes_lists = st.lists(st.integers(1, 5), min_size=2, max_size=5)


@given(sizes_lists)
def test_n_weights_counts_weights_and_biases(sizes):
    """W = sum_l M_l (M_{l-1} + 1): one weight per connection plus one bias per unit."""
    net = lib.MLP(sizes)
    expected = sum(m * (m_prev + 1) for m_prev, m in zip(sizes[:-1], sizes[1:]))
    assert net.n_weights == expected
    assert net.init(0).shape == (expected,)


@given(sizes_lists)
def test_unpack_places_w_ji_of_layer_l_at_the_documented_offset(sizes):
    """unpack(w)[l-1][j, i] == w[offset(l) + j (M_{l-1} + 1) + i], column 0 the bias; layer_of
    inverts the offset; the matrices are views of w (no copy)."""
    net = lib.MLP(sizes)
    w = np.arange(net.n_weights, dtype=float)
    Ws = net.unpack(w)
    offset = 0
    for l, (m_prev, m) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        assert Ws[l - 1].shape == (m, m_prev + 1)
        for j in range(m):
            for i in range(m_prev + 1):
                index = offset + j * (m_prev + 1) + i
                assert Ws[l - 1][j, i] == index
                assert net.layer_of(index) == (l, j, i)
        offset += m * (m_prev + 1)
    assert all(np.shares_memory(W, w) for W in Ws)


@given(sizes_lists, st.integers(0, 2**32 - 1))
def test_pack_inverts_unpack(sizes, seed):
    net = lib.MLP(sizes)
    w = np.random.default_rng(seed).normal(size=net.n_weights)
    np.testing.assert_array_equal(net.pack(net.unpack(w)), w)
    Ws = [np.full(shape, float(l)) for l, shape in enumerate(net.shapes)]
    for W, back in zip(Ws, net.unpack(net.pack(Ws))):
        np.testing.assert_array_equal(back, W)


def test_init_is_seeded():
    net = lib.MLP([3, 4, 2])
    np.testing.assert_array_equal(net.init(7), net.init(7))
    assert not np.array_equal(net.init(7), net.init(8))


@given(problems())
def test_forward_matches_a_loop_over_patterns_and_units(p):
    """forward's a_L and y, and net(w, X), against the reference loop over the documented
    layout, for every hidden activation and output."""
    sizes = p.net.sizes
    a_ref, y_ref = forward_loop(sizes, p.net.hidden.name, p.net.output.name, p.w, p.X)
    fwd = p.net.forward(p.w, p.X)
    assert_close(fwd.a[-1], a_ref, 1e-12, "a_L")
    assert_close(fwd.y, y_ref, 1e-12, "y")
    assert_close(p.net(p.w, p.X), y_ref, 1e-12, "net(w, X)")
    for W, W_ref in zip(fwd.Ws, layer_matrices(sizes, p.w)):
        np.testing.assert_array_equal(W, W_ref)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output", OUTPUTS)
def test_forward_by_hand(hidden, output):
    """A [2, 1, 2] network written out with the math module: y = f(b2 + v h(b1 + w1 x1 + w2 x2))."""
    b1, w1, w2, b2, v, c2, u = 0.1, -0.4, 0.7, 0.3, -1.2, -0.5, 0.8
    x1, x2 = 0.9, -1.5
    h = {"tanh": math.tanh, "sigmoid": lambda a: 1 / (1 + math.exp(-a)),
         "identity": lambda a: a}[hidden]
    z = h(b1 + w1 * x1 + w2 * x2)
    a = [b2 + v * z, c2 + u * z]
    if output == "identity":
        y = a
    elif output == "sigmoid":
        y = [1 / (1 + math.exp(-a_k)) for a_k in a]
    else:
        y = [math.exp(a_k) / (math.exp(a[0]) + math.exp(a[1])) for a_k in a]
    net = lib.MLP([2, 1, 2], hidden=hidden, output=output)
    got = net(np.array([b1, w1, w2, b2, v, c2, u]), np.array([[x1, x2]]))
    assert_close(got[0], y, 1e-15, "y")


@given(problems(outputs=st.sampled_from(["sigmoid", "softmax"])))
def test_output_ranges(p):
    check_output_ranges(p)


@given(saturated_problems(outputs=st.sampled_from(["sigmoid", "softmax"])))
def test_output_ranges_in_saturation(p):
    """The same with weights scaled by 20-100 (|a| in the hundreds): every y finite, in
    range, softmax rows summing to 1, and no overflow warning from exp."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_output_ranges(p)
        assert np.all(np.isfinite(p.net(p.w, p.X)))


def test_sizes_may_be_any_sequence_of_integers():
    """A tuple, a range or numpy integers give the same network; sizes are stored as ints
    and the caller's list is left alone."""
    sizes = [2, np.int64(3), 1]
    net = lib.MLP(sizes)
    assert net.sizes == [2, 3, 1] and all(type(m) is int for m in net.sizes)
    assert sizes == [2, np.int64(3), 1]
    for other in ((2, 3, 1), range(2, 0, -1), np.array([2, 3, 1])):
        assert lib.MLP(other).n_weights == lib.MLP(list(other)).n_weights


def check_output_ranges(p):
    """Sigmoid outputs lie in [0, 1]; softmax rows are probability vectors."""
    y = p.net(p.w, p.X)
    assert np.all((y >= 0) & (y <= 1))
    if p.net.output.name == "softmax":
        assert_close(y.sum(axis=1), np.ones(len(y)), 1e-14, "row sums")
