"""Saturation: output errors, activations and convex Hessians at |a| = 20, 40, 100.

A confident network has output pre-activations a of 20 to 100, where y = f(a) rounds to 0
or 1 and every float64 formula with 1 - y, y - y^2 or 1 - tanh^2 cancels to 0.

References. PRML's formulas in y exactly as printed (1 - y, y (1 - y), diag(y) - y y^T,
1 - tanh^2, -sum t ln y, ...), evaluated with mpmath at 150 significant digits from the
same float64 a. The subtractions lose at most 87 of those digits (1 - y >= e^-200 here);
`test_references_do_not_depend_on_the_precision` checks that 300 digits give the same
numbers and `test_references_are_the_derivatives_*` that delta, G, h' and h'' are the
derivatives of E and h (mpmath's numerical differentiation). lib uses other formulas
(sigma(a) sigma(-a), sums over j != k, softplus, sech^2), so nothing is copied from it.

Tolerance. Every entry within REL_TOL = 8 ulps relative to the reference (an exact 0 must
be exactly 0); measured on this machine: at most 2.7 ulps (L L^T), 1.9 (G), 1.1 (delta).
The one exception is y - t for a target strictly between 0 and 1, a difference that no
formula gives to better than eps (|y| + |t|): there the bound is relative to |y| + |t|.

Then through the public functions: lib.error, lib.gradient and lib.output_hessian at
saturated output biases; hessian_exact against hessian_outer_product and for positive
semi-definiteness in the convex cases (no hidden layer); lib.gradient and
lib.hessian_exact of a saturated one-hidden-layer network against mpmath's numerical
derivatives of E(w); and random saturated networks of any depth (hypothesis).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from mpmath import mp
from strategies import saturated_problems

import lib
from lib.activations import ACTIVATIONS
from lib.errors import OUTPUT_ERRORS

EPS = np.finfo(float).eps
REL_TOL = 8 * EPS
DIGITS = 150
SCALES = (20.0, 40.0, 100.0)


# ---------------------------------------------------------------- references (mpmath)

def ref_outputs(output, a):
    """y = f(a) for one pattern a (list of mpf): identity, sigmoid (4.59), softmax (4.104)."""
    if output == "identity":
        return list(a)
    if output == "sigmoid":
        return [1 / (1 + mp.exp(-a_k)) for a_k in a]
    total = mp.fsum(mp.exp(a_j) for a_j in a)
    return [mp.exp(a_k) / total for a_k in a]


def ref_error(output, a, t):
    """E_n from y by (5.11), (5.21), (5.24); a target of exactly 0 contributes nothing."""
    y = ref_outputs(output, a)

    def t_ln(t_k, y_k):
        return 0 if t_k == 0 else t_k * mp.log(y_k)

    if output == "identity":
        return mp.fsum((y_k - t_k) ** 2 for y_k, t_k in zip(y, t)) / 2
    if output == "sigmoid":
        return -mp.fsum(t_ln(t_k, y_k) + t_ln(1 - t_k, 1 - y_k) for y_k, t_k in zip(y, t))
    return -mp.fsum(t_ln(t_k, y_k) for y_k, t_k in zip(y, t))


def ref_delta(output, a, t):
    """dE_n/da_k = y_k - t_k (5.18, 4.91, 4.109)."""
    return [y_k - t_k for y_k, t_k in zip(ref_outputs(output, a), t)]


def ref_G(output, a):
    """G_n: I (5.82), diag(y (1 - y)) (5.85), diag(y) - y y^T."""
    y = ref_outputs(output, a)
    K = len(a)
    if output == "identity":
        return [[mp.mpf(k == j) for j in range(K)] for k in range(K)]
    if output == "sigmoid":
        return [[y[k] * (1 - y[k]) if k == j else mp.mpf(0) for j in range(K)]
                for k in range(K)]
    return [[(y[k] if k == j else 0) - y[k] * y[j] for j in range(K)] for k in range(K)]


def ref_dh(hidden, a):
    """h'(a) and h''(a): 1 - tanh^2 and -2 tanh (1 - tanh^2); sigma (1 - sigma) and
    sigma (1 - sigma)(1 - 2 sigma); 1 and 0."""
    if hidden == "tanh":
        z = mp.tanh(a)
        return 1 - z**2, -2 * z * (1 - z**2)
    if hidden == "sigmoid":
        s = 1 / (1 + mp.exp(-a))
        return s * (1 - s), s * (1 - s) * (1 - 2 * s)
    return mp.mpf(1), mp.mpf(0)


def to_mp(array):
    """float64 entries as exact mpf numbers (every double is a rational mpmath holds exactly)."""
    return [mp.mpf(float(x)) for x in np.ravel(array)]


def relative_errors(got, ref, scale=None):
    """|got - ref| / |ref| entry by entry, as floats; an exact 0 must be matched exactly.
    With scale, |got - ref| / scale instead (for a difference y - t of two numbers of size
    scale = |y| + |t|, which no formula can give to better than eps scale)."""
    got = list(np.ravel(np.array(got, dtype=object)))
    ref = list(np.ravel(np.array(ref, dtype=object)))
    scale = ref if scale is None else list(np.ravel(np.array(scale, dtype=object)))
    assert len(got) == len(ref) == len(scale)
    out = []
    for g, r, s in zip(got, ref, scale):
        g = g if isinstance(g, mp.mpf) else mp.mpf(float(g))
        if s == 0:
            out.append(0.0 if g == r else np.inf)
        else:
            assert abs(s) > 1e-300, "a reference entry is below the normal range"
            out.append(float(abs(g - r) / abs(s)))
    return np.array(out)


def assert_ulps(got, ref, what, scale=None):
    rel = relative_errors(got, ref, scale)
    worst = float(np.max(rel))
    assert worst <= REL_TOL, f"{what}: relative error {worst / EPS:.1f} ulps > 8 ulps"


# ---------------------------------------------------------------- test points

def saturated_patterns(scale, K, seed=0):
    """Rows of output pre-activations with entries at +-scale and in between: one large
    positive entry, one large negative, two close large ones, and seeded values in
    (-scale, scale) whose differences are not exact in float64."""
    rng = np.random.default_rng(seed)
    rows = [np.full(K, scale), np.full(K, -scale)]
    for _ in range(4):
        row = rng.uniform(-scale, scale, size=K)
        row[rng.integers(K)] = rng.choice([-scale, scale])
        rows.append(row)
    if K >= 2:
        close = rng.uniform(-1, 1, size=K)
        close[:2] = [scale, scale - 0.37]
        rows.append(close)
        rows.append(np.r_[scale, -scale, rng.uniform(-1, 1, size=K - 2)])
    return np.array(rows)


def targets_for(output, K):
    """Targets exercising every branch: one-hot rows (0/1 targets) and one soft row."""
    if output == "softmax":
        soft = np.arange(1.0, K + 1) / np.sum(np.arange(1.0, K + 1))
        return [*np.eye(K), soft]
    if output == "sigmoid":
        return [np.zeros(K), np.ones(K), np.full(K, 0.3)]
    return [np.zeros(K), np.full(K, 0.5)]


CASES = [(output, K, scale) for output in OUTPUT_ERRORS for K in (1, 3) for scale in SCALES
         if not (output == "softmax" and K == 1)]


def case_id(case):
    return f"{case[0]}-K{case[1]}-a{case[2]:g}"


# ---------------------------------------------------------------- the tests

def test_references_do_not_depend_on_the_precision():
    """The references at 150 and at 300 digits agree to 1e-40: 150 digits are enough."""
    a = saturated_patterns(100.0, 3)[-1]
    values = []
    for digits in (DIGITS, 2 * DIGITS):
        with mp.workdps(digits):
            am = to_mp(a)
            t = [mp.mpf(1), mp.mpf(0), mp.mpf(0)]
            values.append([ref_error("softmax", am, t), *ref_delta("softmax", am, t),
                           *sum(ref_G("softmax", am), []), *ref_dh("tanh", am[0]),
                           *ref_dh("sigmoid", am[0]), *ref_G("sigmoid", am)[1]])
    with mp.workdps(2 * DIGITS):
        for low, high in zip(*values):
            assert abs(low - high) <= mp.mpf(10) ** -40 * abs(high), (low, high)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_references_are_the_derivatives_of_the_error(output):
    """The reference delta and G are the first and second derivatives of the reference E
    (mpmath's numerical differentiation at 40 digits, at a moderate a)."""
    with mp.workdps(40):
        a = [mp.mpf("0.7"), mp.mpf("-1.3"), mp.mpf("2.1")]
        t = [mp.mpf("0.2"), mp.mpf("0.5"), mp.mpf("0.3")]

        def E(*a_):
            return ref_error(output, list(a_), t)

        for k in range(3):
            order = [int(i == k) for i in range(3)]
            assert abs(mp.diff(E, a, order) - ref_delta(output, a, t)[k]) < 1e-30
            for j in range(3):
                order = [int(i == k) + int(i == j) for i in range(3)]
                assert abs(mp.diff(E, a, order) - ref_G(output, a)[k][j]) < 1e-30


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid"])
def test_activation_references_are_the_derivatives(hidden):
    h = {"tanh": mp.tanh, "sigmoid": lambda a: 1 / (1 + mp.exp(-a))}[hidden]
    with mp.workdps(40):
        for a in (mp.mpf("0.7"), mp.mpf("-2.5")):
            d1, d2 = ref_dh(hidden, a)
            assert abs(mp.diff(h, a, 1) - d1) < 1e-30
            assert abs(mp.diff(h, a, 2) - d2) < 1e-30


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_outputs_errors_and_deltas_match_mpmath(case):
    """y, E_n and dE_n/da = y - t, pattern by pattern, for every target of `targets_for`."""
    output, K, scale = case
    out = OUTPUT_ERRORS[output]
    A = saturated_patterns(scale, K)
    with mp.workdps(DIGITS):
        for t in targets_for(output, K):
            T = np.tile(t, (len(A), 1))
            E, delta, y = out.error(A, T), out.delta(A, T), out.f(A)
            assert np.all(E >= 0), "a negative error"
            for n, a in enumerate(A):
                am, tm = to_mp(a), to_mp(t)
                assert_ulps(y[n], ref_outputs(output, am), f"y at a = {a}")
                assert_ulps(E[n], [ref_error(output, am, tm)], f"E_n at a = {a}, t = {t}")
                # y - t is cancellation-free only when every t_k is 0 or 1; for a soft target
                # the bound is relative to |y_k| + |t_k|.
                y_ref = ref_outputs(output, am)
                soft = None if np.all((t == 0) | (t == 1)) else [
                    abs(y_k) + abs(t_k) for y_k, t_k in zip(y_ref, tm)]
                assert_ulps(delta[n], ref_delta(output, am, tm), f"delta at a = {a}, t = {t}",
                            scale=soft)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_output_hessian_its_factor_and_diagonal_match_mpmath(case):
    """G_n, its diagonal, and L_n L_n^T (multiplied out exactly in mpmath from lib's L_n)."""
    output, K, scale = case
    out = OUTPUT_ERRORS[output]
    A = saturated_patterns(scale, K)
    G, L, diag = out.hessian(A), out.hessian_factor(A), out.hessian_diagonal(A)
    assert G.shape == L.shape == (len(A), K, K) and diag.shape == (len(A), K)
    with mp.workdps(DIGITS):
        for n, a in enumerate(A):
            G_ref = ref_G(output, to_mp(a))
            assert_ulps(G[n], G_ref, f"G_n at a = {a}")
            assert_ulps(diag[n], [G_ref[k][k] for k in range(K)], f"diagonal of G_n at a = {a}")
            Lm = np.array(to_mp(L[n]), dtype=object).reshape(K, K)
            LLt = [[mp.fsum(Lm[k, i] * Lm[j, i] for i in range(K)) for j in range(K)]
                   for k in range(K)]
            assert_ulps(LLt, G_ref, f"L_n L_n^T at a = {a}")


HIDDEN_POINTS = np.array([s * sign + d for s in SCALES for sign in (-1, 1)
                          for d in (0.0, 0.37, -0.81)] + [0.0, 0.5, -3.0])


@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_activation_derivatives_match_mpmath(hidden):
    """h' and h'' at +-20, +-40, +-100 (and nearby points), where 1 - tanh^2 and
    sigma (1 - sigma) round to 0 in float64 but the true values are 1e-87 and more."""
    act = ACTIVATIONS[hidden]
    d1, d2 = act.dh(HIDDEN_POINTS), act.d2h(HIDDEN_POINTS)
    with mp.workdps(DIGITS):
        refs = [ref_dh(hidden, mp.mpf(float(a))) for a in HIDDEN_POINTS]
        assert_ulps(d1, [r[0] for r in refs], f"{hidden}'")
        assert_ulps(d2, [r[1] for r in refs], f"{hidden}''")


@pytest.mark.parametrize("output", OUTPUT_ERRORS)
@pytest.mark.parametrize("scale", SCALES)
def test_public_error_gradient_and_output_hessian_in_saturation(output, scale):
    """Through the public functions: a network without hidden layer and inputs X = 0 has
    a = the output biases exactly, so lib.error, the bias entries of lib.gradient (= delta,
    by 5.53 with z_0 = 1) and lib.output_hessian must match the mpmath references."""
    K = 3
    net = lib.MLP([2, K], output=output)
    a = saturated_patterns(scale, K)[-1]
    w = np.zeros(net.n_weights)
    w[0::3] = a                                          # column 0 of W_1: the biases
    X = np.zeros((1, 2))
    t = targets_for(output, K)[0]
    E = lib.error(net, w, X, t[None])
    g = lib.gradient(net, w, X, t[None])
    G = lib.output_hessian(net, w, X, t[None])
    with mp.workdps(DIGITS):
        am, tm = to_mp(a), to_mp(t)
        assert_ulps(E, [ref_error(output, am, tm)], "lib.error")
        assert_ulps(g[0::3], ref_delta(output, am, tm), "lib.gradient, biases")
        assert_ulps(G[0], ref_G(output, am), "lib.output_hessian")
    np.testing.assert_array_equal(g[1::3], 0.0)          # inputs 0: weights have gradient 0
    np.testing.assert_array_equal(g[2::3], 0.0)


TINY = np.finfo(float).tiny   # an eigenvalue scale below this is subnormal: no relative test
CONVEX_TOL = 1e-14      # measured: |lambda_min| / lambda_max <= 2e-16, difference <= 4e-16


@pytest.mark.parametrize("output, sizes", [("identity", [3, 2]), ("sigmoid", [3, 2]),
                                           ("softmax", [2, 3])])
@pytest.mark.parametrize("bias", [0.0, 20.0, 40.0, 100.0])
def test_exact_hessian_without_hidden_layer_is_psd_and_equals_the_outer_product(
        output, sizes, bias):
    """Linear, logistic and softmax regression are convex: H = sum_n B_n^T G_n B_n exactly
    (a_n is linear in w, so the residual term of (5.83) vanishes), and H is positive
    semi-definite. With one bias at 40 (the example of the issue: softmax, w[0] = 40, all
    patterns of class 0) G_n is about 1e-17 and every y_0 rounds to 1; formulas in y made H
    indefinite (lambda_min = -0.7 lambda_max) and 100 % off the outer product. Both must
    hold to CONVEX_TOL relative to the largest entry or eigenvalue."""
    net = lib.MLP(sizes, output=output)
    rng = np.random.default_rng(0)
    w = rng.normal(size=net.n_weights) * 0.3
    w[0] = bias
    X = rng.normal(size=(20, sizes[0]))
    K = sizes[-1]
    T = {"identity": rng.normal(size=(20, K)), "sigmoid": np.ones((20, K)),
         "softmax": np.tile(np.eye(K)[0], (20, 1))}[output]
    H = lib.hessian_exact(net, w, X, T)
    H_op = lib.hessian_outer_product(net, w, X, T)
    scale = np.max(np.abs(H_op))
    assert scale > 0
    difference = np.max(np.abs(H - H_op)) / scale
    assert difference <= CONVEX_TOL, f"hessian_exact - outer product: {difference:.1e} > 1e-14"
    eigenvalues = np.linalg.eigvalsh((H + H.T) / 2)
    assert eigenvalues[0] >= -CONVEX_TOL * eigenvalues[-1], (
        f"lambda_min / lambda_max = {eigenvalues[0] / eigenvalues[-1]:.1e} < -1e-14")


@settings(max_examples=100)
@given(saturated_problems())
def test_saturated_networks_keep_errors_non_negative_and_curvature_psd(p):
    """Any depth and pairing with weights scaled by 20-100: E >= 0 and finite, a finite
    gradient, every G_n positive semi-definite and, for softmax, with rows summing to 0
    (G_kk = -sum_{j != k} G_kj to 8 K ulps of G_kk: y_k - y_k^2 rounds to 0 where the true
    G_kk is 1e-17), the outer product PSD and the exact Hessian finite and symmetric; no
    overflow or invalid-value warning on the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_saturated_problem(p)


def check_saturated_problem(p):
    E = lib.error(p.net, p.w, p.X, p.T)
    assert np.isfinite(E) and E >= 0
    assert np.all(np.isfinite(lib.gradient(p.net, p.w, p.X, p.T)))
    G = lib.output_hessian(p.net, p.w, p.X, p.T)
    K = p.net.K
    diagonal = np.diagonal(G, axis1=1, axis2=2)
    assert np.all(diagonal >= 0)
    if p.net.output.name == "softmax":
        row_sums = np.abs(G.sum(axis=2))
        assert np.all(row_sums <= 8 * K * EPS * diagonal), "rows of G_n do not sum to 0"
    for G_n in G:
        eigenvalues = np.linalg.eigvalsh(G_n)
        assert eigenvalues[0] >= -CONVEX_TOL * max(eigenvalues[-1], 0.0) - TINY
    H_op = lib.hessian_outer_product(p.net, p.w, p.X, p.T)
    eigenvalues = np.linalg.eigvalsh(H_op)
    assert eigenvalues[0] >= -CONVEX_TOL * max(eigenvalues[-1], 0.0) - TINY
    H = lib.hessian_exact(p.net, p.w, p.X, p.T)
    assert np.all(np.isfinite(H))
    assert np.max(np.abs(H - H.T)) <= 1e-12 * max(np.max(np.abs(H)), np.finfo(float).tiny)


# ---------------------------------------------------------------- a hidden layer, end to end

def ref_network_error(sizes, hidden, output, w, x, t):
    """E_n(w) for one pattern by the forward pass (5.48, 5.49) in mpmath, then ref_error."""
    h = {"tanh": mp.tanh, "sigmoid": lambda a: 1 / (1 + mp.exp(-a)),
         "identity": lambda a: a}[hidden]
    z, offset = list(x), 0
    for l, (m_prev, m) in enumerate(zip(sizes[:-1], sizes[1:])):
        rows = [w[offset + j * (m_prev + 1): offset + (j + 1) * (m_prev + 1)] for j in range(m)]
        offset += m * (m_prev + 1)
        a = [row[0] + mp.fsum(row[i + 1] * z[i] for i in range(m_prev)) for row in rows]
        if l < len(sizes) - 2:
            z = [h(a_j) for a_j in a]
    return ref_error(output, a, t)


def ref_network_derivatives(net, w, X, T, index_pairs, digits):
    """Per-pattern derivatives of E_n(w) at `digits` digits by mpmath's numerical
    differentiation: for (k, None) dE_n/dw_k, for (k, j) d^2E_n/dw_k dw_j.
    Returns {pair: [value for pattern 1, pattern 2, ...]}."""
    sizes, hidden, output = net.sizes, net.hidden.name, net.output.name
    W = net.n_weights
    parts = {pair: [] for pair in index_pairs}
    with mp.workdps(digits):
        wm = to_mp(w)
        for x, t in zip([to_mp(x) for x in X], [to_mp(t) for t in T]):
            def E_n(*w_, x=x, t=t):
                return ref_network_error(sizes, hidden, output, w_, x, t)

            for k, j in index_pairs:
                order = tuple(int(i == k) + int(i == j) for i in range(W))
                parts[k, j].append(mp.diff(E_n, wm, order))
    return parts


NOISE_FLOOR = 1e-50     # mpmath's differentiation noise at 60 digits is below 1e-70 here
E2E_TOL = 1e-13         # measured: at most 5.4e-15 relative to sum_n |per-pattern entry|


@pytest.mark.parametrize("hidden, output", [("tanh", "softmax"), ("sigmoid", "sigmoid"),
                                            ("tanh", "identity")])
def test_hidden_layer_network_in_saturation_matches_mpmath(hidden, output):
    """A [2, 3, 3] network with hidden |a| up to 61 and output |a| up to 63: lib.gradient
    and lib.hessian_exact against mpmath's numerical derivatives (60 digits) of E(w) written
    from the definitions. Each entry within E2E_TOL of the reference, relative to
    sum_n |entry of pattern n| (a sum over patterns may cancel, as sum_n z_n does for
    z = +-(1 - 4e-9), which no float64 method avoids); entries whose patterns all lie below
    NOISE_FLOOR are exactly 0 (e.g. between two sigmoid output units) and must be tiny.
    A few entries are recomputed at 100 digits: the 60-digit references hold to 1e-20.
    tanh' = 1 - tanh^2 made every hidden-weight entry 0 here."""
    net = lib.MLP([2, 3, 3], hidden=hidden, output=output)
    rng = np.random.default_rng(0)
    w = net.pack([rng.normal(size=(3, 3)) * 20, rng.normal(size=(3, 4)) * 15])
    X = rng.normal(size=(2, 2))
    T = {"softmax": np.eye(3)[[0, 2]], "sigmoid": np.array([[1.0, 0, 1], [0, 1, 1]]),
         "identity": rng.normal(size=(2, 3))}[output]
    g, H = lib.gradient(net, w, X, T), lib.hessian_exact(net, w, X, T)
    W = net.n_weights
    pairs = [(k, None) for k in range(W)] + [(k, j) for k in range(W) for j in range(k, W)]
    parts = ref_network_derivatives(net, w, X, T, pairs, 60)
    few = [(0, None), (0, 0), (1, 5), (4, 13), (W - 1, W - 1)]
    precise = ref_network_derivatives(net, w, X, T, few, 100)
    with mp.workdps(100):
        for pair in few:
            for low, high in zip(parts[pair], precise[pair]):
                assert abs(low - high) <= 1e-20 * abs(high) + 1e-70, (pair, low, high)
    checks = [(f"gradient[{k}]", g[k], parts[k, None]) for k in range(W)]
    checks += [(f"H[{k}, {j}]", H[k, j], parts[min(k, j), max(k, j)])
               for k in range(W) for j in range(W)]
    with mp.workdps(60):
        for what, got, per_pattern in checks:
            ref, scale = mp.fsum(per_pattern), mp.fsum(abs(p) for p in per_pattern)
            error = abs(mp.mpf(float(got)) - ref)
            if scale < NOISE_FLOOR:
                assert abs(got) < NOISE_FLOOR, f"{what} = {got:.3e}, expected 0"
            else:
                assert error <= E2E_TOL * scale, (
                    f"{what}: {float(error / scale):.1e} relative to sum_n |.| > 1e-13")
