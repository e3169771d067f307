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

Several markers in one slide give several slides, in order; a figure gets a slide of its
own (slides.py). A marker goes at the end of a logical unit of the user's slides, never
inside a sentence or list that continues on the next slide (``continuation_warnings``).
The markers are removed from the generated deck; everything else is copied line for line,
except for the corrections (corrections.py) and inline results (inline.py) applied to it.
A source deck is any ``*.md`` of the slides folder that is not ``*.generated.md``.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, shown

KEYWORD = "results:"
GENERATED_SUFFIX = ".generated.md"  # a generated deck: <source stem>.generated.md
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
    slide: int = 0  # the index of the marker's slide (0 = the first slide)


@dataclass(frozen=True)
class Deck:
    """A parsed source deck: its lines (with their line ends) and markers.

    contexts : for every line, what it is part of: "front" (front matter), "text", "math"
        (a ``$$`` block, its delimiters included), "fence" (a code block), "comment" or
        "break" (the slide break that starts a slide).
    slide_of : for every line, the index of its slide (a slide break belongs to the slide
        it starts).
    """

    path: Path
    lines: tuple[str, ...]
    front_matter: bool
    markers: tuple[Marker, ...]
    slides: int  # how many slides Marp makes of it
    contexts: tuple[str, ...] = ()
    slide_of: tuple[int, ...] = ()

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
        self.contexts, self.slide_of = [], []

    def where(self, index):
        return f"{shown(self.path)}:{index + 1}"

    def parse(self):
        start = self._front_matter_end()
        self.contexts, self.slide_of = ["front"] * start, [0] * start
        previous, fence, in_math, comment_start = "blank", None, False, None
        for index in range(start, len(self.lines)):
            text = self.lines[index].rstrip("\r\n")
            stripped = text.strip()
            self.slide_of.append(self.slides - 1)
            if comment_start is not None:
                self.contexts.append("comment")
                if "-->" in text:
                    self._comment(comment_start, index)
                    comment_start, previous = None, "block"
                continue
            if fence:
                self.contexts.append("fence")
                if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                    fence, previous = None, "block"
                continue
            if in_math:
                self.contexts.append("math")
                if stripped.endswith("$$"):
                    in_math, previous = False, "block"
                continue
            context = "text"
            if opening := _FENCE.match(text):
                fence, context = opening.group(1), "fence"
            elif stripped.startswith("$$"):
                in_math, context = "$$" not in stripped[2:], "math"
                previous = "text" if in_math else "block"
            elif stripped.startswith("<!--"):
                context = "comment"
                if "-->" in text:
                    self._comment(index, index)
                    previous = "block"
                else:
                    comment_start = index
            elif is_slide_break(text, previous):
                self._end_slide(index)
                self.slides += 1
                self.slide_of[-1] = self.slides - 1
                previous, context = "blank", "break"
            else:
                previous = line_kind(text)
            self.contexts.append(context)
        if comment_start is not None:
            raise BuildError(f"{self.where(comment_start)}: this comment is never closed (-->)")
        self._end_slide(len(self.lines))
        front_matter = start > 0
        return Deck(self.path, self.lines, front_matter, tuple(self.markers), self.slides,
                    tuple(self.contexts), tuple(self.slide_of))

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
            self.markers.append(Marker(title, placements, first, last, slide_end=index,
                                       slide=self.slides - 1))
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


def slide_end(deck, slide):
    """The index of the line that ends slide ``slide`` of ``deck``: the next slide's break."""
    for index in range(len(deck.lines)):
        if deck.slide_of[index] > slide:
            return index
    return len(deck.lines)


_TRAILING_BREAK = re.compile(r"\n {0,3}(?:---|\*\*\*|___)[ \t]*\n(?:[ \t]*\n)*\Z")


def compose(deck, slides, header, lines=None, additions=None):
    """The generated deck's text.

    slides : per marker of ``deck`` (same order), the body of the slide that goes after
        the marker's slide, or a list of such bodies (several slides, in order).
    header : one line for the front matter (a YAML comment) saying the file is generated.
    lines : the deck's lines with corrections and inline results applied (default: as
        written); one per line of ``deck.lines``.
    additions : {line index: [text]}: lines added to the user's slides before that line
        (e.g. a slide's 「訂正」 footer before the break that ends it).

    A trailing slide break with nothing after it (an empty last slide) is left out.
    """
    lines = deck.lines if lines is None else lines
    inserts = {}
    for index, texts in (additions or {}).items():
        inserts.setdefault(index, []).extend(f"\n{text.rstrip()}\n" for text in texts)
    for marker, bodies in zip(deck.markers, slides, strict=True):
        for body in [bodies] if isinstance(bodies, str) else bodies:
            inserts.setdefault(marker.slide_end, []).append(f"\n---\n\n{body.rstrip()}\n\n")
    skipped = {i for marker in deck.markers for i in range(marker.first, marker.last + 1)}
    out = []
    for index in range(len(lines) + 1):
        if index in inserts:
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            out.extend(inserts[index])
        if index < len(lines) and index not in skipped:
            out.append(lines[index])
            if index == 0 and deck.front_matter:
                out.append(f"# {header}\n")
    if not deck.front_matter:
        out.insert(0, f"<!-- {header} -->\n\n")
    return _TRAILING_BREAK.sub("\n", "".join(out))


def _joined(deck, contexts, lines=None):
    """The deck's text (or ``lines``, the deck's lines as changed since) with every line
    outside ``contexts`` blanked: its characters become NUL, so the text has the same length
    and the same offsets as ``"".join(lines)``."""
    marker_lines = {i for m in deck.markers for i in range(m.first, m.last + 1)}
    return "".join(
        line if context in contexts and index not in marker_lines
        else "".join(c if c in "\r\n" else "\0" for c in line)
        for index, (line, context) in enumerate(zip(lines or deck.lines, deck.contexts))
    )


def where_shown(deck, text):
    """Where the deck shows ``text`` (exactly, as written): "slide" when the audience sees it,
    "notes" when only an HTML comment (a presenter note) holds it, None when it is gone."""
    if text in visible_text(deck):
        return "slide"
    if text in _joined(deck, ("comment",)):
        return "notes"
    return None


def visible_text(deck, lines=None):
    """The deck's text the audience sees (no front matter, comments or markers), with the
    other lines blanked, so offsets map to the same lines as in ``deck.lines`` (or in
    ``lines``, the deck's lines as changed since, one per line of the deck)."""
    return _joined(deck, ("text", "math", "fence"), lines)


def find_decks(folder, only=None):
    """The source decks in ``folder``: every ``*.md`` that is not a generated deck.

    only : a deck's name (``05-04_hessian`` or ``05-04_hessian.md``) to restrict to.
    """
    folder = Path(folder)
    decks = sorted(path for path in folder.glob("*.md")
                   if not path.name.endswith(GENERATED_SUFFIX))
    if only is not None:
        wanted = only.removesuffix(".md")
        chosen = [path for path in decks if path.stem == wanted]
        if not chosen:
            names = ", ".join(path.stem for path in decks) or "none"
            raise BuildError(f"--deck {only}: there is no source deck {wanted}.md in "
                             f"{shown(folder)}; decks there: {names}")
        return chosen
    if not decks:
        raise BuildError(f"there is no source deck (*.md) in {shown(folder)}")
    return decks


_CONTINUES = re.compile(r"(以下|次の|下記|[:：]\s*$)")


def continuation_warnings(deck):
    """Warnings for markers whose slide ends with a sentence that leads into the next slide.

    A result slide must come after a logical unit of the user's slides. When the last line
    of text (not math) on a marker's slide announces what follows (「以下のような」, 「次の」,
    a trailing colon), the unit goes on past the slide break, and the marker belongs at
    the end of the next slide.
    """
    warnings = []
    for marker in deck.markers:
        last = None
        for index in range(marker.slide_end - 1, -1, -1):
            if deck.slide_of[index] != marker.slide:
                break
            if deck.contexts[index] in ("text", "math") and deck.lines[index].strip():
                last = index
                break
        if last is not None and deck.contexts[last] == "text" and \
                _CONTINUES.search(deck.lines[last]):
            warnings.append(
                f"{deck.where(marker.first + 1)}: this marker ends a slide whose last line "
                f"({deck.lines[last].strip()[:40]!r}) leads into the next slide; move it to "
                "the end of the logical unit, so the result slide does not split it")
    return warnings
