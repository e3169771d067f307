"""The notebooks' stored outputs, kept in step with their code, ``lib/`` and the pins.

A notebook the build runs is written back with its fresh outputs, executed in the kernel
environment nbval uses (``execute.KERNEL_ENV``), so the slides, the stored outputs and
nbval's re-run all show the same thing. The written notebook records what its outputs
were computed from, in its metadata (nbval ignores metadata)::

    "metadata": {"slidebuild": {"inputs": "<sha256 of code cells, kernel, lib/, pins>"}}

``inputs`` is ``cache.inputs_digest``: it leaves out Markdown and outputs, and the Python
version, so it is the same on every machine with the same pins. When it matches, the build
reads the results from the stored outputs and runs nothing; when it does not, the stored
outputs are stale (``--check`` fails, a build re-runs the notebook).

Executed notebooks are written without per-cell timing metadata and with each cell's
consecutive stream outputs joined, so running an unchanged notebook twice writes the same bytes.
"""

import hashlib
import json
from pathlib import Path

from .outputs import atomic_write

METADATA_KEY = "slidebuild"


def stored_inputs(nb):
    """The inputs digest recorded in notebook ``nb`` (a dict) by its last build run, or None."""
    entry = (nb.get("metadata") or {}).get(METADATA_KEY) or {}
    return entry.get("inputs") if isinstance(entry, dict) else None


def file_digest(data):
    """A digest of a notebook file's bytes (to notice an edit made during the run)."""
    return hashlib.sha256(data).hexdigest()


def executed_text(nb, inputs):
    """The executed notebook ``nb`` (an nbformat node) as the text to store.

    Records ``inputs`` in the metadata and drops the cells' timing metadata.
    """
    import nbformat

    nb.metadata[METADATA_KEY] = {"inputs": inputs}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.get("outputs"):
            cell.outputs = coalesced_streams(cell.outputs)
    return nbformat.writes(nb) + "\n"


def coalesced_streams(outputs):
    """``outputs`` with each run of consecutive stream outputs of one name (stdout, stderr)
    joined into one: the kernel splits a print into chunks as its buffer flushes, differently
    from run to run, so joined streams give the same bytes every time (nbval compares the
    joined text too)."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] = _text(previous["text"]) + _text(output["text"])
        else:
            joined.append(output)
    return joined


def _text(text):
    return "".join(text) if isinstance(text, list) else text


def write_back(path, nb, inputs, read_digest):
    """Store the executed ``nb`` at ``path``; False (nothing written) if the file changed.

    read_digest : ``file_digest`` of the file as it was when the run started; a notebook
        saved meanwhile (say, from Jupyter) is left as it is, and its next build runs it.
    """
    path = Path(path)
    if file_digest(path.read_bytes()) != read_digest:
        return False
    data = executed_text(nb, inputs).encode("utf-8")
    if path.read_bytes() != data:
        atomic_write(path, data)
    return True


def load(path):
    """(the notebook at ``path`` as a dict, its bytes); raises OSError or ValueError."""
    data = Path(path).read_bytes()
    return json.loads(data.decode("utf-8")), data
