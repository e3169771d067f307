"""Results published by the notebooks (``lib.publish``): reading, checking, formatting.

A notebook publishes ``lib.publish(name, value, fmt)``: a display output whose data has the
MIME type ``lib.publish.RESULT_MIMETYPE`` with ``{"name", "kind", "value", "fmt"}`` (and, for
some kinds, more keys); a figure carries its SVG in the same output's ``image/svg+xml``. The
build reads the value, never the printed text, and formats numbers itself. Kinds:

==========  =================================================================================
number      ``value`` an int or float, ``fmt`` its format spec
bound       a quantity at rounding level: ``tol`` is the tolerance it was asserted below; the
            slide shows ``< tol``, never the raw ``value``
text        ``value`` a Markdown string
figure      the SVG in ``image/svg+xml``
audit       ``value = {"lines": [{"text", "judges"}], "notes"}``: the short audit for the slide
            (a line with ``judges`` is about that exact text of the deck) and the full one
            for the presenter notes
correction  ``value = {"source", "corrected", "reason"}``: a proven slip of the deck and its
            correction (slidebuild/corrections.py applies it)
==========  =================================================================================

Cells are numbered as nbval numbers them: ``Cell N`` is the N-th code cell, from 0.
"""

import json
import math
import re
from dataclasses import dataclass

from .errors import BuildError, shown

KINDS = ("number", "bound", "text", "figure", "audit", "correction")


@dataclass(frozen=True)
class Result:
    """One published result; ``cell`` is the nbval number of the code cell that published it.

    tol : the tolerance of a ``bound`` (None for other kinds).
    reading : for a figure, the Markdown cell right after the one that published it (how
        to read the figure, for the presenter notes), or None.
    """

    name: str
    kind: str
    value: object
    fmt: str | None
    svg: str | None
    cell: int
    tol: float | None = None
    reading: str | None = None


def cell_label(cell):
    """How messages name a cell: nbval's ``Cell N`` (N-th code cell, from 0)."""
    return f"Cell {cell}"


def read_results(nb, path):
    """The results published by the executed notebook ``nb`` (a dict) read from ``path``."""
    from lib.publish import RESULT_MIMETYPE  # imports numpy: only needed after a run

    results = []
    cells = nb.get("cells", [])
    code_number = -1
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        code_number += 1
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RESULT_MIMETYPE in data:
                where = f"{shown(path)}, {cell_label(code_number)}"
                result = _read_one(data, RESULT_MIMETYPE, code_number, where)
                if result.kind == "figure":
                    result = _with_reading(result, cells, index)
                results.append(result)
    return results


def _with_reading(result, cells, index):
    """``result`` with the Markdown cell after cell ``index`` as how to read the figure
    (unless that cell starts a new section with a heading)."""
    following = cells[index + 1] if index + 1 < len(cells) else None
    if following is None or following.get("cell_type") != "markdown":
        return result
    source = following.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    if not source.strip() or source.lstrip().startswith("#"):  # a new section, not a caption
        return result
    return Result(**{**vars(result), "reading": source.strip()})


def _read_one(data, mimetype, index, where):
    payload = data[mimetype]
    try:
        payload = json.loads(payload) if isinstance(payload, str) else dict(payload)
        name, kind, value, fmt = (payload[key] for key in ("name", "kind", "value", "fmt"))
    except (ValueError, TypeError, KeyError) as error:
        raise BuildError(f"{where}: a published result is malformed ({error})") from None
    svg = data.get("image/svg+xml")
    svg = "".join(svg) if isinstance(svg, list) else svg
    tol = payload.get("tol")
    problem = None
    if not isinstance(name, str) or kind not in KINDS:
        problem = f"expected a name and a kind in {KINDS}; got {name!r}, {kind!r}"
    elif kind == "bound" and (isinstance(tol, bool) or not isinstance(tol, int | float)
                              or not tol > 0):
        problem = f"{name!r} is a bound without a positive tolerance 'tol': {tol!r}"
    elif kind == "audit":
        problem = _audit_problem(name, value)
    elif kind == "correction":
        problem = _correction_problem(name, value)
    elif kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        problem = f"{name!r} is a number without a numeric value: {value!r}"
    elif kind == "number":
        try:
            format(value, fmt)
        except (TypeError, ValueError):
            problem = f"{name!r} has the format spec {fmt!r}, which does not fit {value!r}"
    elif kind == "text" and not isinstance(value, str):
        problem = f"{name!r} is a text without a string value"
    elif kind == "figure" and not svg:
        problem = f"{name!r} is a figure without image/svg+xml data"
    if problem:
        raise BuildError(f"{where}: a published result is malformed: {problem}")
    return Result(name, kind, value, fmt, svg if kind == "figure" else None, index,
                  tol=float(tol) if kind == "bound" else None)


def _audit_problem(name, value):
    """What is wrong with an audit's value, or None."""
    if not isinstance(value, dict) or not isinstance(value.get("lines"), list):
        return f"{name!r} is an audit whose value is not {{'lines': [...], 'notes': ...}}"
    for line in value["lines"]:
        if not isinstance(line, dict) or not isinstance(line.get("text"), str):
            return f"{name!r}: every audit line needs a 'text' string; got {line!r}"
        if line.get("judges") is not None and not isinstance(line["judges"], str):
            return f"{name!r}: an audit line's 'judges' is a string or null; got {line!r}"
    if not isinstance(value.get("notes", ""), str):
        return f"{name!r}: an audit's 'notes' is a Markdown string"
    return None


def _correction_problem(name, value):
    """What is wrong with a correction's value, or None."""
    keys = ("source", "corrected", "reason")
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in keys):
        return f"{name!r} is a correction whose value is not {{'source', 'corrected', 'reason'}}"
    if not value["source"]:
        return f"{name!r}: a correction's 'source' text is empty"
    return None


def format_bound(tol):
    """A bound's tolerance as Markdown math.

    1e-13 is ``$< 10^{-13}$``, 2e-8 is ``$< 2 \\times 10^{-8}$``; a mantissa is rounded up.
    """
    exponent = math.floor(math.log10(tol))
    mantissa = math.ceil(round(tol / 10.0**exponent, 9))  # rounded up: the bound stays true
    if mantissa == 10:
        mantissa, exponent = 1, exponent + 1
    power = f"10^{{{exponent}}}"
    return f"$< {power}$" if mantissa == 1 else f"$< {mantissa} \\times {power}$"


def format_result(result):
    """A number or a bound as Markdown (math); other kinds have no one-line form."""
    if result.kind == "bound":
        return format_bound(result.tol)
    return format_number(result.value, result.fmt)


def format_number(value, fmt):
    """A published number as Markdown, formatted with its format spec ``fmt``.

    Scientific notation becomes math: 3.2e-11 with ".1e" is ``$3.2 \\times 10^{-11}$``.
    """
    text = format(value, fmt)
    scientific = re.fullmatch(r"([-+]?\d+(?:\.\d*)?)[eE]([-+]?)0*(\d+)", text)
    if scientific:
        mantissa, sign, exponent = scientific.groups()
        return f"${mantissa} \\times 10^{{{'-' if sign == '-' else ''}{exponent}}}$"
    if re.fullmatch(r"[-+]?\d+(?:\.\d*)?", text):
        return f"${text}$"
    return re.sub(r"([\\`*_\[\]<>#|$])", r"\\\1", text)


def clean_svg(svg):
    """Matplotlib's SVG without its metadata, so the asset depends on the figure alone."""
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<!-- Created with matplotlib.*?-->\n?", "", svg)
    return svg.rstrip() + "\n"
