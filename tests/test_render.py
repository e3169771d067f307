"""The committed generated decks (every deck of slides/), rendered by Marp's CLI and looked
at in headless Chromium.

Checks: no formula fails (KaTeX's two ways of showing it), the HTML is self-contained (it
is opened alone, copied into an empty folder: every figure and font is inlined and no
request leaves the machine or fails), every slide is there and painted, nothing runs off a
slide, result slides carry their badge and text as large as the deck's own, figures take
at least 80 % of the content width or height and their text is at least 20 px at
1280x720, presenter notes name the notebooks, and the PDF has one page per slide. The
same measurements run on the fixture deck built by build.py, which does not depend on the
notebooks' current figures; a PDF left from an earlier build is removed when stale.

These tests need Node.js with the npm packages (``npm ci``) and Chromium. Without them they
are skipped, saying what to install; with the environment variable CI set (as on CI, where
.ci/run installs both) they fail instead.
"""

import html
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from slidebuild.deck import read_deck
from slidebuild.render import MARP, find_browser, has_cjk_font, render
from slidebuild.slides import BADGE, SLIDE_CLASS
from slidebuild.standalone import local_references

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for p in (ROOT / "slides").glob("*.md") if not p.name.endswith(".generated.md"))
CHECK_SCRIPT = ROOT / "tests" / "browser_check.mjs"


def need(condition, missing):
    """Skip (locally) or fail (under CI) when ``condition`` is false."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; CI must have it (.ci/run installs it)")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def marp():
    need(shutil.which("node"), "Node.js is not installed (apt-get install nodejs npm)")
    need((ROOT / MARP).is_file(), "Marp's CLI is not installed: run 'npm ci'")


@pytest.fixture(scope="module")
def chromium(marp):
    browser = find_browser()
    need(browser, "Chromium is not installed (apt-get install chromium)")
    need((ROOT / "node_modules" / "puppeteer-core").is_dir(), "puppeteer-core: run 'npm ci'")
    need(has_cjk_font(), "no font with Japanese glyphs (apt-get install fonts-noto-cjk)")
    return browser


@pytest.fixture(scope="module", params=SOURCES, ids=[p.stem for p in SOURCES])
def deck(request):
    """(source deck, its committed generated deck): every deck of slides/ in turn."""
    generated = request.param.with_name(request.param.stem + ".generated.md")
    assert generated.is_file(), f"run 'python build.py' to generate {generated.name}"
    return request.param, generated


@pytest.fixture(scope="module")
def rendered(deck, tmp_path_factory, marp):
    """The committed generated deck rendered to HTML (and PDF) in a temporary folder."""
    _, generated = deck
    out = tmp_path_factory.mktemp("rendered")
    pdf = find_browser() is not None
    render(generated, generated.with_suffix(""), out, "deck", ROOT, pdf=pdf)
    return out / "deck.html"


def alone(html_path, folder):
    """A copy of ``html_path`` by itself in ``folder`` (nothing beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(html_path, folder / html_path.name))


def math_errors(page):
    """KaTeX's failures in rendered HTML: error spans, and red text for unknown commands."""
    return (re.findall(r'class="katex-error"[^>]*>[^<]*', page)
            + re.findall(r'mathcolor="#cc0000"><mtext>[^<]*', page))


def image_references(page):
    """The targets of <img src> and of CSS background images in rendered HTML."""
    page = html.unescape(page)
    return (re.findall(r'<img[^>]*\ssrc="([^"]*)"', page)
            + re.findall(r'background-image:\s*url\(["\']?([^"\')]*)', page))


def missing_images(html_path):
    """Image references of ``html_path`` that are remote or whose file does not exist."""
    return [ref for ref in image_references(html_path.read_text(encoding="utf-8"))
            if not ref.startswith("data:")
            and (re.match(r"[a-z]+://", ref) or not (html_path.parent / ref).is_file())]


def pdf_page_count(path):
    """The page count of a PDF (its page tree's /Count, also inside compressed streams)."""
    data = path.read_bytes()
    parts = [data]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            pass
    counts = [int(count) for part in parts
              for count in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", part)
              + re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", part)]
    return max(counts, default=0)


def browser_check(html_path, out_dir, browser):
    """Run tests/browser_check.mjs: screenshots in ``out_dir``, the report as a dict."""
    done = subprocess.run(["node", str(CHECK_SCRIPT), str(html_path), str(out_dir), browser],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ink(png):
    """The share of pixels that differ from the most common colour (the background)."""
    image = Image.open(png).convert("RGB")
    colours = image.getcolors(image.width * image.height)
    return 1 - max(colours)[0] / (image.width * image.height)


# -- the generated deck, rendered by Marp ------------------------------------------------------

def test_no_formula_fails_to_render(rendered):
    page = rendered.read_text(encoding="utf-8")
    assert "katex" in page  # the math was rendered by KaTeX at all
    assert math_errors(page) == []


def figure_placements(deck):
    return [p for m in deck.markers for p in m.placements if p.name == "figure"]


def test_the_html_is_self_contained_with_every_figure_inlined(deck, rendered):
    page = rendered.read_text(encoding="utf-8")
    assert local_references(page) == [] and missing_images(rendered) == []
    figures = [ref for ref in image_references(page) if ref.startswith("data:image/svg+xml")]
    assert len(figures) >= len(figure_placements(read_deck(deck[0])))  # one per equation


def test_the_pdf_has_one_page_per_slide(deck, rendered, chromium):
    pdf = rendered.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf_page_count(pdf) == read_deck(deck[1]).slides


def test_result_slides_have_presenter_notes_naming_their_notebooks(deck, rendered):
    page = rendered.read_text(encoding="utf-8")
    notes = [html.unescape(n) for n in re.findall(
        r'<div class="bespoke-marp-note"[^>]*>(.*?)</div>', page, re.DOTALL)]
    source_notes = [n for n in notes if "検証スライド" in n]
    assert len(source_notes) == len(read_deck(deck[0]).markers)
    assert all("../notebooks/" in n and ".ipynb" in n and "Cell " in n for n in source_notes)


def test_the_checks_catch_broken_math_and_missing_images(marp, tmp_path):
    deck = tmp_path / "bad.md"
    deck.write_text("---\nmarp: true\nmath: katex\n---\n\n$\\frac{1}{$ and $\\unknowncommand$\n\n"
                    "![](missing.svg)\n", encoding="utf-8")
    render(deck, tmp_path / "no-assets", tmp_path / "out", "bad", ROOT)
    page = (tmp_path / "out" / "bad.html").read_text(encoding="utf-8")
    errors = math_errors(page)
    assert len(errors) == 2 and "katex-error" in errors[0] and "unknowncommand" in errors[1]
    assert missing_images(tmp_path / "out" / "bad.html") == ["missing.svg"]


# -- the rendered deck in headless Chromium ------------------------------------------------------

@pytest.fixture(scope="module")
def report(rendered, chromium, tmp_path_factory):
    """The browser's report on the HTML opened alone, copied into an empty folder."""
    shots = tmp_path_factory.mktemp("screenshots")
    page = alone(rendered, tmp_path_factory.mktemp("alone"))
    return browser_check(page, shots, chromium), shots


def test_chromium_shows_every_slide_and_each_one_is_painted(deck, report):
    found, shots = report
    source = read_deck(deck[0])
    pngs = sorted(shots.glob("slide-*.png"))
    assert len(found["slides"]) == len(pngs) == read_deck(deck[1]).slides
    for png in pngs:
        assert Image.open(png).size == (1280, 720)
        assert ink(png) > 0.002, f"{png.name} looks blank"  # no empty last slide either
    results = [s for s in found["slides"] if SLIDE_CLASS in s["classes"]]
    assert len(results) == len(source.markers)
    assert sum(s["images"] for s in results) == len(figure_placements(source))


def test_nothing_runs_off_a_slide_and_results_stay_inside_the_padding(report):
    slides = report[0]["slides"]
    assert all(s["width"] == 1280 and s["height"] == 720 for s in slides)
    assert [(s["index"] + 1, s["offSlide"]) for s in slides if s["offSlide"]] == []
    results = [s for s in slides if SLIDE_CLASS in s["classes"]]
    assert [(s["index"] + 1, s["offContent"]) for s in results if s["offContent"]] == []


def assert_projection_ready(slides):
    """Result slides: badge, body text as large as the deck's own, figures large and legible."""
    own = [s["bodyFontPx"] for s in slides if SLIDE_CLASS not in s["classes"]
           and s["bodyFontPx"] is not None]
    results = [s for s in slides if SLIDE_CLASS in s["classes"]]
    assert own and results
    assert all(BADGE in s["badge"] for s in results)
    small = [(s["index"] + 1, s["bodyFontPx"]) for s in results
             if s["bodyFontPx"] is not None and s["bodyFontPx"] < min(own)]
    assert small == [], f"result slides with text smaller than the deck's {min(own)} px"
    figures = [(s["index"] + 1, f) for s in results for f in s["figures"]]
    assert figures
    narrow = [(n, round(f["width"]), round(f["height"])) for n, f in figures
              if f["width"] < 0.8 * f["contentWidth"] and f["height"] < 0.8 * f["contentHeight"]]
    assert narrow == [], "figures under 80 % of the content width and height"
    tiny = [(n, round(f["minTextPx"], 1)) for n, f in figures
            if f["minTextPx"] is not None and f["minTextPx"] < 20]
    assert tiny == [], "figures whose smallest text is under 20 px at 1280x720"


def test_result_slides_are_marked_and_projection_ready(report):
    assert_projection_ready(report[0]["slides"])


def test_fonts_load_from_local_files_and_nothing_leaves_the_machine(report):
    found = report[0]
    assert found["remote"] == [] and found["failed"] == []
    assert [f for f in found["fonts"] if f["status"] != "loaded"] == []
    families = {f["family"] for f in found["fonts"]}
    assert {"KaTeX_Main", "KaTeX_Math", "Lato"} <= families


def test_the_overflow_check_catches_a_slide_that_runs_off(marp, chromium, tmp_path):
    lines = "\n".join(f"- 行 {i}: とても長いスライドの内容" for i in range(40))
    deck = tmp_path / "long.md"
    deck.write_text(f"---\nmarp: true\ntheme: gaia\n---\n\n# 長すぎるスライド\n\n{lines}\n",
                    encoding="utf-8")
    render(deck, tmp_path / "no-assets", tmp_path / "out", "long", ROOT)
    found = browser_check(tmp_path / "out" / "long.html", tmp_path, chromium)
    assert len(found["slides"]) == 1 and found["slides"][0]["offSlide"]


# -- the fixture deck, built and rendered by build.py ------------------------------------------

@pytest.fixture(scope="module")
def fixture_build(marp, tmp_path_factory):
    """The fixture deck and notebooks built with rendering: (folder, CompletedProcess)."""
    folder = tmp_path_factory.mktemp("fixture")
    shutil.copytree(ROOT / "tests" / "fixtures" / "notebooks", folder / "notebooks")
    shutil.copy(ROOT / "tests" / "fixtures" / "deck.md", folder / "deck.md")
    (folder / "deps").mkdir()
    (folder / "deps" / "pins.txt").write_text("x\n")
    command = [sys.executable, str(ROOT / "build.py"), "--slides", "deck.md", "--notebooks",
               "notebooks", "--html-dir", "build", "--cache-dir", "cache", "--dependency",
               "deps"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder, done, command


def test_the_fixture_deck_places_figures_large_and_marks_corrections(fixture_build, chromium,
                                                                     tmp_path):
    folder = fixture_build[0]
    page = alone(folder / "build" / "deck.html", tmp_path / "alone")
    found = browser_check(page, tmp_path, chromium)
    assert found["remote"] == [] and found["failed"] == []
    assert_projection_ready(found["slides"])
    corrected = [s for s in found["slides"] if "訂正" in s["header"]]
    assert len(corrected) == 1 and "p. 3 (alpha)" in corrected[0]["header"]


def test_a_pdf_left_from_an_earlier_build_is_removed_when_stale(fixture_build, chromium):
    folder, _, command = fixture_build
    pdf = subprocess.run(command + ["--pdf"], cwd=folder, capture_output=True, text=True,
                         timeout=600)
    assert pdf.returncode == 0, pdf.stderr
    assert (folder / "build" / "deck.pdf").is_file()
    same = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
    assert (folder / "build" / "deck.pdf").is_file()  # nothing changed: still current
    assert "removed" not in same.stdout
    deck = folder / "deck.md"
    deck.write_text(deck.read_text(encoding="utf-8").replace("最後のスライド", "最後"),
                    encoding="utf-8")
    changed = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
    assert changed.returncode == 0, changed.stderr
    assert "note: removed build/deck.pdf" in changed.stdout
    assert not (folder / "build" / "deck.pdf").exists()
