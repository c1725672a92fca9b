#!/usr/bin/env bash
# Checks the links of the built book: every relative `href` and `src` in the HTML under
# book/book/ (or the directory given as $1) must name a file that exists, and a `#fragment` must
# name an `id` (or `<a name>`) in the page it points to. External links (http:, https:, mailto:,
# any other scheme, and `//host/…`) are skipped: the check needs no network.
# Run it after `mdbook build book`; it exits non-zero and lists every broken link.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-book/book}
if [ ! -d "$root" ]; then
  echo "check-links: $root does not exist; run \`mdbook build book\` first" >&2
  exit 2
fi
exec python3 - "$root" <<'PY'
import os
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

root = os.path.realpath(sys.argv[1])


class Page(HTMLParser):
    """Collects a page's ids, its <base href>, and its href/src references with line numbers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.base = None
        self.refs = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "base" and attrs.get("href") is not None and self.base is None:
            self.base = attrs["href"]
        for name in ("href", "src"):
            value = attrs.get(name)
            if value is not None:
                self.refs.append((self.getpos()[0], name, value.strip()))

    handle_startendtag = handle_starttag


pages = {}


def page(path):
    """The parsed page at `path` (an absolute path to an .html file), cached."""
    if path not in pages:
        parser = Page()
        with open(path, encoding="utf-8", errors="replace") as f:
            parser.feed(f.read())
        parser.close()
        pages[path] = parser
    return pages[path]


def html_files():
    for directory, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith((".html", ".htm")):
                yield os.path.join(directory, name)


def resolve(source, base, url):
    """Returns (target file, fragment), or None for an external link."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None  # http(s), mailto, data, javascript, //host: not ours to check
    fragment = unquote(parts.fragment)
    path = unquote(parts.path)
    if not path:
        # A bare "#x" is checked against the page it is in, even under a <base> (mdbook's 404
        # page has `<base href="/">` and self-links its heading): the author meant this page.
        return source, fragment
    if path.startswith("/"):
        start = root  # site-absolute: relative to the book's root
        path = path.lstrip("/")
    elif base is not None:
        start = root if base.startswith("/") else os.path.dirname(source)
        base_path = unquote(urlsplit(base).path).lstrip("/")
        start = os.path.join(start, base_path)
    else:
        start = os.path.dirname(source)
    target = os.path.normpath(os.path.join(start, path))
    if path.endswith("/") or os.path.isdir(target):
        target = os.path.join(target, "index.html")
    return target, fragment


broken = []
checked = 0
for source in html_files():
    parsed = page(source)
    base = parsed.base
    for line, attr, url in parsed.refs:
        if not url:
            continue
        resolved = resolve(source, base, url)
        if resolved is None:
            continue
        target, fragment = resolved
        checked += 1
        where = f"{os.path.relpath(source, root)}:{line}: {attr}=\"{url}\""
        if not os.path.realpath(target).startswith(root + os.sep):
            broken.append(f"{where}: points outside the book")
            continue
        if not os.path.isfile(target):
            broken.append(f"{where}: no file {os.path.relpath(target, root)}")
            continue
        if fragment and target.endswith((".html", ".htm")) and fragment not in page(target).ids:
            broken.append(f"{where}: no id \"{fragment}\" in {os.path.relpath(target, root)}")

if broken:
    print(f"check-links: {len(broken)} broken link(s) of {checked} checked in {root}:", file=sys.stderr)
    for entry in broken:
        print(f"  {entry}", file=sys.stderr)
    sys.exit(1)
print(f"check-links: all {checked} relative links in {root} resolve")
PY
