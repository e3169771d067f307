"""The slide build (build.py, slidebuild/): markers, results, stored outputs, lock, outputs,
failures, decks, scaffolding, corrections, audits, inline results, quotes.

The integration tests run build.py on the fixture deck and notebooks in tests/fixtures/
(small and fast), copied into a temporary folder, with their own lock folder and their own
dependency file (so that edits to lib/ do not make them stale); they never touch slides/,
notebooks/ or .build-cache/. Rendering with Marp is tested in test_render.py.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lib.publish import audit_bundle, correction_bundle, result_bundle
from slidebuild.cache import Lock, dependency_digest, notebook_key
from slidebuild.deck import compose, continuation_warnings, find_decks, read_deck, where_shown
from slidebuild.equations import equations, labels_of_stem, quote_problems
from slidebuild.errors import BuildError
from slidebuild.execute import KERNEL_ENV
from slidebuild.outputs import atomic_write, deferred_interrupt, stale_files, write_generated
from slidebuild.results import Result, clean_svg, format_bound, format_number, read_results
from slidebuild.slides import place_results, referenced_notebooks, unused_warnings
from slidebuild.stored import METADATA_KEY, executed_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


# -- helpers ---------------------------------------------------------------------------------

def write_deck(tmp_path, text, name="deck.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def code_cell(source, outputs=()):
    return {"cell_type": "code", "source": source, "outputs": list(outputs), "metadata": {}}


def display(bundle):
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


def workspace(tmp_path):
    """A copy of the fixture deck and notebooks to build in; returns its folder."""
    shutil.copytree(FIXTURES / "notebooks", tmp_path / "notebooks")
    shutil.copy(FIXTURES / "deck.md", tmp_path / "deck.md")
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "pins.txt").write_text("numpy==2.0\n")
    return tmp_path


def build_command(*args, slides="deck.md"):
    return [sys.executable, str(ROOT / "build.py"), "--slides", slides, "--notebooks",
            "notebooks", "--html-dir", "build", "--cache-dir", "cache", "--dependency", "deps",
            "--no-render", *args]


def run_build(folder, *args, slides="deck.md", env=None):
    """build.py on ``folder`` (a workspace) as a user runs it; returns CompletedProcess."""
    return subprocess.run(build_command(*args, slides=slides), cwd=folder, capture_output=True,
                          text=True, timeout=600, env=env)


def snapshot(folder):
    """{relative path: bytes} of the generated deck and its assets."""
    files = [folder / "deck.generated.md", *sorted((folder / "deck.generated").iterdir())]
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in files}


def tree(folder):
    """{relative path: (bytes, mtime)} of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def generated_text(folder):
    return (folder / "deck.generated.md").read_text(encoding="utf-8")


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def set_code(notebook, index, source):
    """Replace the source of cell ``index`` of the notebook file ``notebook``."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["cells"][index]["source"] = source
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")


# -- the source deck and its markers ----------------------------------------------------------

DECK = """\
---
marp: true
---

# Title

---

$$
E \\dots (1)
$$

<!-- results: (1) の検証
nb/figure
nb/err | 相対誤差
-->

---

Text
---

```
---
<!-- results: not a marker, inside a fence -->
```

<!-- results: (2) 二つめ
nb/audit
-->
"""


def test_markers_are_read_with_their_lines_and_slides(tmp_path):
    deck = read_deck(write_deck(tmp_path, DECK))
    assert [m.title for m in deck.markers] == ["(1) の検証", "(2) 二つめ"]
    first, second = deck.markers
    assert [(p.ref, p.label, p.line) for p in first.placements] == [
        ("nb/figure", None, 14), ("nb/err", "相対誤差", 15)]
    assert deck.lines[first.slide_end] == "---\n"  # the break that ends the marker's slide
    assert second.slide_end == len(deck.lines)     # the last slide ends with the file
    # "Text" + "---" is a setext heading, and the fence hides its "---": 3 slides, not 5
    assert deck.slides == 3


@pytest.mark.parametrize("marker, line, message", [
    ("<!-- results: t\nnb/figure extra words\n-->", 9, "cannot read 'nb/figure extra words'"),
    ("<!-- results:\nnb/figure\n-->", 8, "needs a title"),
    ("<!-- result: t\nnb/figure\n-->", 8, "looks like a result marker"),
    ("<!-- results: t nb/figure -->", 8, "spans several lines"),
    ("<!-- results: t\n-->", 8, "places no result"),
    ("<!-- results: t\nnb/figure\n--> trailing", 10, "put nothing after"),
    ("<!-- results: t\nnb/figure\n", 8, "never closed"),
])
def test_malformed_markers_are_errors_at_file_and_line(tmp_path, marker, line, message):
    path = write_deck(tmp_path, f"---\nmarp: true\n---\n\n# Slide\n\n---\n{marker}\n")
    with pytest.raises(BuildError) as error:
        read_deck(path)
    assert f"deck.md:{line}:" in str(error.value)
    assert message in str(error.value)


def test_compose_puts_each_result_slide_after_its_slide_and_keeps_every_other_line(tmp_path):
    deck = read_deck(write_deck(tmp_path, DECK))
    text = compose(deck, ["### one\n\nbody 1", "### two"], header="GENERATED")
    slides = text.split("\n---\n")
    assert deck.markers[0].slide == 1 and deck.markers[1].slide == 2
    assert slides[0].splitlines()[:3] == ["---", "# GENERATED", "marp: true"]
    assert "E \\dots (1)" in slides[2] and slides[3].strip() == "### one\n\nbody 1"
    assert slides[-1].strip() == "### two"
    assert "results:" not in text.replace("<!-- results: not a marker", "")
    marker_lines = {i for m in deck.markers for i in range(m.first, m.last + 1)}
    kept = [line for i, line in enumerate(deck.lines) if i not in marker_lines]
    lines = iter(text.splitlines(keepends=True))
    assert all(any(line == out for out in lines) for line in kept)  # in order, unchanged


# -- published results --------------------------------------------------------------------------

@pytest.mark.parametrize("value, fmt, shown", [
    (3.2e-11, ".1e", r"$3.2 \times 10^{-11}$"),
    (-1.5e-3, ".2e", r"$-1.50 \times 10^{-3}$"),
    (2.5e7, ".3g", r"$2.5 \times 10^{7}$"),
    (37, "d", "$37$"),
    (0.125, ".3f", "$0.125$"),
    (0.5, ".0%", "50%"),
    (1234567, ",", "1,234,567"),
])
def test_numbers_are_formatted_from_the_value_with_the_published_spec(value, fmt, shown):
    assert format_number(value, fmt) == shown


def test_results_are_read_from_the_published_outputs_not_the_printed_text():
    number = result_bundle("err", 3.21e-11, ".1e")
    number["text/plain"] = "err = something else entirely"
    as_string = {**result_bundle("gap", 0.5)}
    mimetype = next(key for key in as_string if key.startswith("application/"))
    as_string[mimetype] = json.dumps(as_string[mimetype])   # some writers store JSON as text
    nb = {"cells": [
        {"cell_type": "markdown", "source": "# (5.78)"},
        code_cell("publish(...)", [display(number), {"output_type": "stream", "text": "x"}]),
        code_cell("publish(...)", [display(result_bundle("note", "監査メモ")), display(as_string)]),
    ]}
    results = read_results(nb, Path("nb.ipynb"))
    # cells in nbval's numbering: code cells only, from 0
    assert [(r.name, r.kind, r.value, r.fmt, r.cell) for r in results] == [
        ("err", "number", 3.21e-11, ".1e", 0), ("note", "text", "監査メモ", None, 1),
        ("gap", "number", 0.5, ".3g", 1)]


def test_a_malformed_published_result_names_the_notebook_and_nbvals_cell_number():
    bundle = result_bundle("err", 1.0)
    mimetype = next(key for key in bundle if key.startswith("application/"))
    bundle[mimetype] = {**bundle[mimetype], "value": "1.0"}
    # nbval numbers code cells only: the Markdown cell does not count, so this is Cell 1
    nb = {"cells": [code_cell("", []), {"cell_type": "markdown", "source": "x"},
                    code_cell("", [display(bundle)])]}
    with pytest.raises(BuildError, match=r"nb.ipynb, Cell 1: .*'err' is a number"):
        read_results(nb, Path("nb.ipynb"))


@pytest.mark.parametrize("tol, shown", [
    (1e-13, "$< 10^{-13}$"), (2e-8, r"$< 2 \times 10^{-8}$"),
    (1.4e-9, r"$< 2 \times 10^{-9}$"),   # rounded up, so the bound stays true
    (9.5e-3, "$< 10^{-2}$"),
])
def test_a_bound_is_shown_by_its_tolerance_rounded_up(tol, shown):
    assert format_bound(tol) == shown


def test_bounds_audits_and_corrections_are_read_with_their_extra_keys():
    nb = {"cells": [code_cell("", [
        display(result_bundle("tiny", 3.0e-17, bound=1e-13)),
        display(audit_bundle("audit", ["a", {"text": "b", "judges": "x y"}], "full")),
        display(correction_bundle("fix", "a b", "a c", "one line")),
    ])]}
    tiny, audit, fix = read_results(nb, Path("nb.ipynb"))
    assert (tiny.kind, tiny.tol, tiny.value) == ("bound", 1e-13, 3.0e-17)
    assert audit.value == {"lines": [{"text": "a", "judges": None},
                                     {"text": "b", "judges": "x y"}], "notes": "full"}
    assert fix.value == {"source": "a b", "corrected": "a c", "reason": "one line"}


def test_a_figure_is_read_with_the_markdown_cell_after_it_as_its_reading():
    svg = {"image/svg+xml": "<svg/>", **result_bundle("n", 1)}
    mimetype = next(key for key in svg if key.startswith("application/"))
    svg[mimetype] = {"name": "fig", "kind": "figure", "value": None, "fmt": "svg"}
    nb = {"cells": [code_cell("", [display(svg)]), {"cell_type": "markdown", "source": "左: 誤差"},
                    code_cell("", [display({**svg})]), {"cell_type": "markdown",
                                                       "source": "## 6. 次の節"}]}
    first, second = read_results(nb, Path("nb.ipynb"))
    assert first.reading == "左: 誤差" and second.reading is None  # a heading is no caption


def test_matplotlib_metadata_is_stripped_from_figures():
    svg = ('<?xml version="1.0"?>\n<!-- Created with matplotlib (https://matplotlib.org/) -->\n'
           '<svg>\n <metadata>\n  <rdf:RDF>date</rdf:RDF>\n </metadata>\n <g/>\n</svg>')
    assert clean_svg(svg) == '<?xml version="1.0"?>\n<svg>\n <g/>\n</svg>\n'


def results_deck(tmp_path, lines):
    body = "\n".join(lines)
    deck = read_deck(write_deck(tmp_path, f"# Slide\n\n<!-- results: t\n{body}\n-->\n"))
    notebooks = {"nb": tmp_path / "nb.ipynb"}
    return deck, notebooks


def number(name, value=1.0, cell=0):
    return Result(name, "number", value, ".1e", None, cell)


def test_a_missing_result_is_an_error_at_the_marker_listing_the_published_names(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/err", "nb/typo"])
    with pytest.raises(BuildError) as error:
        place_results(deck, {"nb": [number("err"), number("gap")]}, notebooks, "assets")
    assert "deck.md:5: nb/typo:" in str(error.value)
    assert "publishes no result named 'typo'; it publishes: err, gap" in str(error.value)


def test_a_result_published_twice_is_an_error_naming_both_cells(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/err"])
    twice = {"nb": [number("err", cell=2), number("err", cell=5)]}
    with pytest.raises(BuildError, match=r"deck.md:4: nb/err: .* once \(Cell 2, Cell 5\)"):
        place_results(deck, twice, notebooks, "assets")


def test_a_result_may_be_placed_twice(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/err", "nb/err | again"])
    ((slide,),), _, placed, _ = place_results(deck, {"nb": [number("err", 0.5)]}, notebooks,
                                              "a")
    assert "+ `err`: $5.0 \\times 10^{-1}$\n+ again: $5.0 \\times 10^{-1}$" in slide
    assert placed == {"nb/err"}


def test_a_figure_gets_its_own_slide_before_the_numbers_and_notes_hold_the_rest(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/err | 誤差", "nb/fig", "nb/audit"])
    published = {"nb": [number("err", 3.2e-11), number("unused"),
                        Result("fig", "figure", None, "svg", "<svg/>", 1, reading="左: 誤差"),
                        Result("audit", "audit", {"lines": [{"text": "監査 1", "judges": None},
                                                            {"text": "監査 2", "judges": None}],
                                                  "notes": "全文の監査"}, None, None, 2)]}
    ((figure, slide),), assets, placed, _ = place_results(deck, published, notebooks,
                                                          "deck.assets")
    assert placed == {"nb/err", "nb/fig", "nb/audit"}
    assert figure.startswith("<!-- _class: build-results build-figure -->")
    figure_body, figure_notes = figure.split("<!--\n検証スライド")
    assert figure_body.rstrip().endswith("![nb/fig](deck.assets/nb.fig.svg)")
    assert "誤差:" not in figure_body and "### t" in figure_body  # the same title
    assert "左: 誤差" in figure_notes and "nb.ipynb, Cell 1" in figure_notes
    # numbers are a "+" list, so that the audit's "-" list after them stays a list of its own
    assert slide.startswith("<!-- _class: build-results -->")
    body, notes = slide.split("<!--\n検証スライド")
    assert "+ 誤差: $3.2 \\times 10^{-11}$\n\n- 監査 1\n- 監査 2" in body
    assert "全文の監査" not in body and "全文の監査" in notes and "nb.ipynb, Cell 2" in notes
    assert assets == {"nb.fig.svg": b"<svg/>\n"}


def test_audit_lines_follow_the_text_they_judge(tmp_path):
    deck = read_deck(write_deck(tmp_path, "# S\n\n本文の「特徴」\n\n<!-- 発表者用の問い -->\n\n"
                                "<!-- results: t\nnb/audit\n-->\n"))
    audit = Result("audit", "audit", {"lines": [
        {"text": "「特徴」は「用途」", "judges": "「特徴」"},
        {"text": "問いへの答え", "judges": "発表者用の問い"},
        {"text": "もう直された", "judges": "「特長」"},
        {"text": "数学の行", "judges": None}], "notes": ""}, None, None, 0)
    assert where_shown(deck, "「特徴」") == "slide"
    assert where_shown(deck, "発表者用の問い") == "notes"
    assert where_shown(deck, "「特長」") is None
    ((slide,),), _, _, notes = place_results(deck, {"nb": [audit]},
                                             {"nb": tmp_path / "nb.ipynb"}, "a",
                                             judged=lambda text: where_shown(deck, text))
    body, presenter = slide.split("<!--\n検証スライド")
    assert "- 「特徴」は「用途」\n- 数学の行" in body
    assert "問いへの答え" not in body and "問いへの答え" in presenter
    assert "もう直された" not in slide
    assert notes == ["nb/audit: dropped the audit line 'もう直された': it judges '「特長」', "
                     "which the deck no longer contains"]


def test_a_text_that_would_split_the_slide_is_an_error(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/audit"])
    audit = Result("audit", "text", "line one\n\n---\n\nline two", None, None, 3)
    with pytest.raises(BuildError, match="deck.md:4: nb/audit contains the line '---'"):
        place_results(deck, {"nb": [audit]}, notebooks, "assets")


def test_unverified_and_stale_notebooks_are_marked_on_their_slides(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/err"])
    ((unverified,),), *_ = place_results(deck, {"nb": []}, notebooks, "a",
                                         {"nb": "unverified"})
    assert "build-unverified" in unverified and "**未検証**" in unverified
    ((stale,),), *_ = place_results(deck, {"nb": [number("err")]}, notebooks, "a",
                                    {"nb": "stale"})
    assert "build-stale" in stale and "**古い結果**" in stale and "$1.0 \\times 10^{0}$" in stale


def test_a_marker_that_splits_a_sentence_from_its_continuation_is_a_warning(tmp_path):
    text = ("# S\n\n以下のような特徴を持つ.\n\n<!-- results: t\nnb/x\n-->\n\n---\n\n1. 一つめ\n\n"
            "---\n\n$$\nx \\dots (1)\n$$\n\n<!-- results: u\nnb/y\n-->\n")
    warnings = continuation_warnings(read_deck(write_deck(tmp_path, text)))
    assert len(warnings) == 1 and "deck.md:5:" in warnings[0] and "以下のような" in warnings[0]


def test_a_marker_naming_a_missing_notebook_lists_the_notebooks(tmp_path):
    (tmp_path / "alpha.ipynb").write_text("{}")
    deck = read_deck(write_deck(tmp_path, "# S\n\n<!-- results: t\nbeta/figure\n-->\n"))
    with pytest.raises(BuildError, match=r"deck.md:4: beta/figure: there is no notebook .*"
                                         r"beta.ipynb; notebooks in .*: alpha"):
        referenced_notebooks(deck, tmp_path)


# -- inputs key and lock ------------------------------------------------------------------------

def test_the_inputs_key_follows_code_kernel_and_dependencies_not_prose_or_outputs(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.py").write_text("x = 1\n")
    (lib / "__pycache__").mkdir()
    pins = tmp_path / "constraints.txt"
    pins.write_text("numpy==2.0\n")
    deps = dependency_digest([lib, pins])
    nb = {"metadata": {"kernelspec": {"name": "python3"}},
          "cells": [{"cell_type": "markdown", "source": "text"}, code_cell("a = 1", [])]}
    key = notebook_key(nb, deps)

    prose = json.loads(json.dumps(nb))
    prose["cells"][0]["source"] = "other text"
    prose["cells"][1]["outputs"] = [{"output_type": "stream", "text": "1"}]
    prose["metadata"][METADATA_KEY] = {"inputs": key}
    assert notebook_key(prose, deps) == key
    (lib / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"compiled")
    assert dependency_digest([lib, pins]) == deps

    code = json.loads(json.dumps(nb))
    code["cells"][1]["source"] = "a = 2"
    kernel = json.loads(json.dumps(nb))
    kernel["metadata"]["kernelspec"]["name"] = "other"
    assert notebook_key(code, deps) != key
    assert notebook_key(kernel, deps) != key
    (lib / "a.py").write_text("x = 2\n")
    assert dependency_digest([lib, pins]) != deps
    (lib / "a.py").write_text("x = 1\n")
    pins.write_text("numpy==2.1\n")
    assert dependency_digest([lib, pins]) != deps


def test_the_inputs_key_does_not_depend_on_where_the_checkout_is(tmp_path):
    for name in ("one", "two"):
        (tmp_path / name / "lib").mkdir(parents=True)
        (tmp_path / name / "lib" / "a.py").write_text("x = 1\n")
    assert dependency_digest([tmp_path / "one" / "lib"]) == \
        dependency_digest([tmp_path / "two" / "lib"])


def test_the_lock_makes_a_second_build_wait(tmp_path):
    script = ("import sys; from slidebuild.cache import Lock\n"
              "with Lock(sys.argv[1]).hold():\n    open(sys.argv[2], 'w').write('in')\n")
    flag = tmp_path / "second-build-ran"
    with Lock(tmp_path / "cache").hold():
        second = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "cache"),
                                   str(flag)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert "waiting for another build" in second.stdout.readline()
        assert not flag.exists()  # it is waiting on the lock we hold
    assert second.wait(timeout=60) == 0
    assert flag.read_text() == "in"


# -- outputs ------------------------------------------------------------------------------------

def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "deck.md"
    target.write_text("old")

    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr("slidebuild.outputs.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.md"]


def test_ctrl_c_is_held_back_until_the_files_are_swapped():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("finished")
    assert done == ["finished"]


def test_writing_skips_unchanged_files_and_removes_unused_assets(tmp_path):
    deck, assets = tmp_path / "d.generated.md", tmp_path / "d.generated"
    first = write_generated(deck, "text\n", assets, {"a.svg": b"A", "b.svg": b"B"})
    assert sorted(p.name for p in first) == ["a.svg", "b.svg", "d.generated.md"]
    mtime = (assets / "a.svg").stat().st_mtime_ns
    second = write_generated(deck, "text\n", assets, {"a.svg": b"A"})
    assert [p.name for p in second] == ["b.svg"] and not (assets / "b.svg").exists()
    assert (assets / "a.svg").stat().st_mtime_ns == mtime
    assert stale_files(deck, "text\n", assets, {"a.svg": b"A"}) == []
    stale = stale_files(deck, "text 2\n", assets, {"a.svg": b"X", "c.svg": b"C"})
    assert [(p.name, why.split(":")[0]) for p, why in stale] == [
        ("d.generated.md", "differs"), ("a.svg", "differs"), ("c.svg", "missing")]


# -- build.py on the fixture notebooks ------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A workspace built once from cold: (folder, the build's CompletedProcess)."""
    folder = workspace(tmp_path_factory.mktemp("built"))
    return folder, run_build(folder)


def built_copy(built, tmp_path):
    """A copy of the built workspace (notebooks with their stored outputs, generated deck)."""
    shutil.copytree(built[0], tmp_path, dirs_exist_ok=True)
    return tmp_path


def slides_of(text):
    """The slides of a generated deck (after its front matter), as Marp splits them."""
    deck = read_deck_text(text)
    slides = {}
    for line, slide in zip(deck.lines, deck.slide_of):
        slides.setdefault(slide, []).append(line)
    return ["".join(lines) for _, lines in sorted(slides.items())]


def read_deck_text(text, tmp=Path("/tmp")):
    path = Path(tmp) / f"generated-{os.getpid()}.md"
    path.write_text(text, encoding="utf-8")
    try:
        return read_deck(path)
    finally:
        path.unlink()


def test_a_cold_build_runs_every_notebook_and_writes_the_deck(built):
    folder, done = built
    assert done.returncode == 0, done.stderr
    assert "running 2 notebook(s), 2 at a time" in done.stdout
    assert "ran    notebooks/alpha.ipynb" in done.stdout and "notebooks/beta.ipynb" in done.stdout
    text = generated_text(folder)
    assert text.startswith("---\n# Generated by build.py from deck.md")
    assert r"+ 相対誤差 $\max|H-H_{\mathrm{FD}}|/\max|H|$: $3.2 \times 10^{-11}$" in text
    assert "+ 重みの数 $W$: $37$" in text and "+ ギャップ: $0.125$" in text
    assert "- 有限差分と一致した" in text
    assert "![alpha/figure](deck.generated/alpha.figure.svg)" in text
    svg = (folder / "deck.generated" / "alpha.figure.svg").read_text()
    assert svg.startswith("<?xml") and "<metadata>" not in svg
    source, generated = read_deck(folder / "deck.md"), read_deck(folder / "deck.generated.md")
    # the source ends with a slide break and nothing after it: that empty slide is left out;
    # alpha's marker places a figure and numbers: two slides
    assert not text.rstrip().endswith("---")
    assert generated.slides == source.slides - 1 + len(source.markers) + 1


def test_a_bound_shows_its_tolerance_and_never_its_digits(built):
    text = generated_text(built[0])
    assert "+ 非対称性: $< 10^{-13}$" in text
    assert "3.0 \\times 10^{-17}" not in text and "3e-17" not in text and "3.0e-17" not in text


def test_the_build_stores_executed_outputs_in_the_kernel_environment_nbval_uses(built):
    folder = built[0]
    nb = json.loads((folder / "notebooks" / "beta.ipynb").read_text(encoding="utf-8"))
    printed = "".join(nb["cells"][3]["outputs"][0]["text"]).split()
    keys = ["PYTHONHASHSEED", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]
    assert printed == [KERNEL_ENV[key] for key in keys]
    # the root conftest.py gives nbval's kernels the same environment
    conftest = (ROOT / "conftest.py").read_text()
    assert "from slidebuild.execute import KERNEL_ENV" in conftest
    assert "os.environ.update(KERNEL_ENV)" in conftest
    assert len(nb["metadata"][METADATA_KEY]["inputs"]) == 64
    assert all("execution" not in cell["metadata"] for cell in nb["cells"])  # no timings


def test_a_warm_build_runs_nothing_and_touches_nothing(built):
    folder, _ = built
    before = tree(folder)
    again = run_build(folder)
    assert again.returncode == 0, again.stderr
    assert "running" not in again.stdout and again.stdout.count("(outputs up to date)") == 2
    assert "unchanged" in again.stdout
    after = tree(folder)
    assert {k: v for k, v in after.items() if not k.startswith("cache/")} == \
        {k: v for k, v in before.items() if not k.startswith("cache/")}


def test_two_builds_from_the_same_inputs_are_byte_identical(built, tmp_path):
    folder, _ = built
    other = workspace(tmp_path / "other")
    command = [sys.executable, str(ROOT / "build.py"), "--force", "--no-render"] + [
        str(other / part) if flag else part for flag, part in [
            (0, "--slides"), (1, "deck.md"), (0, "--notebooks"), (1, "notebooks"),
            (0, "--html-dir"), (1, "build"), (0, "--cache-dir"), (1, "cache"),
            (0, "--dependency"), (1, "deps")]]
    # run from another folder, with absolute paths: the deck must not depend on where from
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert snapshot(other) == snapshot(folder)
    for name in ("alpha.ipynb", "beta.ipynb"):  # the stored notebooks too
        assert (other / "notebooks" / name).read_bytes() == \
            (folder / "notebooks" / name).read_bytes()


def test_check_writes_nothing_and_names_a_stale_deck(built, tmp_path):
    folder = built_copy(built, tmp_path)
    shutil.rmtree(folder / "cache")
    ok = run_build(folder, "--check")
    assert ok.returncode == 0 and "up to date" in ok.stdout, ok.stdout + ok.stderr
    (folder / "deck.generated" / "alpha.figure.svg").write_text("<svg/>")
    edit(folder / "deck.md", "最後のスライド", "最後")
    before = tree(folder)
    stale = run_build(folder, "--check")
    assert stale.returncode == 1
    assert "deck.generated.md: differs" in stale.stdout and "+最後" in stale.stdout
    assert "deck.generated/alpha.figure.svg: differs" in stale.stdout
    assert tree(folder) == before and not (folder / "cache").exists()  # not even the lock


def test_check_fails_when_stored_outputs_are_stale_for_the_code_or_dependencies(built, tmp_path):
    folder = built_copy(built, tmp_path)
    set_code(folder / "notebooks" / "beta.ipynb", 2,
             'publish("gap", 0.25, ".3f")\npublish("audit", "beta: 値は固定.")')
    before = tree(folder)
    done = run_build(folder, "--check")
    assert done.returncode == 1
    assert "stale: notebooks/beta.ipynb: its stored outputs were computed for other code" \
        in done.stdout
    assert "alpha.ipynb: its stored" not in done.stdout
    assert "running" not in done.stdout and tree(folder) == before  # ran and wrote nothing
    (folder / "deps" / "pins.txt").write_text("numpy==2.1\n")  # a pin: every notebook
    done = run_build(folder, "--check")
    assert "stale: notebooks/alpha.ipynb" in done.stdout
    assert "stale: notebooks/beta.ipynb" in done.stdout


def test_one_changed_notebook_reruns_only_that_one_and_stores_it(built, tmp_path):
    folder = built_copy(built, tmp_path)
    set_code(folder / "notebooks" / "beta.ipynb", 2,
             'publish("gap", 0.25, ".3f")\npublish_audit("audit", ["ギャップは固定"], "メモ")')
    done = run_build(folder)
    assert done.returncode == 0, done.stderr
    assert "running 1 notebook(s)" in done.stdout and "ran    notebooks/beta.ipynb" in done.stdout
    assert "stored   notebooks/alpha.ipynb" in done.stdout
    assert "+ ギャップ: $0.250$" in generated_text(folder)
    nb = json.loads((folder / "notebooks" / "beta.ipynb").read_text(encoding="utf-8"))
    assert "gap = 0.250" in json.dumps(nb["cells"][2]["outputs"], ensure_ascii=False)
    check = run_build(folder, "--check")
    assert check.returncode == 0, check.stdout  # slides, stored outputs and nbval agree


def test_a_failing_notebook_is_named_in_nbvals_numbering_and_leaves_the_deck(built, tmp_path):
    folder = built_copy(built, tmp_path)
    before = snapshot(folder)
    set_code(folder / "notebooks" / "beta.ipynb", 2,
             "x = 1\nraise ValueError('shapes (3,) and (4,) not aligned')")
    done = run_build(folder)
    assert done.returncode == 1
    # nbval's "Cell 1": the second code cell (the notebook's cell index 2)
    assert ("error: notebooks/beta.ipynb, Cell 1: "
            "ValueError: shapes (3,) and (4,) not aligned") in done.stderr
    assert "  | raise ValueError('shapes (3,) and (4,) not aligned')" in done.stderr
    assert "File \"" not in done.stderr  # the kernel's traceback, not build.py's
    failed = folder / "build" / "failed" / "beta.ipynb"
    assert "shapes (3,)" in failed.read_text(encoding="utf-8")
    assert snapshot(folder) == before
    stored = json.loads((folder / "notebooks" / "beta.ipynb").read_text(encoding="utf-8"))
    assert "gap = 0.125" in json.dumps(stored["cells"][2]["outputs"], ensure_ascii=False)


def test_keep_going_builds_the_other_slides_with_the_failed_ones_marked_stale(built, tmp_path):
    folder = built_copy(built, tmp_path)
    set_code(folder / "notebooks" / "beta.ipynb", 2, "raise RuntimeError('broken')")
    edit(folder / "deck.md", "最後のスライド", "最後のスライド (直した)")
    done = run_build(folder, "--keep-going")
    assert done.returncode == 1
    assert "error: notebooks/beta.ipynb, Cell 1: RuntimeError: broken" in done.stderr
    text = generated_text(folder)
    assert "最後のスライド (直した)" in text  # the prose fix reached the deck
    beta = next(s for s in slides_of(text) if "### (2) beta の結果" in s)
    alpha = next(s for s in slides_of(text) if "### (1) alpha の結果" in s)
    assert "<!-- _class: build-results build-stale -->" in beta
    assert "**古い結果**" in beta and "$0.125$" in beta
    assert "<!-- _class: build-results build-figure -->" in alpha


def test_a_marker_error_exits_with_file_and_line_and_no_traceback(tmp_path):
    folder = workspace(tmp_path)
    edit(folder / "deck.md", "alpha/count |", "alpha/cnt |")
    done = run_build(folder)
    assert done.returncode == 1
    assert "error: deck.md:25: alpha/cnt: notebooks/alpha.ipynb publishes no result named " \
           "'cnt'; it publishes: audit, braces, count, figure, rel_err, tiny" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (folder / "deck.generated.md").exists()


def test_results_inline_in_the_users_text_and_inside_math(built):
    text = generated_text(built[0])
    assert "相対誤差は $3.2 \\times 10^{-11}$ で, 重みは $W = 37$ 個." in text
    assert "{{" not in text
    # the same results are on the result slide as well
    assert "+ 重みの数 $W$: $37$" in text


@pytest.mark.parametrize("reference, message", [
    ("{{alpha/figure}}", "deck.md:20: {{alpha/figure}} is a figure, which cannot stand inline"),
    ("{{alpha/typo}}", "deck.md:20: alpha/typo: notebooks/alpha.ipynb publishes no result "
                       "named 'typo'"),
    ("{{gamma/x}}", "deck.md:20: gamma/x: there is no notebook notebooks/gamma.ipynb"),
])
def test_a_bad_inline_reference_is_an_error_at_its_line(built, tmp_path, reference, message):
    folder = built_copy(built, tmp_path)
    edit(folder / "deck.md", "{{alpha/rel_err}}", reference)
    done = run_build(folder)
    assert done.returncode == 1 and message in done.stderr, done.stderr


def test_a_correction_is_applied_to_the_generated_deck_and_marked_there(built):
    folder = built[0]
    source, text = (folder / "deck.md").read_text(encoding="utf-8"), generated_text(folder)
    assert "${1, \\ldots, W}$" in source  # the user's words stay in the source
    assert "は ${1, \\ldots, W}$ の" not in text and "$\\{1, \\ldots, W\\}$ の範囲にある" in text
    slides = slides_of(text)
    corrected = next(s for s in slides if "の範囲にある" in s)
    evidence = next(i for i, s in enumerate(slides) if "### (1) alpha の結果" in s)
    assert (f"<!-- _header: '訂正 1 か所: 根拠は p. {evidence + 1} (alpha); "
            "元の記述は発表者ノート' -->") in corrected
    assert ("元の記述 `${1, \\ldots, W}$` を `$\\{1, \\ldots, W\\}$` に. "
            "理由: 集合の括弧が抜けていた") in corrected  # in the presenter notes


def test_as_written_builds_without_corrections(built, tmp_path):
    folder = built_copy(built, tmp_path)
    done = run_build(folder, "--as-written")
    assert done.returncode == 0, done.stderr
    text = generated_text(folder)
    assert "${1, \\ldots, W}$ の範囲にある" in text and "訂正" not in text


@pytest.mark.parametrize("change, found", [
    ("ここで $i$ は $\\{1, \\ldots, W\\}$ の範囲にある.", "does not occur"),
    ("ここで $i$ は ${1, \\ldots, W}$ と ${1, \\ldots, W}$ の範囲にある.", "occurs 2 times"),
])
def test_a_correction_whose_text_is_gone_or_twice_fails_naming_notebook_and_text(
        built, tmp_path, change, found):
    folder = built_copy(built, tmp_path)
    edit(folder / "deck.md", "ここで $i$ は ${1, \\ldots, W}$ の範囲にある.", change)
    before = snapshot(folder)
    done = run_build(folder)
    assert done.returncode == 1
    assert "notebooks/alpha.ipynb, Cell 4: the correction 'braces' replaces the text " \
           "'${1, \\\\ldots, W}$', which " + found in done.stderr, done.stderr
    assert snapshot(folder) == before


def test_an_audit_line_goes_when_the_text_it_judges_is_fixed(built, tmp_path):
    folder = built_copy(built, tmp_path)
    text = generated_text(folder)
    assert "- 範囲 `{1,…,W}` には集合の括弧が要る" in text
    beta = next(s for s in slides_of(text) if "### (2) beta の結果" in s)
    body, notes = beta.split("<!--\n検証スライド")
    assert "発表者メモの問いへの答え" not in body and "発表者メモの問いへの答え" in notes
    # the presenter fixes the slide (and the notebook drops its correction, which would fail)
    edit(folder / "deck.md", "${1, \\ldots, W}$", "$\\{1, \\ldots, W\\}$")
    done = run_build(folder, "--as-written")
    assert done.returncode == 0, done.stderr
    assert "集合の括弧が要る" not in generated_text(folder)
    assert "note: deck.md: alpha/audit: dropped the audit line" in done.stdout


def test_every_source_deck_in_the_folder_is_built_and_deck_restricts(built, tmp_path):
    folder = built_copy(built, tmp_path)
    (folder / "slides").mkdir()
    shutil.move(folder / "deck.md", folder / "slides" / "one.md")
    (folder / "slides" / "two.md").write_text(
        "---\nmarp: true\n---\n\n# 二つめ\n\nギャップは {{beta/gap}}.\n", encoding="utf-8")
    (folder / "slides" / "old.generated.md").write_text("# generated\n")
    assert [p.name for p in find_decks(folder / "slides")] == ["one.md", "two.md"]
    done = run_build(folder, slides="slides")
    assert done.returncode == 0, done.stderr
    assert "generated deck: slides/one.generated.md" in done.stdout
    assert "generated deck: slides/two.generated.md" in done.stdout
    assert "old.generated.generated" not in done.stdout
    two = (folder / "slides" / "two.generated.md").read_text(encoding="utf-8")
    assert "ギャップは $0.125$." in two
    (folder / "slides" / "two.generated.md").unlink()
    only = run_build(folder, "--deck", "one", slides="slides")
    assert only.returncode == 0 and "two.generated.md" not in only.stdout
    assert not (folder / "slides" / "two.generated.md").exists()
    check = run_build(folder, "--check", slides="slides")  # every deck: two is missing
    assert check.returncode == 1 and "slides/two.generated.md: missing" in check.stdout
    wrong = run_build(folder, "--deck", "three", slides="slides")
    assert wrong.returncode == 1 and "decks there: one, two" in wrong.stderr


SCAFFOLD_DECK = """\
---
marp: true
---

### 03-01 : Linear basis function models

$$
y(\\mathbf{x}, \\mathbf{w}) = \\sum_{j} w_j \\phi_j(\\mathbf{x})  \\dots (3.3)
$$

この式は線形である.

---

$$
E = \\frac{1}{2}\\sum_n (t_n - y_n)^2 \\dots (1)
$$
"""


def test_scaffolding_creates_a_notebook_per_uncovered_equation_idempotently(tmp_path):
    (tmp_path / "notebooks").mkdir()
    shutil.copy(FIXTURES / "notebooks" / "beta.ipynb", tmp_path / "notebooks" / "1_beta.ipynb")
    deck = write_deck(tmp_path, SCAFFOLD_DECK)
    command = [sys.executable, str(ROOT / "build.py"), "--scaffold", "deck.md",
               "--notebooks", "notebooks"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "notebooks" / "3.3_linear_basis_function_models.ipynb"
    assert f"created {path.relative_to(tmp_path)}" in done.stdout
    nb = json.loads(path.read_text(encoding="utf-8"))
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert markdown[0].startswith("# (3.3)")
    latex = "y(\\mathbf{x}, \\mathbf{w}) = \\sum_{j} w_j \\phi_j(\\mathbf{x})  \\dots (3.3)"
    assert f"$$\n{latex}\n$$" in markdown[0]  # verbatim, spaces included
    sections = [m.splitlines()[0] for m in markdown if m.startswith("## ")]
    assert sections == ["## 2. sympy による導出", "## 3. 実装", "## 4. 数値検証", "## 5. 図",
                        "## 6. スライドとの対応"] and "## 1. 式" in markdown[0]
    # only marker lines were added to the deck; (1) has a notebook ("1_beta") already
    text = deck.read_text(encoding="utf-8")
    added = [line for line in text.splitlines() if line not in SCAFFOLD_DECK.splitlines()]
    assert added == ["<!-- results: (3.3) 検証 (未記入)",
                     "3.3_linear_basis_function_models/figure",
                     "3.3_linear_basis_function_models/audit", "-->"]
    assert text.index("<!-- results: (3.3)") < text.index("\n---\n\n$$\nE =")  # its own slide
    lint = subprocess.run([str(Path(sys.executable).parent / "ruff"), "check", "--config",
                           str(ROOT / "pyproject.toml"), str(path)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout  # a new notebook does not break the lint test
    files = tree(tmp_path)
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "every labelled equation" in again.stdout
    assert tree(tmp_path) == files  # idempotent: nothing written the second time


def test_a_scaffolded_equation_is_unverified_until_its_notebook_publishes(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "pins.txt").write_text("x\n")
    write_deck(tmp_path, "---\nmarp: true\n---\n\n# 3.3\n\n$$\ny = w x \\dots (3.3)\n$$\n")
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--scaffold", "deck.md",
                    "--notebooks", "notebooks"], cwd=tmp_path, check=True, capture_output=True)
    done = run_build(tmp_path)
    assert done.returncode == 0, done.stderr
    text = generated_text(tmp_path)
    assert "build-unverified" in text and "**未検証**" in text
    assert "warning: (3.3) of deck.md is unverified" in done.stdout
    check = run_build(tmp_path, "--check")
    assert check.returncode == 0, check.stdout
    assert "warning: (3.3) of deck.md is unverified" in check.stdout


ROWS = """\
### 05-04-06 : Fast multiplication

$$
\\begin{aligned}
a_j &= \\sum_i w_{ji} x_i &\\dots (5.98) \\\\
z_j &= h(a_j) &\\dots (5.99) \\\\
y_k &= \\sum_j w_{kj} z_j &\\dots (5.100)
\\end{aligned}
$$

$$
\\frac{\\partial E}{\\partial w_{kj}} = \\delta_k z_j \\dots (5.108), \\qquad
\\frac{\\partial E}{\\partial w_{ji}} = \\delta_j x_i \\dots (5.109)
$$

$$
\\text{(5.90) の誤差} : c \\epsilon^2
$$
"""


def test_a_display_labels_each_of_its_rows_and_a_range_notebook_covers_them(tmp_path):
    deck = read_deck(write_deck(tmp_path, ROWS))
    found = [(e.label, e.first) for e in equations(deck)]
    assert found == [("5.98", 2), ("5.99", 2), ("5.100", 2), ("5.108", 10), ("5.109", 10)]
    assert labels_of_stem("5.98-5.100_r_forward") == ["5.98", "5.99", "5.100"]
    assert labels_of_stem("5.78_hessian") == ["5.78"]
    assert labels_of_stem("5.100-5.98_backwards") == [] and labels_of_stem("notes") == []
    assert labels_of_stem("4.1-5.2_two_chapters") == []
    block = "".join(deck.lines[3:8])
    whole = {"cells": [{"cell_type": "markdown", "source": f"$$\n{block}$$\n"}]}
    path = tmp_path / "5.98-5.100_r.ipynb"
    assert quote_problems([deck], {"5.98-5.100_r": (path, whole)}) == []
    two_rows = {"cells": [{"cell_type": "markdown", "source":
                           "$$\na_j = \\sum_i w_{ji} x_i \\dots (5.98)\n$$\n"}]}
    problems = quote_problems([deck], {"5.98-5.100_r": (path, two_rows)})
    assert len(problems) == 3, problems  # (5.98) differs; (5.99), (5.100) are not quoted
    assert "quotes (5.98) differently" in problems[0] and "does not quote (5.99)" in problems[1]


def test_scaffolding_makes_one_notebook_per_display_and_check_names_uncovered_ones(tmp_path):
    (tmp_path / "notebooks").mkdir()
    write_deck(tmp_path, "---\nmarp: true\n---\n\n" + ROWS)
    command = [sys.executable, str(ROOT / "build.py"), "--scaffold", "deck.md",
               "--notebooks", "notebooks"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    made = sorted(p.name for p in (tmp_path / "notebooks").glob("*.ipynb"))
    assert made == ["5.108-5.109_fast_multiplication.ipynb",
                    "5.98-5.100_fast_multiplication.ipynb"]
    nb = json.loads((tmp_path / "notebooks" / made[1]).read_text(encoding="utf-8"))
    assert "".join(nb["cells"][0]["source"]).startswith("# (5.98)-(5.100)")
    deck = read_deck(tmp_path / "deck.md")
    notebooks = {p.stem: (p, json.loads(p.read_text(encoding="utf-8")))
                 for p in (tmp_path / "notebooks").glob("*.ipynb")}
    assert quote_problems([deck], notebooks) == []  # the scaffold quotes each block whole
    assert "<!-- results: (5.98)-(5.100) 検証 (未記入)\n" in "".join(deck.lines)
    other = tmp_path / "other"
    (other / "notebooks").mkdir(parents=True)
    (other / "deps").mkdir()
    (other / "deps" / "pins.txt").write_text("x\n")
    shutil.copy(tmp_path / "notebooks" / made[1], other / "notebooks" / made[1])
    write_deck(other, "---\nmarp: true\n---\n\n" + ROWS)  # no markers, (5.108) uncovered
    check = run_build(other, "--check")
    assert "warning: (5.108) of deck.md:15 has no notebook" in check.stdout, check.stdout
    assert "warning: (5.109) of deck.md:15 has no notebook" in check.stdout
    assert "(5.98)" not in check.stdout


QUOTED = "H = \\nabla\\nabla E \\dots (1.23)"


def quoted_notebook(text):
    return {"cells": [{"cell_type": "markdown", "source": "# (1.23) 題"},
                      {"cell_type": "markdown", "source": f"## 1. 式\n\n$$\n{text}\n$$\n"}]}


def test_a_notebook_quotes_its_equation_and_check_names_both_when_they_differ(tmp_path):
    deck = read_deck(write_deck(tmp_path, f"# S\n\n$$\n{QUOTED}\n$$\n"))
    assert [(e.label, e.first) for e in equations(deck)] == [("1.23", 2)]
    path = tmp_path / "1.23_h.ipynb"
    same = quoted_notebook("H  = \\nabla\\nabla E \\qquad (1.23)")  # spacing and lead-in only
    assert quote_problems([deck], {"1.23_h": (path, same)}) == []
    latex_fence = {"cells": [{"cell_type": "markdown", "source":
                              f"```latex\n$$\n{QUOTED}\n$$\n```\n\n$$\n\\begin{{aligned}}x"
                              f"\\end{{aligned}} (1.23)\n$$"}]}
    assert quote_problems([deck], {"1.23_h": (path, latex_fence)}) == []
    other = quoted_notebook("H = \\nabla\\nabla E^{\\mathrm{T}} \\dots (1.23)")
    (problem,) = quote_problems([deck], {"1.23_h": (path, other)})
    assert "1.23_h.ipynb quotes (1.23) differently from" in problem and "deck.md:3" in problem
    (missing,) = quote_problems([deck], {"1.23_h": (path, {"cells": []})})
    assert "does not quote (1.23)" in missing


def test_check_fails_when_the_deck_no_longer_matches_a_notebooks_quote(built, tmp_path):
    folder = built_copy(built, tmp_path)
    nb = {"cells": [{"cell_type": "markdown", "metadata": {},
                     "source": "$$\nH = \\nabla\\nabla E \\qquad (1.1)\n$$"}], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    (folder / "notebooks" / "1.1_quote.ipynb").write_text(json.dumps(nb))
    ok = run_build(folder, "--check")
    assert ok.returncode == 0, ok.stdout
    edit(folder / "deck.md", "H = \\nabla\\nabla E \\dots (1.1)", "H = \\nabla^2 E \\dots (1.1)")
    done = run_build(folder, "--check")
    assert done.returncode == 1
    assert "stale: notebooks/1.1_quote.ipynb quotes (1.1) differently from deck.md:15" \
        in done.stdout
    assert "notebook: H = \\nabla\\nabla E (1.1)" in done.stdout
    assert "deck:     H = \\nabla^2 E (1.1)" in done.stdout
    build = run_build(folder)  # a build only warns: the presenter may be mid-edit
    assert build.returncode == 0 and "warning: notebooks/1.1_quote.ipynb quotes" in build.stdout


def test_two_builds_at_once_take_turns_and_agree(built, tmp_path):
    folder = workspace(tmp_path)
    builds = [subprocess.Popen(build_command(), cwd=folder, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [build.communicate(timeout=300) for build in builds]
    assert [build.returncode for build in builds] == [0, 0], outputs
    runs = "".join(out for out, _ in outputs).count("] ran ")
    assert runs == 2  # each notebook ran once: the build that waited found it stored
    assert snapshot(folder) == snapshot(built[0])


def test_ctrl_c_mid_build_leaves_no_partial_files_and_stores_only_finished_runs(tmp_path):
    folder = workspace(tmp_path)
    set_code(folder / "notebooks" / "beta.ipynb", 2, "import time\ntime.sleep(120)")
    beta_before = (folder / "notebooks" / "beta.ipynb").read_bytes()
    build = subprocess.Popen(build_command(), cwd=folder, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    lines = []
    for line in build.stdout:  # wait until alpha is done and beta is sleeping in its kernel
        lines.append(line)
        if "alpha.ipynb" in line:
            break
    time.sleep(1)
    build.send_signal(signal.SIGINT)
    out, err = build.communicate(timeout=120)
    assert build.returncode == 130, "".join(lines) + out + err
    assert "interrupted" in err and "Traceback" not in err
    assert not (folder / "deck.generated.md").exists() and not (folder / "deck.generated").exists()
    alpha = json.loads((folder / "notebooks" / "alpha.ipynb").read_text(encoding="utf-8"))
    assert METADATA_KEY in alpha["metadata"]  # finished: stored
    assert (folder / "notebooks" / "beta.ipynb").read_bytes() == beta_before  # interrupted
    leftovers = [p for p in folder.rglob("*") if p.name.endswith(".partial")]
    assert leftovers == []


def test_without_node_the_markdown_deck_is_still_written(built, tmp_path):
    folder = built_copy(built, tmp_path)
    (folder / "deck.generated.md").unlink()
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no node on PATH
    command = [c for c in build_command() if c != "--no-render"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Node.js not found" in done.stdout and "apt-get install nodejs npm" in done.stdout
    assert (folder / "deck.generated.md").is_file()
    assert not (folder / "build" / "deck.html").exists()


def test_two_corrections_of_one_line_apply_and_overlapping_ones_fail_naming_both(tmp_path):
    from slidebuild.corrections import Correction, apply

    deck = read_deck(write_deck(tmp_path, "# S\n\n$$\nH = a b + c d\n$$\n"))
    notebooks = {"one": tmp_path / "one.ipynb", "two": tmp_path / "two.ipynb"}
    first = Correction("one", "ab", "a b", "a (b)", "r1", 0)
    second = Correction("one", "cd", "c d", "c^{T} d", "r2", 1)
    lines, additions = apply(deck, deck.lines, [first, second], notebooks, {"one": 3})
    assert "".join(lines).count("H = a (b) + c^{T} d") == 1
    (header, notes), = additions.values()
    assert header == "<!-- _header: '訂正 2 か所: 根拠は p. 3 (one); 元の記述は発表者ノート' -->"
    assert "理由: r1" in notes and "理由: r2" in notes
    clash = Correction("two", "bc", "b + c", "b - c", "r3", 4)
    with pytest.raises(BuildError, match=r"two.ipynb, Cell 4: the correction 'bc' and the "
                                         r"correction 'ab' of .*one.ipynb, Cell 0 both change"):
        apply(deck, deck.lines, [first, clash], notebooks, {})


def test_check_reports_a_deck_that_cannot_be_made_after_the_stale_notebooks(built, tmp_path):
    folder = built_copy(built, tmp_path)
    set_code(folder / "notebooks" / "beta.ipynb", 2, 'publish("gap", 0.5, ".3f")')
    edit(folder / "deck.md", "は ${1, \\ldots, W}$", "は $\\{1, \\ldots, W\\}$")
    done = run_build(folder, "--check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    stale_beta = next(i for i, line in enumerate(lines) if "stale: notebooks/beta.ipynb" in line)
    cannot = next(i for i, line in enumerate(lines)
                  if "stale: the generated deck of deck.md cannot be made: notebooks/alpha.ipynb, "
                     "Cell 4: the correction 'braces'" in line)
    assert stale_beta < cannot


def test_results_that_nothing_places_are_named_once_per_notebook():
    published = {"alpha": [Result("a", "number", 1.0, "1", None, 0),
                           Result("b", "bound", 1e-16, "< 1e-13", None, 1),
                           Result("fix", "correction", None, None, None, 2),
                           Result("c", "number", 2.0, "2", None, 3)],
                 "beta": [Result("d", "number", 3.0, "3", None, 0)]}
    notebooks = {"alpha": Path("notebooks/alpha.ipynb"), "beta": Path("notebooks/beta.ipynb")}
    (warning,) = unused_warnings([Path("deck.md")], published, notebooks, {"alpha/a", "beta/d"})
    assert warning == ("notebooks/alpha.ipynb publishes 2 result(s) that nothing in deck.md "
                       "places: b, c")


def test_stored_outputs_join_the_chunks_of_a_stream_so_reruns_give_the_same_bytes():
    import nbformat

    def run(chunks):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("print(x)", id="c0")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in chunks]
        cell.outputs.append(nbformat.v4.new_output("stream", name="stderr", text="warn\n"))
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text="after\n"))
        nb.cells.append(cell)
        return executed_text(nb, "key")

    one, split = run(["line one\nline two\n"]), run(["line one\nline ", "two\n"])
    assert one == split
    outputs = json.loads(one)["cells"][0]["outputs"]
    assert [(o["name"], "".join(o["text"])) for o in outputs] == [
        ("stdout", "line one\nline two\n"), ("stderr", "warn\n"), ("stdout", "after\n")]
