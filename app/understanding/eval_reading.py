"""Read an evaluation document the way an upload is read: sniff, text layer, then OCR where needed.

``read_original(path, cache_dir)`` returns ``{"pages": [...], "reader": ...}``. ``reader`` says how the
text was obtained:

* ``"product"``: the upload path (``filetypes.sniff``, ``extraction.extract_text_layer`` and OCR of
  every page that needs it), exactly what a user's upload would give the analyzer;
* ``"refused"``: the upload path refuses it (no text; it scores as an empty document, as a user's
  upload of it would give nothing to read).

OCR is slow, so the pages are cached in ``cache_dir`` under the file's SHA-256 and a fingerprint of
the reading code (every source file of ``app/documents/reader`` plus extraction and file typing): a
change to the reader reads every file again; a change to the analyzer reuses the cache.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from app.documents import extraction, filetypes
from app.documents.reader.common import Limits

READER_SOURCES = ("reader", "extraction.py", "filetypes.py")


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
    code = fingerprint or reader_fingerprint()
    cached = cache_dir / f"{hashlib.sha256(data).hexdigest()}-{code}.json" if cache_dir else None
    if cached is not None and cached.is_file():
        return json.loads(cached.read_text(encoding="utf-8"))
    if ctype is not None:
        result = {"pages": _product_pages(path, ctype), "reader": "product", "content_type": ctype}
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
