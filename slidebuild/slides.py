"""The result slides: what each marker places, checked by name, as Markdown and assets.

Each marker of the source deck becomes one slide (deck.compose puts it after the marker's
slide): the marker's title, the numbers as a list ("label: value"), the short audit and any
texts. A figure gets a slide of its own under the same title, before them, so that it can
fill the content box (at least 80 % of its width or height) instead of the height the
text leaves. On the slide go the numbers
and the short audit; the presenter notes (an HTML comment, which Marp turns into notes) get
the full audit, how to read each figure and the source notebook with its cells.

Result slides have the class ``build-results`` (plus ``build-figure`` with a figure, and
``build-stale`` or ``build-unverified``); the deck's first result slide carries the style
of them all (``STYLE``): a band and a badge 「検証」 in the theme's highlight colour, text as
large as the deck's own. The deck's own slides and style stay as they are.

A notebook's status decides what its placements show:

- "fresh": its results;
- "stale": the results of its last successful run (a failed run under ``--keep-going``),
  and the slide says so (badge 「検証 (古い結果)」);
- "unverified": it publishes nothing yet (a scaffolded notebook): the slide says 「未検証」.
"""

import os
from pathlib import Path

from .deck import is_slide_break, line_kind
from .errors import BuildError, shown
from .results import cell_label, clean_svg, format_result

SLIDE_CLASS = "build-results"  # the class of every result slide (Marp's _class directive)
BADGE = "検証"
STYLE = """<style>
section.build-results { border-top: 14px solid var(--color-highlight); }
section.build-results::before {
  content: "検証"; position: absolute; top: 14px; right: 70px; padding: 2px 16px;
  font-size: 24px; font-weight: bold; color: #fff; background: var(--color-highlight);
  border-radius: 0 0 8px 8px;
}
section.build-stale::before { content: "検証 (古い結果)"; background: #c62828; }
section.build-unverified::before { content: "未検証"; background: #757575; }
section.build-results h3 { margin: 0 0 0.3em; }
section.build-results p, section.build-results li { line-height: 1.35; }
section.build-results li { margin: 0; }
section.build-results ul { margin: 0.15em 0; }
section.build-figure { display: flex; flex-direction: column; }
section.build-figure p:has(> img) { flex: 1 1 0; min-height: 0; margin: 0.2em 0 0; }
section.build-figure p:has(> img) > img {
  display: block; width: 100%; height: 100%; object-fit: contain;
}
section header { color: var(--color-highlight); font-size: 22px; }
</style>"""
INLINE_ONLY = ("number", "bound", "text")  # kinds that have a one-line form


def referenced_notebooks(deck, folder, extra=()):
    """{stem: path} of the notebooks the markers of ``deck`` (and ``extra`` placements,
    e.g. inline references) refer to, in order of use."""
    folder = Path(folder)
    notebooks = {}
    placements = [p for marker in deck.markers for p in marker.placements] + list(extra)
    for placement in placements:
        path = folder / f"{placement.notebook}.ipynb"
        if placement.notebook not in notebooks and not path.is_file():
            there = sorted(p.stem for p in folder.glob("*.ipynb"))
            raise BuildError(
                f"{deck.where(placement.line)}: {placement.ref}: there is no notebook "
                f"{shown(path)}; notebooks in {shown(folder)}: {', '.join(there) or 'none'}"
            )
        notebooks[placement.notebook] = path
    return notebooks


def place_results(deck, published, notebooks, assets_url, status=None, judged=None):
    """The generated slides for the markers of ``deck``, their assets, and notes.

    published : {notebook stem: [Result]} for every notebook in ``notebooks`` ({stem: path}).
    assets_url : the assets folder as the generated deck refers to it.
    status : {stem: "fresh" | "stale" | "unverified"} (default: all fresh).
    judged : judged(text) -> "slide", "notes" or None: where the deck shows ``text`` (for
        audit lines that judge the deck's wording; default: everywhere "slide").
    Returns (slides, assets, placed, notes): per marker the list of its slides' Markdown
    bodies (a figure's slide first), {file name: bytes}, the set of refs placed, and lines
    for the build output (audit lines dropped).
    """
    status = status or {}
    judged = judged or (lambda text: "slide")
    slides, assets, placed, notes = [], {}, set(), []
    first = True
    for marker in deck.markers:
        items, states = [], []
        for placement in marker.placements:
            where = deck.where(placement.line)
            placed.add(placement.ref)
            state = status.get(placement.notebook, "fresh")
            states.append(state)
            missing = state == "stale" and all(  # not in the last good run: nothing to show
                r.name != placement.name for r in published[placement.notebook])
            if state == "unverified" or missing:
                items.append(("unverified", f"- `{placement.ref}`: 未検証", None))
                continue
            result = find(published[placement.notebook], placement, notebooks, where)
            source = f"{_relative(notebooks[placement.notebook], deck.path.parent)}, " \
                     f"{cell_label(result.cell)}"
            items.append(_item(result, placement, where, assets, assets_url, judged, notes,
                               source))
        figures = [item for item in items if item[0] == "figure"]
        others = [item for item in items if item[0] != "figure"]
        bodies = [_slide(marker, [figure], states, notebooks, deck, style=first and not n)
                  for n, figure in enumerate(figures)]
        if others or not figures:
            bodies.append(_slide(marker, others, states, notebooks, deck,
                                 style=first and not figures))
        slides.append(bodies)
        first = False
    return slides, assets, placed, notes


def unused_warnings(deck_paths, published, notebooks, placed):
    """One warning per notebook naming the published results that no marker or inline
    reference places (a notebook may publish more than its slides show)."""
    warnings = []
    for stem, results in published.items():
        names = [name for name, kind in dict.fromkeys((r.name, r.kind) for r in results)
                 if kind != "correction" and f"{stem}/{name}" not in placed]
        if names:
            warnings.append(f"{shown(notebooks[stem])} publishes {len(names)} result(s) that "
                            f"nothing in {', '.join(map(shown, deck_paths))} places: "
                            f"{', '.join(names)}")
    return warnings


def _item(result, placement, where, assets, assets_url, judged, notes, source):
    """(kind, Markdown for the slide, Markdown for the notes) showing ``result``.

    source : the notebook (relative to the deck) and cell that published it, for the notes.
    """
    if result.kind == "figure":
        if placement.label:
            raise BuildError(f"{where}: {placement.ref} is a figure, which takes no label")
        file_name = f"{placement.notebook}.{placement.name}.svg"
        assets[file_name] = clean_svg(result.svg).encode("utf-8")
        note = f"図 `{placement.ref}` ({source})"
        if result.reading:
            note += f" の読み方:\n\n{result.reading}"
        return "figure", f"![{placement.ref}]({assets_url}/{file_name})", note
    if result.kind in ("number", "bound"):
        label = placement.label or f"`{placement.name}`"
        # "+", not "-": a list of numbers followed by a "-" list stays a list of its own
        # (and not "*", which Marp shows item by item, as a fragmented list)
        shown_value = format_result(result)
        note = f"{label}: {shown_value} ({source})"
        if result.kind == "bound":
            note += " — 丸め誤差の範囲 (この許容誤差で assert 済み)"
        return "number", f"+ {label}: {shown_value}", note
    if result.kind == "audit":
        return _audit(result, placement, where, judged, notes, source)
    if result.kind == "correction":
        raise BuildError(f"{where}: {placement.ref} is a correction: it is applied to the deck "
                         "(no marker line needed), not placed")
    return "text", _text_block(result.value, placement, where), f"`{placement.ref}` ({source})"


def _audit(result, placement, where, judged, notes, source):
    """The short audit for the slide, the full one for the notes; stale lines dropped."""
    on_slide, in_notes = [], []
    for line in result.value["lines"]:
        text, judges = line["text"].strip(), line.get("judges")
        where_shown = judged(judges) if judges else "slide"
        if where_shown is None:
            notes.append(f"{placement.ref}: dropped the audit line {text!r}: it judges "
                         f"{judges!r}, which the deck no longer contains")
        elif where_shown == "notes":  # about a presenter-only comment: not for the audience
            in_notes.append(f"- {text} (発表者用コメントについて)")
        else:
            on_slide.append(f"- {text}")
    body = "\n".join(on_slide)
    if body:
        _check_no_break(body, placement, where)
    full = (result.value.get("notes") or "").strip()
    note = "\n\n".join(part for part in [f"監査 `{placement.ref}` ({source}):", full,
                                           "\n".join(in_notes)] if part)
    if placement.label and body:
        body = f"**{placement.label}**\n\n{body}"
    return "audit", body, note


def find(results, placement, notebooks, where):
    """The one result named ``placement.name``; BuildError when missing or published twice."""
    matches = [result for result in results if result.name == placement.name]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(sorted({result.name for result in results})) or "nothing"
    path = shown(notebooks[placement.notebook])
    if not matches:
        problem = f"{path} publishes no result named {placement.name!r}"
    else:
        cells = ", ".join(cell_label(result.cell) for result in matches)
        problem = f"{path} publishes {placement.name!r} more than once ({cells})"
    raise BuildError(f"{where}: {placement.ref}: {problem}; it publishes: {names}")


def _check_no_break(text, placement, where):
    previous = "blank"
    for line in text.splitlines():
        if is_slide_break(line, previous):
            raise BuildError(
                f"{where}: {placement.ref} contains the line {line!r}, which would start a new "
                "slide; publish the text without a thematic break"
            )
        previous = line_kind(line)


def _text_block(text, placement, where):
    """A published text as it goes on the slide (under its label, if the marker gives one)."""
    body = "\n".join(text.strip().splitlines())
    _check_no_break(body, placement, where)
    return f"**{placement.label}**\n\n{body}" if placement.label else body


def notes_comment(parts):
    """Markdown ``parts`` as one HTML comment (Marp's presenter notes), safely closed."""
    text = "\n\n".join(part.strip() for part in parts if part and part.strip())
    return "<!--\n" + text.replace("-->", "-- >").replace("<!--", "< !--") + "\n-->"


def _slide(marker, items, states, notebooks, deck, style):
    """The Markdown body of one result slide (without the leading separator)."""
    classes = [SLIDE_CLASS]
    if any(kind == "figure" for kind, _, _ in items):
        classes.append("build-figure")
    if "stale" in states:
        classes.append("build-stale")
    elif states and all(state == "unverified" for state in states):
        classes.append("build-unverified")
    parts = [f"<!-- _class: {' '.join(classes)} -->"]
    if style:
        parts.append(STYLE)
    parts.append(f"### {marker.title}")
    stems = list(dict.fromkeys(p.notebook for p in marker.placements))
    stale = [s for s, state in zip([p.notebook for p in marker.placements], states)
             if state == "stale"]
    stale_note = ""
    if stale:
        names = ", ".join(f"`{s}`" for s in dict.fromkeys(stale))
        stale_note = f"**古い結果**: {names} の実行が失敗したため, 最後に成功した実行の結果を示す"
        if "build-figure" not in classes:  # a figure keeps its room; the badge says it
            parts.append(stale_note)
    if any(state == "unverified" for state in states):
        pending = ", ".join(f"`{s}`" for s, st in zip(stems, states) if st == "unverified")
        parts.append(f"**未検証**: {pending} はまだ結果を公開していない")
    previous = None
    order = {"number": 0, "unverified": 0, "audit": 1, "text": 2, "figure": 3}
    for kind, text, _ in sorted(items, key=lambda item: order[item[0]]):  # figures last
        if not text:
            continue
        # one tight list: consecutive numbers, and consecutive audits (a blank line between
        # two "-" lists would make them one loose list, with a paragraph's margins per line)
        if kind == previous and (kind in ("number", "unverified")
                                 or kind == "audit" and text.startswith("- ")):
            parts[-1] += "\n" + text
        else:
            parts.append(text)
        previous = kind
    origin = ", ".join(_relative(notebooks[stem], deck.path.parent) for stem in stems)
    notes = [f"検証スライド (build.py が生成). 出典: {origin}", stale_note]
    notes += [note for _, _, note in items if note]
    parts.append(notes_comment(notes))
    return "\n\n".join(parts) + "\n"


def _relative(path, start):
    """``path`` relative to the folder ``start``, with forward slashes (the deck's view)."""
    return Path(os.path.relpath(Path(path).absolute(), Path(start).absolute())).as_posix()
