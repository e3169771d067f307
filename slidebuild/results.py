"""Results published by the notebooks (``lib.publish``): reading, checking, formatting.

A notebook publishes ``lib.publish(name, value, fmt)``: a display output whose data has the
MIME type ``lib.publish.RESULT_MIMETYPE`` with ``{"name", "kind", "value", "fmt"}``; a figure
carries its SVG in the same output's ``image/svg+xml``. The build reads the value, never the
printed text, and formats numbers itself with the published format spec.
"""

import json
import re
from dataclasses import dataclass

from .errors import BuildError, shown

KINDS = ("number", "text", "figure")


@dataclass(frozen=True)
class Result:
    """One published result; ``cell`` is the index of the cell that published it."""

    name: str
    kind: str
    value: object
    fmt: str | None
    svg: str | None
    cell: int


def read_results(nb, path):
    """The results published by the executed notebook ``nb`` (a dict) read from ``path``."""
    from lib.publish import RESULT_MIMETYPE  # imports numpy: only needed after a run

    results = []
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {})
            if RESULT_MIMETYPE in data:
                where = f"{shown(path)}, cell index {index}"
                results.append(_read_one(data, RESULT_MIMETYPE, index, where))
    return results


def _read_one(data, mimetype, index, where):
    payload = data[mimetype]
    try:
        payload = json.loads(payload) if isinstance(payload, str) else dict(payload)
        name, kind, value, fmt = (payload[key] for key in ("name", "kind", "value", "fmt"))
    except (ValueError, TypeError, KeyError) as error:
        raise BuildError(f"{where}: a published result is malformed ({error})") from None
    svg = data.get("image/svg+xml")
    svg = "".join(svg) if isinstance(svg, list) else svg
    problem = None
    if not isinstance(name, str) or kind not in KINDS:
        problem = f"expected a name and a kind in {KINDS}; got {name!r}, {kind!r}"
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
    return Result(name, kind, value, fmt, svg if kind == "figure" else None, index)


def to_json(results):
    """Results as JSON-ready dicts (for the cache), in publishing order."""
    return [vars(result) for result in results]


def from_json(items):
    """The inverse of ``to_json``; raises (KeyError, TypeError) on a malformed item."""
    fields = Result.__dataclass_fields__
    return [Result(**{field: item[field] for field in fields}) for item in items]


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
