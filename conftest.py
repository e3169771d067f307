"""pytest configuration shared by the unit tests and nbval's notebook runs.

nbval compares every stored output of a notebook with a fresh run. Published results
(lib.publish) carry their full-precision value in a JSON payload next to a text/plain form
formatted to the digits that matter; the comparison uses the text/plain form, so the JSON
payload is skipped here. Figures that are published are SVG and compared byte for byte;
ordinary inline figures are PNG, which nbval skips by default.

nbval's kernels get the same environment as build.py's (one BLAS thread, a fixed hash
seed), so the notebooks compute the same digits under both.
"""

import os

from lib.publish import RESULT_MIMETYPE
from slidebuild.execute import KERNEL_ENV

os.environ.update(KERNEL_ENV)


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += (RESULT_MIMETYPE,)


def pytest_addoption(parser, pluginmanager):
    """With nbval switched off (``-p no:nbval``, for a quick run of the unit tests), accept
    the nbval options that pyproject.toml's addopts pass, and do nothing with them."""
    if pluginmanager.has_plugin("nbval"):
        return
    group = parser.getgroup("nbval (disabled)")
    group.addoption("--nbval", action="store_true", help="ignored: nbval is disabled")
    group.addoption("--nbval-current-env", action="store_true", help="ignored")
    group.addoption("--nbval-sanitize-with", help="ignored")
