"""Results inline in the user's own slides: ``{{notebook/name}}`` is replaced by the value.

    誤差は {{5.78_hessian/rel_err_fd}} で, 丸め誤差の範囲である.
    $\\varepsilon = {{5.78_hessian/rel_err_fd}}$        (inside math: the bare LaTeX)

A reference may stand anywhere in the deck's text, math or comments (not in code blocks
or markers), as often as wanted, and the same result may also be on a result slide. Numbers
and bounds are formatted as on the result slides; a text must be a single line. Figures,
audits and corrections have no inline form. A reference to a notebook that publishes
nothing yet shows 「未検証」; one whose notebook failed (``--keep-going``) shows the last
good value followed by 「(古い結果)」.
"""

import re

from .deck import Placement
from .errors import BuildError
from .results import format_result
from .slides import INLINE_ONLY, find

REFERENCE = re.compile(r"\{\{\s*(?P<notebook>[\w.-]+)/(?P<name>[\w-]+)\s*\}\}")


def references(deck):
    """[(line index, Placement)] of every inline reference of ``deck``, in order."""
    marker_lines = {i for m in deck.markers for i in range(m.first, m.last + 1)}
    found = []
    for index, (line, context) in enumerate(zip(deck.lines, deck.contexts)):
        if context in ("fence", "front") or index in marker_lines:
            continue
        for match in REFERENCE.finditer(line):
            found.append((index, Placement(match["notebook"], match["name"], None, index + 1)))
    return found


def substitute(deck, lines, published, notebooks, status):
    """``lines`` with every inline reference of ``deck`` replaced by its value."""
    lines = list(lines)
    for index, line in enumerate(lines):
        if deck.contexts[index] in ("fence", "front") or not REFERENCE.search(line):
            continue
        in_math_block = deck.contexts[index] == "math"

        def value(match, line=line, index=index, in_math_block=in_math_block):
            placement = Placement(match["notebook"], match["name"], None, index + 1)
            in_math = in_math_block or _inside_inline_math(line, match.start())
            return _shown(placement, published, notebooks, status, deck, in_math)

        lines[index] = REFERENCE.sub(value, line)
    return lines


def _shown(placement, published, notebooks, status, deck, in_math):
    where = deck.where(placement.line)
    state = status.get(placement.notebook, "fresh")
    if state == "stale" and all(r.name != placement.name for r in published[placement.notebook]):
        state = "unverified"  # not in the last good run either
    if state == "unverified":
        return r"\text{未検証}" if in_math else "**未検証**"
    result = find(published[placement.notebook], placement, notebooks, where)
    if result.kind not in INLINE_ONLY:
        raise BuildError(f"{where}: {{{{{placement.ref}}}}} is a {result.kind}, which cannot "
                         "stand inline; place it with a results marker")
    if result.kind == "text":
        if "\n" in result.value.strip():
            raise BuildError(f"{where}: {{{{{placement.ref}}}}} is a text of several lines; "
                             "only a one-line text can stand inline")
        text = result.value.strip()
        if in_math:
            text = r"\text{" + text + "}"
    else:
        text = format_result(result)
        if in_math:
            text = text.strip("$")
    if state == "stale":
        text += r"\;\text{(古い結果)}" if in_math else " (古い結果)"
    return text


def _inside_inline_math(line, position):
    """Whether ``position`` of ``line`` is inside ``$...$`` (an odd number of unescaped $)."""
    before = re.sub(r"\\\$", "", line[:position])
    return before.count("$") % 2 == 1
