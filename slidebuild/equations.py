"""Labelled equations of the decks, and the notebooks that quote them.

An equation of a deck is a displayed math block (``$$ ... $$``) that ends with its label,
as in ``\\dots (5.78)`` (also ``\\qquad (5.78)`` or ``\\tag{5.78}``). A block may label
several equations, one per row of an ``aligned`` display (``a_j &= \\sum_i w_{ji} x_i
&\\dots (5.98) \\\\``): every label written ``\\dots (x.yy)`` (or ``\\cdots``, ``\\ldots``,
``\\tag{x.yy}``) counts, and each of its equations is the whole block.

The notebook for equation (x.yy) is the notebook whose file name starts with ``x.yy_``, or
with a range ``x.aa-x.bb_`` that holds it: ``5.98-5.103_r_forward.ipynb`` is for (5.98),
(5.99), ..., (5.103), as one notebook for equations the slides show together.

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
from pathlib import Path

from .errors import shown

_LABEL_AT_END = re.compile(
    r"(?:\\(?:dots|cdots|ldots|qquad|quad)\s*)?\((?P<label>\d+\.\d+)\)\s*$"
    r"|\\tag\{(?P<tag>\d+\.\d+)\}\s*$")
_ROW_LABEL = re.compile(r"\\(?:dots|cdots|ldots)\s*\((?P<label>\d+\.\d+)\)"
                        r"|\\tag\{(?P<tag>\d+\.\d+)\}")
_DISPLAY = re.compile(r"\$\$(.*?)\$\$", re.DOTALL)
_STEM_LABEL = re.compile(r"(\d+)\.(\d+)(?:-(\d+)\.(\d+))?_")


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
            for label in labels_of(latex):
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


def labels_of(latex):
    """Every label of the display ``latex``, in order: its rows' and the one that ends it."""
    found = [m["label"] or m["tag"] for m in _ROW_LABEL.finditer(latex)]
    last = label_of(latex)
    if last:
        found.append(last)
    return list(dict.fromkeys(found))


def labels_of_stem(stem):
    """The equations a notebook is for, from its file stem: ``5.78_hessian`` -> ``["5.78"]``,
    ``5.98-5.103_r_forward`` -> ``["5.98", "5.99", ..., "5.103"]``; ``[]`` for other names."""
    match = _STEM_LABEL.match(stem)
    if not match:
        return []
    chapter, first, last_chapter, last = match.groups()
    if last is None:
        return [f"{chapter}.{first}"]
    if last_chapter != chapter or int(last) < int(first):
        return []
    return [f"{chapter}.{number}" for number in range(int(first), int(last) + 1)]


def label_of_stem(stem):
    """How a notebook's equations are named in messages: ``5.78``, or ``5.98-5.103``."""
    labels = labels_of_stem(stem)
    if not labels:
        return None
    return labels[0] if len(labels) == 1 else f"{labels[0]}-{labels[-1]}"


def named(label):
    """How a label is written in messages and titles: ``(5.78)``, ``(5.98)-(5.103)``."""
    return "(" + label.replace("-", ")-(") + ")"


def uncovered(deck, notebooks_dir):
    """The labelled equations of ``deck`` that no notebook in ``notebooks_dir`` is for."""
    covered = {label for path in Path(notebooks_dir).glob("*.ipynb")
               for label in labels_of_stem(path.stem)}
    return [equation for equation in equations(deck) if equation.label not in covered]


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
        for label in labels_of_stem(stem):
            if label in shown_in:
                problems.extend(_quote_problem(path, nb, label, *shown_in[label]))
    return problems


def _quote_problem(path, nb, label, deck, equation):
    """[] when the notebook quotes ``label`` as ``deck`` shows it, else the one problem."""
    where = f"{shown(deck.path)}:{equation.first + 1}"
    quoted = quote(nb, label)
    if quoted is None:
        return [f"{shown(path)} does not quote ({label}) of {where}: its Markdown "
                f"needs a $$ block with ({label}), copied from the deck"]
    if normalized(quoted) != normalized(equation.latex):
        return [f"{shown(path)} quotes ({label}) differently from {where}:\n"
                f"    notebook: {normalized(quoted)}\n"
                f"    deck:     {normalized(equation.latex)}"]
    return []
