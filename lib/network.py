"""A feed-forward network whose weights and biases live in one flat vector w (PRML 5.4).

Layer l has an augmented weight matrix W_l of shape (M_l, M_{l-1} + 1). Column 0 holds the
biases, PRML's w_j0 with the extra input z_0 = 1 (PRML 5.8), so that

    a_j = sum_{i=0}^{M_{l-1}} w_ji z_i                                      (5.48)
    z_j = h(a_j)                                                            (5.49)

and w = concatenate([W_1.ravel(), W_2.ravel(), ...]) in C order: the weight w_ji of layer l
sits at offset(l) + j * (M_{l-1} + 1) + i.
"""

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .errors import get_output_error
from .validation import _as_finite_array, _as_real_array, check_inputs, check_weights


def _is_integer(m):
    """An int or numpy integer, but not a bool (True would otherwise count as 1)."""
    return isinstance(m, int | np.integer) and not isinstance(m, bool)


def augment(z):
    """Prepend the bias unit z_0 = 1: (N, M) -> (N, M + 1), PRML (5.8)."""
    return np.concatenate([np.ones(z.shape[:-1] + (1,)), z], axis=-1)


class Forward(NamedTuple):
    """Everything a forward pass computes, kept for backpropagation.

    a : list of (N, M_l) arrays, the pre-activations of layers 1..L (a[-1] are the outputs' a_k)
    z : list of (N, M_{l-1} + 1) arrays, the augmented inputs [1, z] to layers 1..L
    y : (N, K) array, the network outputs y_k = f(a_k)
    Ws : list of the augmented weight matrices W_l, (M_l, M_{l-1} + 1)
    """

    a: list
    z: list
    y: np.ndarray
    Ws: list


class MLP:
    """A multilayer perceptron y(x, w) with any number of hidden layers (PRML 5.1).

    Parameters
    ----------
    sizes : list of int
        [D, M_1, ..., M_{L-1}, K]: inputs, hidden units per layer, outputs.
    hidden : str
        Hidden activation h: 'tanh', 'sigmoid' or 'identity'.
    output : str
        Output activation and its canonical error (PRML 5.2): 'identity' with sum-of-squares,
        'sigmoid' with binary cross-entropy, 'softmax' with multiclass cross-entropy.
    """

    def __init__(self, sizes, hidden="tanh", output="identity"):
        expected = "sizes: expected a list [D, M_1, ..., K] of at least two positive integers"
        if isinstance(sizes, str) or not isinstance(sizes, Iterable):
            raise ValueError(f"{expected}; got {sizes!r}")
        sizes = list(sizes)
        if len(sizes) < 2 or not all(_is_integer(m) and m > 0 for m in sizes):
            raise ValueError(f"{expected}; got {sizes!r}")
        self.sizes = [int(m) for m in sizes]
        self.hidden = get_activation(hidden)
        self.output = get_output_error(output)
        if output == "softmax" and self.sizes[-1] < 2:
            raise ValueError(
                f"sizes: expected K >= 2 outputs for softmax; got K = {self.sizes[-1]}"
            )
        self.shapes = [(m, m_prev + 1) for m_prev, m in zip(self.sizes[:-1], self.sizes[1:])]
        counts = [rows * cols for rows, cols in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(int)
        self.n_weights = int(self.offsets[-1])

    def __repr__(self):
        return (
            f"MLP(sizes={self.sizes}, hidden={self.hidden.name!r}, "
            f"output={self.output.name!r})  # W = {self.n_weights}"
        )

    @property
    def D(self):
        return self.sizes[0]

    @property
    def K(self):
        return self.sizes[-1]

    def unpack(self, w):
        """Split w (W,) into the augmented matrices [W_1, ..., W_L] (views, no copy)."""
        w = check_weights(self, w)
        return [
            w[start:stop].reshape(shape)
            for start, stop, shape in zip(self.offsets[:-1], self.offsets[1:], self.shapes)
        ]

    def pack(self, Ws):
        """Concatenate the augmented matrices [W_1, ..., W_L] into w (W,), C order.

        Each W_l must be a finite real (M_l, M_{l-1} + 1) array; the result is a new array.
        """
        if not isinstance(Ws, list | tuple):
            raise ValueError(
                f"Ws: expected a list of {len(self.shapes)} matrices; got {type(Ws).__name__}"
            )
        if len(Ws) != len(self.shapes):
            raise ValueError(f"Ws: expected {len(self.shapes)} matrices; got {len(Ws)}")
        arrays = []
        for l, (W, shape) in enumerate(zip(Ws, self.shapes), start=1):
            W = _as_real_array(f"Ws[{l - 1}]", W)
            if W.shape != shape:
                raise ValueError(
                    f"Ws[{l - 1}]: expected shape (M_l, M_(l-1) + 1) = {shape} for layer {l}; "
                    f"got {W.shape}"
                )
            arrays.append(_as_finite_array(f"Ws[{l - 1}]", W, (2,)))
        return np.concatenate([W.ravel() for W in arrays])

    def init(self, seed=0):
        """Random weights w (W,): N(0, 1/(fan_in + 1)) per layer, from a seeded generator."""
        rng = np.random.default_rng(seed)
        return self.pack([rng.normal(0.0, 1.0 / np.sqrt(cols), (rows, cols))
                          for rows, cols in self.shapes])

    def layer_of(self, index):
        """(layer l counted from 1, row j, column i) of the flat weight index, i = 0 the bias.

        index : int in [0, W).
        """
        if not (_is_integer(index) and 0 <= index < self.n_weights):
            raise ValueError(
                f"index: expected an integer weight index in [0, W) = [0, {self.n_weights}); "
                f"got {index!r}"
            )
        l = int(np.searchsorted(self.offsets, index, side="right"))
        j, i = divmod(int(index - self.offsets[l - 1]), self.shapes[l - 1][1])
        return l, j, i

    def forward(self, w, X):
        """Forward propagation (PRML 5.48-5.49, 5.62-5.64): a Forward with a, z, y.

        X : (N, D) -> y : (N, K). Cost O(N W).
        """
        Ws = self.unpack(w)
        X = check_inputs(self, X)
        a, z = [], [augment(X)]
        for l, W in enumerate(Ws):
            a.append(z[-1] @ W.T)
            if l < len(Ws) - 1:
                z.append(augment(self.hidden.h(a[-1])))
        return Forward(a, z, self.output.f(a[-1]), Ws)

    def __call__(self, w, X):
        """The network function y(x, w): X (N, D) -> y (N, K)."""
        return self.forward(w, X).y
