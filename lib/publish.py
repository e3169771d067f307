"""Publish a named result from a notebook, for build.py to place on the slides.

A published result is a display output carrying the MIME type ``RESULT_MIMETYPE`` with a
JSON payload ``{"name", "kind", "value", "fmt"}`` next to its human-readable form, the
same idea as MyST-NB's ``glue``. The build reads the value from the executed notebook; it
never parses printed text. Kinds:

- ``number``: an int or float (numpy scalars are converted), shown with ``fmt``;
- ``bound``: a quantity at rounding level, ``publish(name, value, bound=1e-13)``: asserted
  below the tolerance and shown as "< 1e-13 (丸め誤差の範囲)" (lib.checks.below); the raw value
  stays in the payload (``"value"``, with ``"tol"``) and is never shown;
- ``text``: a string of Markdown (a sentence for the slide);
- ``figure``: a matplotlib Figure, stored as SVG that is byte-identical on every machine;
- ``audit``: ``publish_audit``: short lines for the slide, each optionally tied to the exact
  text of the deck it judges (``audit_line``), and the full audit for the presenter notes;
- ``correction``: ``publish_correction``: a slip of the deck (its exact source text), the
  corrected text and a one-line reason, for the build to apply to the generated deck.
"""

import io
import numbers
import re

import numpy as np

from .checks import below, check_tolerance

RESULT_MIMETYPE = "application/vnd.prml-hessian.result+json"
SVG_HASHSALT = "prml-5.4"


_SVG_ID = re.compile(r'(\bid="|\bhref="#|url\(#)([^"()]+)')


def figure_to_svg(fig):
    """A matplotlib Figure as SVG text that is the same on every machine: no date, glyphs as
    paths, and every id renumbered in order of appearance (matplotlib names clip paths and
    markers after a hash of full-precision floats, which differ in their last bits between
    CPUs even when every drawn coordinate is equal)."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    defined = re.findall(r'\bid="([^"]+)"', svg)
    new_ids = {old: f"id{number}" for number, old in enumerate(dict.fromkeys(defined), start=1)}
    return _SVG_ID.sub(lambda m: m.group(1) + new_ids.get(m.group(2), m.group(2)), svg)


def tex_number(value, fmt=".2g"):
    """A number as LaTeX for an audit line or a slide, without the dollars: 3.7e-11 with
    ".1e" is ``3.7 \\times 10^{-11}``, 90.0 with ".2g" is ``90``. fmt : a format spec."""
    text = format(value, fmt)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def audit_line(text, judges=None):
    """One line of an audit: Markdown ``text``; ``judges`` is the exact text of the deck it is
    about, or None for a line about the mathematics (or PRML) rather than the slide's wording.
    The build drops a line whose judged text no longer occurs in the deck."""
    _check_text("text", text)
    if judges is not None:
        _check_text("judges", judges)
    return {"text": text, "judges": judges}


def _check_text(arg, value, one_line=False):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{arg}: expected a non-empty string; got {value!r}")
    if one_line and "\n" in value.strip():
        raise ValueError(f"{arg}: expected one line; got {value!r}")
    return value


def _check_name(name):
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValueError(f"name: expected ASCII letters, digits, '_' or '-'; got {name!r}")


def result_bundle(name, value, fmt=None, bound=None):
    """The display bundle {mimetype: data} that ``publish`` shows; see the module docstring."""
    _check_name(name)
    if bound is not None:
        tol = check_tolerance(bound)
        if fmt is not None:
            raise ValueError(f"fmt: a bound is shown as '< tol'; expected no fmt; got {fmt!r}")
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise ValueError(f"value of {name!r}: expected a number for a bound; got {value!r}")
        shown = below(float(value), tol, what=name)
        payload = {"name": name, "kind": "bound", "value": float(value), "fmt": None, "tol": tol}
        return {RESULT_MIMETYPE: payload, "text/plain": f"{name} {shown}"}
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


def audit_bundle(name, lines, notes):
    """The display bundle of ``publish_audit``."""
    _check_name(name)
    if isinstance(lines, str) or not lines:
        raise ValueError(
            f"lines: expected a non-empty list of str or audit_line(...); got {lines!r}")
    items = [audit_line(line) if isinstance(line, str) else line for line in lines]
    for k, item in enumerate(items):
        if not (isinstance(item, dict) and set(item) == {"text", "judges"}):
            raise ValueError(f"lines[{k}]: expected a str or audit_line(...); got {item!r}")
    _check_text("notes", notes)
    payload = {"name": name, "kind": "audit", "value": {"lines": items, "notes": notes},
               "fmt": None}
    shown = "\n".join(f"- {item['text']}" + (f"  [judges: {item['judges']}]" if item["judges"]
                                             else "") for item in items)
    return {RESULT_MIMETYPE: payload, "text/plain": f"{name} =\n{shown}"}


def correction_bundle(name, source, corrected, reason):
    """The display bundle of ``publish_correction``."""
    _check_name(name)
    _check_text("source", source)
    _check_text("corrected", corrected)
    _check_text("reason", reason, one_line=True)
    if source == corrected:
        raise ValueError(f"corrected: expected a text different from source; got {source!r} twice")
    payload = {"name": name, "kind": "correction",
               "value": {"source": source, "corrected": corrected, "reason": reason}, "fmt": None}
    return {RESULT_MIMETYPE: payload,
            "text/plain": f"{name}: {source!r} -> {corrected!r} ({reason})"}


def _show(bundle):
    from IPython.display import display

    display(bundle, raw=True)


def publish(name, value, fmt=None, bound=None):
    """Show ``value`` in the notebook and mark it as the result ``name`` for build.py.

    name : str, unique within the notebook; a slide marker refers to it as
        ``notebook-stem/name``.
    value : int, float, str (Markdown) or matplotlib Figure (closed after publishing).
    fmt : str, a format spec for numbers (e.g. ".1e"); default ".3g" for floats.
    bound : a power of ten: ``value`` is at rounding level; it is asserted below ``bound`` and
        shown as "< bound (丸め誤差の範囲)", never by its digits.
    """
    _show(result_bundle(name, value, fmt, bound))
    if hasattr(value, "savefig"):
        import matplotlib.pyplot as plt

        plt.close(value)


def publish_audit(name, lines, notes):
    """Publish an audit of the slide (and of PRML) for build.py.

    lines : list of str or ``audit_line(text, judges=...)``: the short audit shown on the slide.
        A line that judges the wording of the deck names that exact text, so that when the
        presenter changes it the line goes instead of contradicting the slide.
    notes : Markdown, the full audit for the presenter notes.
    """
    _show(audit_bundle(name, lines, notes))


def publish_correction(name, source, corrected, reason):
    """Publish a correction of the deck, once the notebook has proved it.

    source : the exact text of the slip in the source deck (it must occur there exactly once);
    corrected : the text that replaces it in the generated deck; reason : one line.
    """
    _show(correction_bundle(name, source, corrected, reason))
