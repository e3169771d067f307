"""The small data sets of the notebooks, so that adjacent notebooks use the same data.

PRML Figure 5.3 shows a two-layer network (3 tanh hidden units, linear outputs) fitted to
N = 50 points sampled uniformly in x over (-1, 1), with targets f(x) evaluated exactly (no
noise) for f(x) = x^2, sin(x), |x| and the Heaviside step H(x).
"""

import numpy as np

FIGURE_5_3 = {
    "square": np.square,
    "sin": np.sin,
    "abs": np.abs,
    "step": lambda x: np.heaviside(x, 0.5),
}


def figure_5_3(function="sin", N=50, seed=0):
    """The data of PRML Figure 5.3: x_n ~ U(-1, 1), t_n = f(x_n) without noise.

    function : 'square', 'sin', 'abs' or 'step' (panels a-d of Figure 5.3).
    Returns X : (N, 1) sorted by x, T : (N, 1).
    """
    if function not in FIGURE_5_3:
        raise ValueError(f"function: expected one of {sorted(FIGURE_5_3)}; got {function!r}")
    if isinstance(N, bool) or not isinstance(N, int | np.integer) or N < 1:
        raise ValueError(f"N: expected a positive number of points; got {N!r}")
    x = np.sort(np.random.default_rng(seed).uniform(-1.0, 1.0, size=int(N)))
    return x[:, None], FIGURE_5_3[function](x)[:, None]
