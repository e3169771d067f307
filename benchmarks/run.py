"""Speed and memory of lib/ against the targets of issue 2 ("Speed and memory").

    .venv/bin/python benchmarks/run.py            # about a minute
    .venv/bin/python benchmarks/run.py --quick    # fewer repeats and sizes
    .venv/bin/python benchmarks/run.py --threads 0   # the BLAS library's own thread count

Each figure is printed with its target and PASS or FAIL. Times are the best of several
repeats (the minimum is the least disturbed by other work on the machine); ratios are taken
between timings made in the same run. This is a report, not a test: absolute times depend on
the machine and its BLAS.
"""

import argparse
import os
import platform
import time
import tracemalloc

FLOAT = 8  # bytes
np = lib = None  # imported in main(), after the BLAS thread count is set


def import_numpy(threads):
    """Import numpy and lib with the BLAS thread count fixed (0: the library's default).
    One thread is the default here: on a shared machine, multithreaded BLAS waits for the
    busy cores and its timings scatter by an order of magnitude."""
    global np, lib
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
    import numpy

    import lib as library

    np, lib = numpy, library


def best_times(functions, repeats):
    """Minimum wall time of each function over `repeats` rounds, after one warm-up call each.
    The functions take turns within a round, so that a burst of other work on the machine
    slows them alike and their ratio stays fair."""
    times = [[] for _ in functions]
    for f in functions:
        f()
    for _ in range(repeats):
        for f, t in zip(functions, times):
            start = time.perf_counter()
            f()
            t.append(time.perf_counter() - start)
    return [min(t) for t in times]


def peak_bytes(f):
    """Peak memory traced while f() runs (numpy reports its array buffers to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    f()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def mib(n_bytes):
    return n_bytes / 2**20


def verdict(ok):
    return "PASS" if ok else "FAIL"


def problem(sizes, N, output="identity", seed=0):
    rng = np.random.default_rng(seed)
    net = lib.MLP(sizes, hidden="tanh", output=output)
    X = rng.normal(size=(N, sizes[0]))
    if output == "identity":
        T = rng.normal(size=(N, sizes[-1]))
    else:
        T = (rng.uniform(size=(N, sizes[-1])) < 0.5).astype(float)
    return net, net.init(seed), X, T


def bench_outer_product(repeats):
    """hessian_outer_product, N = 2000, sizes [10, 100, 1], vs a bare B.T @ B on (N, W)."""
    print("\n1. hessian_outer_product vs the BLAS floor B.T @ B   (target: ratio <= 1.5)")
    N, sizes = 2000, [10, 100, 1]
    B = np.random.default_rng(1).normal(size=(N, lib.MLP(sizes).n_weights))
    problems = {output: problem(sizes, N, output) for output in ("identity", "sigmoid")}
    t_floor, *t_ops = best_times(
        [lambda: B.T @ B] + [lambda args=args: lib.hessian_outer_product(*args)
                             for args in problems.values()], repeats)
    print(f"   B.T @ B, B of shape {B.shape}: {t_floor * 1e3:8.2f} ms")
    ratios = {}
    for output, t in zip(problems, t_ops):
        ratios[output] = t / t_floor
        print(f"   {output + ' output':<16} W = {B.shape[1]}: {t * 1e3:8.2f} ms  "
              f"ratio {t / t_floor:5.2f}  {verdict(t / t_floor <= 1.5)}")
    return ratios["identity"] <= 1.5


def sizes_for(W_target, D=50, K=10):
    """[D, M, M, K] with W = M(D + 1) + M(M + 1) + K(M + 1) closest to W_target."""
    M = min(range(1, 2000), key=lambda m: abs(m * (D + 1) + m * (m + 1) + K * (m + 1) - W_target))
    return [D, M, M, K]


def bench_diagonal(repeats, W_targets, N=1000):
    """hessian_diagonal_approx vs gradient on the same inputs, W from 1e3 to 1e5."""
    print(f"\n2. hessian_diagonal_approx vs gradient, N = {N}, tanh, two hidden layers  "
          "(target: ratio <= 3 at every W; log-log slope of time vs W <= 1.1)")
    Ws, times, ok = [], [], True
    for W_target in W_targets:
        args = problem(sizes_for(W_target), N)
        t_grad, t_diag = best_times([lambda args=args: lib.gradient(*args),
                                     lambda args=args: lib.hessian_diagonal_approx(*args)],
                                    repeats)
        ratio = t_diag / t_grad
        ok &= ratio <= 3
        net = args[0]
        Ws.append(net.n_weights)
        times.append(t_diag)
        print(f"   sizes {str(net.sizes):<18} W = {net.n_weights:6d}: gradient "
              f"{t_grad * 1e3:8.2f} ms, diagonal {t_diag * 1e3:8.2f} ms, ratio {ratio:4.2f}  "
              f"{verdict(ratio <= 3)}")
    slope = np.polyfit(np.log(Ws), np.log(times), 1)[0]
    print(f"   log-log slope of the diagonal's time against W: {slope:.2f}  "
          f"{verdict(slope <= 1.1)}")
    return ok and slope <= 1.1


def bench_exact(repeats, cases):
    """hessian_exact vs hessian_finite_difference, and the exact Hessian's peak memory."""
    print("\n3. hessian_exact vs hessian_finite_difference  (target: exact faster, ratio > 1)")
    sizes, N = cases[0]
    net, w, X, T = problem(sizes, N)
    t_exact, t_fd = best_times([lambda: lib.hessian_exact(net, w, X, T),
                                lambda: lib.hessian_finite_difference(net, w, X, T)],
                               max(2, repeats // 2))
    print(f"   sizes {sizes}, W = {net.n_weights}, N = {N}: exact {t_exact * 1e3:.1f} ms, "
          f"finite differences {t_fd * 1e3:.1f} ms, ratio fd / exact {t_fd / t_exact:.2f}  "
          f"{verdict(t_fd > t_exact)}")
    ok = t_fd > t_exact

    print("\n4. hessian_exact peak memory (tracemalloc)  (target: O(W^2 + N W); never an "
          "(N, W, W) array; PASS if peak < 1/10 of one)")
    for sizes, N in cases:
        net, w, X, T = problem(sizes, N)
        W = net.n_weights
        peak = peak_bytes(lambda net=net, w=w, X=X, T=T: lib.hessian_exact(net, w, X, T))
        base, cube = FLOAT * (W * W + N * W), FLOAT * N * W * W
        print(f"   W = {W:5d}, N = {N:5d}: peak {mib(peak):7.1f} MiB; "
              f"W^2 {mib(FLOAT * W * W):5.1f}, "
              f"N W {mib(FLOAT * N * W):5.1f}, (N, W, W) {mib(cube):7.0f} MiB; "
              f"peak / (W^2 + N W) = {peak / base:4.1f}, peak / (N W W) = {peak / cube:.4f}  "
              f"{verdict(peak < cube / 10)}")
        ok &= peak < cube / 10
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (default 1; 0 keeps the library's default)")
    args = parser.parse_args()
    import_numpy(args.threads)
    repeats = 3 if args.quick else 9
    W_targets = [1e3, 1e4, 1e5] if args.quick else [1e3, 3e3, 1e4, 3e4, 1e5]
    exact_cases = [([10, 38, 2], 500), ([10, 38, 2], 2000), ([20, 45, 2], 500)]
    if not args.quick:
        exact_cases.append(([20, 45, 2], 2000))
    print(f"numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}, "
          f"BLAS threads: {args.threads or 'default'}, load average {os.getloadavg()[0]:.1f}")
    results = [bench_outer_product(repeats), bench_diagonal(repeats, W_targets),
               bench_exact(repeats, exact_cases)]
    print("\nall targets met" if all(results) else "\nSOME TARGETS MISSED")


if __name__ == "__main__":
    main()
