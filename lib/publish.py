"""Publish a named result from a notebook, for build.py to place on the slides.

A published result is a display output carrying the MIME type ``RESULT_MIMETYPE`` with a
JSON payload ``{"name", "kind", "value", "fmt"}`` next to its human-readable form, the
same idea as MyST-NB's ``glue``. The build reads the value from the executed notebook; it
never parses printed text. Kinds:

- ``number``: an int or float (numpy scalars are converted), shown with ``fmt``;
- ``text``: a string of Markdown (an audit note, a sentence for the slide);
- ``figure``: a matplotlib Figure, stored as SVG that is byte-identical from run to run.
"""

import io
import numbers

import numpy as np

RESULT_MIMETYPE = "application/vnd.prml-hessian.result+json"
SVG_HASHSALT = "prml-5.4"


def figure_to_svg(fig):
    """A matplotlib Figure as deterministic SVG text: no date, fixed ids, glyphs as paths."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def result_bundle(name, value, fmt=None):
    """The display bundle {mimetype: data} that ``publish`` shows; see the module docstring."""
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"name: expected letters, digits, '_' or '-'; got {name!r}")
    if isinstance(value, bool | np.bool_):
        raise ValueError(
            f"value of {name!r}: expected a number, a str or a matplotlib Figure; got a bool"
        )
    if isinstance(value, numbers.Integral):
        payload = {"kind": "number", "value": int(value), "fmt": fmt or "d"}
        shown = format(int(value), payload["fmt"])
    elif isinstance(value, numbers.Real):
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"value of {name!r}: expected a finite number; got {value}")
        payload = {"kind": "number", "value": value, "fmt": fmt or ".3g"}
        shown = format(value, payload["fmt"])
    elif isinstance(value, str):
        payload = {"kind": "text", "value": value, "fmt": None}
        shown = value
    elif hasattr(value, "savefig"):
        svg = figure_to_svg(value)
        payload = {"kind": "figure", "value": None, "fmt": "svg"}
        return {"image/svg+xml": svg, RESULT_MIMETYPE: {"name": name, **payload},
                "text/plain": f"[figure {name}]"}
    else:
        raise ValueError(
            f"value of {name!r}: expected a number, a str or a matplotlib Figure; "
            f"got {type(value).__name__}"
        )
    return {RESULT_MIMETYPE: {"name": name, **payload}, "text/plain": f"{name} = {shown}"}


def publish(name, value, fmt=None):
    """Show ``value`` in the notebook and mark it as the result ``name`` for build.py.

    name : str, unique within the notebook; a slide marker refers to it as
        ``notebook-stem/name``.
    value : int, float, str (Markdown) or matplotlib Figure (closed after publishing).
    fmt : str, a format spec for numbers (e.g. ".1e"); default ".3g" for floats.
    """
    from IPython.display import display

    bundle = result_bundle(name, value, fmt)
    display(bundle, raw=True)
    if hasattr(value, "savefig"):
        import matplotlib.pyplot as plt

        plt.close(value)
