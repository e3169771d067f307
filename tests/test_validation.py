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


WITH_T = {f.__name__: f for f in (
    lib.error, lib.gradient, lib.output_hessian, lib.hessian_exact,
    lib.hessian_finite_difference, lib.hessian_residual_term, lib.second_derivatives_exact,
    lib.second_derivatives_becker_lecun, lib.hessian_diagonal_approx, lib.hessian_outer_product)}
WITH_T["hessian_vector_product"] = hvp
ALL = {
    **WITH_T,
    "output_jacobian": lambda net, w, X, T: lib.output_jacobian(net, w, X),
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
    "strings": ([["a", "b"]] * N, ["array of numbers", "got list"]),
    "ragged": ([[1.0, 2.0], [3.0]], ["array of numbers", "got list"]),
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
    "None": ("identity", None, ["1-D or 2-D", "got shape ()"]),
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
])
def test_bad_direction_vector(v, fragments):
    net, w, X, T = make()
    with pytest.raises(ValueError) as info:
        lib.hessian_vector_product(net, w, X, T, v)
    assert_message(info, "v", *fragments)


@pytest.mark.parametrize("eps", [0.0, -1e-5, np.nan, np.inf, "1e-5", None])
def test_bad_finite_difference_step(eps):
    net, w, X, T = make()
    with pytest.raises(ValueError) as info:
        lib.hessian_finite_difference(net, w, X, T, eps=eps)
    assert_message(info, "eps", "positive step size", f"got {eps!r}")


def test_bad_pack():
    net = lib.MLP([D, M, K])
    with pytest.raises(ValueError) as info:
        net.pack([np.ones((M, D + 1))])
    assert_message(info, "Ws", "2 matrices", "got 1")
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
