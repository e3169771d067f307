"""One generated deck from one source deck and the notebooks' results.

The steps, in order: the result slides of the markers (slides.py), the corrections the
notebooks have proved (corrections.py, unless ``as_written``), the inline references
(inline.py), and the composition of it all (deck.compose). Nothing here runs a notebook
or writes a file.
"""

from dataclasses import dataclass

from . import corrections, inline
from .deck import compose, where_shown
from .slides import place_results


@dataclass
class Generated:
    """A generated deck: its text, its assets ({file name: bytes}), the refs it places, the
    notes for the build output, and the corrections applied."""

    text: str
    assets: dict
    placed: set
    notes: list
    corrected: list


def result_pages(deck, slides):
    """{notebook stem: page number of its first result slide} in the generated deck.

    slides : per marker, the list of its result slides (slides.place_results). They go
    right after the marker's own slide: the first result slide of a marker on slide ``s``
    (from 0) is page ``s + 2`` plus the result slides of the markers before it.
    """
    pages, before = {}, 0
    for marker, bodies in zip(deck.markers, slides, strict=True):
        for placement in marker.placements:
            pages.setdefault(placement.notebook, marker.slide + 2 + before)
        before += len(bodies)
    return pages


def generate(deck, published, notebooks, status, assets_url, header, as_written=False):
    """The generated deck for ``deck`` (see Generated).

    published : {stem: [Result]}; notebooks : {stem: path} of the notebooks this deck
    names; status : {stem: "fresh" | "stale" | "unverified"}.
    """
    slides, assets, placed, notes = place_results(
        deck, published, notebooks, assets_url, status, judged=lambda t: where_shown(deck, t))
    lines, additions, applied = list(deck.lines), {}, []
    if not as_written:
        applied = corrections.collect(published, notebooks)
        lines, additions = corrections.apply(deck, lines, applied, notebooks,
                                             result_pages(deck, slides))
    lines = inline.substitute(deck, lines, published, notebooks, status)
    placed |= {placement.ref for _, placement in inline.references(deck)}
    text = compose(deck, slides, header, lines, additions)
    return Generated(text, assets, placed, notes, applied)
