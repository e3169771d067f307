"""Labelled equations of the decks, and the notebooks that quote them.

An equation of a deck is a displayed math block (``$$ ... $$``) that ends with its label,
as in ``\\dots (5.78)`` (also ``\\qquad (5.78)`` or ``\\tag{5.78}``). The notebook for
equation (x.yy) is the notebook whose file name starts with ``x.yy_``.

The quote rule (what ``--check`` compares): the notebook's quote of its equation is the
first ``$$ ... $$`` block in its Markdown cells whose text contains the label ``(x.yy)``
(or ``\\tag{x.yy}``); a block inside a fenced code block counts, so a notebook may quote
the raw source in a ```` ```latex ```` fence and show a typeset variant after it. The quote
matches the deck when both are equal after collapsing runs of white space and treating
the label's lead-in (``\\dots``, ``\\cdots``, ``\\qquad``, ``\\quad`` or none before ``(x.yy)``,
or ``\\tag{x.yy}``) as the same. Everything else must be verbatim.
"""

import re
from dataclasses import dataclass

from .errors import shown

_LABEL_AT_END = re.compile(
    r"(?:\\(?:dots|cdots|ldots|qquad|quad)\s*)?\((?P<label>\d+\.\d+)\)\s*$"
    r"|\\tag\{(?P<tag>\d+\.\d+)\}\s*$")
_DISPLAY = re.compile(r"\$\$(.*?)\$\$", re.DOTALL)
_STEM_LABEL = re.compile(r"(\d+\.\d+)_")


@dataclass(frozen=True)
class Equation:
    """A labelled display equation: its label, its LaTeX (inside the ``$$``), its lines."""

    label: str
    latex: str
    first: int  # 0-based line of the opening $$
    last: int
    slide: int


def equations(deck):
    """The labelled display equations of ``deck``, in order."""
    found, index = [], 0
    while index < len(deck.lines):
        if deck.contexts[index] == "math" and deck.lines[index].strip().startswith("$$"):
            last = index
            if deck.lines[index].strip() == "$$" or "$$" not in deck.lines[index].strip()[2:]:
                while last + 1 < len(deck.lines) and deck.contexts[last + 1] == "math":
                    last += 1
                    if deck.lines[last].strip().endswith("$$"):
                        break
            block = "".join(deck.lines[index:last + 1]).strip()
            latex = block[2:-2] if block.endswith("$$") and len(block) >= 4 else block[2:]
            label = label_of(latex)
            if label:
                found.append(Equation(label, latex.strip("\n"), index, last,
                                      deck.slide_of[index]))
            index = last + 1
        else:
            index += 1
    return found


def label_of(latex):
    """The label ``x.yy`` that ends ``latex``, or None."""
    match = _LABEL_AT_END.search(latex.strip())
    return (match["label"] or match["tag"]) if match else None


def label_of_stem(stem):
    """The equation a notebook is for, from its file stem (``5.78_hessian`` -> ``5.78``)."""
    match = _STEM_LABEL.match(stem)
    return match.group(1) if match else None


def normalized(latex):
    """``latex`` with white space collapsed and its label written one way: ``(x.yy)``."""
    text = " ".join(latex.split())
    return _LABEL_AT_END.sub(lambda m: f"({m['label'] or m['tag']})", text).strip()


def quote(nb, label):
    """The notebook's quote of equation ``label``: the first ``$$`` block in its Markdown
    cells that contains the label; None when there is none."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        for match in _DISPLAY.finditer(source):
            if f"({label})" in match.group(1) or f"\\tag{{{label}}}" in match.group(1):
                return match.group(1).strip("\n")
    return None


def quote_problems(decks, notebooks):
    """Lines naming each notebook whose quote does not match its deck's equation.

    decks : parsed source decks; notebooks : {stem: (path, nb dict)}.
    A notebook for an equation that no deck shows is not a problem here.
    """
    shown_in = {}
    for deck in decks:
        for equation in equations(deck):
            shown_in.setdefault(equation.label, (deck, equation))
    problems = []
    for stem, (path, nb) in notebooks.items():
        label = label_of_stem(stem)
        if label is None or label not in shown_in:
            continue
        deck, equation = shown_in[label]
        where = f"{shown(deck.path)}:{equation.first + 1}"
        quoted = quote(nb, label)
        if quoted is None:
            problems.append(f"{shown(path)} does not quote ({label}) of {where}: its Markdown "
                            f"needs a $$ block ending with ({label}), copied from the deck")
        elif normalized(quoted) != normalized(equation.latex):
            problems.append(f"{shown(path)} quotes ({label}) differently from {where}:\n"
                            f"    notebook: {normalized(quoted)}\n"
                            f"    deck:     {normalized(equation.latex)}")
    return problems
