#!/usr/bin/env python3
"""Build the slides: run the notebooks, put their published results on the decks, render.

    python build.py            every source deck in slides/: run the notebooks whose stored
                               outputs are stale (and store the new ones), write each
                               generated deck, render build/<deck>.html
    python build.py --check    write nothing; exit 1 naming what is stale (generated decks,
                               stored notebook outputs, equation quotes)
    python build.py --deck 05-04_hessian       only that deck
    python build.py --scaffold slides/X.md     a notebook for every labelled equation
                                               that has none (and its marker)
    python build.py --keep-going               a failing notebook does not stop the others

A source deck places results with markers and inline references (slidebuild/deck.py,
slidebuild/inline.py); notebooks publish them with lib.publish (slidebuild/results.py).
Each generated deck <deck>.generated.md and its assets folder beside it are written here
and committed. ``python build.py --help`` lists every option; docs/building.md explains
the workflow.
"""

import argparse
import contextlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from slidebuild.cache import Lock, dependency_digest, notebook_key
from slidebuild.deck import GENERATED_SUFFIX, continuation_warnings, find_decks, read_deck
from slidebuild.equations import label_of_stem, named, quote_problems, uncovered
from slidebuild.errors import BuildError, shown
from slidebuild.generate import generate
from slidebuild.inline import references
from slidebuild.outputs import describe, stale_files, write_generated
from slidebuild.slides import referenced_notebooks, unused_warnings
from slidebuild.stored import file_digest, load, stored_inputs

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Options:
    """Where everything is, and what to do. Paths may be relative to the working directory."""

    slides: Path = ROOT / "slides"  # a folder of source decks, or one source deck
    deck: str | None = None  # --deck NAME: only this deck of the folder
    notebooks: Path = ROOT / "notebooks"
    output: Path | None = None  # one deck only; default: <source stem>.generated.md beside it
    html_dir: Path = ROOT / "build"
    cache_dir: Path = ROOT / ".build-cache"  # the build lock
    dependencies: tuple[Path, ...] = (ROOT / "lib", ROOT / "constraints.txt")
    root: Path = ROOT  # where node_modules/, package-lock.json and marp.config.mjs are
    force: bool = False
    check: bool = False
    pdf: bool = False
    render: bool = True
    keep_going: bool = False
    as_written: bool = False
    scaffold: Path | None = None
    jobs: int = os.cpu_count() or 1
    timeout: int = 600

    def sources(self):
        """The source decks to build."""
        slides = Path(self.slides)
        if slides.is_file() or slides.suffix == ".md":
            if self.deck is not None:
                raise BuildError("--deck chooses a deck of a folder; --slides names one file")
            return [slides]
        return find_decks(slides, self.deck)

    def generated(self, source):
        """The generated deck of ``source``."""
        source = Path(source)
        return Path(self.output or source.with_name(f"{source.stem}{GENERATED_SUFFIX}"))

    def assets(self, source):
        """The generated deck's assets folder: its name without ``.md``."""
        return self.generated(source).with_suffix("")


@dataclass
class Collected:
    """The notebooks' results: {stem: [Result]}, {stem: status}, and what went wrong."""

    published: dict
    status: dict
    nbs: dict  # {stem: (path, notebook dict as stored before this build)}
    stale_stored: list  # paths whose stored outputs are stale (--check)
    failures: list  # execute.Failure of the notebooks that failed


def build(options):
    """Run the whole build; returns the exit status. Expected failures raise BuildError."""
    started = time.perf_counter()
    if options.scaffold is not None:
        from slidebuild.scaffold import scaffold

        print("\n".join(scaffold(options.scaffold, options.notebooks)))
        return 0
    sources = options.sources()
    if options.output is not None and len(sources) > 1:
        raise BuildError("--output names one generated deck; choose a deck with --deck")
    for source in sources:
        if options.generated(source).resolve() == Path(source).resolve():
            raise BuildError(f"the generated deck would overwrite the source {shown(source)}")
    # --check writes nothing, not even the lock file
    lock = contextlib.nullcontext() if options.check else Lock(options.cache_dir).hold()
    with lock:
        decks = [read_deck(source) for source in sources]
        for deck in decks:
            for warning in continuation_warnings(deck):
                print(f"warning: {warning}")
        inline_refs = {deck.path: [p for _, p in references(deck)] for deck in decks}
        per_deck = {deck.path: referenced_notebooks(deck, options.notebooks,
                                                    inline_refs[deck.path]) for deck in decks}
        notebooks = {stem: path for names in per_deck.values() for stem, path in names.items()}
        if Path(options.slides).is_dir() and options.deck is None:
            for path in sorted(Path(options.notebooks).glob("*.ipynb")):
                if path.stem not in notebooks:
                    print(f"warning: no deck in {shown(options.slides)} refers to "
                          f"{shown(path)}; not run")
        collected = collect_results(notebooks, options)
        problems = quote_problems(decks, all_notebooks(options.notebooks, collected.nbs))
        for deck in decks:
            for label, stem in unverified(deck, per_deck[deck.path], collected.status):
                print(f"warning: {named(label)} of {shown(deck.path)} is unverified: "
                      f"{shown(notebooks[stem])} publishes no results yet")
            for equation in uncovered(deck, options.notebooks):
                print(f"warning: ({equation.label}) of {shown(deck.path)}:{equation.first + 1} "
                      f"has no notebook (python build.py --scaffold {shown(deck.path)} "
                      "creates one)")
        if collected.failures and not options.keep_going:
            report_failures(collected.failures)
            raise BuildError(f"{len(collected.failures)} notebook(s) failed; the generated decks "
                             "and their assets were left as they were (--keep-going builds "
                             "the other slides)")
        if options.check:
            return check(options, decks, per_deck, collected, problems)
        made = {deck.path: make_deck(deck, per_deck[deck.path], collected, options)
                for deck in decks}
        placed = set().union(*(generated.placed for generated in made.values()))
        for warning in unused_warnings([d.path for d in decks], collected.published,
                                       notebooks, placed):
            print(f"warning: {warning}")
        for problem in problems:
            print(f"warning: {problem}")
        for deck in decks:
            write_deck(options, deck, made[deck.path])
    if collected.failures:
        report_failures(collected.failures)
        print(f"{len(collected.failures)} notebook(s) failed; their results on the slides are "
              "from the last good run, marked 「古い結果」", file=sys.stderr)
        return 1
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def all_notebooks(folder, loaded):
    """{stem: (path, nb)} of every notebook in ``folder`` (for the quote check)."""
    found = dict(loaded)
    for path in sorted(Path(folder).glob("*.ipynb")):
        if path.stem not in found:
            with contextlib.suppress(OSError, ValueError):
                found[path.stem] = (path, load(path)[0])
    return found


def unverified(deck, notebooks, status):
    """(label, stem) of each notebook of ``deck`` that publishes nothing yet."""
    return [(label_of_stem(stem) or stem, stem)
            for stem in notebooks if status.get(stem) == "unverified"]


def make_deck(deck, notebooks, collected, options):
    """The generated deck (slidebuild.generate.Generated) of ``deck``."""
    header = (f"Generated by build.py from {deck.path.name} and the notebooks: do not edit; "
              f"edit {deck.path.name} and run python build.py")
    generated = generate(deck, collected.published, notebooks, collected.status,
                         options.assets(deck.path).name, header, options.as_written)
    for note in generated.notes:
        print(f"note: {shown(deck.path)}: {note}")
    for correction in generated.corrected:
        print(f"  corrected ({correction.stem}/{correction.name}): {correction.reason}")
    return generated


def write_deck(options, deck, generated):
    """Write one generated deck and its assets; render it when asked to."""
    target, assets = options.generated(deck.path), options.assets(deck.path)
    changed = write_generated(target, generated.text, assets, generated.assets)
    what = f"{len(changed)} file(s) changed" if changed else "unchanged"
    print(f"generated deck: {shown(target)} + {len(generated.assets)} asset(s), {what}")
    if options.render:
        render_deck(options, deck.path)


def render_deck(options, source):
    """Render one generated deck to HTML (and PDF) with Marp; say what was done."""
    from slidebuild.render import render

    stem = Path(source).stem
    rendered = render(options.generated(source), options.assets(source), options.html_dir,
                      stem, options.root, pdf=options.pdf)
    if rendered is None:  # no Node.js: render() said what to install
        return
    for suffix in [".html", ".pdf"] if options.pdf else [".html"]:
        target = Path(options.html_dir) / f"{stem}{suffix}"
        print(f"slides: {shown(target)} ({'rendered' if target in rendered else 'up to date'})")


def collect_results(notebooks, options):
    """The results of ``notebooks`` ({stem: path}): from the stored outputs when they are up
    to date, else by running the notebook (and storing its outputs); see Collected."""
    from slidebuild.results import read_results

    dependencies = dependency_digest(options.dependencies)
    published, status, nbs, keys, digests = {}, {}, {}, {}, {}
    stale_stored, to_run = [], []
    for stem, path in notebooks.items():
        try:
            nb, data = load(path)
        except (OSError, ValueError) as error:
            raise BuildError(f"cannot read the notebook {shown(path)}: {error}") from None
        nbs[stem], keys[stem], digests[stem] = (path, nb), notebook_key(nb, dependencies), \
            file_digest(data)
        if stored_inputs(nb) == keys[stem] and not options.force:
            published[stem] = read_results(nb, path)
            status[stem] = "fresh" if published[stem] else "unverified"
            print(f"  stored   {shown(path)}  (outputs up to date)")
        elif options.check:
            stale_stored.append(path)
            published[stem] = last_good(nb, path)
            status[stem] = "stale" if published[stem] else "unverified"
        else:
            to_run.append(path)
    failures = []
    if to_run:
        failures = run_notebooks_into(published, status, to_run, nbs, keys, digests, options)
    return Collected(published, status, nbs, stale_stored, failures)


def last_good(nb, path):
    """The results in the stored outputs of ``nb`` (its last successful run), or []."""
    from slidebuild.results import read_results

    try:
        return read_results(nb, path)
    except BuildError:
        return []


def run_notebooks_into(published, status, paths, nbs, keys, digests, options):
    """Run ``paths``, store their outputs and results; returns the failures."""
    from slidebuild.execute import Failure, run_notebooks
    from slidebuild.results import read_results
    from slidebuild.stored import write_back

    jobs = max(1, min(options.jobs, len(paths)))
    print(f"running {len(paths)} notebook(s), {jobs} at a time ...", flush=True)
    done = []

    def on_done(run):
        stem = run.notebook.stem
        stored = ""
        if run.failure is None:
            try:
                results = read_results(run.nb, run.notebook)
            except BuildError as error:
                run.failure = Failure(run.notebook, None, str(error), "", "")
            else:
                published[stem] = results
                status[stem] = "fresh" if results else "unverified"
                if write_back(run.notebook, run.nb, keys[stem], digests[stem]):
                    stored = "  (outputs stored)"
                else:
                    stored = "  (changed during the run: outputs not stored)"
        if run.failure is not None:
            published[stem] = last_good(nbs[stem][1], run.notebook)
            status[stem] = "stale" if published[stem] else "unverified"
        done.append(run)
        state = "FAILED" if run.failure else "ran"
        print(f"  [{len(done)}/{len(paths)}] {state:6} {shown(run.notebook)}  "
              f"{run.seconds:.1f} s{stored}", flush=True)

    runs = run_notebooks(paths, jobs=jobs, timeout=options.timeout,
                         out_dir=options.html_dir, on_done=on_done)
    return [run.failure for run in runs if run.failure]


def report_failures(failures):
    lines = [line for failure in failures for line in failure.report()]
    print("\n".join(lines), file=sys.stderr)


def check(options, decks, per_deck, collected, problems):
    """``--check``: 0 when everything on disk is what the build makes now, else 1.

    The notebooks and quotes are reported first: a deck that cannot be made from the stored
    outputs (say, a correction whose text is gone) is then one more stale item.
    """
    failed = False
    for path in collected.stale_stored:
        print(f"stale: {shown(path)}: its stored outputs were computed for other code, lib/ "
              "or pins; run 'python build.py' to run it and store them")
        failed = True
    for problem in problems:
        print(f"stale: {problem}")
        failed = True
    made = {}
    for deck in decks:
        try:
            made[deck.path] = make_deck(deck, per_deck[deck.path], collected, options)
        except BuildError as error:
            print(f"stale: the generated deck of {shown(deck.path)} cannot be made: {error}")
            failed = True
    placed = set().union(*(generated.placed for generated in made.values()))
    notebooks = {stem: path for names in per_deck.values() for stem, path in names.items()}
    if len(made) == len(decks):  # else the decks not made would seem to place nothing
        for warning in unused_warnings(list(made), collected.published, notebooks, placed):
            print(f"warning: {warning}")
    for deck in decks:
        if deck.path not in made:
            continue
        generated = made[deck.path]
        target, assets = options.generated(deck.path), options.assets(deck.path)
        stale = stale_files(target, generated.text, assets, generated.assets)
        if stale:
            print(f"stale: the generated deck of {shown(deck.path)} on disk is not what the "
                  "notebooks and lib/ produce now:")
            print("\n".join(describe(stale)))
            failed = True
        else:
            print(f"up to date: {shown(target)} and its {len(generated.assets)} asset(s)")
    if failed:
        print("run 'python build.py' and commit the notebooks, the generated decks and their "
              "assets folders")
    return 1 if failed else 0


def parse_args(argv=None):
    """Options from the command line."""
    parser = argparse.ArgumentParser(
        description="Run the notebooks, place their published results on the slides, render.")
    default = Options()
    add = parser.add_argument
    add("--check", action="store_true",
        help="write nothing and run nothing: exit 1 naming what is stale (a generated deck, "
             "a notebook's stored outputs, an equation quoted differently)")
    add("--deck", metavar="NAME", help="build only this deck of the slides folder")
    add("--scaffold", type=Path, metavar="DECK",
        help="create a notebook (and a results marker) for every labelled equation of DECK "
             "that has none; then stop")
    add("--keep-going", action="store_true",
        help="when a notebook fails, still build the slides (its results from the last good "
             "run, marked stale) and exit 1")
    add("--as-written", action="store_true",
        help="do not apply the notebooks' corrections to the generated decks")
    add("--force", action="store_true", help="re-run every notebook, even if up to date")
    add("--pdf", action="store_true", help="also render a PDF (needs Chromium)")
    add("--no-render", dest="render", action="store_false",
        help="write the generated decks only; do not run Marp")
    add("--jobs", "-j", type=int, default=default.jobs, metavar="N",
        help="notebooks run at once (default: the number of cores, here %(default)s)")
    add("--timeout", type=int, default=default.timeout, metavar="SECONDS",
        help="how long one cell may run (default: %(default)s)")
    add("--slides", type=Path, default=default.slides, metavar="PATH",
        help="the folder of source decks, or one source deck (default: slides/)")
    add("--notebooks", type=Path, default=default.notebooks, metavar="DIR",
        help="the notebooks folder (default: notebooks/)")
    add("--output", type=Path, default=None, metavar="FILE",
        help="the generated deck of a single deck (default: <source>.generated.md beside the "
             "source); its assets go into the folder of the same name without .md")
    add("--html-dir", type=Path, default=default.html_dir, metavar="DIR",
        help="where the HTML (and PDF), kernel logs and failed notebooks go (default: build/)")
    add("--cache-dir", type=Path, default=default.cache_dir, metavar="DIR",
        help="where the build lock is (default: .build-cache/)")
    add("--dependency", type=Path, action="append", dest="dependencies", metavar="PATH",
        help="a file or folder whose contents are part of every notebook's inputs "
             "(repeatable; default: lib/ and constraints.txt)")
    args = vars(parser.parse_args(argv))
    args["dependencies"] = tuple(args["dependencies"] or default.dependencies)
    return Options(**args)


def main(argv=None):
    """The command line: run the build, print expected failures without a traceback."""
    options = parse_args(argv)
    try:
        return build(options)
    except BuildError as error:
        message = str(error)
        print(message if message.startswith("error:") else f"error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: no partial file was written; notebooks that had not finished "
              "keep their stored outputs", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
