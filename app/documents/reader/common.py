"""What the document reader shares between the app and its sandbox child: limits, page text, the
deterministic ProcessingError, and the text-layer heuristics. Imports nothing from the app package."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields



try:
    from app.platform.errors import JobFailed
except ImportError:  # the sandbox child runs this file alone (python -I), without the app package
    JobFailed = Exception



ERROR_CODES = (
    "pdf_encrypted",
    "file_corrupt",
    "too_many_pages",
    "image_too_large",
    "ocr_timeout",
    "unsupported_type",
    "empty_file",
    "page_too_large",
    "content_too_large",
)

PDF = "application/pdf"
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF", "image/webp": "WEBP",
               "image/heic": "HEIF", "image/heif": "HEIF"}
TEXT = "text/plain"
HTML = "text/html"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EML = "message/rfc822"

# tesseract subprocesses: one thread each (OMP_THREAD_LIMIT=1), pages run in parallel across processes.


class ProcessingError(JobFailed):
    """Deterministic failure caused by the file: never retried (also raised inside the sandbox child,
    where JobFailed is a plain Exception)."""

    def __init__(self, code: str, message: str):
        Exception.__init__(self, f"{code}: {message}")
        self.code, self.message = code, message

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass
class PageText:
    number: int  # 1-based
    text: str
    source: str  # "text_layer" | "ocr"
    confidence: float | None = None  # 0..100 for OCR
    needs_ocr: bool = False


@dataclass
class Limits:
    max_pages: int = 500
    max_pixels_per_page: int = 50_000_000  # render budget for one page (decompression bombs)
    ocr_dpi: int = 300
    ocr_timeout_per_page: float = 60  # seconds of tesseract per page
    max_page_points: float = 14400  # longest PDF page side we render, in points (PDF's own limit)
    # Big pages are rendered at a lower resolution to fit max_pixels_per_page, down to this floor;
    # below it the page is refused with image_too_large. (OCRmyPDF's 8400 pt "hugemono" page still
    # reads correctly at 60 dpi: pages that big carry big lettering.)
    min_ocr_dpi: int = 50
    # A scanned PDF page is rendered at its image's own resolution (no invented pixels: a 200 dpi
    # scan costs tesseract 2.25x fewer pixels than at 300), between this floor and ocr_dpi.
    min_scan_dpi: int = 150
    sandbox: bool = True  # parse in a resource-limited child process
    warm: bool = True  # that child forked from the warm sandbox (reader/forkserver.py), not a new interpreter
    memory_limit_mb: int = 512  # address-space limit of the sandbox (and of tesseract under it)
    parse_timeout: float = 120  # seconds for counting pages / reading the text layer of one file
    max_chars_per_page: int = 100_000  # text beyond this on one page is dropped

    @classmethod
    def from_dict(cls, data: dict) -> "Limits":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# ------------------------------------------------------------------------------------ public API


# ------------------------------------------------------------------------- text layer heuristics

MIN_TEXT_CHARS = 20
# CM/ECF headers stamped on scans ("Case 4:08-cv-02214-SBA Document 27 Filed 02/03/09 Page 1 of 2",
# "Case: 21-1298 Document: 42 Page: 1 Date Filed: 08/31/2022", "USCA4 Appeal: 20-1 Doc: 5 ...").
_STAMP_RES = [
    re.compile(r"^\s*Case[:\s]+\S+.*\bDoc(?:ument)?\b.*\b(?:Filed|Date\s+Filed)\b.*$", re.I | re.M),
    re.compile(r"^\s*(?:USCA\d*\s+)?Appeal:\s*\S+\s+Doc:.*$", re.I | re.M),
    re.compile(r"^\s*Page\s*:?\s*\d+\s*(?:of\s*\d+)?\s*$", re.I | re.M),
]


def _strip_stamps(text: str) -> str:
    for rx in _STAMP_RES:
        text = rx.sub("", text)
    return text


def text_needs_ocr(text: str) -> bool:
    """True when a page's text layer is unusable on its own: fewer than ~20 characters once court
    e-filing stamps are removed, or mostly garbage (replacement / private-use / control characters,
    "(cid:NN)" glyph ids, or few letters and digits)."""
    core = _strip_stamps(text)
    chars = [c for c in core if not c.isspace()]
    n = len(chars)
    if n < MIN_TEXT_CHARS:
        return True
    bad = 0
    alnum = 0
    for c in chars:
        if c.isalnum():
            alnum += 1
        elif c == "\ufffd" or "\ue000" <= c <= "\uf8ff" or unicodedata.category(c) in ("Cc", "Co", "Cn"):
            bad += 1
    bad += 5 * core.count("(cid:")
    return bad > n * 0.1 or alnum < n * 0.5


def _normalize_text(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        text = text[:max_chars]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]", "", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return text.strip("\n")




class PageRangeError(ValueError):
    """page_number outside the document: a bug in the caller, not a property of the file."""


@dataclass
class SandboxState:
    """Set in the sandbox child: tesseract then gets its own CPU limit, Pillow a bomb guard."""
    active: bool = False
    limits: Limits = field(default_factory=Limits)


SANDBOX = SandboxState()
