"""Writing the generated deck and its assets without ever leaving a partial file.

Every file is written to a temporary file in its own folder and renamed over the old one
(``os.replace`` is atomic on POSIX). The assets go first, then the deck, then assets that
the deck no longer uses are removed: at every moment the deck on disk refers to assets
that exist. Ctrl-C is held back while the files are being swapped. Unchanged files are not
rewritten, so a build with nothing new touches nothing.
"""

import contextlib
import difflib
import os
import signal
import tempfile
import threading
from pathlib import Path

from .errors import shown

TEMPORARY_SUFFIX = ".partial"


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, data):
    """Write ``data`` (bytes) to ``path`` through a temporary file and a rename."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def remove_stale_temporaries(folder):
    """Remove temporary files left in ``folder`` by a build that was killed mid-write."""
    for path in Path(folder).glob(f".*{TEMPORARY_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def deferred_interrupt():
    """Hold back Ctrl-C (SIGINT) until the block is done, then raise KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda *_: received.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


def _read(path):
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def write_generated(deck_path, text, assets_dir, assets):
    """Bring the deck and its assets folder on disk to ``text`` and ``assets`` ({name: bytes}).

    Returns the paths that changed (written or removed), for the build's summary line.
    """
    deck_path, assets_dir = Path(deck_path), Path(assets_dir)
    changed = []
    with deferred_interrupt():
        assets_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(assets_dir)
        remove_stale_temporaries(deck_path.parent)
        for name, data in sorted(assets.items()):
            if _read(assets_dir / name) != data:
                atomic_write(assets_dir / name, data)
                changed.append(assets_dir / name)
        data = text.encode("utf-8")
        if _read(deck_path) != data:
            atomic_write(deck_path, data)
            changed.append(deck_path)
        for path in sorted(assets_dir.iterdir()):
            if path.is_file() and path.name not in assets:
                path.unlink()
                changed.append(path)
    return changed


def stale_files(deck_path, text, assets_dir, assets):
    """What differs between the files on disk and ``text``/``assets``: (path, why) pairs."""
    deck_path, assets_dir = Path(deck_path), Path(assets_dir)
    stale = []
    on_disk = _read(deck_path)
    if on_disk is None:
        stale.append((deck_path, "missing"))
    elif on_disk != text.encode("utf-8"):
        diff = difflib.unified_diff(
            on_disk.decode("utf-8", "replace").splitlines(), text.splitlines(),
            "committed", "expected", n=0, lineterm="",
        )
        stale.append((deck_path, "differs:\n" + "\n".join(list(diff)[:30])))
    for name, data in sorted(assets.items()):
        found = _read(assets_dir / name)
        if found != data:
            stale.append((assets_dir / name, "missing" if found is None else "differs"))
    if assets_dir.is_dir():
        for path in sorted(assets_dir.iterdir()):
            if path.is_file() and path.name not in assets:
                stale.append((path, "no longer produced"))
    return stale


def describe(stale):
    """Lines naming each stale file and why."""
    return [f"  {shown(path)}: {why}" for path, why in stale]
