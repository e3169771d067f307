"""The result slides: what each marker places, checked by name, as Markdown and assets.

Each marker of the source deck becomes one slide (deck.compose puts it after the marker's
slide): a title, the numbers as a list ("label: value"), the texts (the audit notes) as
they were published, and the figures below, scaled to the height the text leaves. Result
slides have the class ``build-results`` and a scoped style of their own, so the deck's own
slides and style stay as they are.
"""

import os
from pathlib import Path

from .deck import is_slide_break, line_kind
from .errors import BuildError, shown
from .results import clean_svg, format_number

SLIDE_CLASS = "build-results"  # the class of every result slide (Marp's _class directive)
TEXT_STYLE = "p, li { font-size: 24px; line-height: 1.5; }"  # the deck's own is 27px
FIGURE_STYLE = """section { display: flex; flex-direction: column; }
p:has(> img) { flex: 1 1 0; min-height: 0; margin: 0.4em 0 0; }
p:has(> img) > img { display: block; width: 100%; height: 100%; object-fit: contain; }"""


def referenced_notebooks(deck, folder):
    """{stem: path} of the notebooks the markers of ``deck`` refer to, in order of use."""
    folder = Path(folder)
    notebooks = {}
    for marker in deck.markers:
        for placement in marker.placements:
            path = folder / f"{placement.notebook}.ipynb"
            if placement.notebook not in notebooks and not path.is_file():
                there = sorted(p.stem for p in folder.glob("*.ipynb"))
                raise BuildError(
                    f"{deck.where(placement.line)}: {placement.ref}: there is no notebook "
                    f"{shown(path)}; notebooks in {shown(folder)}: {', '.join(there) or 'none'}"
                )
            notebooks[placement.notebook] = path
    return notebooks


def place_results(deck, published, notebooks, assets_url):
    """The generated slides for the markers of ``deck``, their assets, and warnings.

    published : {notebook stem: [Result]} for every notebook in ``notebooks`` ({stem: path}).
    assets_url : the assets folder as the generated deck refers to it.
    Returns (slides, assets, warnings): one Markdown body per marker, {file name: bytes},
    and one warning per published result that no marker places.
    """
    placed, slides, assets = {}, [], {}
    for marker in deck.markers:
        items = []
        for placement in marker.placements:
            where = deck.where(placement.line)
            if placement.ref in placed:
                first = deck.where(placed[placement.ref])
                raise BuildError(f"{where}: {placement.ref} is already placed at {first}; "
                                 "place each result once")
            placed[placement.ref] = placement.line
            result = _find(published[placement.notebook], placement, notebooks, where)
            items.append(_item(result, placement, where, assets, assets_url))
        sources = [notebooks[placement.notebook] for placement in marker.placements]
        slides.append(_slide(marker, items, sources, deck))
    warnings = [
        f"{shown(notebooks[stem])} publishes {name!r}, which no marker in {shown(deck.path)} places"
        for stem, results in published.items()
        for name in dict.fromkeys(result.name for result in results)
        if f"{stem}/{name}" not in placed
    ]
    return slides, assets, warnings


def _item(result, placement, where, assets, assets_url):
    """(kind, Markdown) showing ``result``; a figure's SVG is added to ``assets``."""
    if result.kind == "figure":
        if placement.label:
            raise BuildError(f"{where}: {placement.ref} is a figure, which takes no label")
        file_name = f"{placement.notebook}.{placement.name}.svg"
        assets[file_name] = clean_svg(result.svg).encode("utf-8")
        return "figure", f"![{placement.ref}]({assets_url}/{file_name})"
    if result.kind == "number":
        label = placement.label or f"`{placement.name}`"
        # "+", not "-": a list of numbers followed by a text's "-" list stays a list of its own
        # (and not "*", which Marp shows item by item, as a fragmented list)
        return "number", f"+ {label}: {format_number(result.value, result.fmt)}"
    return "text", _text_block(result.value, placement, where)


def _find(results, placement, notebooks, where):
    """The one result named ``placement.name``; BuildError when missing or published twice."""
    matches = [result for result in results if result.name == placement.name]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(sorted({result.name for result in results})) or "nothing"
    path = shown(notebooks[placement.notebook])
    if not matches:
        problem = f"{path} publishes no result named {placement.name!r}"
    else:
        cells = ", ".join(str(result.cell) for result in matches)
        problem = f"{path} publishes {placement.name!r} more than once (cell indices {cells})"
    raise BuildError(f"{where}: {placement.ref}: {problem}; it publishes: {names}")


def _text_block(text, placement, where):
    """A published text as it goes on the slide (under its label, if the marker gives one)."""
    lines = text.strip().splitlines()
    previous = "blank"
    for line in lines:
        if is_slide_break(line, previous):
            raise BuildError(
                f"{where}: {placement.ref} contains the line {line!r}, which would start a new "
                "slide; publish the text without a thematic break"
            )
        previous = line_kind(line)
    body = "\n".join(lines)
    return f"**{placement.label}**\n\n{body}" if placement.label else body


def _slide(marker, items, sources, deck):
    """The Markdown body of one result slide (without the leading separator)."""
    origin = ", ".join(
        dict.fromkeys(Path(_relative(path, deck.path.parent)).as_posix() for path in sources)
    )
    parts = [f"<!-- _class: {SLIDE_CLASS} -->", f"<!-- 結果の出典: {origin} (build.py が生成) -->",
             _style(items), f"### {marker.title}"]
    previous = None
    for kind, text in sorted(items, key=lambda item: item[0] == "figure"):  # figures last
        if kind == previous == "number":  # consecutive numbers make one list
            parts[-1] += "\n" + text
        else:
            parts.append(text)
        previous = kind
    return "\n\n".join(parts) + "\n"


def _style(items):
    """The scoped style of a result slide; a figure fills the height the text leaves."""
    rules = [TEXT_STYLE] + [FIGURE_STYLE] * any(kind == "figure" for kind, _ in items)
    return "<style scoped>\n" + "\n".join(rules) + "\n</style>"


def _relative(path, start):
    return os.path.relpath(Path(path).absolute(), Path(start).absolute())
