"""Scaffolding, slide -> notebook: a notebook for every labelled equation that has none.

``python build.py --scaffold slides/DECK.md`` looks at each displayed equation of the deck
with a label ``(x.yy)`` (slidebuild/equations.py). When no notebook in the notebooks folder
is for that equation (no file ``x.yy_*.ipynb`` or range ``x.aa-x.bb_*.ipynb`` that holds it),
it writes ``x.yy_<slug>.ipynb`` (``x.aa-x.bb_<slug>.ipynb`` for a block of rows labelled
``x.aa`` ... ``x.bb``) with the
six sections of every notebook here (the equation, quoted verbatim under the title; the
sympy derivation; the lib implementation; the numerical check; the figure; スライドとの対応,
the audit) and adds one results marker for it at the end of the equation's slide. Only
marker comment lines are added to the deck. Running it again changes nothing.

The slug is made of up to four ASCII words of the nearest heading above the equation
(small words such as "of the" left out), e.g. ``outer_product_approximation``;
``equation`` when there are none.

Until the new notebook publishes results, the build succeeds and its result slide says
「未検証」; ``--check`` lists it as a warning.
"""

import json
import re
from pathlib import Path

from .deck import read_deck, slide_end
from .equations import labels_of_stem, named, uncovered
from .errors import shown
from .outputs import atomic_write

_HEADING = re.compile(r"\s{0,3}#{1,6}\s+(.*)")


def scaffold(deck_path, notebooks_dir):
    """Create the missing notebooks of ``deck_path`` and their markers; returns messages."""
    deck_path, notebooks_dir = Path(deck_path), Path(notebooks_dir)
    deck = read_deck(deck_path)
    marked = {label for m in deck.markers for p in m.placements
              for label in labels_of_stem(p.notebook)}
    blocks = {}  # one notebook per display block: its labels that no notebook covers
    for equation in uncovered(deck, notebooks_dir):
        blocks.setdefault(equation.first, []).append(equation)
    inserts, messages = {}, []
    for group in blocks.values():
        equation = group[0]
        label = equation.label if len(group) == 1 else f"{group[0].label}-{group[-1].label}"
        heading = _heading_before(deck, equation.first)
        stem = f"{label}_{_slug(heading)}"
        path = notebooks_dir / f"{stem}.ipynb"
        notebooks_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(notebook(label, equation.latex, heading), indent=1,
                          ensure_ascii=False) + "\n"
        atomic_write(path, text.encode("utf-8"))
        messages.append(f"created {shown(path)} for {named(label)} of "
                        f"{shown(deck_path)}:{equation.first + 1}")
        if not marked.intersection(e.label for e in group):
            end = slide_end(deck, equation.slide)
            inserts.setdefault(end, []).append(
                f"<!-- results: {named(label)} 検証 (未記入)\n{stem}/figure\n{stem}/audit\n-->\n")
            messages.append(f"added a results marker for {stem} to {shown(deck_path)}")
    if inserts:
        atomic_write(deck_path, _with_markers(deck.lines, inserts).encode("utf-8"))
    if not messages:
        messages.append(f"every labelled equation of {shown(deck_path)} has a notebook")
    return messages


def _with_markers(lines, inserts):
    out = []
    for index in range(len(lines) + 1):
        if index in inserts:
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            if out and out[-1].strip():
                out.append("\n")
            for marker in inserts[index]:
                out.append(marker)
                out.append("\n")
        if index < len(lines):
            out.append(lines[index])
    return "".join(out)


def _heading_before(deck, index):
    """The text of the nearest heading above line ``index`` (outside math and code)."""
    for i in range(index, -1, -1):
        match = _HEADING.match(deck.lines[i]) if deck.contexts[i] == "text" else None
        if match:
            return match.group(1).strip()
    return ""


_SMALL_WORDS = {"a", "an", "and", "by", "for", "in", "of", "on", "the", "to", "with"}


def _slug(heading):
    """Up to four ASCII words of ``heading``, small words left out: ``exact_evaluation_hessian``."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", heading)
             if w.lower() not in _SMALL_WORDS]
    return "_".join(words[:4]) or "equation"


def _markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text.strip("\n")}


def _code(text):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": text.strip("\n")}


def notebook(label, latex, heading):
    """The scaffolded notebook (nbformat 4) for equation ``label`` with LaTeX ``latex``."""
    where = f"スライド「{heading}」" if heading else "スライド"
    cells = [
        _markdown(f"""
# {named(label)} (題: この式が言うこと)

{where}の式 {named(label)} を扱う.

## 1. 式

スライドの式 (そのまま):

$$
{latex}
$$

記号と意味: (PRML の記号で, 何が何の関数かを書く.)
"""),
        _code("""
# 使い始めた import から noqa を消す (lint が未使用の import を知らせるように)
import matplotlib.pyplot as plt  # noqa: F401
import numpy as np  # noqa: F401
import sympy as sp  # noqa: F401

import lib  # noqa: F401
from lib.publish import publish  # noqa: F401
"""),
        _markdown("""
## 2. sympy による導出

左辺 (定義から sympy で微分したもの) と右辺 (式の形) を別々に作り, 差が 0 に簡約されることを
`assert` する. 記号は一般のまま (未指定の `sp.Function`, 記号の重み) にする.
"""),
        _code("# 左辺と右辺を別々に作り, assert sp.simplify(lhs - rhs) == 0"),
        _markdown("""
## 3. 実装

`lib` の関数を呼び, 式と 1 行ずつ対応させる (`inspect.getsource` で示してもよい).
"""),
        _code("# lib の実装を式と対応させる"),
        _markdown("""
## 4. 数値検証

独立な参照 (差分, 閉じた式, 特別な場合) と比べ, 許容誤差で `assert` してから公開する:
`publish("rel_err", rel_err, fmt=".1e")`. 乱数は必ず seed を固定する.
"""),
        _code('# rel_err = ...\n# assert rel_err < 1e-8\n# publish("rel_err", rel_err, fmt=".1e")'),
        _markdown("""
## 5. 図

`figsize=(10, 4.8)`, 文字は 16 pt 以上, ラベルは日本語. `publish("figure", fig)` で公開する.
次の Markdown セルに図の読み方を書く (発表者ノートに入る).
"""),
        _code("# fig, ax = plt.subplots(figsize=(10, 4.8))\n# publish(\"figure\", fig)"),
        _markdown("""
## 6. スライドとの対応

スライドの記述ごとに判定と根拠を書き, 監査として公開する (`publish("audit", ...)`).
スライドの誤りを証明したら訂正も公開する (元の文字列, 訂正後, 理由).
"""),
        _code("# publish(\"audit\", ...)"),
    ]
    for number, cell in enumerate(cells):  # nbformat 4.5 cell ids, fixed: idempotent output
        cell["id"] = f"eq{label.replace('.', '-')}-{number}"
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
