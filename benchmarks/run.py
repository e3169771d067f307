"""Speed and memory of lib/ against the targets of issues 2 and 8.

    .venv/bin/python benchmarks/run.py            # everything (about 15 minutes: N = 5000)
    .venv/bin/python benchmarks/run.py --quick    # fewer repeats, memory at N = 1000
    .venv/bin/python benchmarks/run.py --only floor,memory   # some sections
    .venv/bin/python benchmarks/run.py --threads 0   # the BLAS library's own thread count

Each figure is printed with its target and PASS or FAIL. Times are the minimum of several
repeats, and the functions of a ratio take turns within each repeat, so that a burst of other
work on the machine slows them alike. This is a report, not a test: absolute times depend on
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
    """Import numpy and lib with the BLAS thread count fixed through the environment before
    numpy loads its BLAS (0: the library's default). One thread is the default here: on a
    shared machine multithreaded BLAS waits for the busy cores and its timings scatter."""
    global np, lib
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
    import numpy

    import lib as library

    np, lib = numpy, library


def best_times(functions, repeats):
    """Minimum wall time of each function over `repeats` rounds, after one warm-up call each;
    the functions take turns within a round."""
    times = [[] for _ in functions]
    for f in functions:
        f()
    for _ in range(repeats):
        for f, t in zip(functions, times):
            start = time.perf_counter()
            f()
            t.append(time.perf_counter() - start)
    return [min(t) for t in times]


def loglog_slope(Ws, times):
    """Least-squares slope of log(time) against log(W): the measured exponent of the cost."""
    return float(np.polyfit(np.log(Ws), np.log(times), 1)[0])


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


def problem(sizes, N, output="identity", hidden="tanh", seed=0):
    """A network with init weights, N(0, 1) inputs and valid targets for its output."""
    rng = np.random.default_rng(seed)
    net = lib.MLP(sizes, hidden=hidden, output=output)
    X = rng.normal(size=(N, sizes[0]))
    K = sizes[-1]
    if output == "identity":
        T = rng.normal(size=(N, K))
    elif output == "sigmoid":
        T = (rng.uniform(size=(N, K)) < 0.5).astype(float)
    else:
        T = np.eye(K)[rng.integers(K, size=N)]
    return net, net.init(seed), X, T


# --- 1. the exact Hessian against its floor -------------------------------------------------

FLOOR_CASES = [([10, 30, 3], "softmax", 500), ([10, 40, 1], "identity", 500),
               ([5, 20, 20, 2], "sigmoid", 300), ([20, 100, 10], "softmax", 1000),
               ([8, 32, 32, 32, 4], "identity", 400)]


def dense_work(net, N):
    """Multiply-adds of the block method's dense part: the Gram of the N K output rows of
    length W, plus for each hidden layer l >= 2 the Gram of its N M_l Jacobian rows over the
    W_<l weights below it (a Gram of R rows of length C costs R C^2)."""
    W, o = net.n_weights, net.offsets
    hidden = [(m, o[p]) for p, m in enumerate(net.sizes[1:-1]) if p >= 1]
    return N * net.K * W * W + sum(N * m * below**2 for m, below in hidden)


def bench_floor(repeats):
    print("\n1. hessian_exact against its floor, a bare X.T @ X of the same multiply-adds "
          "(target: exact / floor <= 2; exact / outer product <= 1.5 with one hidden layer)")
    ok = True
    for sizes, output, N in FLOOR_CASES:
        net, w, X, T = problem(sizes, N, output)
        W = net.n_weights
        work = dense_work(net, N)
        rows = max(1, round(work / W**2))
        A = np.random.default_rng(1).normal(size=(rows, W))
        t_floor, t_exact, t_op = best_times(
            [lambda A=A: A.T @ A,
             lambda a=(net, w, X, T): lib.hessian_exact(*a),
             lambda a=(net, w, X, T): lib.hessian_outer_product(*a)], repeats)
        to_floor, to_op = t_exact / t_floor, t_exact / t_op
        one_hidden = len(sizes) == 3
        case_ok = to_floor <= 2 and (to_op <= 1.5 or not one_hidden)
        ok &= case_ok
        op_note = f"{to_op:5.2f}" + ("" if one_hidden else " (no target)")
        print(f"   {str(sizes):<18} {output:<8} N = {N:4d}, W = {W:4d}: floor "
              f"({rows} x {W}) {t_floor * 1e3:8.1f} ms, exact {t_exact * 1e3:8.1f} ms, "
              f"outer product {t_op * 1e3:8.1f} ms; exact / floor {to_floor:4.2f}, "
              f"exact / outer product {op_note}  {verdict(case_ok)}")
    return ok


# --- 2 and 3. issue 2: the outer product and the diagonal --------------------------------------

def bench_outer_product(repeats):
    """hessian_outer_product, N = 2000, sizes [10, 100, 1], vs a bare B.T @ B on (N, W)."""
    print("\n2. hessian_outer_product vs the BLAS floor B.T @ B   (target: ratio <= 1.5)")
    N, sizes = 2000, [10, 100, 1]
    B = np.random.default_rng(1).normal(size=(N, lib.MLP(sizes).n_weights))
    problems = {output: problem(sizes, N, output) for output in ("identity", "sigmoid")}
    t_floor, *t_ops = best_times(
        [lambda: B.T @ B] + [lambda args=args: lib.hessian_outer_product(*args)
                             for args in problems.values()], repeats)
    print(f"   B.T @ B, B of shape {B.shape}: {t_floor * 1e3:8.2f} ms")
    for output, t in zip(problems, t_ops):
        print(f"   {output + ' output':<16} W = {B.shape[1]}: {t * 1e3:8.2f} ms  "
              f"ratio {t / t_floor:5.2f}  {verdict(t / t_floor <= 1.5)}")
    return all(t / t_floor <= 1.5 for t in t_ops)


def sizes_for(W_target, D=50, K=10):
    """[D, M, M, K] with W = M(D + 1) + M(M + 1) + K(M + 1) closest to W_target."""
    M = min(range(1, 2000), key=lambda m: abs(m * (D + 1) + m * (m + 1) + K * (m + 1) - W_target))
    return [D, M, M, K]


def bench_diagonal(repeats, W_targets, N=1000):
    """hessian_diagonal_approx vs gradient on the same inputs, W from 1e3 to 1e5."""
    print(f"\n3. hessian_diagonal_approx vs gradient, N = {N}, tanh, two hidden layers  "
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
    slope = loglog_slope(Ws, times)
    print(f"   log-log slope of the diagonal's time against W: {slope:.2f}  "
          f"{verdict(slope <= 1.1)}")
    return ok and slope <= 1.1


# --- 4. peak memory ------------------------------------------------------------------------------

def bench_memory(N):
    """Peak memory of every function that sums over patterns, against its bound, at
    sizes [20, 200, 10] (W = 6210), softmax outputs, tanh hidden units."""
    sizes, c = [20, 200, 10], 100
    net, w, X, T = problem(sizes, N, "softmax")
    W, K, M = net.n_weights, net.K, sizes[1]
    chunk = lib.chunks.BUDGET // (K * W)              # patterns per chunk for the Gram
    V = np.random.default_rng(2).normal(size=(c, W))
    per_r = sum(rows + cols for rows, cols in net.shapes)
    print(f"\n4. peak memory (tracemalloc), sizes {sizes}, W = {W}, N = {N}, softmax "
          f"(target: peak <= 3 x its bound; W^2 = {mib(FLOAT * W * W):.0f} MiB, "
          f"chunk = {chunk} patterns, chunk K W = {mib(FLOAT * chunk * K * W):.0f} MiB)")
    cases = [
        ("hessian_outer_product", lambda: lib.hessian_outer_product(net, w, X, T),
         W * W + chunk * K * W, "W^2 + chunk K W"),
        ("hessian_exact", lambda: lib.hessian_exact(net, w, X, T),
         W * W + chunk * K * W, "W^2 + chunk K W"),
        ("hessian_residual_term", lambda: lib.hessian_residual_term(net, w, X, T),
         W * W + chunk * K * W, "W^2 + chunk K W"),
        (f"hessian_vector_product, {c} vectors",
         lambda: lib.hessian_vector_product(net, w, X, T, V),
         c * W + min(N, lib.chunks.BUDGET // (c * per_r)) * c * per_r, "c W + chunk c sum M"),
        (f"gauss_newton_vector_product, {c} vectors",
         lambda: lib.gauss_newton_vector_product(net, w, X, T, V),
         c * W + lib.chunks.BUDGET, "c W + chunk c sum M"),
        ("hessian_diagonal_exact", lambda: lib.hessian_diagonal_exact(net, w, X, T),
         W + lib.chunks.BUDGET, "W + chunk (sum M^2 + W)"),
        ("hessian_diagonal_approx", lambda: lib.hessian_diagonal_approx(net, w, X, T),
         W + 2 * N * per_r, "W + 2 N sum (M + C), fwd + bwd passes"),
        ("second_derivatives_exact", lambda: lib.second_derivatives_exact(net, w, X, T),
         N * (M * M + K * K) + lib.chunks.BUDGET, "result N sum M^2 + chunk"),
    ]
    ok = True
    for name, f, bound, what in cases:
        start = time.perf_counter()
        peak = peak_bytes(f)
        seconds = time.perf_counter() - start
        ratio = peak / (FLOAT * bound)
        ok &= ratio <= 3
        print(f"   {name:<38} peak {mib(peak):8.1f} MiB, bound {what} = "
              f"{mib(FLOAT * bound):7.1f} MiB, ratio {ratio:4.2f} ({seconds:6.1f} s)  "
              f"{verdict(ratio <= 3)}")
    return ok


# --- 5. the exact Hessian against finite differences ----------------------------------------

def bench_finite_difference(repeats):
    print("\n5. hessian_exact vs hessian_finite_difference  (target: exact faster, ratio > 1)")
    sizes, N = [10, 38, 2], 500
    net, w, X, T = problem(sizes, N)
    t_exact, t_fd = best_times([lambda: lib.hessian_exact(net, w, X, T),
                                lambda: lib.hessian_finite_difference(net, w, X, T)],
                               max(2, repeats // 2))
    print(f"   sizes {sizes}, W = {net.n_weights}, N = {N}: exact {t_exact * 1e3:.1f} ms, "
          f"finite differences {t_fd * 1e3:.1f} ms, ratio fd / exact {t_fd / t_exact:.2f}  "
          f"{verdict(t_fd > t_exact)}")
    return t_fd > t_exact


# --- 6. an autodiff framework, when one is installed ------------------------------------------

def bench_autodiff(repeats):
    print("\n6. hessian_exact vs torch.func.hessian in float64  (target: lib / torch <= 0.5)")
    try:
        import torch
    except ImportError:
        print("   skipped: torch is not installed (optional; CPU torch would be the `bench` "
              "extra, never a test dependency)")
        return True
    torch.set_num_threads(1)
    ok = True
    for sizes, output, N in FLOOR_CASES:
        net, w, X, T = problem(sizes, N, output)
        Xt, Tt = torch.tensor(X), torch.tensor(T)
        shapes, offsets = net.shapes, net.offsets

        def E(wt, Xt=Xt, Tt=Tt, shapes=shapes, offsets=offsets, output=output):
            z = Xt
            for l, (rows, cols) in enumerate(shapes):
                Wl = wt[offsets[l]:offsets[l + 1]].reshape(rows, cols)
                a = z @ Wl[:, 1:].T + Wl[:, 0]
                z = torch.tanh(a) if l < len(shapes) - 1 else a
            if output == "identity":
                return 0.5 * ((z - Tt) ** 2).sum()
            if output == "sigmoid":
                return torch.nn.functional.binary_cross_entropy_with_logits(
                    z, Tt, reduction="sum")
            return -(Tt * torch.log_softmax(z, dim=1)).sum()

        wt = torch.tensor(w)
        t_lib, t_torch = best_times([lambda a=(net, w, X, T): lib.hessian_exact(*a),
                                     lambda E=E, wt=wt: torch.func.hessian(E)(wt)],
                                    max(2, repeats // 2))
        ratio = t_lib / t_torch
        ok &= ratio <= 0.5
        print(f"   {str(sizes):<18} {output:<8} N = {N}: lib {t_lib * 1e3:.1f} ms, torch "
              f"{t_torch * 1e3:.1f} ms, ratio {ratio:.2f}  {verdict(ratio <= 0.5)}")
    return ok


SECTIONS = ("floor", "outer", "diagonal", "memory", "fd", "autodiff")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats and sizes, memory at N = 1000")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections out of {','.join(SECTIONS)}")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (default 1; 0 keeps the library's default)")
    args = parser.parse_args()
    only = args.only.split(",")
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"--only: unknown sections {unknown}; expected some of {list(SECTIONS)}")
    import_numpy(args.threads)
    import lib.chunks  # noqa: F401  (the chunk budget, for the memory bounds)

    repeats = 3 if args.quick else 9
    W_targets = [1e3, 1e4, 1e5] if args.quick else [1e3, 3e3, 1e4, 3e4, 1e5]
    print(f"numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}, "
          f"BLAS threads: {args.threads or 'default'}, load average {os.getloadavg()[0]:.1f}")
    runs = {"floor": lambda: bench_floor(repeats),
            "outer": lambda: bench_outer_product(repeats),
            "diagonal": lambda: bench_diagonal(repeats, W_targets),
            "memory": lambda: bench_memory(1000 if args.quick else 5000),
            "fd": lambda: bench_finite_difference(repeats),
            "autodiff": lambda: bench_autodiff(repeats)}
    results = [runs[name]() for name in SECTIONS if name in only]
    print("\nall targets met" if all(results) else "\nSOME TARGETS MISSED")


if __name__ == "__main__":
    main()
