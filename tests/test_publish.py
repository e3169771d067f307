"""lib.publish: named results (numbers, text, figures) for the slide build."""

import json
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lib.publish import RESULT_MIMETYPE, figure_to_svg, publish, result_bundle  # noqa: E402


def payload(bundle):
    """The JSON payload, after a round trip through JSON (as it is stored in a notebook)."""
    return json.loads(json.dumps(bundle[RESULT_MIMETYPE]))


def make_figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0.0, 1.0, 2.0], [1.0, 0.5, 2.0], label="a line")
    ax.set_title("H and its approximations")
    ax.legend()
    return fig


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3)])
def test_integer(value):
    bundle = result_bundle("n_weights", value)
    assert payload(bundle) == {"name": "n_weights", "kind": "number", "value": 3, "fmt": "d"}
    assert type(bundle[RESULT_MIMETYPE]["value"]) is int
    assert bundle["text/plain"] == "n_weights = 3"


@pytest.mark.parametrize("value", [0.000123456, np.float64(0.000123456), np.float32(0.5)])
def test_float_keeps_the_value_and_formats_the_text(value):
    bundle = result_bundle("rel_err", value)
    data = payload(bundle)
    assert type(bundle[RESULT_MIMETYPE]["value"]) is float      # not np.float64
    assert data["kind"] == "number" and data["fmt"] == ".3g"
    assert data["value"] == float(value)                       # full precision kept
    assert bundle["text/plain"] == f"rel_err = {float(value):.3g}"
    assert "np.float" not in bundle["text/plain"]


def test_float_with_format():
    bundle = result_bundle("err", 0.000123456, fmt=".1e")
    assert payload(bundle)["fmt"] == ".1e"
    assert bundle["text/plain"] == "err = 1.2e-04"


def test_text():
    text = "The diagonal is **exact** for one hidden layer: $H_{ii}$."
    bundle = result_bundle("audit", text)
    assert payload(bundle) == {"name": "audit", "kind": "text", "value": text, "fmt": None}
    assert bundle["text/plain"] == f"audit = {text}"


def test_figure_svg_is_byte_identical_and_dateless():
    fig = make_figure()
    first = result_bundle("curve", fig)
    second = result_bundle("curve", fig)
    other = make_figure()                                        # a new, identical figure
    svg = first["image/svg+xml"]
    assert payload(first) == {"name": "curve", "kind": "figure", "value": None, "fmt": "svg"}
    assert svg.startswith("<?xml") and "<svg" in svg
    assert svg == second["image/svg+xml"] == figure_to_svg(other)
    assert "dc:date" not in svg and "Date" not in svg
    assert not re.search(r"\d{4}-\d{2}-\d{2}", svg), "an ISO date in the SVG"
    assert "<text" not in svg, "glyphs should be paths, independent of installed fonts"
    assert matplotlib.rcParams["svg.hashsalt"] is None, "rcParams must be restored"
    plt.close("all")


def test_publish_displays_the_bundle_and_closes_the_figure(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    fig = make_figure()
    expected = result_bundle("curve", fig)
    publish("curve", fig)
    assert not plt.fignum_exists(fig.number)
    publish("n", 5)
    assert [raw for _, raw in shown] == [True, True]
    assert shown[0][0] == expected
    assert shown[1][0] == result_bundle("n", 5)


@pytest.mark.parametrize("name", ["", "two words", "a.b", "nb/name", "x=1", 3, None])
def test_bad_names_are_rejected(name):
    with pytest.raises(ValueError) as info:
        result_bundle(name, 1.0)
    message = str(info.value)
    assert message.startswith("name:") and "expected" in message and f"got {name!r}" in message


@pytest.mark.parametrize("value, got", [
    (True, "got a bool"), (np.bool_(False), "got a bool"),
    (float("nan"), "got nan"), (np.inf, "got inf"), (-np.inf, "got -inf"),
    (None, "got NoneType"), ([1.0, 2.0], "got list"), (np.array([1.0]), "got ndarray"),
    (1j, "got complex"),
])
def test_bad_values_are_rejected(value, got):
    with pytest.raises(ValueError) as info:
        result_bundle("x", value)
    message = str(info.value)
    assert message.startswith("value of 'x':") and "expected" in message and got in message


def figure_at_rounding_level(ulps):
    """A figure whose layout (the axes' place, as a layout engine computes it) differs from the
    plain one's by ``ulps`` units in the last place: what two CPUs may compute."""
    def bumped(value):
        for _ in range(ulps):
            value = np.nextafter(value, 1.0)
        return value

    x = np.linspace(0.1, 1.0, 7)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_position([bumped(0.1537), 0.2113, bumped(0.6911), 0.6923])
    ax.plot(x, np.sin(x), marker="o")
    ax.scatter(x, np.cos(x), s=12)
    return fig


def test_figure_svg_ids_do_not_depend_on_full_precision_floats():
    # matplotlib hashes the full-precision clip rectangle and marker paths into their ids;
    # a last-bit difference (as between two CPUs) must not change the published SVG
    plain, perturbed = figure_at_rounding_level(0), figure_at_rounding_level(3)
    assert plain.axes[0].get_position().bounds != perturbed.axes[0].get_position().bounds
    svg_plain, svg_perturbed = figure_to_svg(plain), figure_to_svg(perturbed)
    assert svg_plain == svg_perturbed
    ids = re.findall(r'\bid="([^"]+)"', svg_plain)
    assert ids and all(re.fullmatch(r"id\d+", i) for i in ids)
    assert len(set(ids)) == len(ids)
    for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', svg_plain):
        assert reference in ids, f"dangling reference #{reference}"
    plt.close("all")


def test_bound_shows_the_tolerance_and_keeps_the_value():
    bundle = result_bundle("rel_err", 3.2e-16, bound=1e-13)
    data = payload(bundle)
    assert data == {"name": "rel_err", "kind": "bound", "value": 3.2e-16, "fmt": None,
                    "tol": 1e-13}
    assert bundle["text/plain"] == "rel_err < 1e-13 (丸め誤差の範囲)"
    assert "3.2" not in bundle["text/plain"]


@pytest.mark.parametrize("value", [1e-13, 2.5e-12, -1e-12])
def test_bound_fails_above_the_tolerance(value):
    with pytest.raises(AssertionError, match=r"rel_err = .* is not below the stated tolerance"):
        result_bundle("rel_err", value, bound=1e-13)


@pytest.mark.parametrize("tol", [0, -1e-13, 2e-13, 3, True, "1e-13", float("nan")])
def test_bound_tolerance_must_be_a_power_of_ten(tol):
    with pytest.raises(ValueError, match="tol: expected a power of ten"):
        result_bundle("rel_err", 1e-16, bound=tol)


def test_below_is_the_same_rule_for_printed_lines():
    from lib.checks import below

    assert below(3e-16, 1e-13) == "< 1e-13 (丸め誤差の範囲)"
    assert below(0.0, 1e-12) == "< 1e-12 (丸め誤差の範囲)"
    with pytest.raises(AssertionError, match="asymmetry = 2.000e-10"):
        below(2e-10, 1e-13, what="asymmetry")
    with pytest.raises(ValueError, match="asymmetry: expected a finite number"):
        below(float("nan"), 1e-13, what="asymmetry")


def test_relative_error():
    from lib.checks import relative_error

    ref = np.array([[2.0, -4.0], [1.0, 0.0]])
    assert relative_error(ref + np.array([[0.0, 0.0], [0.5, 0.0]]), ref) == 0.5 / 4.0
    with pytest.raises(ValueError, match="approx: expected the shape of ref"):
        relative_error(np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match="ref: expected an array with a nonzero entry"):
        relative_error(np.zeros(2), np.zeros(2))


def test_audit_lines_and_notes():
    from lib.publish import audit_bundle, audit_line

    lines = ["(5.79) は恒等式", audit_line("転置が抜けている", judges=r"\nabla y_n \nabla y_n")]
    bundle = audit_bundle("audit", lines, notes="全文")
    assert payload(bundle) == {
        "name": "audit", "kind": "audit", "fmt": None,
        "value": {"lines": [{"text": "(5.79) は恒等式", "judges": None},
                            {"text": "転置が抜けている", "judges": r"\nabla y_n \nabla y_n"}],
                  "notes": "全文"}}
    assert "[judges: " in bundle["text/plain"]
    for bad in ([], "one string", [3], [{"text": "x"}]):
        with pytest.raises(ValueError, match="lines"):
            audit_bundle("audit", bad, notes="n")
    with pytest.raises(ValueError, match="notes: expected a non-empty string"):
        audit_bundle("audit", ["x"], notes="")
    with pytest.raises(ValueError, match="judges: expected a non-empty string"):
        audit_line("x", judges="  ")


def test_correction():
    from lib.publish import correction_bundle

    bundle = correction_bundle("transpose", "a b", "a b^T", "転置が必要")
    assert payload(bundle)["value"] == {"source": "a b", "corrected": "a b^T",
                                        "reason": "転置が必要"}
    assert payload(bundle)["kind"] == "correction"
    with pytest.raises(ValueError, match="corrected: expected a text different from source"):
        correction_bundle("c", "same", "same", "r")
    with pytest.raises(ValueError, match="reason: expected one line"):
        correction_bundle("c", "a", "b", "two\nlines")
    with pytest.raises(ValueError, match="source: expected a non-empty string"):
        correction_bundle("c", "", "b", "r")


def test_tex_number_writes_scientific_notation_as_latex():
    import lib
    assert lib.tex_number(3.7e-11, ".1e") == r"3.7 \times 10^{-11}"
    assert lib.tex_number(7.9e-05) == r"7.9 \times 10^{-5}"
    assert lib.tex_number(90.0) == "90" and lib.tex_number(0.894, ".2f") == "0.89"
    assert lib.tex_number(2.5e12, ".1e") == r"2.5 \times 10^{12}"
