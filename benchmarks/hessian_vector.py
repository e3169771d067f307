"""The cost of one Hessian-vector product H v by the R-operator (PRML 5.4.6, 5.96-5.111)
against one gradient (5.53) and the exact Hessian (5.4.5), as W grows with N fixed.

    .venv/bin/python benchmarks/hessian_vector.py            # W from ~10^2 to ~10^4, N = 1000
    .venv/bin/python benchmarks/hessian_vector.py --quick    # fewer repeats

Networks [D, M, K] = [10, M, 5] with tanh hidden units and identity outputs (sum-of-squares),
W = 16 M + 5. For each W it prints the times of lib.hessian_vector_product,
lib.gradient and lib.hessian_exact (the last only up to W ~ 3000: H alone takes 8 W^2 bytes),
the ratio Hv / gradient measured in the same run, and the log-log slopes of time against W
(PRML: O(W) per pattern for the gradient and for H v, O(W^2) for H).

BLAS runs on one thread (benchmarks/run.py's import_numpy); every time is the minimum over
repeats in which the functions take turns (run.py's best_times). A report, not a test:
absolute times and the ratio depend on the machine.
"""

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (import_numpy, best_times: shared with run.py)

slope = run.loglog_slope                         # measured exponent of the cost

HIDDEN = [6, 12, 25, 50, 100, 200, 400, 620]   # W = 101 ... 9925
EXACT_MAX_W = 3300                               # hessian_exact only up to here


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--N", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    run.import_numpy(1)
    np, lib = run.np, run.lib

    print(f"numpy {np.__version__}, Python {platform.python_version()}, one BLAS thread")
    print(f"networks [10, M, 5], tanh, identity outputs; N = {args.N}; best of {repeats}")
    print(f"{'M':>5s} {'W':>6s} {'gradient':>11s} {'Hv':>11s} {'Hv/grad':>8s} "
          f"{'hessian_exact':>14s} {'exact/Hv':>9s}")
    rows = []
    for M in HIDDEN:
        rng = np.random.default_rng(M)
        net = lib.MLP([10, M, 5], hidden="tanh", output="identity")
        w = net.init(seed=0)
        X = rng.normal(size=(args.N, net.D))
        T = rng.normal(size=(args.N, net.K))
        v = rng.normal(size=net.n_weights)
        W = net.n_weights
        call = (net, w, X, T)
        functions = [lambda call=call: lib.gradient(*call),
                     lambda call=call, v=v: lib.hessian_vector_product(*call, v)]
        if W <= EXACT_MAX_W:
            functions.append(lambda call=call: lib.hessian_exact(*call))
        times = run.best_times(functions, repeats)
        t_grad, t_hv = times[:2]
        t_exact = times[2] if len(times) > 2 else float("nan")
        rows.append((W, t_grad, t_hv, t_exact))
        exact = f"{1e3 * t_exact:11.2f} ms" if W <= EXACT_MAX_W else f"{'-':>14s}"
        ratio_exact = f"{t_exact / t_hv:9.0f}" if W <= EXACT_MAX_W else f"{'-':>9s}"
        print(f"{M:5d} {W:6d} {1e3 * t_grad:8.3f} ms {1e3 * t_hv:8.3f} ms "
              f"{t_hv / t_grad:8.2f} {exact} {ratio_exact}")

    Ws = np.array([r[0] for r in rows], dtype=float)
    t_grad, t_hv, t_exact = (np.array([r[i] for r in rows]) for i in (1, 2, 3))
    big = Ws >= 1000                     # where fixed per-call overheads no longer dominate
    has_exact = np.isfinite(t_exact)
    print("log-log slopes d log t / d log W (all W; W >= 1000):")
    print(f"  gradient        {slope(Ws, t_grad):.2f}; {slope(Ws[big], t_grad[big]):.2f}")
    print(f"  Hv              {slope(Ws, t_hv):.2f}; {slope(Ws[big], t_hv[big]):.2f}")
    print(f"  hessian_exact   {slope(Ws[has_exact], t_exact[has_exact]):.2f} "
          f"(W <= {EXACT_MAX_W})")
    ratios = t_hv / t_grad
    print(f"Hv / gradient: {ratios.min():.1f} to {ratios.max():.1f} over W = "
          f"{int(Ws[0])}..{int(Ws[-1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
