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
