"""What a notebook's outputs depend on (its inputs key), and the build lock.

The inputs key of a notebook hashes its code cells and kernel name, every file under
``lib/`` and the pinned dependency versions (``constraints.txt``), and this module's format
version. Markdown cells and outputs are not part of it: editing prose re-runs nothing.
Neither is the Python version or the path of the checkout, so the key is the same on every
machine with the same pins: it is recorded in each executed notebook (slidebuild/stored.py)
and compared there, on a laptop and on CI alike.

One lock file in the lock folder (``.build-cache/``) serialises whole builds: a second build
waits, then finds the notebooks the first one ran already stored.
"""

import contextlib
import fcntl
import hashlib
from pathlib import Path

from .errors import shown
from .outputs import remove_stale_temporaries

FORMAT = "prml-slide-build-inputs 2"


def _feed(digest, *parts):
    """Hash ``parts`` unambiguously (each one length-prefixed)."""
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "little") + data)


def dependency_digest(paths):
    """A digest of the files the notebooks depend on: each file, or each file under a folder.

    Files are named relative to the folder that holds ``paths`` (``lib/network.py``), so
    the digest does not depend on where the checkout is. Caches (``__pycache__``), compiled
    files and hidden files are left out.
    """
    digest = hashlib.sha256()
    _feed(digest, FORMAT)
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
    """The inputs key of notebook ``nb`` (a dict): code cells, kernel and ``dependencies``."""
    digest = hashlib.sha256()
    _feed(digest, dependencies, kernel_name(nb))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            _feed(digest, "".join(source) if isinstance(source, list) else source)
    return digest.hexdigest()


class Lock:
    """The build lock: the file ``folder/build.lock``."""

    def __init__(self, folder):
        self.folder = Path(folder)

    @contextlib.contextmanager
    def hold(self):
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
                remove_stale_temporaries(self.folder)
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
