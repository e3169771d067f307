"""The inverse of the outer-product Hessian, (H_op + alpha I)^-1 (PRML 5.86-5.89), three ways:

- sequential: lib.inverse_outer_product, N K rank-one updates (5.89), O(N K W^2);
- blocked:    lib.inverse_outer_product_blocked, Woodbury rank-b updates, the same count
              of operations in matrix-matrix products;
- direct:     lib.hessian_outer_product, then np.linalg.inv(H_op + alpha I), O(N K W^2 + W^3).

    .venv/bin/python benchmarks/inverse.py            # sizes [10, 30, 3], N = 500
    .venv/bin/python benchmarks/inverse.py --quick    # fewer repeats

BLAS runs on one thread (set below, before numpy is imported): on a shared machine
multithreaded BLAS waits for busy cores and its timings scatter. Every time is the minimum
over repeats in which the three methods take turns, so that other work slows them alike.
Target: blocked faster than sequential (ratio sequential / blocked > 1). This is a report,
not a test: absolute times depend on the machine.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import best_times  # noqa: E402  (interleaved minimum times, shared with run.py)

import lib  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 3])
    parser.add_argument("--N", type=int, default=500)
    parser.add_argument("--alpha", type=float, default=1e-3)
    parser.add_argument("--block", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7

    rng = np.random.default_rng(0)
    net = lib.MLP(args.sizes, hidden="tanh", output="identity")
    w = net.init(seed=0)
    X = rng.normal(size=(args.N, net.D))
    T = rng.normal(size=(args.N, net.K))
    W, alpha = net.n_weights, args.alpha

    def sequential():
        return lib.inverse_outer_product(net, w, X, T, alpha)

    def blocked():
        return lib.inverse_outer_product_blocked(net, w, X, T, alpha, block=args.block)

    def direct():
        return np.linalg.inv(lib.hessian_outer_product(net, w, X, T) + alpha * np.eye(W))

    H_op = lib.hessian_outer_product(net, w, X, T)

    def inv_only():
        return np.linalg.inv(H_op + alpha * np.eye(W))

    print(f"numpy {np.__version__}, Python {platform.python_version()}, one BLAS thread")
    print(f"sizes {args.sizes} (W = {W}), N = {args.N}, K = {net.K}: {args.N * net.K} "
          f"rank-one updates; alpha = {alpha:g}, block = {args.block}; best of {repeats}")
    t_seq, t_blk, t_dir, t_inv = best_times([sequential, blocked, direct, inv_only], repeats)
    reference = direct()
    for name, H_inv in (("sequential", sequential()), ("blocked", blocked())):
        err = np.max(np.abs(H_inv - reference)) / np.max(np.abs(reference))
        print(f"  {name:<11s} max |H^-1 - inv(H_op + alpha I)| / max |inv| = {err:.1e}")
    print(f"  sequential  {1e3 * t_seq:9.1f} ms")
    print(f"  blocked     {1e3 * t_blk:9.1f} ms")
    print(f"  direct      {1e3 * t_dir:9.1f} ms  (hessian_outer_product + np.linalg.inv; "
          f"the inv alone {1e3 * t_inv:.1f} ms)")
    ratio = t_seq / t_blk
    verdict = "PASS" if ratio > 1 else "FAIL"
    print(f"  sequential / blocked = {ratio:.1f}   target > 1 (blocked faster): {verdict}")
    print(f"  blocked / direct     = {t_blk / t_dir:.2f}   (for information: both O(N K W^2))")
    return 0 if ratio > 1 else 1


if __name__ == "__main__":
    sys.exit(main())
