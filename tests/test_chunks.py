"""Working through the patterns in chunks: every function that sums over patterns gives the
same result for any chunk size, equal to the sum of one-pattern results (so that a chunk
offset that skips or repeats a pattern fails), and never writes into the caller's arrays."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import assert_close
from strategies import make_problem, problems

import lib
import lib.chunks

W_BY_W = [lib.hessian_exact, lib.hessian_r_operator, lib.hessian_residual_term,
          lib.hessian_outer_product]
SIX_OR_MORE = st.integers(6, 9)


def per_pattern_sum(method, p, *args):
    return sum(method(p.net, p.w, p.X[n:n + 1], p.T[n:n + 1], *args) for n in range(len(p.X)))


@given(problems(Ns=SIX_OR_MORE), st.integers(1, 4))
def test_hessians_by_chunks_equal_the_sum_of_one_pattern_hessians(p, chunk):
    """chunk = 1..4 patterns out of 6-9: several chunks, the last one shorter."""
    for method in W_BY_W:
        expected = per_pattern_sum(method, p)
        assert_close(method(p.net, p.w, p.X, p.T, chunk=chunk), expected, 1e-12,
                     f"{method.__name__}, chunk={chunk}")
        assert_close(method(p.net, p.w, p.X, p.T), expected, 1e-12, f"{method.__name__}")


@given(problems(Ns=SIX_OR_MORE), st.integers(1, 4), st.integers(1, 3))
def test_products_by_chunks_equal_the_sum_of_one_pattern_products(p, chunk, c):
    V = np.random.default_rng(c).normal(size=(c, p.net.n_weights))
    for method in (lib.hessian_vector_product, lib.gauss_newton_vector_product):
        expected = per_pattern_sum(method, p, V)
        scale = float(np.abs(V).sum(axis=1).max())
        assert_close(method(p.net, p.w, p.X, p.T, V, chunk=chunk), expected, 1e-12 * scale,
                     f"{method.__name__}, chunk={chunk}")
    JV = lib.jacobian_vector_product(p.net, p.w, p.X, V, chunk=chunk)
    rows = [lib.jacobian_vector_product(p.net, p.w, p.X[n:n + 1], V) for n in range(len(p.X))]
    assert_close(JV, np.concatenate(rows, axis=1), 1e-13 * scale, "J v, chunk")


@given(problems(Ns=SIX_OR_MORE), st.integers(1, 4))
def test_diagonals_and_second_derivatives_by_chunks(p, chunk):
    S = lib.second_derivatives_exact(p.net, p.w, p.X, p.T, chunk=chunk)
    for n in range(len(p.X)):
        S_n = lib.second_derivatives_exact(p.net, p.w, p.X[n:n + 1], p.T[n:n + 1])
        for l, (S_l, S_nl) in enumerate(zip(S, S_n)):
            assert_close(S_l[n:n + 1], S_nl, 1e-13, f"S_{l + 1}[{n}], chunk={chunk}")
    expected = per_pattern_sum(lib.hessian_diagonal_exact, p)
    assert_close(lib.hessian_diagonal_exact(p.net, p.w, p.X, p.T, chunk=chunk), expected, 1e-12,
                 f"hessian_diagonal_exact, chunk={chunk}")


def test_default_chunks_from_a_small_budget(monkeypatch):
    """With a budget of a few numbers the default chunking takes one or two patterns at a
    time: the results stay those of one chunk."""
    p = make_problem([3, 4, 3, 2], "tanh", "softmax", 7, seed=3)
    whole = {m: m(p.net, p.w, p.X, p.T) for m in W_BY_W}
    V = np.random.default_rng(0).normal(size=(2, p.net.n_weights))
    HV = lib.hessian_vector_product(p.net, p.w, p.X, p.T, V)
    S = lib.second_derivatives_exact(p.net, p.w, p.X, p.T)
    monkeypatch.setattr(lib.chunks, "BUDGET", 100)
    assert len(lib.chunks.pattern_chunks(7, 60)) == 7
    for m, H in whole.items():
        assert_close(m(p.net, p.w, p.X, p.T), H, 1e-12, m.__name__)
    assert_close(lib.hessian_vector_product(p.net, p.w, p.X, p.T, V), HV, 1e-12, "HV")
    for S_l, S_small in zip(S, lib.second_derivatives_exact(p.net, p.w, p.X, p.T)):
        assert_close(S_small, S_l, 1e-13, "S")


def test_r_operator_in_several_batches_of_unit_vectors():
    """N = 2000 patterns: hessian_r_operator takes the W = 35 unit vectors in batches of 12;
    the rows of every batch must land where they belong."""
    p = make_problem([2, 4, 3, 2], "tanh", "sigmoid", 2000, seed=4)
    assert_close(lib.hessian_r_operator(p.net, p.w, p.X, p.T),
                 lib.hessian_exact(p.net, p.w, p.X, p.T), 1e-12, "batched R-operator")


@pytest.mark.parametrize("chunk", [0, -3, 1.5, True, "2", np.float64(2.0)])
def test_bad_chunk_sizes_are_refused(chunk):
    p = make_problem([2, 2, 1], "tanh", "identity", 3, seed=0)
    with pytest.raises(ValueError, match="chunk"):
        lib.hessian_exact(p.net, p.w, p.X, p.T, chunk=chunk)
    with pytest.raises(ValueError, match="chunk"):
        lib.hessian_vector_product(p.net, p.w, p.X, p.T, p.w, chunk=chunk)


def test_chunk_larger_than_N_and_numpy_integers_are_accepted():
    p = make_problem([2, 3, 2], "sigmoid", "softmax", 3, seed=0)
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    assert_close(lib.hessian_exact(p.net, p.w, p.X, p.T, chunk=np.int64(100)), H, 0.0, "H")


def test_arrays_that_cannot_fit_are_refused_with_their_sizes():
    net = lib.MLP([1, 100000, 1])
    w = np.zeros(net.n_weights)
    with pytest.raises(ValueError, match=r"S_l.*\(100, 100000, 100000\).*GB"):
        lib.second_derivatives_exact(net, w, np.zeros((100, 1)), np.zeros((100, 1)))
    net = lib.MLP([1, 1000, 1000])
    with pytest.raises(ValueError, match=r"output_jacobian.*\(100, 1000, 1003000\).*GB"):
        lib.output_jacobian(net, np.zeros(net.n_weights), np.zeros((100, 1)))


# --- the caller's arrays -----------------------------------------------------------------

def read_only(a):
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


@given(problems(hidden_layers=st.integers(0, 2), Ns=st.integers(2, 4)))
def test_caller_arrays_are_never_modified(p):
    """Read-only w, X, T and v (numpy refuses any write into them) and unchanged copies."""
    w, X, T = read_only(p.w), read_only(p.X), read_only(p.T)
    V = read_only(np.random.default_rng(0).normal(size=(2, p.net.n_weights)))
    copies = [a.copy() for a in (w, X, T, V)]
    for f in (
        lib.error, lib.gradient, lib.output_hessian, *W_BY_W, lib.hessian_finite_difference,
        lib.second_derivatives_exact, lib.second_derivatives_becker_lecun,
        lib.hessian_diagonal_approx, lib.hessian_diagonal_exact):
        f(p.net, w, X, T)
    for f in (lib.hessian_vector_product, lib.gauss_newton_vector_product):
        f(p.net, w, X, T, V, chunk=1)
    lib.output_jacobian(p.net, w, X)
    lib.jacobian_vector_product(p.net, w, X, V)
    s = lib.second_derivatives_becker_lecun(p.net, w, X, T)
    s_copies = [a.copy() for a in s]
    for a in s:
        a.setflags(write=False)
    lib.diagonal_from_second_derivatives(p.net, w, X, s)
    for a, b in zip((w, X, T, V), copies):
        assert np.array_equal(a, b)
    for a, b in zip(s, s_copies):
        assert np.array_equal(a, b)
