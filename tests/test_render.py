"""The committed generated deck, rendered by Marp's CLI and looked at in headless Chromium.

Checks: no formula fails (KaTeX's two ways of showing it), no image reference is missing or
remote, every slide is there and painted, nothing runs off a slide, fonts load from local
files with no request leaving the machine, and the PDF has one page per slide.

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
import zlib
from pathlib import Path

import pytest
from PIL import Image

from slidebuild.deck import read_deck
from slidebuild.render import MARP, find_browser, has_cjk_font, render
from slidebuild.slides import SLIDE_CLASS

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "slides" / "05-04_hessian.md"
GENERATED = ROOT / "slides" / "05-04_hessian.generated.md"
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


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, marp):
    """The committed generated deck rendered to HTML (and PDF) in a temporary folder."""
    assert GENERATED.is_file(), "run 'python build.py' to generate the deck"
    out = tmp_path_factory.mktemp("rendered")
    pdf = find_browser() is not None
    render(GENERATED, GENERATED.with_suffix(""), out, "deck", ROOT, pdf=pdf)
    return out / "deck.html"


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


def test_every_image_reference_is_a_local_file_that_exists(rendered):
    page = rendered.read_text(encoding="utf-8")
    files = [ref for ref in image_references(page) if not ref.startswith("data:")]
    assert len(files) == len(read_deck(SOURCE).markers) // 2  # one figure per equation
    assert missing_images(rendered) == []


def test_the_pdf_has_one_page_per_slide(rendered, chromium):
    pdf = rendered.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    source = read_deck(SOURCE)
    assert pdf_page_count(pdf) == source.slides + len(source.markers)


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
    shots = tmp_path_factory.mktemp("screenshots")
    return browser_check(rendered, shots, chromium), shots


def test_chromium_shows_every_slide_and_each_one_is_painted(report):
    found, shots = report
    source = read_deck(SOURCE)
    expected = source.slides + len(source.markers)
    pngs = sorted(shots.glob("slide-*.png"))
    assert len(found["slides"]) == len(pngs) == expected
    for slide, png in zip(found["slides"], pngs):
        assert Image.open(png).size == (1280, 720)
        if slide["text"] or slide["images"]:  # the deck's last slide is empty on purpose
            assert ink(png) > 0.002, f"{png.name} looks blank"
    results = [s for s in found["slides"] if SLIDE_CLASS in s["classes"]]
    assert len(results) == len(source.markers)
    assert sum(s["images"] for s in results) == len(source.markers) // 2


def test_nothing_runs_off_a_slide_and_results_stay_inside_the_padding(report):
    slides = report[0]["slides"]
    assert all(s["width"] == 1280 and s["height"] == 720 for s in slides)
    assert [(s["index"] + 1, s["offSlide"]) for s in slides if s["offSlide"]] == []
    results = [s for s in slides if SLIDE_CLASS in s["classes"]]
    assert [(s["index"] + 1, s["offContent"]) for s in results if s["offContent"]] == []


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
