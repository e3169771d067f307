"""The slide build behind ``build.py``: notebooks -> published results -> generated Marp deck.

=================  ==========================================================================
module             holds
=================  ==========================================================================
errors             BuildError (an expected failure, printed without a traceback), paths
deck               the source decks: slides, markers, contexts; composing a generated deck
results            results published by a notebook (lib.publish): read, checked, formatted
slides             the result slides: markers resolved by name, Markdown, notes, assets
inline             ``{{notebook/name}}`` references in the user's own text
corrections        proven slips of the deck, applied to the generated deck and marked
equations          labelled equations, and the notebooks' quotes of them (``--check``)
generate           one generated deck: result slides + corrections + inline results
scaffold           ``--scaffold``: a six-section notebook for each uncovered equation
cache              a notebook's inputs key (code, kernel, lib/, pins), and the build lock
stored             executed notebooks written back, with their inputs key in the metadata
execute            running notebooks with nbclient, in parallel, failures named
outputs            atomic writes of the generated deck and its assets; ``--check``
render             Marp's CLI: HTML (and PDF) with local fonts, offline; stale PDFs
standalone         the HTML made self-contained: figures and fonts inlined
=================  ==========================================================================
"""
