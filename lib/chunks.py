"""Working through the N patterns in chunks, so that memory stays bounded.

E = sum_n E_n, so every sum over patterns (the Hessian, its terms, H V) can be accumulated
chunk by chunk: a chunk of c patterns needs arrays of c * (numbers per pattern), whatever N.
`pattern_chunks` chooses c from a budget (or takes the caller's `chunk`) and `check_fits`
refuses, with the sizes in the message, to allocate an array that the machine cannot hold.
"""

import numbers
import os

import numpy as np

BUDGET = 2**23
"""Default size, in float64 numbers (64 MiB), of the largest per-chunk array."""


def check_chunk(chunk):
    """chunk must be None (choose from BUDGET) or a positive integer number of patterns."""
    if chunk is None:
        return None
    if isinstance(chunk, bool) or not isinstance(chunk, numbers.Integral) or chunk < 1:
        raise ValueError(f"chunk: expected a positive integer number of patterns or None; "
                         f"got {chunk!r}")
    return int(chunk)


def pattern_chunks(N, per_pattern, chunk=None):
    """Slices rows[start:stop] covering 0..N-1 in order, each of c patterns (the last may be
    shorter), with c = chunk if given, else the largest c with c * per_pattern <= BUDGET."""
    chunk = check_chunk(chunk)
    if chunk is None:
        chunk = max(1, BUDGET // max(1, int(per_pattern)))
    return [slice(start, min(start + chunk, N)) for start in range(0, N, chunk)]


def take_patterns(fwd, rows):
    """The forward pass restricted to the patterns `rows` (a slice): views, no copies."""
    return fwd._replace(a=[a[rows] for a in fwd.a], z=[z[rows] for z in fwd.z], y=fwd.y[rows])


def available_bytes():
    """Memory the system can still give (MemAvailable on Linux), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(what, shape):
    """Raise a ValueError naming `what` and its shape if a float64 array of that shape would
    not fit in the memory available; return the shape otherwise."""
    n_bytes = 8 * float(np.prod([float(s) for s in shape]))
    available = available_bytes()
    if available is not None and n_bytes > available:
        raise ValueError(
            f"{what}: a float64 array of shape {tuple(int(s) for s in shape)} needs "
            f"{n_bytes / 1e9:.3g} GB, more than the {available / 1e9:.3g} GB of memory available"
        )
    return shape


def zeros_checked(what, shape):
    """np.zeros(shape) after check_fits(what, shape)."""
    return np.zeros(check_fits(what, shape))


def chunks_of(fwd, per_pattern, chunk=None):
    """The forward pass fwd cut into chunks of patterns (see pattern_chunks), one at a time."""
    for rows in pattern_chunks(fwd.y.shape[0], per_pattern, chunk):
        yield take_patterns(fwd, rows)
