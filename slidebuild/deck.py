"""The source deck: its slides and result markers, and the generated deck made from it.

A marker is an HTML comment inside the slide whose results it shows. Marp ignores it (it
becomes a presenter note), so the source deck still renders as it is. For every marker the
generated deck gets one new slide right after that slide:

    <!-- results: (5.78) 数値で確かめる
    5.78_hessian/figure
    5.78_hessian/rel_err_fd | 有限差分との相対誤差
    5.78_hessian/audit
    -->

- the text after ``results:`` is the title of the new slide;
- every other line places one result, ``notebook/name``: the notebook's file stem in the
  notebooks folder and the name it was published under with ``lib.publish``;
- ``| label`` after a number or a text is shown in front of it.

Several markers in one slide give several slides, in order. The markers are removed from
the generated deck; everything else is copied line for line.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, shown

KEYWORD = "results:"
_PLACEMENT = re.compile(r"(?P<notebook>[\w.-]+)/(?P<name>[\w-]+)(?:\s*\|\s*(?P<label>.*\S))?")
_NEAR_MISS = re.compile(r"\s*results?\b", re.IGNORECASE)
_THEMATIC_BREAK = re.compile(r" {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Placement:
    """One result placed by a marker line: ``notebook/name | label`` at ``line`` (1-based)."""

    notebook: str
    name: str
    label: str | None
    line: int

    @property
    def ref(self):
        return f"{self.notebook}/{self.name}"


@dataclass(frozen=True)
class Marker:
    """A ``results:`` comment on lines ``first..last`` (0-based, inclusive).

    Its slide goes into the generated deck before line ``slide_end``: the separator that
    ends the marker's slide, or the end of the file.
    """

    title: str
    placements: tuple[Placement, ...]
    first: int
    last: int
    slide_end: int


@dataclass(frozen=True)
class Deck:
    """A parsed source deck: its lines (with their line ends) and markers."""

    path: Path
    lines: tuple[str, ...]
    front_matter: bool
    markers: tuple[Marker, ...]
    slides: int  # how many slides Marp makes of it

    def where(self, line):
        """``file:line`` for messages; ``line`` is 1-based."""
        return f"{shown(self.path)}:{line}"


def is_slide_break(text, previous):
    """Whether ``text`` starts a new slide, given the kind of the line before it.

    Marp splits slides at thematic breaks (``---``, ``***``, ``___``); a ``---`` right
    under a paragraph line underlines a heading instead (CommonMark's setext heading).
    """
    if not _THEMATIC_BREAK.fullmatch(text):
        return False
    return not (text.lstrip().startswith("-") and previous == "text")


def line_kind(text):
    """blank, heading or text: what a slide break after this line depends on."""
    if not text.strip():
        return "blank"
    return "heading" if text.lstrip().startswith("#") else "text"


def read_deck(path):
    """Parse the source deck at ``path``; a malformed marker raises BuildError at file:line."""
    path = Path(path)
    try:
        lines = tuple(path.read_text(encoding="utf-8").splitlines(keepends=True))
    except OSError as error:
        raise BuildError(f"cannot read the source deck {shown(path)}: {error.strerror}") from None
    return _Parser(path, lines).parse()


class _Parser:
    """Walks the deck line by line, skipping code fences, math blocks and comments."""

    def __init__(self, path, lines):
        self.path, self.lines = path, lines
        self.markers, self.pending = [], []  # pending: markers of the current slide
        self.slides = 1

    def where(self, index):
        return f"{shown(self.path)}:{index + 1}"

    def parse(self):
        start = self._front_matter_end()
        previous, fence, in_math, comment_start = "blank", None, False, None
        for index in range(start, len(self.lines)):
            text = self.lines[index].rstrip("\r\n")
            stripped = text.strip()
            if comment_start is not None:
                if "-->" in text:
                    self._comment(comment_start, index)
                    comment_start, previous = None, "block"
                continue
            if fence:
                if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                    fence, previous = None, "block"
                continue
            if in_math:
                if stripped.endswith("$$"):
                    in_math, previous = False, "block"
                continue
            if opening := _FENCE.match(text):
                fence = opening.group(1)
            elif stripped.startswith("$$"):
                in_math = "$$" not in stripped[2:]
                previous = "text" if in_math else "block"
            elif stripped.startswith("<!--"):
                if "-->" in text:
                    self._comment(index, index)
                    previous = "block"
                else:
                    comment_start = index
            elif is_slide_break(text, previous):
                self._end_slide(index)
                self.slides += 1
                previous = "blank"
            else:
                previous = line_kind(text)
        if comment_start is not None:
            raise BuildError(f"{self.where(comment_start)}: this comment is never closed (-->)")
        self._end_slide(len(self.lines))
        front_matter = start > 0
        return Deck(self.path, self.lines, front_matter, tuple(self.markers), self.slides)

    def _front_matter_end(self):
        """The index of the first line after the front matter (0 when there is none)."""
        if not self.lines or self.lines[0].rstrip("\r\n") != "---":
            return 0
        for index in range(1, len(self.lines)):
            if self.lines[index].rstrip("\r\n") in ("---", "..."):
                return index + 1
        raise BuildError(f"{self.where(0)}: the front matter is never closed with ---")

    def _end_slide(self, index):
        for first, last, title, placements in self.pending:
            self.markers.append(Marker(title, placements, first, last, slide_end=index))
        self.pending = []

    def _comment(self, first, last):
        """A comment on lines first..last: a marker, a near miss (error) or anything else."""
        body = "".join(self.lines[first : last + 1])
        body = body[body.index("<!--") + 4 :]
        inner, _, after = body.rpartition("-->")
        head, *rest = inner.split("\n")
        if not head.strip().startswith(KEYWORD):
            if _NEAR_MISS.match(inner):
                raise BuildError(
                    f"{self.where(first)}: this comment looks like a result marker but does not "
                    f"start with '<!-- {KEYWORD}' on its first line; write '<!-- {KEYWORD} "
                    f"title', then one 'notebook/name' per line, then '-->'"
                )
            return
        if after.strip():
            raise BuildError(f"{self.where(last)}: put nothing after '-->' on a marker's line")
        if first == last:
            raise BuildError(
                f"{self.where(first)}: a marker spans several lines: '<!-- {KEYWORD} title', "
                f"then one 'notebook/name' per line, then '-->'"
            )
        title = head.strip()[len(KEYWORD) :].strip()
        if not title:
            raise BuildError(f"{self.where(first)}: a marker needs a title after '{KEYWORD}'")
        placements = []
        for offset, line in enumerate(rest, start=first + 1):
            line = line.strip()
            if not line:
                continue
            match = _PLACEMENT.fullmatch(line)
            if not match:
                raise BuildError(
                    f"{self.where(offset)}: cannot read {line!r}; expected 'notebook/name' or "
                    f"'notebook/name | label' (a notebook's file stem and a published name)"
                )
            placements.append(Placement(**match.groupdict(), line=offset + 1))
        if not placements:
            raise BuildError(f"{self.where(first)}: this marker places no result")
        self.pending.append((first, last, title, tuple(placements)))


def compose(deck, slides, header):
    """The generated deck's text.

    slides : one Markdown string per marker of ``deck`` (same order), the body of the
        slide that goes after the marker's slide.
    header : one line for the front matter (a YAML comment) saying the file is generated.
    """
    inserts = {}
    for marker, body in zip(deck.markers, slides, strict=True):
        inserts.setdefault(marker.slide_end, []).append(f"\n---\n\n{body.rstrip()}\n\n")
    skipped = {i for marker in deck.markers for i in range(marker.first, marker.last + 1)}
    out = []
    for index in range(len(deck.lines) + 1):
        if index in inserts:
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            out.extend(inserts[index])
        if index < len(deck.lines) and index not in skipped:
            out.append(deck.lines[index])
            if index == 0 and deck.front_matter:
                out.append(f"# {header}\n")
    if not deck.front_matter:
        out.insert(0, f"<!-- {header} -->\n\n")
    return "".join(out)
