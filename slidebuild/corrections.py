"""Corrections: slips of the source deck that a notebook has proved, applied to the
generated deck only.

A notebook publishes a correction (kind "correction") with the exact text of the slip as
it stands in the source deck (``source``), the text that replaces it (``corrected``) and a
one-line ``reason``. Every correction of every notebook that a deck's markers or inline
references name is applied; no marker line is needed. The source deck keeps the user's
words; in the generated deck the text is replaced and its slide gets a one-line header (at
the top, which has room where the user's bottom lines often do not)

    訂正 2 か所: 根拠は p. 12 (5.83_hessian_decomposition); 元の記述は発表者ノート

pointing to the first result slide of each notebook, and the presenter notes get the
original text, the correction and the reason of each. The build fails, naming the
notebook and the text, when ``source`` does not occur exactly once in what the audience
sees of the deck (comments and markers do not count): the deck was edited, and the
notebook must say whether the slip is still there. Two corrections of one passage are an
error naming both; corrections of different parts of one line are independent.
``--as-written`` builds without corrections.
"""

from dataclasses import dataclass

from .deck import slide_end, visible_text
from .errors import BuildError, shown
from .results import cell_label


@dataclass(frozen=True)
class Correction:
    """A correction published by notebook ``stem`` as the result ``name``."""

    stem: str
    name: str
    source: str
    corrected: str
    reason: str
    cell: int


def collect(published, notebooks):
    """Every correction published by the notebooks ``notebooks`` ({stem: path}), in order."""
    return [Correction(stem, r.name, r.value["source"], r.value["corrected"],
                       r.value["reason"], r.cell)
            for stem in notebooks for r in published.get(stem, []) if r.kind == "correction"]


def apply(deck, lines, corrections, notebooks, pages):
    """Apply ``corrections`` to ``lines`` (the deck's lines); returns (lines, additions).

    pages : {stem: page number of the notebook's first result slide in the generated deck}.
    additions : {line index: [text]} for deck.compose: each corrected slide's header and
        presenter note, before the line that ends the slide.
    Raises BuildError when a correction's source does not occur exactly once.
    """
    lines = list(lines)
    text = visible_text(deck)
    by_slide, applied = {}, []  # applied: (correction, its span in the deck as written)
    for correction in corrections:
        count = text.count(correction.source)
        where = f"{shown(notebooks[correction.stem])}, {cell_label(correction.cell)}"
        if count != 1:
            found = "does not occur" if count == 0 else f"occurs {count} times"
            raise BuildError(
                f"{where}: the correction {correction.name!r} replaces the text "
                f"{correction.source!r}, which {found} in {shown(deck.path)} (it must occur "
                "exactly once, outside comments); the deck was edited: update the notebook's "
                "correction, or build with --as-written")
        span = (text.index(correction.source), text.index(correction.source)
                + len(correction.source))
        clash = next((other for other, (start, end) in applied
                      if start < span[1] and span[0] < end), None)
        if clash is not None:
            raise BuildError(
                f"{where}: the correction {correction.name!r} and the correction "
                f"{clash.name!r} of {shown(notebooks[clash.stem])}, {cell_label(clash.cell)} "
                f"both change the text {correction.source!r}; keep one of them (one "
                "correction for the whole passage)")
        applied.append((correction, span))
        # applied to the deck as corrected so far: corrections in one line are independent
        current = visible_text(deck, lines)
        starts = _line_starts(lines)
        offset = current.index(correction.source)
        first = _line_at(starts, offset)
        last = _line_at(starts, offset + len(correction.source) - 1)
        joined = "".join(lines[first:last + 1])
        inner = offset - starts[first]
        lines[first] = (joined[:inner] + correction.corrected
                        + joined[inner + len(correction.source):])
        for index in range(first + 1, last + 1):
            lines[index] = ""
        by_slide.setdefault(deck.slide_of[first], []).append(correction)
    additions = {}
    for slide, items in by_slide.items():
        header = header_text(items, pages).replace("'", "''")
        notes = "\n".join(f"- 訂正 ({c.stem}/{c.name}): 元の記述 `{c.source.strip()}` を "
                          f"`{c.corrected.strip()}` に. 理由: {c.reason}" for c in items)
        note = ("<!--\n" + notes.replace("-->", "-- >") + "\n-->")
        additions.setdefault(slide_end(deck, slide), []).extend(
            [f"<!-- _header: '{header}' -->", note])
    return lines, additions


def header_text(corrections, pages):
    """The one-line header of a corrected slide: how many places, and where the evidence is
    (the reasons and the original texts are in the presenter notes)."""
    count = {}
    for correction in corrections:
        count[correction.stem] = count.get(correction.stem, 0) + 1
    where = ", ".join(f"p. {pages[stem]} ({stem})" if stem in pages else stem for stem in count)
    return f"訂正 {len(corrections)} か所: 根拠は {where}; 元の記述は発表者ノート"


def _line_starts(lines):
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line)
    return starts


def _line_at(starts, offset):
    """The index of the line holding character ``offset``."""
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low
