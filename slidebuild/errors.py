"""Expected failures, and how paths are shown in messages."""

from pathlib import Path


class BuildError(Exception):
    """A failure the user can fix (a bad marker, a failing notebook, a missing tool).

    build.py prints the message and exits non-zero, without a Python traceback.
    """


def shown(path):
    """``path`` as a user would type it: relative to the working directory when inside it."""
    path = Path(path).absolute()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()
