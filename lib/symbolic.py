"""Symbols for the sympy derivations of the notebooks: unspecified functions, networks, Hessians.

The derivations prove PRML's identities for *general* functions, so the activation h and the
error E stay unspecified. Plain ``sp.Function("E")`` would do, but sympy writes the partial
derivatives of a composite E(a_1(w), a_2(w)) as ``Subs(Derivative(...))`` with dummy variables,
in several equivalent forms that ``expand`` cannot always match. Here every partial derivative
is itself a *named* unspecified function instead:

    h  -> h', h'', h''', ...               (one argument)
    E  -> E_1, E_2, E_11, E_12, E_22, ...  (E_12 = d^2 E / da_1 da_2, at the same point)

The index list of a partial is sorted, so E_12 and E_21 are one function: the derivations
assume E is twice continuously differentiable (Schwarz's theorem) and use nothing else. sympy's
own chain rule then differentiates E(a_1(w), ..., a_K(w)) into sums of E_k(a) da_k/dw, and an
identity is proved when ``is_zero(lhs - rhs)`` holds for symbolic weights, inputs, h and E.

``concrete`` replaces the unspecified functions by actual ones (e.g. h = tanh), which lets a
test or a notebook check a symbolic result against direct differentiation.
"""

from functools import cache
from typing import NamedTuple

import sympy as sp


class _Partial(sp.Function):
    """Base of the unspecified functions below; ``base`` and ``indices`` say which partial it is."""

    base = ""
    indices = ()

    @classmethod
    def eval(cls, *args):
        return None


@cache
def _partial(base, indices, nargs):
    """The function class of d^|indices| base / d(arg i for i in indices), indices sorted."""
    if nargs == 1:
        name = base + "'" * len(indices)
    else:
        name = base + ("_" + "".join(map(str, indices)) if indices else "")
        if nargs > 9 and indices:
            name = base + "_{" + ",".join(map(str, indices)) + "}"

    def fdiff(self, argindex=1):
        return _partial(base, tuple(sorted(indices + (argindex,))), nargs)(*self.args)

    return type(name, (_Partial,), {"nargs": nargs, "fdiff": fdiff, "base": base,
                                     "indices": indices})


def activation(name="h"):
    """An unspecified activation h(a) whose derivatives print as h'(a), h''(a), ..."""
    return _partial(name, (), 1)


def error_function(K, name="E"):
    """An unspecified error E(a_1, ..., a_K) of K output activations, with named partials.

    ``E(*a).diff(a[0], a[1])`` is ``E_12(*a)``; so is ``E(*a).diff(a[1], a[0])`` (Schwarz).
    """
    if not (isinstance(K, int) and K >= 1):
        raise ValueError(f"K: expected a positive number of arguments; got {K!r}")
    return _partial(name, (), K)


def partial(f, *indices):
    """The named partial of an unspecified function ``f`` (from ``activation`` or
    ``error_function``) in its arguments ``indices`` (counted from 1): partial(E, 1, 2) is E_12."""
    if not (isinstance(f, type) and issubclass(f, _Partial)):
        raise ValueError(f"f: expected a function from activation() or error_function(); got {f!r}")
    nargs = next(iter(f.nargs))
    if not all(isinstance(i, (int, sp.Integer)) and not isinstance(i, bool)
               and 1 <= i <= nargs for i in indices):
        raise ValueError(f"indices: expected argument numbers in 1..{nargs}; got {indices}")
    return _partial(f.base, tuple(sorted(f.indices + tuple(int(i) for i in indices))), nargs)


def is_zero(expr):
    """True when ``expr`` (an expression or a Matrix, every entry) expands to exactly 0.

    The expressions of the derivations are polynomials in the weights, the inputs and the
    (named, unspecified) derivatives of h and E, which sympy treats as independent atoms, so
    ``expand`` reaches a canonical form: 0 after expanding is a proof, not a numerical test.
    """
    if isinstance(expr, sp.MatrixBase):
        return all(sp.expand(entry) == 0 for entry in expr)
    return sp.expand(expr) == 0


def concrete(expr, **functions):
    """``expr`` with unspecified functions replaced by concrete ones and their derivatives.

    functions : name -> callable of sympy expressions, e.g. ``h=sp.tanh`` or
        ``E=lambda a1, a2: a1**2 * a2``. Every partial of that name (h', E_12, ...) becomes the
        matching derivative of the concrete function, evaluated at the same arguments.
    """

    def known(e):
        return isinstance(e, _Partial) and type(e).base in functions

    def evaluated(e):
        points = sp.symbols(f"p_1:{len(e.args) + 1}")
        derivative = functions[type(e).base](*points)
        for i in type(e).indices:
            derivative = sp.diff(derivative, points[i - 1])
        return derivative.subs(dict(zip(points, e.args)), simultaneous=True)

    return expr.replace(known, evaluated)       # bottom-up: inner h(a) first, then h'(h(a))


class SymbolicNetwork(NamedTuple):
    """A network written with symbols (PRML 5.48-5.49), laid out as lib.MLP lays out w.

    weights : every weight symbol w^(l)_ji in lib's flat order (layer, then row j, then column
        i; i = 0 is the bias, multiplied by z_0 = 1)
    Ws : the augmented weight matrices [W_1, ..., W_L], W_l of shape (M_l, M_{l-1} + 1)
    a : [a_1, ..., a_L], the pre-activations of every layer as lists of expressions
    z : [z_0, ..., z_{L-1}], the augmented inputs [1, z_1, ...] of every layer
    """

    weights: list
    Ws: list
    a: list
    z: list


def weight_symbol(l, j, i):
    """The symbol w^(l)_ji: layer l (from 1), unit j (from 1), input i (0 = bias)."""
    return sp.Symbol(f"w^{{({l})}}_{{{j}{i}}}")


def symbolic_network(sizes, h, x):
    """The network [D, M_1, ..., K] with hidden activation ``h`` on the inputs ``x`` (D symbols):

        a_j = sum_i w_ji z_i  (5.48),   z_j = h(a_j)  (5.49),   z_0 = 1 (the bias).

    The output activations a_k are a[-1]; the output function and the error are left to the
    caller (sum-of-squares, cross-entropy or an unspecified E).
    """
    sizes = list(sizes)
    if len(x) != sizes[0]:
        raise ValueError(f"x: expected D = {sizes[0]} input symbols; got {len(x)}")
    Ws = [sp.Matrix(m, m_prev + 1, lambda j, i, l=l: weight_symbol(l, j + 1, i))
          for l, (m_prev, m) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)]
    z, a = [[sp.Integer(1), *x]], []
    for l, W in enumerate(Ws):
        a.append(list(W * sp.Matrix(z[-1])))
        if l < len(Ws) - 1:
            z.append([sp.Integer(1), *[h(a_j) for a_j in a[-1]]])
    weights = [symbol for W in Ws for symbol in W]      # sympy matrices iterate in C order
    return SymbolicNetwork(weights, Ws, a, z)


def direction_symbols(weights):
    """The symbols v^(l)_ji of a direction v, one per weight symbol w^(l)_ji and in the same
    order (lib's flat order for ``SymbolicNetwork.weights``): v_ji is the entry of v that
    corresponds to w_ji (PRML 5.4.6, after 5.103)."""
    names = [str(w) for w in weights]
    if not all(name.startswith("w") for name in names):
        raise ValueError(f"weights: expected symbols named w... (weight_symbol); got {names}")
    return [sp.Symbol("v" + name[1:]) for name in names]


_R = sp.Symbol("r")


def r_operator(expr, weights, v):
    """R{f} = v^T grad f (PRML 5.96-5.97), from its definition as a derivative along v:

        R{f(w)} = d/dr f(w + r v) at r = 0.

    Every weight is moved to w + r v at once, so R{w_ji} = v_ji (5.97) and R{x} = 0 for
    anything that does not depend on the weights. ``expr`` : an expression or a Matrix.
    """
    if len(weights) != len(v):
        raise ValueError(f"v: expected one entry per weight ({len(weights)}); got {len(v)}")
    if _R in getattr(expr, "free_symbols", set()):
        raise ValueError("expr: contains the symbol r, which r_operator uses for the step")
    shifted = sp.sympify(expr).subs({w: w + _R * v_i for w, v_i in zip(weights, v)},
                                    simultaneous=True)
    return sp.diff(shifted, _R).subs(_R, 0)


def hessian_matrix(f, variables):
    """All W x W second derivatives d^2 f / dv_i dv_j, each entry differentiated on its own.

    (``sp.hessian`` differentiates the upper triangle and mirrors it, so an identity proved
    with it holds for half of the matrix only; this one does not assume symmetry.)
    """
    gradient = [sp.diff(f, v) for v in variables]
    return sp.Matrix(len(variables), len(variables),
                     lambda i, j: sp.diff(gradient[i], variables[j]))
