"""Read an evaluation document the way an upload is read: sniff, text layer, then OCR where needed.

``read_original(path, cache_dir)`` returns ``{"pages": [...], "reader": ...}``. ``reader`` says how the
text was obtained:

* ``"product"``: the upload path (``filetypes.sniff``, ``extraction.extract_text_layer`` and OCR of
  every page that needs it), exactly what a user's upload would give the analyzer;
* ``"fallback"``: the upload path refuses this type today (HTML pages are refused), so the harness
  reads it with the standard library (HTML to text, line breaks at block elements) to still measure
  the analyzer on it; the report counts these documents so nobody mistakes them for product figures;
* ``"refused"``: neither could read it (no text; it scores as an empty document).

OCR is slow, so the pages are cached in ``cache_dir`` under the file's SHA-256 and a fingerprint of
the reading code (every source file of ``app/documents/reader`` plus extraction and file typing): a
change to the reader reads every file again; a change to the analyzer reuses the cache.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from app.documents import extraction, filetypes
from app.documents.reader.common import Limits

READER_SOURCES = ("reader", "extraction.py", "filetypes.py")
_FALLBACK_FINGERPRINT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
_BLOCK_TAGS = frozenset("""address article aside blockquote br caption dd div dl dt fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th
thead tr ul center""".split())


def reader_fingerprint() -> str:
    """A hash of the reading code: the cache is valid only for the code that filled it."""
    base = Path(extraction.__file__).resolve().parent
    digest = hashlib.sha256(b"eval-reading-1")
    for name in READER_SOURCES:
        target = base / name
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for f in files:
            digest.update(f.name.encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def read_original(path: Path, cache_dir: Path | None = None, fingerprint: str | None = None) -> dict:
    """The text of one original file, page by page (cached; see the module docstring)."""
    data = path.read_bytes()
    ctype = filetypes.sniff(data[:filetypes.SNIFF_BYTES])
    code = (fingerprint or reader_fingerprint()) if ctype is not None else _FALLBACK_FINGERPRINT
    cached = cache_dir / f"{hashlib.sha256(data).hexdigest()}-{code}.json" if cache_dir else None
    if cached is not None and cached.is_file():
        return json.loads(cached.read_text(encoding="utf-8"))
    if ctype is not None:
        result = {"pages": _product_pages(path, ctype), "reader": "product", "content_type": ctype}
    elif path.suffix.lower() in (".html", ".htm"):
        result = {"pages": [html_to_text(data.decode("utf-8", "replace"))], "reader": "fallback",
                  "content_type": "text/html"}
    elif path.suffix.lower() == ".eml":
        result = {"pages": [email_to_text(data)], "reader": "fallback", "content_type": "message/rfc822"}
    else:
        result = {"pages": [], "reader": "refused", "content_type": None}
    if cached is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(result), encoding="utf-8")
        tmp.replace(cached)
    return result


def _product_pages(path: Path, ctype: str) -> list[str]:
    limits = Limits()
    try:
        pages = extraction.extract_text_layer(str(path), ctype, limits)
    except extraction.ProcessingError:
        return []
    texts = {p.number: ("" if p.needs_ocr else p.text) for p in pages}
    need = [p.number for p in pages if p.needs_ocr]
    if need:
        try:
            ocr = extraction.ocr_pages_parallel(str(path), ctype, need, limits, workers=1)
        except extraction.ProcessingError:
            ocr = {}
        for number, (text, _confidence) in ocr.items():
            texts[number] = text
    return [texts[n] for n in sorted(texts)]


class _TextOfHtml(HTMLParser):
    """Block elements end a line, paragraphs a paragraph; table cells sit side by side."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in ("td", "th"):
            self.parts.append("   ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("p", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"):
            self.parts.append("\n\n")
        elif tag in _BLOCK_TAGS and tag not in ("td", "th"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))     # as a browser shows it


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page: blocks on their own lines, table cells side by side."""
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = (line.strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def email_to_text(data: bytes) -> str:
    """An e-mail's visible headers and its body (the plain-text part, else the HTML part as text)."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    head = "\n".join(f"{h}: {msg[h]}" for h in ("From", "To", "Date", "Subject") if msg[h])
    part = msg.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    if part is not None and part.get_content_subtype() == "html":
        body = html_to_text(body)
    return f"{head}\n\n{body}".strip()
