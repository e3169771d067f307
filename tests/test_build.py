"""The slide build (build.py, slidebuild/): markers, results, cache, lock, outputs, failures.

The integration tests run build.py on the fixture notebooks in tests/fixtures/ (small and
fast), copied into a temporary folder, with their own cache; they never touch slides/,
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

from lib.publish import result_bundle
from slidebuild.cache import Cache, dependency_digest, notebook_key
from slidebuild.deck import compose, read_deck
from slidebuild.errors import BuildError
from slidebuild.outputs import atomic_write, deferred_interrupt, stale_files, write_generated
from slidebuild.results import Result, clean_svg, format_number, read_results
from slidebuild.slides import place_results, referenced_notebooks

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
    return tmp_path


def run_build(folder, *args, cache=None, env=None):
    """build.py on ``folder`` (a workspace) as a user runs it; returns CompletedProcess."""
    command = [sys.executable, str(ROOT / "build.py"), "--slides", "deck.md",
               "--notebooks", "notebooks", "--html-dir", "build",
               "--cache-dir", str(cache or folder / "cache"), "--no-render", *args]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600,
                          env=env)


def snapshot(folder):
    """{relative path: bytes} of the generated deck and its assets."""
    files = [folder / "deck.generated.md", *sorted((folder / "deck.generated").iterdir())]
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in files}


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
    assert [(r.name, r.kind, r.value, r.fmt, r.cell) for r in results] == [
        ("err", "number", 3.21e-11, ".1e", 1), ("note", "text", "監査メモ", None, 2),
        ("gap", "number", 0.5, ".3g", 2)]


def test_a_malformed_published_result_names_the_notebook_and_cell():
    bundle = result_bundle("err", 1.0)
    mimetype = next(key for key in bundle if key.startswith("application/"))
    bundle[mimetype] = {**bundle[mimetype], "value": "1.0"}
    nb = {"cells": [code_cell("", []), code_cell("", [display(bundle)])]}
    with pytest.raises(BuildError, match=r"nb.ipynb, cell index 1: .*'err' is a number"):
        read_results(nb, Path("nb.ipynb"))


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
    with pytest.raises(BuildError, match=r"deck.md:4: nb/err: .* once \(cell indices 2, 5\)"):
        place_results(deck, twice, notebooks, "assets")


def test_a_result_placed_twice_is_an_error_naming_both_lines(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/err", "nb/err"])
    with pytest.raises(BuildError, match="deck.md:5: nb/err is already placed at .*deck.md:4"):
        place_results(deck, {"nb": [number("err")]}, notebooks, "assets")


def test_unused_results_are_warnings_and_placed_ones_are_on_the_slide(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/err | 誤差", "nb/fig", "nb/audit"])
    published = {"nb": [number("err", 3.2e-11), number("unused"),
                        Result("fig", "figure", None, "svg", "<svg/>", 1),
                        Result("audit", "text", "- 監査 1\n- 監査 2", None, None, 2)]}
    (slide,), assets, warnings = place_results(deck, published, notebooks, "deck.assets")
    assert len(warnings) == 1
    assert "nb.ipynb publishes 'unused', which no marker in " in warnings[0]
    # numbers are a "+" list, so that a text's "-" list after them stays a list of its own
    assert "+ 誤差: $3.2 \\times 10^{-11}$\n\n- 監査 1\n- 監査 2" in slide
    assert slide.rstrip().endswith("![nb/fig](deck.assets/nb.fig.svg)")  # the figure comes last
    assert assets == {"nb.fig.svg": b"<svg/>\n"}


def test_a_text_that_would_split_the_slide_is_an_error(tmp_path):
    deck, notebooks = results_deck(tmp_path, ["nb/audit"])
    audit = Result("audit", "text", "line one\n\n---\n\nline two", None, None, 3)
    with pytest.raises(BuildError, match="deck.md:4: nb/audit contains the line '---'"):
        place_results(deck, {"nb": [audit]}, notebooks, "assets")


def test_a_marker_naming_a_missing_notebook_lists_the_notebooks(tmp_path):
    (tmp_path / "alpha.ipynb").write_text("{}")
    deck = read_deck(write_deck(tmp_path, "# S\n\n<!-- results: t\nbeta/figure\n-->\n"))
    with pytest.raises(BuildError, match=r"deck.md:4: beta/figure: there is no notebook .*"
                                         r"beta.ipynb; notebooks in .*: alpha"):
        referenced_notebooks(deck, tmp_path)


# -- cache ------------------------------------------------------------------------------------

def test_the_cache_key_follows_code_kernel_and_dependencies_not_prose_or_outputs(tmp_path):
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


@pytest.mark.parametrize("damage", ["truncate", "garbage", "tamper", "wrong key"])
def test_a_damaged_cache_entry_is_a_miss_not_a_crash(tmp_path, damage):
    cache = Cache(tmp_path)
    results = [number("err", 3.2e-11), Result("fig", "figure", None, "svg", "<svg/>", 1)]
    cache.store("k" * 64, "nb.ipynb", results, 1.5)
    assert cache.load("k" * 64) == (results, 1.5)
    entry = tmp_path / "notebooks" / f"{'k' * 64}.json"
    data = entry.read_text()
    entry.write_text({
        "truncate": data[: len(data) // 2],
        "garbage": "\x00\x01 not json",
        "tamper": data.replace("3.2e-11", "3.3e-11"),
        "wrong key": data.replace('"key": "k', '"key": "x'),
    }[damage])
    assert cache.load("k" * 64) is None


def test_the_lock_makes_a_second_build_wait(tmp_path):
    script = ("import sys; from slidebuild.cache import Cache\n"
              "with Cache(sys.argv[1]).lock():\n    open(sys.argv[2], 'w').write('in')\n")
    flag = tmp_path / "second-build-ran"
    with Cache(tmp_path / "cache").lock():
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


def test_a_cold_build_runs_every_notebook_and_writes_the_deck(built):
    folder, done = built
    assert done.returncode == 0, done.stderr
    assert "running 2 notebook(s), 2 at a time" in done.stdout
    assert "ran    notebooks/alpha.ipynb" in done.stdout and "notebooks/beta.ipynb" in done.stdout
    text = (folder / "deck.generated.md").read_text(encoding="utf-8")
    assert text.startswith("---\n# Generated by build.py from deck.md")
    assert r"+ 相対誤差 $\max|H-H_{\mathrm{FD}}|/\max|H|$: $3.2 \times 10^{-11}$" in text
    assert "+ 重みの数 $W$: $37$" in text and "+ ギャップ: $0.125$" in text
    assert "監査: 有限差分と一致した" in text
    assert "![alpha/figure](deck.generated/alpha.figure.svg)" in text
    svg = (folder / "deck.generated" / "alpha.figure.svg").read_text()
    assert svg.startswith("<?xml") and "<metadata>" not in svg
    source, generated = read_deck(folder / "deck.md"), read_deck(folder / "deck.generated.md")
    assert generated.slides == source.slides + len(source.markers) == source.slides + 2


def test_a_warm_build_runs_nothing_and_touches_nothing(built):
    folder, _ = built
    paths = [folder / name for name in snapshot(folder)]
    before = [path.stat().st_mtime_ns for path in paths]
    again = run_build(folder)
    assert again.returncode == 0, again.stderr
    assert "running" not in again.stdout and again.stdout.count("cached") == 2
    assert "unchanged" in again.stdout
    assert [path.stat().st_mtime_ns for path in paths] == before


def test_two_builds_from_the_same_inputs_are_byte_identical(built, tmp_path):
    folder, _ = built
    other = workspace(tmp_path)
    done = run_build(other, "--force")
    assert done.returncode == 0, done.stderr
    assert snapshot(other) == snapshot(folder)


def test_check_passes_when_up_to_date_and_names_what_is_stale(built, tmp_path):
    folder = workspace(tmp_path)
    shutil.copytree(built[0] / "cache", tmp_path / "cache")
    assert run_build(folder).returncode == 0
    ok = run_build(folder, "--check")
    assert ok.returncode == 0 and "up to date" in ok.stdout
    (folder / "deck.generated" / "alpha.figure.svg").write_text("<svg/>")
    deck = folder / "deck.md"
    deck.write_text(deck.read_text(encoding="utf-8").replace("最後のスライド", "最後"),
                    encoding="utf-8")
    stale = run_build(folder, "--check")
    assert stale.returncode == 1
    assert "deck.generated.md: differs" in stale.stdout and "+最後" in stale.stdout
    assert "deck.generated/alpha.figure.svg: differs" in stale.stdout
    assert (folder / "deck.generated" / "alpha.figure.svg").read_text() == "<svg/>"  # untouched


def test_one_changed_notebook_reruns_only_that_one(built, tmp_path):
    folder = workspace(tmp_path)
    shutil.copytree(built[0] / "cache", tmp_path / "cache")
    set_code(folder / "notebooks" / "beta.ipynb", 2,
             'publish("gap", 0.25, ".3f")\npublish("audit", "beta の監査メモ: 値は固定.")')
    done = run_build(folder)
    assert done.returncode == 0, done.stderr
    assert "running 1 notebook(s)" in done.stdout and "ran    notebooks/beta.ipynb" in done.stdout
    assert "cached   notebooks/alpha.ipynb" in done.stdout
    assert "+ ギャップ: $0.250$" in (folder / "deck.generated.md").read_text(encoding="utf-8")


def test_a_damaged_cache_entry_reruns_the_notebook(built, tmp_path):
    folder = workspace(tmp_path)
    shutil.copytree(built[0] / "cache", tmp_path / "cache")
    for entry in (tmp_path / "cache" / "notebooks").glob("*.json"):
        if '"notebook": "beta.ipynb"' in entry.read_text():
            entry.write_text(entry.read_text()[:50])
    done = run_build(folder)
    assert done.returncode == 0, done.stderr
    assert "is damaged" in done.stdout and "ran    notebooks/beta.ipynb" in done.stdout


def test_a_failing_notebook_is_named_and_leaves_the_deck_untouched(built, tmp_path):
    folder = workspace(tmp_path)
    shutil.copytree(built[0] / "cache", tmp_path / "cache")
    assert run_build(folder).returncode == 0
    before = snapshot(folder)
    set_code(folder / "notebooks" / "beta.ipynb", 2,
             "x = 1\nraise ValueError('shapes (3,) and (4,) not aligned')")
    done = run_build(folder)
    assert done.returncode == 1
    assert ("error: notebooks/beta.ipynb, cell index 2: "
            "ValueError: shapes (3,) and (4,) not aligned") in done.stderr
    assert "  | raise ValueError('shapes (3,) and (4,) not aligned')" in done.stderr
    assert "File \"" not in done.stderr  # the kernel's traceback, not build.py's
    failed = folder / "build" / "failed" / "beta.ipynb"
    assert "shapes (3,)" in failed.read_text(encoding="utf-8")
    assert snapshot(folder) == before


def test_a_marker_error_exits_with_file_and_line_and_no_traceback(tmp_path):
    folder = workspace(tmp_path)
    deck = folder / "deck.md"
    deck.write_text(deck.read_text(encoding="utf-8").replace("alpha/count |", "alpha/cnt |"),
                    encoding="utf-8")
    done = run_build(folder)
    assert done.returncode == 1
    assert "error: deck.md:22: alpha/cnt: notebooks/alpha.ipynb publishes no result named " \
           "'cnt'; it publishes: audit, count, figure, rel_err" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (folder / "deck.generated.md").exists()


def test_two_builds_at_once_take_turns_and_agree(built, tmp_path):
    folder = workspace(tmp_path)
    command = [sys.executable, str(ROOT / "build.py"), "--slides", "deck.md", "--notebooks",
               "notebooks", "--cache-dir", "cache", "--html-dir", "build", "--no-render"]
    builds = [subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [build.communicate(timeout=300) for build in builds]
    assert [build.returncode for build in builds] == [0, 0], outputs
    runs = "".join(out for out, _ in outputs).count("] ran ")
    assert runs == 2  # each notebook ran once: the build that waited found it in the cache
    assert snapshot(folder) == snapshot(built[0])


def test_ctrl_c_mid_build_leaves_no_partial_files_and_no_cache_entry(tmp_path):
    folder = workspace(tmp_path)
    set_code(folder / "notebooks" / "beta.ipynb", 2, "import time\ntime.sleep(120)")
    command = [sys.executable, str(ROOT / "build.py"), "--slides", "deck.md", "--notebooks",
               "notebooks", "--cache-dir", "cache", "--html-dir", "build", "--no-render"]
    build = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
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
    entries = [json.loads(p.read_text()) for p in (folder / "cache" / "notebooks").iterdir()]
    assert [entry["notebook"] for entry in entries] == ["alpha.ipynb"]  # finished runs only
    leftovers = [p for p in folder.rglob("*") if p.name.endswith(".partial")]
    assert leftovers == []


def test_without_node_the_markdown_deck_is_still_written(built, tmp_path):
    folder = workspace(tmp_path)
    shutil.copytree(built[0] / "cache", tmp_path / "cache")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no node on PATH
    command = [sys.executable, str(ROOT / "build.py"), "--slides", "deck.md", "--notebooks",
               "notebooks", "--cache-dir", "cache", "--html-dir", "build"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Node.js not found" in done.stdout and "apt-get install nodejs npm" in done.stdout
    assert (folder / "deck.generated.md").is_file()
    assert not (folder / "build" / "deck.html").exists()
