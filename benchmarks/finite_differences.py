"""Wall time of the two finite-difference Hessians against the number of weights W:

- four-point: lib.hessian_four_point_difference (PRML 5.90), 2 W (W + 1) evaluations of E,
  each O(N W): O(N W^3) in the model;
- gradient:   lib.hessian_finite_difference (PRML 5.91), 2 W backpropagated gradients,
  each O(N W): O(N W^2) in the model;
- exact:      lib.hessian_exact (PRML 5.4.5), for comparison, O(N K W^2) for one hidden layer.

    .venv/bin/python benchmarks/finite_differences.py           # W from 19 to 199, N = 200
    .venv/bin/python benchmarks/finite_differences.py --quick   # 1 repeat instead of 2

Networks [4, M, 1] (W = 6 M + 1) with tanh hidden units and sum-of-squares error. Prints the
time of each method for each W and the log-log slope of time against W, fitted by least
squares over all W in one run and between the two largest W. BLAS runs on one thread, as
in benchmarks/run.py. This is a report, not a test: absolute times and the slopes depend on
the machine. Each call of lib.error or lib.gradient also has a fixed cost (argument checks,
Python overhead, work on X that does not grow with W), which hides part of the O(N W) work
and lowers the slope at small W.
"""

import argparse
import platform
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (best_times and import_numpy, shared with run.py)

slope = run.loglog_slope                         # measured exponent of the cost

M_VALUES = (3, 6, 12, 22, 33)          # W = 19, 37, 73, 133, 199


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--N", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="1 repeat instead of 2")
    args = parser.parse_args()
    run.import_numpy(1)
    np, lib = run.np, run.lib
    repeats = 1 if args.quick else 2

    print(f"numpy {np.__version__}, Python {platform.python_version()}, one BLAS thread")
    print(f"networks [4, M, 1], N = {args.N}, best of {repeats}")
    print(f"{'W':>5s} {'four-point (5.90)':>18s} {'gradient (5.91)':>16s} {'exact':>10s}")
    rng = np.random.default_rng(0)
    Ws, rows = [], []
    for M in M_VALUES:
        net = lib.MLP([4, M, 1], hidden="tanh", output="identity")
        w = net.init(seed=0)
        X = rng.normal(size=(args.N, 4))
        T = rng.normal(size=(args.N, 1))
        methods = (lib.hessian_four_point_difference, lib.hessian_finite_difference,
                   lib.hessian_exact)
        times = run.best_times([partial(f, net, w, X, T) for f in methods], repeats)
        Ws.append(net.n_weights)
        rows.append(times)
        print(f"{net.n_weights:5d} {times[0]:16.3f} s {times[1]:14.4f} s {times[2]:8.4f} s")
    rows = np.array(rows)
    names = ("four-point (5.90)", "gradient (5.91)", "exact")
    models = ("model O(N W^3): 3", "model O(N W^2): 2", "model O(N K W^2): 2")
    for k, (name, model) in enumerate(zip(names, models)):
        print(f"log-log slope of time against W, {name:<17s}: all W {slope(Ws, rows[:, k]):.2f}, "
              f"the two largest W {slope(Ws[-2:], rows[-2:, k]):.2f}   ({model})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
