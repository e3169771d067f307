"""The execution cache: each notebook's published results, keyed by what they depend on.

The key of a notebook hashes its code cells and kernel name, every file under ``lib/``,
the pinned dependency versions (``constraints.txt``), the Python version and this module's
format version. Markdown cells and outputs are not part of it: editing prose does not
re-run anything. An entry is one JSON file ``<key>.json`` holding the results and a digest
of them; it is written to a temporary file and renamed, so a reader sees all of it or none.
An entry that cannot be read or whose digest does not match is a miss (the notebook
re-runs), never an error. Failed runs are not stored.

One lock file in the cache folder serialises whole builds: a second build waits.
"""

import contextlib
import fcntl
import hashlib
import json
import platform
from pathlib import Path

from .errors import shown
from .outputs import atomic_write, remove_stale_temporaries
from .results import from_json, to_json

FORMAT = "prml-slide-build-cache 1"


def _feed(digest, *parts):
    """Hash ``parts`` unambiguously (each one length-prefixed)."""
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "little") + data)


def dependency_digest(paths):
    """A digest of the files the notebooks depend on: each file, or each file under a folder.

    Caches (``__pycache__``), compiled files and hidden files are left out.
    """
    digest = hashlib.sha256()
    _feed(digest, FORMAT, platform.python_version())
    for root in map(Path, paths):
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            relative = path.relative_to(root.parent).as_posix()
            if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
                continue
            if any(part.startswith(".") for part in path.relative_to(root.parent).parts):
                continue
            _feed(digest, relative, path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def kernel_name(nb):
    """The kernel a notebook asks for (``python3`` when it names none)."""
    return (nb.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"


def notebook_key(nb, dependencies):
    """The cache key of notebook ``nb`` (a dict): code cells, kernel and ``dependencies``."""
    digest = hashlib.sha256()
    _feed(digest, dependencies, kernel_name(nb))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            _feed(digest, "".join(source) if isinstance(source, list) else source)
    return digest.hexdigest()


class Cache:
    """Cache entries under ``folder/notebooks/``; the lock file is ``folder/build.lock``."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.entries = self.folder / "notebooks"

    def load(self, key):
        """(results, seconds the run took) for ``key``, or None on a miss or a damaged entry."""
        path = self.entries / f"{key}.json"
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            results = entry["results"]
            if entry["key"] != key or entry["digest"] != _digest(results):
                raise ValueError("digest mismatch")
            return from_json(results), float(entry["seconds"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"  note: cache entry {shown(path)} is damaged ({error}); re-running")
            return None

    def store(self, key, notebook, results, seconds):
        """Store the results of a successful run of ``notebook`` (a path) under ``key``."""
        items = to_json(results)
        entry = {"key": key, "notebook": Path(notebook).name, "seconds": round(seconds, 3),
                 "digest": _digest(items), "results": items}
        self.entries.mkdir(parents=True, exist_ok=True)
        atomic_write(self.entries / f"{key}.json", json.dumps(entry, indent=1).encode("utf-8"))

    @contextlib.contextmanager
    def lock(self):
        """Hold the build lock; print a line and wait when another build holds it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "build.lock", "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"waiting for another build to finish (lock: {shown(handle.name)}) ...",
                      flush=True)
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                remove_stale_temporaries(self.entries)
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _digest(items):
    return hashlib.sha256(json.dumps(items, sort_keys=True).encode("utf-8")).hexdigest()
