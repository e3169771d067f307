"""Figures for the notebooks and the slides: Japanese labels, text readable when projected.

``use_slide_style()`` once at the top of a notebook sets matplotlib up for figures that the
build places on a 1280 x 720 slide: the Japanese font IPAexGothic (shipped by the pinned
package matplotlib-fontja, so every machine draws the same glyphs), text of at least 15 pt on
a figure 10 inches wide (at least 20 px when the figure fills the slide's width), and lines and
markers thick enough to see from the back of a room.
"""

import matplotlib

FIGSIZE = (10, 4.6)      # inches: a figure the width of a slide's content, with room for a title
SLIDE_RC = {
    "font.family": "IPAexGothic",
    "mathtext.fontset": "dejavusans",
    "axes.unicode_minus": False,      # IPAexGothic lacks U+2212; an ASCII minus everywhere
    "font.size": 16,
    "axes.titlesize": 17,
    "axes.labelsize": 16,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 15,
    "figure.titlesize": 17,
    "lines.linewidth": 2.2,
    "lines.markersize": 7,
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}


def use_slide_style():
    """Register IPAexGothic and set ``SLIDE_RC`` for the rest of the session."""
    import matplotlib_fontja  # noqa: F401  (registers the font with matplotlib on import)

    matplotlib.rcParams.update(SLIDE_RC)
