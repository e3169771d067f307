"""Stored outputs and published results must be the same on every CPU and BLAS.

A number at rounding level (|x| below about 1e-13 relative) changes its digits from one
OpenBLAS kernel to the next, so a notebook that prints it fails nbval on another machine and
a deck that shows it goes stale there. These tests scan what is committed: every stored
output of every notebook, every published payload and the generated decks. A fragile output
added later fails here, on any machine, before it fails somewhere else.
"""

import json
import re
from pathlib import Path

import pytest

from lib.publish import RESULT_MIMETYPE

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DECKS = sorted((ROOT / "slides").glob("*.generated.md"))

# 3.2e-16, 8.9E-17, 2.6 \times 10^{-16}, 2.6 × 10⁻¹⁶ — unless it follows "<" (a bound).
_EXPONENT = r"(?:1[3-9]|[2-9]\d|\d{3})"
ROUNDING_DIGITS = re.compile(
    r"(?<![<≤\d.])(?<![<≤] )\b\d+(?:\.\d+)?(?:[eE]-0*" + _EXPONENT
    + r"\b|\s*(?:\\times|×)\s*10(?:\^\{-" + _EXPONENT + r"\}|⁻[¹²³⁴⁵⁶⁷⁸⁹][⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
)
SMALLEST_SHOWN = 1e-12     # a published "number" below this is rounding: publish it as a bound


def fragile_digits(text):
    """The rounding-level numbers shown by their digits in ``text`` (empty when none)."""
    return [m.group(0) for m in ROUNDING_DIGITS.finditer(text)]


def test_the_scanner_finds_what_it_should():
    assert fragile_digits("rel. error 3.2e-16") == ["3.2e-16"]
    assert fragile_digits("相対誤差: $3.2 \\times 10^{-16}$") == ["3.2 \\times 10^{-16}"]
    assert fragile_digits("相対誤差: 3.2 × 10⁻¹⁶") == ["3.2 × 10⁻¹⁶"]
    assert fragile_digits("8.9E-17, 1e-300") == ["8.9E-17", "1e-300"]
    assert fragile_digits("rel_err < 1e-13 (丸め誤差の範囲)") == []
    assert fragile_digits("< 1e-15, ≤ 1e-14, <1e-16") == []
    assert fragile_digits("差分の誤差 7.2e-09, 1.0e-12, W = 17") == []


def outputs(notebook):
    """(cell number as nbval counts it, output) for every stored output of code cells."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    for number, cell in enumerate(code):
        for output in cell.get("outputs", []):
            yield number, output


def shown_text(output):
    data = output.get("data", {})
    parts = [output.get("text", ""), data.get("text/plain", ""), data.get("text/markdown", ""),
             data.get("text/latex", "")]
    return "".join("".join(part) if isinstance(part, list) else part for part in parts)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_show_no_rounding_digits(notebook):
    found = [f"Cell {number}: {digits}" for number, output in outputs(notebook)
             for digits in fragile_digits(shown_text(output))]
    assert not found, (
        f"{notebook.name} shows rounding-level numbers by their digits ({', '.join(found)}); "
        "print them with lib.below(value, tol) and publish them with bound=tol"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_published_numbers_are_not_at_rounding_level(notebook):
    small = []
    for number, output in outputs(notebook):
        payload = output.get("data", {}).get(RESULT_MIMETYPE)
        if payload and payload["kind"] == "number" and 0 < abs(payload["value"]) < SMALLEST_SHOWN:
            small.append(f"Cell {number}: {payload['name']} = {payload['value']:.1e}")
    assert not small, (
        f"{notebook.name} publishes rounding-level numbers ({', '.join(small)}): "
        "publish them with lib.publish(name, value, bound=tol)"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_published_figures_have_renumbered_ids(notebook):
    for number, output in outputs(notebook):
        svg = output.get("data", {}).get("image/svg+xml")
        if svg and RESULT_MIMETYPE in output.get("data", {}):
            svg = "".join(svg) if isinstance(svg, list) else svg
            ids = re.findall(r'\bid="([^"]+)"', svg)
            hashed = [i for i in ids if not re.fullmatch(r"id\d+", i)]
            assert not hashed, f"{notebook.name} Cell {number}: ids not renumbered: {hashed[:3]}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_empty_streams(notebook):
    empty = [number for number, output in outputs(notebook)
             if output.get("output_type") == "stream" and not "".join(output.get("text", ""))]
    assert not empty, f"{notebook.name}: empty stdout/stderr streams in cells {empty}"


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_generated_decks_show_no_rounding_digits(deck):
    found = fragile_digits(deck.read_text(encoding="utf-8"))
    assert not found, f"{deck.name} shows rounding-level digits: {found}"
