"""Comparing a computed quantity with its reference, and saying so without rounding noise.

A relative error of 3.2e-16 is rounding: its digits differ between CPUs and BLAS kernels, so
a notebook or a slide that prints them says something different on every machine. The rule of
this project, in one place: a quantity at rounding level is shown as a bound against a fixed,
stated tolerance ("< 1e-13 (丸め誤差の範囲)"), asserted against that same tolerance; its raw value
is kept only in the published JSON payload. Tolerances are powers of ten, chosen with headroom on
both sides: far above the rounding error (so every machine passes) and far below the error a
mistake would cause (so the check can fail).
"""

import numbers

import numpy as np

ROUNDING = "丸め誤差の範囲"   # what a bound at rounding level says about the value


def relative_error(approx, ref):
    """max |approx - ref| / max |ref| over every entry: the error relative to the reference's size.

    approx, ref : arrays of the same shape (ref not all zero) -> float.
    """
    approx, ref = np.asarray(approx, dtype=float), np.asarray(ref, dtype=float)
    if approx.shape != ref.shape:
        raise ValueError(f"approx: expected the shape of ref {ref.shape}; got {approx.shape}")
    scale = np.max(np.abs(ref)) if ref.size else 0.0
    if not scale > 0:
        raise ValueError("ref: expected an array with a nonzero entry (the scale); got all zeros")
    return float(np.max(np.abs(approx - ref)) / scale)


def check_tolerance(tol):
    """tol as a float, if it is a power of ten between 1e-300 and 1; else a ValueError."""
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 < tol <= 1:
        raise ValueError(f"tol: expected a power of ten in (0, 1]; got {tol!r}")
    exponent = round(np.log10(tol))
    if not np.isclose(tol, 10.0**exponent, rtol=1e-12, atol=0):
        raise ValueError(f"tol: expected a power of ten such as 1e-13; got {tol!r}")
    return float(10.0**exponent)


def tolerance_text(tol):
    """1e-13 -> '1e-13' (the power of ten as written in the text)."""
    return f"1e{round(np.log10(check_tolerance(tol))):d}"


def below(value, tol, what="value"):
    """'< 1e-13 (丸め誤差の範囲)' for a value at rounding level, after asserting |value| < tol.

    value : a finite float (a relative error, an asymmetry, ...); tol : a power of ten.
    Raises AssertionError naming ``what``, the value and the tolerance when the bound fails.
    """
    tol = check_tolerance(tol)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{what}: expected a finite number; got {value!r}")
    if not abs(value) < tol:
        raise AssertionError(
            f"{what} = {float(value):.3e} is not below the stated tolerance {tolerance_text(tol)}: "
            "larger than rounding error, so something is wrong (or the tolerance is too tight)"
        )
    return f"< {tolerance_text(tol)} ({ROUNDING})"
