"""Hypothesis strategies: small random networks with seeded weights, inputs and targets.

Every random number comes from a generator seeded with a drawn integer, so a failing example
is reproduced from what hypothesis prints: `make_problem(sizes, hidden, output, N, seed)`.
"""

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from reference import forward_loop

import lib

HIDDEN = ("tanh", "sigmoid", "identity")
OUTPUTS = ("identity", "sigmoid", "softmax")
K_RANGE = {"identity": (1, 3), "sigmoid": (1, 3), "softmax": (2, 3)}


@dataclass(repr=False)
class Problem:
    """A network with weights w, inputs X (N, D) and targets T (N, K)."""

    net: lib.MLP
    w: np.ndarray
    X: np.ndarray
    T: np.ndarray
    call: str

    def __repr__(self):
        return self.call

    def _repr_pretty_(self, printer, cycle):  # how hypothesis shows a falsifying example
        printer.text(self.call)


def random_targets(rng, output, N, K):
    """Valid targets: any reals; values in [0, 1] (some exactly 0 or 1); rows of a simplex
    (some one-hot)."""
    if output == "identity":
        return rng.normal(size=(N, K))
    if output == "sigmoid":
        T = rng.uniform(size=(N, K))
        return np.where(rng.uniform(size=(N, K)) < 0.5, np.round(T), T)
    T = rng.dirichlet(np.ones(K), size=N)
    one_hot = np.eye(K)[rng.integers(K, size=N)]
    return np.where(rng.uniform(size=(N, 1)) < 0.5, one_hot, T)


def make_problem(sizes, hidden, output, N, seed, targets="random"):
    """Weights N(0, 1), inputs N(0, 1) and targets from one seeded generator.

    targets="outputs" sets T to the network's own outputs (every residual y - t is zero),
    computed by the reference forward pass.
    """
    rng = np.random.default_rng(seed)
    net = lib.MLP(sizes, hidden=hidden, output=output)
    w = rng.normal(size=net.n_weights)
    X = rng.normal(size=(N, sizes[0]))
    if targets == "outputs":
        T = forward_loop(sizes, hidden, output, w, X)[1]
    else:
        T = random_targets(rng, output, N, sizes[-1])
    call = f"make_problem({sizes}, {hidden!r}, {output!r}, N={N}, seed={seed}, {targets=!r})"
    return Problem(net, w, X, T, call)


ANY_DEPTH = st.integers(0, 3)
ANY_OUTPUT = st.sampled_from(OUTPUTS)
ANY_HIDDEN = st.sampled_from(HIDDEN)
ANY_N = st.integers(1, 6)


@st.composite
def problems(draw, hidden_layers=ANY_DEPTH, outputs=ANY_OUTPUT, hiddens=ANY_HIDDEN, Ks=None,
             Ns=ANY_N, targets="random"):
    """Networks [D, M_1, ..., K] with D and widths 1-4, 0-3 hidden layers, N 1-6 and K in the
    output's range (identity and sigmoid 1-3, softmax 2-3), each hidden activation, seeded
    weights and data. Pass a strategy to narrow any of them."""
    output = draw(outputs)
    K = draw(Ks if Ks is not None else st.integers(*K_RANGE[output]))
    n_hidden = draw(hidden_layers)
    sizes = [draw(st.integers(1, 4)) for _ in range(n_hidden + 1)] + [K]
    hidden = draw(hiddens)
    N = draw(Ns)
    seed = draw(st.integers(0, 2**32 - 1))
    return make_problem(sizes, hidden, output, N, seed, targets)


SATURATING_SCALES = (20.0, 40.0, 100.0)
ANY_SATURATING_SCALE = st.sampled_from(SATURATING_SCALES)


@st.composite
def saturated_problems(draw, scales=ANY_SATURATING_SCALE, **kwargs):
    """problems(**kwargs) with every weight multiplied by a factor of 20, 40 or 100, so that
    hidden units and outputs saturate (|a| of tens to hundreds). Reproduce a failing example
    with make_problem(...) and w * scale, as its repr says."""
    p = draw(problems(**kwargs))
    scale = draw(scales)
    return Problem(p.net, p.w * scale, p.X, p.T, f"{p.call} with w * {scale:g}")
