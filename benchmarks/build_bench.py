"""How long the slide build takes: cold, warm with nothing to do, and with one notebook changed.

    .venv/bin/python benchmarks/build_bench.py [--changed 5.81_becker_lecun] [--no-render]

Each figure is one run of ``build.py`` as a user runs it (a new Python process), on a copy
of notebooks/ and the source decks in a temporary folder, so the committed decks, the
notebooks, build/ and .build-cache/ are left alone:

- cold: every notebook runs (``--force``: the copies' stored outputs may be up to date),
  its outputs are stored, the decks are written and rendered;
- warm no-op: the same build again; nothing runs, nothing is written or rendered
  (the median of 3 runs). Target: at most 2 s and at most 5% of the cold build;
- one changed notebook: a comment appended to one code cell of one notebook; only that
  notebook may run again.

This prints figures; it asserts nothing (the tests do not time anything).
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM_TARGET_SECONDS, WARM_TARGET_SHARE = 2.0, 0.05


def build(folder, *extra):
    """Run build.py on the copy in ``folder``; (seconds, stdout). Exits if the build fails."""
    command = [sys.executable, str(ROOT / "build.py"), "--slides", "slides",
               "--notebooks", "notebooks", "--html-dir", "build", "--cache-dir", "cache", *extra]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"build failed:\n{done.stdout}{done.stderr}")
    return seconds, done.stdout


def ran(stdout):
    """The notebooks a build ran, from its progress lines."""
    return re.findall(r"\] ran\s+\S*/([^/\s]+\.ipynb)", stdout)


def touch_code(notebook):
    """Append a comment to the first code cell: a new cache key, the same results."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(cell for cell in nb["cells"] if cell["cell_type"] == "code")
    source = "".join(cell["source"])
    cell["source"] = source + "\n# benchmarks/build_bench.py: a change to the code"
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changed", default="5.81_becker_lecun",
                        help="the notebook to change for the third figure (file stem)")
    parser.add_argument("--no-render", action="store_true", help="skip Marp in every run")
    args = parser.parse_args()
    extra = ["--no-render"] if args.no_render else []

    with tempfile.TemporaryDirectory(prefix="build-bench-") as folder:
        folder = Path(folder)
        shutil.copytree(ROOT / "notebooks", folder / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (folder / "slides").mkdir()
        for deck in sorted((ROOT / "slides").glob("*.md")):
            if not deck.name.endswith(".generated.md"):
                shutil.copy(deck, folder / "slides")

        cold, out = build(folder, "--force", *extra)
        count = len(ran(out))
        warm_runs = [build(folder, *extra) for _ in range(3)]
        warm = statistics.median(seconds for seconds, _ in warm_runs)
        warm_ran = sorted({name for _, out in warm_runs for name in ran(out)})
        touch_code(folder / "notebooks" / f"{args.changed}.ipynb")
        changed, out = build(folder, *extra)
        changed_ran = ran(out)

    share = warm / cold
    met = warm <= WARM_TARGET_SECONDS and share <= WARM_TARGET_SHARE
    only = changed_ran == [f"{args.changed}.ipynb"]
    rendering = "without rendering" if args.no_render else "with HTML rendering"
    print(f"slide build benchmark ({rendering}), {count} notebooks")
    print(f"  cold build (--force):           {cold:6.2f} s   ran {count} notebooks")
    print(f"  warm no-op rebuild (median/3):  {warm:6.2f} s   {100 * share:.1f}% of cold; "
          f"target <= {WARM_TARGET_SECONDS:.0f} s and <= {100 * WARM_TARGET_SHARE:.0f}% of "
          f"cold: {'met' if met else 'MISSED'}; ran: {', '.join(warm_ran) or 'nothing'}")
    print(f"  one changed notebook:           {changed:6.2f} s   {100 * changed / cold:.0f}% "
          f"of cold; ran: {', '.join(changed_ran) or 'nothing'} "
          f"({'only the changed one' if only else 'NOT only the changed one'})")


if __name__ == "__main__":
    main()
