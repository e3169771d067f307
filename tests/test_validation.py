"""Bad input: a ValueError that names the argument, says what was expected and what was
received -- never a numpy error from deep inside. Every public function is tried with every
bad X, w and (where it takes one) T."""

import numpy as np
import pytest

import lib

D, M, K, N = 2, 3, 2, 3          # MLP([2, 3, 2]): W = 3 * 3 + 2 * 4 = 17
W = 17


def make(output="identity", hidden="tanh"):
    rng = np.random.default_rng(0)
    net = lib.MLP([D, M, K], hidden=hidden, output=output)
    T = {"identity": rng.normal(size=(N, K)), "sigmoid": rng.uniform(size=(N, K)),
         "softmax": np.eye(K)[[0, 1, 0]]}[output]
    return net, net.init(0), rng.normal(size=(N, D)), T


def hvp(net, w, X, T):
    return lib.hessian_vector_product(net, w, X, T, np.ones(W))


def gnvp(net, w, X, T):
    return lib.gauss_newton_vector_product(net, w, X, T, np.ones(W))


WITH_T = {f.__name__: f for f in (
    lib.error, lib.gradient, lib.output_hessian, lib.hessian_exact, lib.hessian_r_operator,
    lib.hessian_finite_difference, lib.hessian_residual_term, lib.second_derivatives_exact,
    lib.second_derivatives_becker_lecun, lib.hessian_diagonal_approx,
    lib.hessian_diagonal_exact, lib.hessian_outer_product)}
WITH_T["hessian_vector_product"] = hvp
WITH_T["gauss_newton_vector_product"] = gnvp
ALL = {
    **WITH_T,
    "output_jacobian": lambda net, w, X, T: lib.output_jacobian(net, w, X),
    "jacobian_vector_product": lambda net, w, X, T: lib.jacobian_vector_product(
        net, w, X, np.ones(W)),
    "net.forward": lambda net, w, X, T: net.forward(w, X),
    "net(w, X)": lambda net, w, X, T: net(w, X),
    "diagonal_from_second_derivatives": lambda net, w, X, T: lib.diagonal_from_second_derivatives(
        net, w, X, [np.ones((N, M)), np.ones((N, K))]),
}


def assert_message(info, argument, *fragments):
    """The ValueError's message starts with 'argument:', says 'expected' and 'got', and
    contains each fragment (what was expected, what was received)."""
    message = str(info.value)
    assert message.startswith(f"{argument}:"), message
    for fragment in ("expected", "got", *fragments):
        assert fragment in message, f"{fragment!r} not in {message!r}"


@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
@pytest.mark.parametrize("name", ALL)
def test_valid_input_is_accepted(name, output):
    """The baseline of the tests below: the same call with good arguments raises nothing."""
    ALL[name](*make(output))


BAD_X = {
    "one column too many": (np.ones((N, D + 1)), ["(N, D)", "D = 2", "got (3, 3)"]),
    "one column too few": (np.ones((N, D - 1)), ["D = 2", "got (3, 1)"]),
    "a vector": (np.ones(N * D), ["2-D", "got shape (6,)"]),
    "3-D": (np.ones((N, D, 1)), ["2-D", "got shape (3, 2, 1)"]),
    "no patterns": (np.ones((0, D)), ["N >= 1", "got (0, 2)"]),
    "NaN": (np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, 4.0]]), ["finite", "got 1 NaN or inf"]),
    "inf": (np.array([[0.0, 1.0], [-np.inf, 2.0], [3.0, np.inf]]), ["finite", "got 2 NaN"]),
    "strings": ([["a", "b"]] * N, ["array of real numbers", "got list of dtype <U1"]),
    "numbers as strings": (np.array([["1", "2"]] * N), ["real numbers", "dtype <U1"]),
    "complex": (np.ones((N, D)) + 1j, ["real numbers", "got ndarray of dtype complex128"]),
    "objects": (np.array([[1.0, None]] * N), ["real numbers", "dtype object"]),
    "ragged": ([[1.0, 2.0], [3.0]], ["array of real numbers", "got list"]),
}


@pytest.mark.parametrize("case", BAD_X)
@pytest.mark.parametrize("name", ALL)
def test_bad_X(name, case):
    net, w, _, T = make()
    X, fragments = BAD_X[case]
    with pytest.raises(ValueError) as info:
        ALL[name](net, w, X, T)
    assert_message(info, "X", *fragments)


BAD_W = {
    "one too many": (np.ones(W + 1), ["(W,) = (17,)", "got (18,)"]),
    "one too few": (np.ones(W - 1), ["(W,) = (17,)", "got (16,)"]),
    "a row matrix": (np.ones((1, W)), ["1-D", "got shape (1, 17)"]),
    "inf": (np.r_[np.ones(W - 1), np.inf], ["finite", "got 1 NaN or inf"]),
    "NaN": (np.r_[np.nan, np.ones(W - 1)], ["finite", "got 1 NaN or inf"]),
    "complex": (np.ones(W, dtype=complex), ["real numbers", "dtype complex128"]),
    "strings": (["0.5"] * W, ["real numbers", "got list of dtype <U3"]),
    "None": (None, ["real numbers", "got NoneType"]),
}


@pytest.mark.parametrize("case", BAD_W)
@pytest.mark.parametrize("name", ALL)
def test_bad_w(name, case):
    net, _, X, T = make()
    w, fragments = BAD_W[case]
    with pytest.raises(ValueError) as info:
        ALL[name](net, w, X, T)
    assert_message(info, "w", *fragments)


BAD_T = {
    "one row too many": ("identity", np.ones((N + 1, K)), ["(N, K) = (3, 2)", "got (4, 2)"]),
    "one column too many": ("identity", np.ones((N, K + 1)), ["(N, K) = (3, 2)", "got (3, 3)"]),
    "a vector for K = 2": ("identity", np.ones(N), ["(N, K) = (3, 2)", "got (3,)"]),
    "3-D": ("identity", np.ones((N, K, 1)), ["1-D or 2-D", "got shape (3, 2, 1)"]),
    "None": ("identity", None, ["real numbers", "got NoneType"]),
    "complex": ("identity", np.ones((N, K)) * 1j, ["real numbers", "dtype complex128"]),
    "strings": ("sigmoid", [["0", "1"]] * N, ["real numbers", "got list of dtype <U1"]),
    "softmax row sums 1 + 1e-12": ("softmax", np.array([[1.0 + 1e-12, 0.0], [0.5, 0.5],
                                                        [0.0, 1.0]]),
                                   ["sum to 1 (within 8 K eps = 3.6e-15)", "row 0", "1 of 3"]),
    "softmax float vector": ("softmax", np.array([0.0, 1.0, 0.0]),
                             ["integer class labels of shape (N,)", "got (3,)"]),
    "softmax label K": ("softmax", np.array([0, 2, 1]), ["labels in [0, K) = [0, 2)",
                                                         "got values in [0, 2]"]),
    "softmax label -1": ("softmax", np.array([0, -1, 1]), ["labels in [0, K)", "[-1, 1]"]),
    "softmax labels too many": ("softmax", np.array([0, 1, 1, 0]),
                                ["labels of shape (N,) = (3,)", "got shape (4,)"]),
    "NaN": ("identity", np.full((N, K), np.nan), ["finite", "got 6 NaN or inf"]),
    "sigmoid above 1": ("sigmoid", np.full((N, K), 0.5) + np.eye(N, K),
                        ["[0, 1]", "got values in [0.5, 1.5]"]),
    "sigmoid below 0": ("sigmoid", np.full((N, K), 0.5) - np.eye(N, K) * 0.75,
                        ["[0, 1]", "got values in [-0.25, 0.5]"]),
    "softmax row sums to 0.9": ("softmax", np.array([[1.0, 0.0], [0.5, 0.4], [0.0, 1.0]]),
                                ["sum to 1", "row 1 summing to 0.9", "1 of 3 rows"]),
    "softmax rows of zeros": ("softmax", np.zeros((N, K)), ["sum to 1", "row 0 summing to 0.0"]),
    "softmax negative": ("softmax", np.array([[1.5, -0.5], [0.5, 0.5], [0.0, 1.0]]),
                         ["non-negative", "got minimum -0.5"]),
}


@pytest.mark.parametrize("case", BAD_T)
@pytest.mark.parametrize("name", WITH_T)
def test_bad_T(name, case):
    output, T, fragments = BAD_T[case]
    net, w, X, _ = make(output)
    with pytest.raises(ValueError) as info:
        WITH_T[name](net, w, X, T)
    assert_message(info, "T", *fragments)


def test_targets_may_be_a_vector_when_K_is_1():
    net = lib.MLP([D, M, 1], output="sigmoid")
    t = np.array([0.0, 1.0, 0.5])
    X = np.ones((N, D))
    assert lib.error(net, net.init(0), X, t) == lib.error(net, net.init(0), X, t[:, None])
    with pytest.raises(ValueError) as info:
        lib.error(net, net.init(0), X, np.ones(4))
    assert_message(info, "T", "(N, K) = (3, 1)", "got (4,)")


@pytest.mark.parametrize("sizes, hidden, output, argument, fragments", [
    ([2, 3, 1], "relu", "identity", "hidden", ["['identity', 'sigmoid', 'tanh']", "got 'relu'"]),
    ([2, 3, 1], "tanh", "linear", "output", ["['identity', 'sigmoid', 'softmax']", "got 'linear'"]),
    ([2, 3, 1], "tanh", "softmax", "sizes", ["K >= 2", "got K = 1"]),
    ([3], "tanh", "identity", "sizes", ["at least two positive integers", "got [3]"]),
    ([2, 0, 1], "tanh", "identity", "sizes", ["positive integers", "got [2, 0, 1]"]),
    ([2, 1.5, 1], "tanh", "identity", "sizes", ["integers", "got [2, 1.5, 1]"]),
    ([2, True, 1], "tanh", "identity", "sizes", ["positive integers", "got [2, True, 1]"]),
    (5, "tanh", "identity", "sizes", ["a list [D, M_1, ..., K]", "got 5"]),
    ("23", "tanh", "identity", "sizes", ["a list", "got '23'"]),
    (None, "tanh", "identity", "sizes", ["a list", "got None"]),
    ([2, 3, 1], ["tanh"], "identity", "hidden", ["an activation in", "got ['tanh']"]),
    ([2, 3, 1], None, "identity", "hidden", ["an activation in", "got None"]),
    ([2, 3, 2], "tanh", ["softmax"], "output", ["an output activation in", "got ['softmax']"]),
    ([2, 3, 2], "tanh", "Softmax", "output", ["an output activation in", "got 'Softmax'"]),
])
def test_bad_network(sizes, hidden, output, argument, fragments):
    with pytest.raises(ValueError) as info:
        lib.MLP(sizes, hidden=hidden, output=output)
    assert_message(info, argument, *fragments)


@pytest.mark.parametrize("v, fragments", [
    (np.ones(W - 1), ["(W,) or (c, W) with W = 17", "got (16,)"]),
    (np.ones((2, W + 1)), ["W = 17", "got (2, 18)"]),
    (np.ones((1, 1, W)), ["1-D or 2-D", "got shape (1, 1, 17)"]),
    (np.r_[np.nan, np.ones(W - 1)], ["finite", "got 1 NaN or inf"]),
    (np.ones((0, W)), ["at least one direction", "c >= 1", "got (0, 17)"]),
    (np.ones(W) * (1 + 1j), ["real numbers", "dtype complex128"]),
    (["1"] * W, ["real numbers", "got list of dtype <U1"]),
])
@pytest.mark.parametrize("product", ["hessian_vector_product", "gauss_newton_vector_product",
                                     "jacobian_vector_product"])
def test_bad_direction_vector(product, v, fragments):
    net, w, X, T = make()
    call = {"hessian_vector_product": lambda: lib.hessian_vector_product(net, w, X, T, v),
            "gauss_newton_vector_product": lambda: lib.gauss_newton_vector_product(
                net, w, X, T, v),
            "jacobian_vector_product": lambda: lib.jacobian_vector_product(net, w, X, v)}
    with pytest.raises(ValueError) as info:
        call[product]()
    assert_message(info, "v", *fragments)


@pytest.mark.parametrize("eps", [0.0, -1e-5, np.nan, np.inf, "1e-5", None, True, np.True_])
def test_bad_finite_difference_step(eps):
    net, w, X, T = make()
    with pytest.raises(ValueError) as info:
        lib.hessian_finite_difference(net, w, X, T, eps=eps)
    assert_message(info, "eps", "positive step size", f"got {eps!r}")


@pytest.mark.parametrize("eps", [True, False, np.True_, 0.0, -1e-5, np.nan, np.inf, "1e-5",
                                 None, 1e-5 + 0j])
def test_bad_step_for_check_step(eps):
    """The check a finite-difference step goes through; a bool is not a step (True == 1)."""
    with pytest.raises(ValueError) as info:
        lib.validation.check_step(eps)
    assert_message(info, "eps", "positive step size", f"got {eps!r}")


@pytest.mark.parametrize("eps", [1e-5, 1, np.float32(1e-3)])
def test_good_step_for_check_step(eps):
    assert lib.validation.check_step(eps) == float(eps)


@pytest.mark.parametrize("index", [W, W + 5, -1, 2.0, True, "3", None])
def test_bad_layer_of_index(index):
    net = lib.MLP([D, M, K])
    with pytest.raises(ValueError) as info:
        net.layer_of(index)
    assert_message(info, "index", "integer weight index in [0, W) = [0, 17)", f"got {index!r}")


def test_layer_of_at_both_ends():
    """The first and the last weight: index 0 is layer 1's first bias, W - 1 the last weight
    of the output layer (row K - 1, column M)."""
    net = lib.MLP([D, M, K])
    assert net.layer_of(0) == (1, 0, 0)
    assert net.layer_of(np.int64(W - 1)) == (2, K - 1, M)


def test_bad_pack():
    net = lib.MLP([D, M, K])
    with pytest.raises(ValueError) as info:
        net.pack([np.ones((M, D + 1))])
    assert_message(info, "Ws", "2 matrices", "got 1")
    with pytest.raises(ValueError) as info:
        net.pack(np.ones(W))
    assert_message(info, "Ws", "a list of 2 matrices", "got ndarray")
    for bad, fragments in [
        (np.nan, ["finite", "got 1 NaN or inf"]),
        (np.inf, ["finite", "got 1 NaN or inf"]),
        (1j, ["real numbers", "dtype complex128"]),
    ]:
        Ws = [np.ones((M, D + 1)), np.ones((K, M + 1), dtype=type(bad))]
        Ws[1][1, 2] = bad
        with pytest.raises(ValueError) as info:
            net.pack(Ws)
        assert_message(info, "Ws[1]", *fragments)
    with pytest.raises(ValueError) as info:
        net.pack([[["a"] * (D + 1)] * M, np.ones((K, M + 1))])
    assert_message(info, "Ws[0]", "real numbers", "got list of dtype <U1")
    with pytest.raises(ValueError) as info:
        net.pack([np.ones((M, D + 1)), np.ones((K, M))])
    assert_message(info, "Ws[1]", "(M_l, M_(l-1) + 1) = (2, 4)", "layer 2", "got (2, 3)")


def test_bad_second_derivatives_for_the_diagonal():
    net, w, X, _ = make()
    with pytest.raises(ValueError) as info:
        lib.diagonal_from_second_derivatives(net, w, X, [np.ones((N, M))])
    assert_message(info, "d2E_da2", "each of the 2 layers", "got 1")
    with pytest.raises(ValueError) as info:
        lib.diagonal_from_second_derivatives(net, w, X, [np.ones((N, K)), np.ones((N, K))])
    assert_message(info, "d2E_da2[0]", "(N, M_l) = (3, 3)", "layer 1", "got (3, 2)")


def assert_same_results(got, expected):
    """Equal arrays, floats or lists of arrays (second_derivatives_* return one per layer)."""
    if isinstance(got, list):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g, e)
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", WITH_T)
def test_softmax_accepts_integer_class_labels(name):
    """T of shape (N,) with integers in [0, K) stands for the one-hot rows: the same result
    as the one-hot matrix written out by hand."""
    net, w, X, _ = make("softmax")
    labels = np.array([1, 0, 1])
    one_hot = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert_same_results(WITH_T[name](net, w, X, labels), WITH_T[name](net, w, X, one_hot))
    assert_same_results(WITH_T[name](net, w, X, [1, 0, 1]), WITH_T[name](net, w, X, one_hot))


def test_softmax_row_sums_are_checked_against_a_dtype_relative_tolerance():
    """Rows normalised in floating point sum to 1 only up to rounding: within 8 K eps of the
    targets' own dtype they are accepted (float32 rows too), beyond it they are not. The
    error stays >= 0 however the rows are rounded."""
    K = 5
    net = lib.MLP([D, M, K], output="softmax")
    rng = np.random.default_rng(1)
    X, w = rng.normal(size=(200, D)), net.init(0)
    T = rng.uniform(size=(200, K)) ** 4
    T = T / T.sum(axis=1, keepdims=True)                 # rounded: sums within a few eps of 1
    assert 0 < np.max(np.abs(T.sum(axis=1) - 1)) <= 8 * K * np.finfo(float).eps
    assert lib.error(net, w, X, T) >= 0
    T32 = T.astype(np.float32)                           # sums off by up to ~K eps_32 = 6e-7
    assert np.max(np.abs(T32.astype(float).sum(axis=1) - 1)) > 8 * K * np.finfo(float).eps
    assert lib.error(net, w, X, T32) >= 0
    tol = lib.validation.softmax_row_sum_tolerance(np.float64, K)
    assert tol == 8 * K * np.finfo(float).eps
    edge = np.tile(np.eye(K)[0], (len(X), 1))
    edge[0, 1] = tol / 2
    assert lib.error(net, w, X, edge) >= 0
    edge[0, 1] = 2 * tol
    with pytest.raises(ValueError) as info:
        lib.error(net, w, X, edge)
    assert_message(info, "T", "sum to 1", "row 0", "1 of 200 rows")


def test_cross_entropy_is_never_negative_for_one_hot_confident_patterns():
    """One-hot targets on patterns the network classifies with a margin of 20 to 100: each
    E_n is tiny but positive (the old lse - t.a form rounded it to 0 or below)."""
    net = lib.MLP([1, 3], output="softmax")
    w = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])         # a_1 = x, a_2 = a_3 = 0
    X = np.array([[20.0], [40.0], [100.0]])
    E_n = [lib.error(net, w, x[None], [0]) for x in X]
    assert all(E > 0 for E in E_n), E_n
    # E_n = ln(1 + 2 e^-x) ~ 2 e^-x: 4.1e-9, 8.5e-18, 7.4e-44
    np.testing.assert_allclose(E_n, 2 * np.exp(-X[:, 0]), rtol=1e-8)


@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
@pytest.mark.parametrize("name", ALL)
def test_caller_arrays_are_never_modified(name, output):
    """Every public function with read-only w, X and T (a write into them would raise), and
    the arrays compared with copies taken before the call."""
    net, w, X, T = make(output)
    arrays = (w, X, T)
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False
    ALL[name](net, w, X, T)
    for a, copy in zip(arrays, copies):
        np.testing.assert_array_equal(a, copy)


def test_directions_sizes_and_matrices_are_never_modified():
    net, w, X, T = make()
    V = np.random.default_rng(2).normal(size=(3, W))
    V_copy = V.copy()
    V.flags.writeable = False
    lib.hessian_vector_product(net, w, X, T, V)
    lib.hessian_vector_product(net, w, X, T, V[0])
    lib.gauss_newton_vector_product(net, w, X, T, V)
    lib.jacobian_vector_product(net, w, X, V)
    np.testing.assert_array_equal(V, V_copy)
    Ws = net.unpack(np.arange(W, dtype=float))
    for W_l in Ws:
        W_l.flags.writeable = False
    w_packed = net.pack(Ws)
    assert not any(np.shares_memory(w_packed, W_l) for W_l in Ws)
    sizes = [D, M, K]
    lib.MLP(sizes)
    assert sizes == [D, M, K]
    labels = np.array([1, 0, 1])
    labels.flags.writeable = False
    lib.gradient(lib.MLP([D, M, K], output="softmax"), w, X, labels)
    np.testing.assert_array_equal(labels, [1, 0, 1])
