"""Hidden-unit activation functions h(a) with their first and second derivatives.

PRML (5.48) needs h'(a) for backpropagation; the second-order recursions (5.80) and
(5.81) also need h''(a).
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Activation(NamedTuple):
    """An elementwise activation h with h' and h'' (each maps an array to an array)."""

    name: str
    h: Callable[[np.ndarray], np.ndarray]
    dh: Callable[[np.ndarray], np.ndarray]
    d2h: Callable[[np.ndarray], np.ndarray]


def _sigmoid(a):
    """Logistic sigmoid sigma(a) = 1 / (1 + exp(-a)), PRML (4.59), without overflow."""
    return np.exp(-np.logaddexp(0.0, -a))


def _tanh_d1(a):
    return 1.0 - np.tanh(a) ** 2


def _tanh_d2(a):
    z = np.tanh(a)
    return -2.0 * z * (1.0 - z**2)


def _sigmoid_d1(a):
    s = _sigmoid(a)
    return s * (1.0 - s)


def _sigmoid_d2(a):
    s = _sigmoid(a)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


ACTIVATIONS = {
    "tanh": Activation("tanh", np.tanh, _tanh_d1, _tanh_d2),
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_d1, _sigmoid_d2),
    "identity": Activation("identity", lambda a: a, np.ones_like, np.zeros_like),
}


def get_activation(name: str) -> Activation:
    """Look up a hidden activation by name ('tanh', 'sigmoid' or 'identity')."""
    if name not in ACTIVATIONS:
        raise ValueError(
            f"hidden: expected an activation in {sorted(ACTIVATIONS)}; got {name!r}"
        )
    return ACTIVATIONS[name]
