"""Making Marp's HTML self-contained: every local file it refers to, inlined as data: URIs.

Marp's HTML refers to the figures (``<img src="deck.generated/x.svg">``) and to the fonts
(``url(fonts/katex/...)`` in its CSS) by relative paths. After inlining, the HTML file alone
shows everything, copied anywhere, offline. Font faces list WOFF2 first with WOFF and
TrueType fallbacks; every browser that runs Marp's bespoke template reads WOFF2, so the
fallbacks are dropped instead of inlined (a third of the size).
"""

import base64
import re
from pathlib import Path

MIME_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
              ".jpeg": "image/jpeg", ".woff2": "font/woff2", ".woff": "font/woff",
              ".ttf": "font/ttf"}
_FALLBACK = re.compile(r"""\s*,\s*url\(\s*(['"]?)[^)'"]+\.(?:woff|ttf)\1\s*\)\s*"""
                       r"""format\(\s*(['"]?)(?:woff|truetype)\2\s*\)""")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?P<ref>[^)'"]+)\1\s*\)""")
_SRC = re.compile(r'''(?P<attr>\ssrc=)"(?P<ref>[^"]+)"''')


def _data_uri(base, ref):
    """``ref`` (relative to ``base``) as a data: URI, or None when it is not a local file."""
    if re.match(r"[a-z][a-z0-9+.-]*:", ref, re.IGNORECASE) or ref.startswith(("#", "/")):
        return None
    path = Path(base) / ref.split("#")[0].split("?")[0]
    mime = MIME_TYPES.get(path.suffix.lower())
    if mime is None or not path.is_file():
        return None
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def inline_assets(page, base):
    """The HTML text ``page`` with the local files it refers to (relative to ``base``)
    inlined; references to files that do not exist are left as they are."""
    page = _FALLBACK.sub("", page)

    def css(match):
        uri = _data_uri(base, match["ref"])
        return f'url("{uri}")' if uri else match.group(0)

    def src(match):
        uri = _data_uri(base, match["ref"])
        return f'{match["attr"]}"{uri}"' if uri else match.group(0)

    return _SRC.sub(src, _CSS_URL.sub(css, page))


def local_references(page):
    """The relative file references left in ``page`` (none, once it is self-contained)."""
    refs = [m["ref"] for m in _CSS_URL.finditer(page)] + [m["ref"] for m in _SRC.finditer(page)]
    return [ref for ref in refs
            if not re.match(r"[a-z][a-z0-9+.-]*:", ref, re.IGNORECASE) and not ref.startswith("#")]
