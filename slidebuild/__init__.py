"""The slide build behind ``build.py``: notebooks -> published results -> generated Marp deck.

=================  ==========================================================================
module             holds
=================  ==========================================================================
errors             BuildError (an expected failure, printed without a traceback), paths
deck               the source deck: slides, result markers; composing the generated deck
results            results published by a notebook (lib.publish): read, checked, formatted
slides             the result slides: markers resolved by name, Markdown and figure assets
cache              the execution cache keyed by content, and the build lock
execute            running notebooks with nbclient, in parallel, failures named
outputs            atomic writes of the generated deck and its assets; ``--check``
render             Marp's CLI: HTML (and PDF) with local fonts, offline
=================  ==========================================================================
"""
