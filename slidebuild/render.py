"""Rendering the generated deck to HTML (and PDF) with Marp's CLI, so that it works offline.

The output folder (``build/``) gets:

    build/05-04_hessian.html            the deck (Marp's bespoke template), self-contained:
                                        figures and fonts inlined (slidebuild/standalone.py),
                                        so the file alone can be copied and opened anywhere
    build/05-04_hessian.pdf             with --pdf
    build/05-04_hessian.generated.md    a copy of the generated deck: Marp's input, so that
    build/05-04_hessian.generated/      relative paths resolve here for HTML and PDF alike
    build/fonts/{katex,lato,roboto-mono}/  the npm packages' font files

``marp.config.mjs`` points KaTeX and the gaia theme at ``fonts/`` instead of the network.
Rendering is skipped when its inputs (the deck, its assets, the Marp config, the npm lock
file and the inlining code) are the same as for the file already there. A PDF left by an
earlier ``--pdf`` build whose inputs have changed since is removed (and said so), never
left silently stale.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import BuildError, shown
from .standalone import inline_assets

MARP = "node_modules/@marp-team/marp-cli/marp-cli.js"
CONFIG = "marp.config.mjs"
FONT_FOLDERS = {  # family: where npm puts the package's font files (first that exists)
    "katex": ["node_modules/katex/dist/fonts",
              "node_modules/@marp-team/marp-core/node_modules/katex/dist/fonts"],
    "lato": ["node_modules/@fontsource/lato/files"],
    "roboto-mono": ["node_modules/@fontsource/roboto-mono/files"],
}
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_NODE = "install Node.js 18+ and npm (Debian: apt-get install nodejs npm)"
INSTALL_BROWSER = "install Chromium and a CJK font (apt-get install chromium fonts-noto-cjk)"


def find_marp(root, install=True):
    """The command that runs Marp's CLI, running ``npm ci`` first when it is missing.

    Returns None (after saying what to install) when Node.js is not there.
    """
    root = Path(root)
    node = shutil.which("node")
    if node is None:
        print(f"note: Node.js not found, so the deck is not rendered to HTML; {INSTALL_NODE}")
        return None
    if not (root / MARP).is_file():
        npm = shutil.which("npm")
        if npm is None or not install:
            raise BuildError(f"Marp's CLI is not installed in {shown(root / 'node_modules')}; "
                             f"run 'npm ci' ({INSTALL_NODE})")
        print("installing Marp's CLI from package-lock.json (npm ci) ...", flush=True)
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=root, capture_output=True, text=True)
        if done.returncode != 0 or not (root / MARP).is_file():
            raise BuildError(f"'npm ci' failed in {shown(root)}:\n{done.stdout}{done.stderr}")
    return [node, str(root / MARP), "--config-file", str(root / CONFIG)]


def find_browser():
    """A Chromium-family browser for PDF: $CHROME_PATH, or the first one on PATH; or None."""
    if os.environ.get("CHROME_PATH"):
        return os.environ["CHROME_PATH"]
    return next(filter(None, map(shutil.which, BROWSERS)), None)


def has_cjk_font():
    """Whether fontconfig knows a font with Japanese glyphs (True when it cannot tell)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True
    found = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def render(deck, assets_dir, out_dir, stem, root, pdf=False):
    """Render ``deck`` (with ``assets_dir``) into ``out_dir/stem.html`` (and ``.pdf``).

    Returns the files written, or None when Node.js is missing (said on stdout).
    """
    deck, assets_dir, out_dir, root = map(Path, (deck, assets_dir, out_dir, root))
    marp = find_marp(root)
    if marp is None:
        return None
    browser = find_browser() if pdf else None
    if pdf and browser is None:
        raise BuildError(f"the PDF needs a Chromium-family browser: {INSTALL_BROWSER}, "
                         "or set CHROME_PATH")
    if pdf and not has_cjk_font():
        print(f"warning: no font with Japanese glyphs found; {INSTALL_BROWSER}")
    out_dir.mkdir(parents=True, exist_ok=True)
    _copy_fonts(root, out_dir / "fonts")
    staged = out_dir / deck.name
    _sync_file(deck, staged)
    _sync_folder(assets_dir, out_dir / assets_dir.name)
    written = []
    if not pdf:
        _remove_stale_pdf(out_dir / f"{stem}.pdf", staged, out_dir / assets_dir.name, root)
    for suffix, extra in [(".html", [])] + ([(".pdf", ["--pdf", "--browser-path", browser])]
                                            if pdf else []):
        target = out_dir / f"{stem}{suffix}"
        key = _render_key(staged, out_dir / assets_dir.name, root, suffix)
        stamp = out_dir / f".{target.name}.key"
        if target.is_file() and stamp.is_file() and stamp.read_text() == key:
            continue
        _run_marp(marp + extra, staged, target)
        stamp.write_text(key)
        written.append(target)
    return written


def _run_marp(command, staged, target):
    """Run Marp into a temporary folder, then move the file into place."""
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".render-") as temporary:
        output = Path(temporary) / target.name
        done = subprocess.run(command + [str(staged), "-o", str(output)],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not output.is_file():
            raise BuildError(f"Marp's CLI failed to render {shown(target)}:\n"
                             f"{done.stdout}{done.stderr}".rstrip())
        if target.suffix == ".html":
            page = output.read_text(encoding="utf-8")
            output.write_text(inline_assets(page, target.parent), encoding="utf-8")
        os.replace(output, target)


def _remove_stale_pdf(pdf, staged, assets, root):
    """Remove ``pdf`` (and its stamp) when it was rendered from other inputs than these."""
    stamp = pdf.parent / f".{pdf.name}.key"
    if not pdf.exists():
        return
    if stamp.is_file() and stamp.read_text() == _render_key(staged, assets, root, ".pdf"):
        return
    pdf.unlink()
    stamp.unlink(missing_ok=True)
    print(f"note: removed {shown(pdf)}: it was rendered from an earlier deck; "
          "build it again with --pdf")


def _render_key(staged, assets, root, suffix):
    digest = hashlib.sha256(suffix.encode())
    files = [staged, root / CONFIG, root / "package-lock.json", Path(__file__).parent /
             "standalone.py", *(sorted(assets.iterdir()) if assets.is_dir() else [])]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _copy_fonts(root, fonts_dir):
    for family, candidates in FONT_FOLDERS.items():
        source = next((root / c for c in candidates if (root / c).is_dir()), None)
        if source is None:
            raise BuildError(f"the fonts of {family!r} are missing from node_modules; run 'npm ci'")
        target = fonts_dir / family
        target.mkdir(parents=True, exist_ok=True)
        for path in source.iterdir():
            copy = target / path.name
            if not copy.exists() or copy.stat().st_size != path.stat().st_size:
                shutil.copyfile(path, copy)


def _sync_file(source, target):
    data = source.read_bytes()
    if not target.is_file() or target.read_bytes() != data:
        target.write_bytes(data)


def _sync_folder(source, target):
    target.mkdir(parents=True, exist_ok=True)
    names = {path.name for path in source.iterdir()} if source.is_dir() else set()
    for name in names:
        _sync_file(source / name, target / name)
    for path in target.iterdir():
        if path.name not in names:
            path.unlink()
