"""Hidden-unit activation functions h(a) with their first and second derivatives.

PRML (5.48) needs h'(a) for backpropagation; the second-order recursions (5.80) and
(5.81) also need h''(a). The derivatives are written so that they keep their relative
accuracy in saturation (|a| large): tanh' = sech^2 and sigma' = sigma(a) sigma(-a), never
1 - tanh^2 or sigma (1 - sigma), which cancel to 0 long before the true value underflows.
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
    """Logistic sigmoid sigma(a) = 1 / (1 + exp(-a)), PRML (4.59), without overflow.

    For a < 0 it is evaluated as exp(a) / (1 + exp(a)), so that exp never overflows and
    sigma(a) keeps its relative accuracy however small it gets (sigma(-40) = 4.2e-18).
    """
    a = np.asarray(a, dtype=float)
    e = np.exp(-np.abs(a))                                  # in (0, 1]
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sech_squared(a):
    """sech^2(a) = 4 exp(-2|a|) / (1 + exp(-2|a|))^2, without overflow for any a."""
    e = np.exp(-2.0 * np.abs(a))
    return 4.0 * e / (1.0 + e) ** 2


def _tanh_d1(a):
    """tanh'(a) = sech^2(a). (1 - tanh^2 a would round to 0 for |a| >= 19.)"""
    return _sech_squared(a)


def _tanh_d2(a):
    """tanh''(a) = -2 tanh(a) sech^2(a)."""
    return -2.0 * np.tanh(a) * _sech_squared(a)


def _sigmoid_d1(a):
    """sigma'(a) = sigma(a) sigma(-a), the form of sigma (1 - sigma) that keeps 1 - sigma(a)
    accurate when sigma(a) is close to 1."""
    return _sigmoid(a) * _sigmoid(-a)


def _sigmoid_d2(a):
    """sigma''(a) = sigma(a) sigma(-a) (1 - 2 sigma(a)) = -sigma(a) sigma(-a) tanh(a/2):
    1 - 2 sigma(a) = sigma(-a) - sigma(a) = -tanh(a/2) needs no subtraction."""
    return -_sigmoid_d1(a) * np.tanh(0.5 * a)


ACTIVATIONS = {
    "tanh": Activation("tanh", np.tanh, _tanh_d1, _tanh_d2),
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_d1, _sigmoid_d2),
    "identity": Activation("identity", lambda a: a, np.ones_like, np.zeros_like),
}


def get_activation(name: str) -> Activation:
    """Look up a hidden activation by name ('tanh', 'sigmoid' or 'identity')."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(
            f"hidden: expected an activation in {sorted(ACTIVATIONS)}; got {name!r}"
        )
    return ACTIVATIONS[name]
