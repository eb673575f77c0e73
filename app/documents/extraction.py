"""Text of an uploaded document: PDF text layer, plain text and OCR (pure service module).

Public API
----------
* ``count_pages(path, content_type, limits)``
* ``extract_text_layer(path, content_type, limits) -> list[PageText]``
* ``ocr_page(path, content_type, page_number, limits, lang="eng") -> (text, confidence)``
* ``ocr_pages_parallel(path, content_type, page_numbers, limits, workers=None, on_page=None, lang="eng")``
* ``iter_ocr_pages(path, content_type, page_numbers, limits, workers=None, lang="eng", tmp_dir=None)``
  yields ``(page_number, text, confidence)`` as each page is read (the pipeline's OCR step)
* ``guess_language(text) -> "en" | "es" | ... | "und"``

Every failure caused by the file itself is a ``ProcessingError`` with a stable ``code`` (never retry
those). Anything else (tesseract missing, the sandbox interpreter failing to start, storage errors)
stays an ordinary exception so that the caller may retry.

Hostile input
-------------
With ``Limits.sandbox`` (the default) every operation that parses the file (PDFium, Pillow decoders,
tesseract) runs in a short-lived child process of the same interpreter (``python -I this_file``)
with an address-space limit (``Limits.memory_limit_mb``, inherited by tesseract), no core dumps, a
CPU limit, a wall-clock timeout enforced by the parent (the whole process group is killed), a
private temporary directory and a minimal environment (no secrets). A crash in C code becomes
``ProcessingError("file_corrupt")`` in the caller instead of killing a Celery worker. Starting the
child costs ~0.1 CPU-s (interpreter and PDFium bindings), paid once per call: one call per document
for the text layer, and one per document for OCR, whose child renders the pages one by one and
starts tesseract itself (``workers`` at a time; tesseract inherits the address-space, core and
file-size limits and gets its own CPU limit and wall-clock budget per page). ``sandbox=False`` runs
the same code in-process (used inside the child, and handy for debugging; tesseract then runs
without rlimits); PDFium is then serialised with a lock because it is not thread-safe.

The content type is always re-checked from the bytes (``filetypes.sniff``): the bytes win over
whatever the caller or the browser claimed.
"""
from __future__ import annotations

import ctypes
import json
import math
import os
import re
import select
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import deque
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, fields
from typing import Callable, Iterable, Iterator

try:
    from app.platform.errors import JobFailed
except ImportError:  # the sandbox child runs this file alone (python -I), without the app package
    JobFailed = Exception

__all__ = [
    "ERROR_CODES",
    "ProcessingError",
    "PageText",
    "Limits",
    "count_pages",
    "extract_text_layer",
    "ocr_page",
    "ocr_pages_parallel",
    "iter_ocr_pages",
    "guess_language",
    "text_needs_ocr",
]

ERROR_CODES = (
    "pdf_encrypted",
    "file_corrupt",
    "too_many_pages",
    "image_too_large",
    "ocr_timeout",
    "unsupported_type",
    "empty_file",
    "page_too_large",
)

PDF = "application/pdf"
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}
TEXT = "text/plain"

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
    memory_limit_mb: int = 512  # address-space limit of the sandbox (and of tesseract under it)
    parse_timeout: float = 120  # seconds for counting pages / reading the text layer of one file
    max_chars_per_page: int = 100_000  # text beyond this on one page is dropped

    @classmethod
    def from_dict(cls, data: dict) -> "Limits":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# ------------------------------------------------------------------------------------ public API


def count_pages(path, content_type: str, limits: Limits | None = None) -> int:
    """Number of pages. Raises ProcessingError (too_many_pages, file_corrupt, pdf_encrypted,
    empty_file, unsupported_type, image_too_large)."""
    limits = limits or Limits()
    path, ctype = _check_input(path, content_type)
    return _dispatch("count_pages", limits, limits.parse_timeout, path=path, content_type=ctype)


def extract_text_layer(path, content_type: str, limits: Limits | None = None) -> list[PageText]:
    """Text layer of every page, with ``needs_ocr`` set where it is missing or unusable.

    PDF: PDFium text per page (text outside the page box is ignored). Images: one page per frame,
    empty text, ``needs_ocr=True``. Plain text: one page per form feed. ``source`` is always
    "text_layer" here; OCR results come from ``ocr_page``.
    """
    limits = limits or Limits()
    path, ctype = _check_input(path, content_type)
    rows = _dispatch("text_layer", limits, limits.parse_timeout, path=path, content_type=ctype)
    return [PageText(**row) for row in rows]


def ocr_page(path, content_type: str, page_number: int, limits: Limits | None = None,
             lang: str = "eng") -> tuple[str, float]:
    """OCR one page (1-based): ``(text, mean word confidence 0..100)``; ("", 0.0) for a blank page."""
    page_number = int(page_number)
    if page_number < 1:
        raise ValueError("page_number is 1-based")
    with closing(iter_ocr_pages(path, content_type, [page_number], limits, workers=1, lang=lang)) as rows:
        for _number, text, confidence in rows:
            return text, confidence
    raise RuntimeError("OCR returned no result")  # pragma: no cover


def ocr_pages_parallel(path, content_type: str, page_numbers: Iterable[int], limits: Limits | None = None,
                       workers: int | None = None,
                       on_page: Callable[[int, int, int], None] | None = None,
                       lang: str = "eng", tmp_dir: str | None = None) -> dict[int, tuple[str, float]]:
    """OCR several pages at once (``workers`` tesseract processes at a time, default os.cpu_count()).
    ``on_page(page_number, done_count, total)`` is called from the calling thread after each page.
    The first ProcessingError (or exception from on_page) propagates after the other pages are
    cancelled and their processes killed."""
    pages = sorted({int(n) for n in page_numbers})
    results: dict[int, tuple[str, float]] = {}
    with closing(iter_ocr_pages(path, content_type, pages, limits, workers=workers, lang=lang,
                                tmp_dir=tmp_dir)) as rows:
        for number, text, confidence in rows:
            results[number] = (text, confidence)
            if on_page is not None:
                on_page(number, len(results), len(pages))
    return dict(sorted(results.items()))


def iter_ocr_pages(path, content_type: str, page_numbers: Iterable[int], limits: Limits | None = None,
                   workers: int | None = None, lang: str = "eng",
                   tmp_dir: str | None = None) -> Iterator[tuple[int, str, float]]:
    """OCR pages of one document, yielding ``(page_number, text, confidence)`` as each is read (in
    completion order), so the caller can save and report every page at once.

    One sandbox process per call opens the document once, renders the pages one at a time (at the
    scan's own resolution, see ``_ocr_dpi``) and runs up to ``workers`` tesseract processes on them
    (default os.cpu_count()); tesseract inherits the sandbox's limits and gets its own CPU limit and
    wall-clock budget (``Limits.ocr_timeout_per_page``). Page images are uncompressed PNM files in a
    private folder created under ``tmp_dir`` (default: the system temporary folder); each is deleted
    once its page is read, the folder when the call ends (failure and early ``close()`` included).

    The first ProcessingError ends the call (the other pages are cancelled and their processes
    killed); closing the generator early does the same. Page numbers are validated before any work:
    a page outside the document raises ValueError.
    """
    limits = limits or Limits()
    pages = sorted({int(n) for n in page_numbers})
    if not pages:
        return
    if pages[0] < 1:
        raise ValueError("page numbers are 1-based")
    path, ctype = _check_input(path, content_type)
    if ctype == TEXT:
        raise ProcessingError("unsupported_type", "Plain-text files have no images to read.")
    tess_lang, osd = _resolve_lang(lang)
    workers = max(1, min(int(workers or os.cpu_count() or 1), len(pages)))
    args = {"path": path, "content_type": ctype, "pages": pages, "lang": tess_lang, "osd": osd,
            "workers": workers}
    if not limits.sandbox:
        for row in _impl_ocr_pages(limits=limits, work_dir=tmp_dir, **args):
            yield tuple(row)
        return
    # No page for this long means something is stuck (a page takes at most its OCR budget + rendering).
    idle = limits.ocr_timeout_per_page + 30
    cpu = limits.parse_timeout + 5 * len(pages)  # the sandbox's own CPU (rendering); tesseract has its own
    for row in _sandbox_stream("ocr_pages", limits, idle, cpu, args, tmp_dir):
        yield tuple(row)


# ---------------------------------------------------------------------------- language guessing

_STOPWORDS = {
    "en": "the of and to in is that for it with as was on be by this are or at from not have an "
          "which you shall your has will any but his her been were their they such all court may "
          "must within upon order",
    "es": "el la de que y en los se del las un por con no una su para es al lo como más pero sus "
          "le ya o este fue ha sí porque esta son entre cuando muy sin sobre también me hasta hay "
          "donde usted tribunal",
    "fr": "le la les de des et en un une du est que qui dans pour pas sur au ne se plus par avec "
          "ce il elle sont aux cette ont été être vous nous leur tribunal",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch "
          "es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über "
          "einen so zum war haben nur oder gericht",
    "it": "il di che e la per un in è non una sono del della le dei gli con si al alla nel ha da "
          "come più ma anche questo delle essere tribunale",
    "pt": "o a de que e do da em um para é com não uma os no se na por mais as dos como mas ao "
          "ele das à seu sua ou quando muito nos já também pelo pela até isso você tribunal",
    "nl": "de het een en van in is dat op te zijn met voor niet aan er die om ook als bij door "
          "maar uit dan naar hij wordt worden deze kan zijn rechtbank",
    "vi": "của và là các có được trong cho không người này những với một đã để khi đến từ theo "
          "về tòa án",
    "tl": "ang ng sa na at mga ay para kung hindi ito ako siya niya nang kanyang kay mo ko ka "
          "hukuman",
    "ru": "и в не на что он с как а то все она так его но да ты к у же вы за бы по только ее мне "
          "было вот от меня о из ему теперь когда суд",
}
_STOPSETS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_language(text: str) -> str:
    """ISO 639-1 guess from stop-word counts (en es fr de it pt nl vi tl ru), script for zh/ja/ko/ar;
    "und" when there is too little evidence or two languages are too close."""
    if not text:
        return "und"
    sample = text[:200_000]
    letters = [ch for ch in sample[:20_000] if ch.isalpha()]
    if len(letters) >= 20:
        script = _script_guess(letters)
        if script:
            return script
    words = _WORD_RE.findall(sample.lower())[:20_000]
    if len(words) < 5:
        return "und"
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPSETS.items()}
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 3 or top / len(words) < 0.08 or top < second * 1.25:
        return "und"
    distinct = len(_STOPSETS[best].intersection(words))
    if distinct < 3:  # one word repeated ("et" in lorem ipsum) is not a language
        return "und"
    return best


def _script_guess(letters: list[str]) -> str | None:
    counts = {"han": 0, "kana": 0, "hangul": 0, "arabic": 0}
    for ch in letters:
        o = ord(ch)
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            counts["han"] += 1
        elif 0x3040 <= o <= 0x30FF:
            counts["kana"] += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF:
            counts["hangul"] += 1
        elif 0x0600 <= o <= 0x06FF:
            counts["arabic"] += 1
    n = len(letters)
    if counts["kana"] > n * 0.1:
        return "ja"
    if counts["hangul"] > n * 0.4:
        return "ko"
    if counts["han"] > n * 0.4:
        return "zh"
    if counts["arabic"] > n * 0.4:
        return "ar"
    return None


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


# -------------------------------------------------------------------------------- input checks


def _check_input(path, content_type: str) -> tuple[str, str]:
    from app.documents.filetypes import SNIFF_BYTES, sniff  # keep: parent side only (the sandbox child has no app package)

    path = os.path.abspath(os.fspath(path))  # the sandbox runs in its own working directory
    size = os.stat(path).st_size  # FileNotFoundError is not the file's fault: let it through
    if size == 0:
        raise ProcessingError("empty_file", "The file is empty.")
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    sniffed = sniff(head)
    if sniffed is None:
        raise ProcessingError(
            "unsupported_type",
            "This kind of file is not supported: upload a PDF, PNG, JPEG, TIFF or plain-text file.",
        )
    # The bytes win over the declared type (a PNG renamed .pdf is processed as a PNG).
    return path, sniffed


# ----------------------------------------------------------------------------------- dispatching

_PDFIUM_LOCK = threading.RLock()  # PDFium is not thread-safe (in-process mode only)
_LANGS: frozenset[str] | None = None
_LANGS_LOCK = threading.Lock()


def _available_langs() -> frozenset[str]:
    """Installed tesseract languages (cached). Raises TesseractNotFoundError if tesseract is missing."""
    global _LANGS
    with _LANGS_LOCK:
        if _LANGS is None:
            import pytesseract

            _LANGS = frozenset(pytesseract.get_languages(config=""))
        return _LANGS


def _resolve_lang(lang: str) -> tuple[str, bool]:
    """Validated tesseract language string and whether OSD (orientation detection) is available."""
    available = _available_langs()
    wanted = [part for part in str(lang or "eng").split("+") if re.fullmatch(r"[A-Za-z_]{2,32}", part)]
    usable = [part for part in wanted if part in available and part != "osd"]
    if not usable:
        usable = ["eng"] if "eng" in available else sorted(available - {"osd"})[:1]
    if not usable:
        raise RuntimeError("tesseract has no language data installed")
    return "+".join(usable), "osd" in available


def _dispatch(op: str, limits: Limits, timeout: float, **args):
    if not limits.sandbox:
        return _OPS[op](limits=limits, **args)
    stream = _sandbox_stream(op, limits, timeout, timeout, args)
    try:
        next(stream)
    except StopIteration as stop:
        return stop.value
    stream.close()
    raise RuntimeError(f"document sandbox: unexpected output for {op}")


def _tesseract_env() -> dict:
    """The process's environment (PATH, TESSDATA_PREFIX...) with one OpenMP thread per tesseract."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _child_env(tmpdir: str) -> dict:
    """The sandbox child's minimal environment: what finding programs and languages needs, no secrets."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TESSDATA_PREFIX", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env.update(TMPDIR=tmpdir, TEMP=tmpdir, TMP=tmpdir, HOME=tmpdir, OMP_THREAD_LIMIT="1",
               PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    return env


def _sandbox_stream(op: str, limits: Limits, idle_timeout: float, cpu_seconds: float, args: dict,
                    tmp_dir: str | None = None):
    """Run ``op`` in a sandbox child: yields what the child streams (``{"page": ...}`` lines) and
    returns its final value. The child is killed (whole process group) when it sends nothing for
    ``idle_timeout`` seconds, and when the caller closes the generator early."""
    payload = json.dumps({"op": op, "limits": asdict(limits), "timeout": cpu_seconds, "args": args}).encode()
    script = os.path.abspath(__file__)
    with tempfile.TemporaryDirectory(prefix="caseos-extract-", dir=tmp_dir) as tmp:
        err_path = os.path.join(tmp, "stderr.log")
        with open(err_path, "wb") as errf:
            proc = subprocess.Popen(
                [sys.executable, "-I", script, "--sandbox-child"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errf,
                cwd=tmp, env=_child_env(tmp), start_new_session=True, close_fds=True,
            )
        final = None
        timed_out = False
        try:
            try:
                proc.stdin.write(payload)
                proc.stdin.close()
            except BrokenPipeError:  # the child died at once; its exit status tells why
                pass
            fd = proc.stdout.fileno()
            buf = b""
            deadline = time.monotonic() + idle_timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                ready, _, _ = select.select([fd], [], [], remaining)
                if not ready:
                    continue
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    *lines, buf = (buf + chunk).split(b"\n")
                else:
                    lines, buf = [buf], b""
                for line in lines:
                    if not line.strip():
                        continue
                    try:
                        message = json.loads(line.decode("utf-8"))
                    except ValueError:
                        message = None
                    if isinstance(message, dict) and "page" in message:
                        yield message["page"]
                        deadline = time.monotonic() + idle_timeout  # the caller's time is not the child's
                    elif message is not None:
                        final = message
                if not chunk:
                    break
            if not timed_out:
                try:
                    proc.wait(timeout=max(1.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    timed_out = True
        finally:
            if proc.returncode is None:
                _kill_group(proc)
                try:
                    proc.wait(timeout=10)
                except Exception:  # pragma: no cover - the process is stuck in the kernel
                    pass
            proc.stdout.close()
        if timed_out:
            if op == "ocr_pages":
                raise ProcessingError("ocr_timeout", "Reading the pages took too long.")
            raise ProcessingError("file_corrupt", "The file took too long to read; it may be damaged.")
        return _child_outcome(op, final, proc.returncode, err_path)


def _child_outcome(op: str, result, rc, err_path: str):
    if isinstance(result, dict):
        if "ok" in result:
            return result["ok"]
        if "error" in result:
            raise ProcessingError(result["error"]["code"], result["error"]["message"])
        if "value_error" in result:
            raise ValueError(result["value_error"])
        if "infra" in result:
            raise RuntimeError(f"document sandbox failed: {result['infra']}")
    if rc is not None and rc < 0:
        sig = -rc
        if sig == signal.SIGXCPU:
            code = "ocr_timeout" if op == "ocr_pages" else "file_corrupt"
            raise ProcessingError(code, "The file used too much processing time.")
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        raise ProcessingError("file_corrupt", f"The file could not be read safely (parser stopped: {name}).")
    with open(err_path, "rb") as fh:
        fh.seek(max(0, os.path.getsize(err_path) - 2000))
        tail = fh.read().decode("utf-8", "replace")
    raise RuntimeError(f"document sandbox exited with status {rc}: {tail.strip()[-1000:]}")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except ProcessLookupError:
            pass


class PageRangeError(ValueError):
    """page_number outside the document: a bug in the caller, not a property of the file."""


# -------------------------------------------------------------------- implementations (in child)


def _impl_count_pages(limits: Limits, path: str, content_type: str) -> int:
    if content_type == PDF:
        with _open_pdf(path) as pdf:
            return _pdf_page_count(pdf, limits)
    if content_type in IMAGE_TYPES:
        with _open_image(path, content_type) as img:
            return _image_frame_count(img, limits)
    if content_type == TEXT:
        return len(_text_pages(path, limits))
    raise ProcessingError("unsupported_type", f"Unsupported content type {content_type!r}.")


def _impl_text_layer(limits: Limits, path: str, content_type: str) -> list[dict]:
    if content_type == PDF:
        return _pdf_text_layer(path, limits)
    if content_type in IMAGE_TYPES:
        with _open_image(path, content_type) as img:
            n = _image_frame_count(img, limits)
        return [asdict(PageText(i, "", "text_layer", None, True)) for i in range(1, n + 1)]
    if content_type == TEXT:
        return [asdict(PageText(i, text, "text_layer", None, False))
                for i, text in enumerate(_text_pages(path, limits), start=1)]
    raise ProcessingError("unsupported_type", f"Unsupported content type {content_type!r}.")


def _impl_ocr_pages(limits: Limits, path: str, content_type: str, pages: list[int], lang: str, osd: bool,
                    workers: int, work_dir: str | None = None):
    """Generator of ``[page_number, text, confidence]`` (see iter_ocr_pages)."""
    with tempfile.TemporaryDirectory(prefix="caseos-ocr-", dir=work_dir) as work:
        if content_type == PDF:
            source = _PdfPages(path, limits)
        elif content_type in IMAGE_TYPES:
            source = _ImagePages(path, content_type, limits)
        else:
            raise ProcessingError("unsupported_type", f"Cannot OCR content type {content_type!r}.")
        try:
            source.check_pages(pages)
            engine = _OcrEngine(lang, osd, workers, limits.ocr_timeout_per_page, rlimits=_IN_SANDBOX)
            yield from engine.run(pages, lambda n: source.render(n, os.path.join(work, f"page-{n}")))
        finally:
            source.close()


_OPS = {"count_pages": _impl_count_pages, "text_layer": _impl_text_layer}
_STREAM_OPS = {"ocr_pages": _impl_ocr_pages}
_IN_SANDBOX = False  # set in the sandbox child: tesseract then gets its own CPU limit
_SANDBOX_LIMITS = Limits()


# ------------------------------------------------------------------------------------------ PDF


def _pdf_open_raw(path: str):
    """PdfDocument for path (the caller holds _PDFIUM_LOCK); file errors become ProcessingError."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(path)  # an owner-password-only PDF opens with the empty password
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (4, 5):  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY
            raise ProcessingError("pdf_encrypted", "This PDF is protected by a password. "
                                  "Upload a copy without the password.") from None
        raise ProcessingError("file_corrupt", "This PDF is damaged and cannot be opened.") from None
    except (FileNotFoundError, PermissionError):
        raise  # storage problem, not the file's fault
    except (OSError, ValueError, MemoryError) as exc:
        raise ProcessingError("file_corrupt", f"This PDF cannot be opened ({type(exc).__name__}).") from None


@contextmanager
def _pdf_errors():
    """Exceptions from PDFium while working on an open document -> ProcessingError."""
    try:
        yield
    except (ProcessingError, PageRangeError):
        raise
    except MemoryError:
        raise ProcessingError("image_too_large", "This PDF needs too much memory to process.") from None
    except Exception as exc:  # PdfiumError and friends from a damaged file
        raise ProcessingError("file_corrupt", f"This PDF is damaged ({type(exc).__name__}).") from None


@contextmanager
def _open_pdf(path: str):
    with _PDFIUM_LOCK:
        pdf = _pdf_open_raw(path)
        try:
            with _pdf_errors():
                yield pdf
        finally:
            pdf.close()


class _PdfPages:
    """Page images of one open PDF for OCR. PDFium is only entered under _PDFIUM_LOCK (in-process
    mode), one call at a time, so the document may stay open while tesseract runs."""

    def __init__(self, path: str, limits: Limits):
        self.limits = limits
        with _PDFIUM_LOCK:
            self.pdf = _pdf_open_raw(path)

    def check_pages(self, pages: list[int]) -> None:
        with _PDFIUM_LOCK, _pdf_errors():
            n = _pdf_page_count(self.pdf, self.limits)
        if pages[-1] > n:
            raise PageRangeError(f"page {pages[-1]} out of range (document has {n})")

    def render(self, number: int, base: str) -> tuple[str, int] | None:
        with _PDFIUM_LOCK, _pdf_errors():
            return _render_pdf_page(self.pdf, number, self.limits, base)

    def close(self) -> None:
        with _PDFIUM_LOCK:
            self.pdf.close()


def _pdf_page_count(pdf, limits: Limits) -> int:
    n = len(pdf)
    if n <= 0:
        raise ProcessingError("file_corrupt", "This PDF has no pages.")
    if n > limits.max_pages:
        raise ProcessingError("too_many_pages", f"The document has {n} pages; the limit is {limits.max_pages}.")
    return n


def _pdf_text_layer(path: str, limits: Limits) -> list[dict]:
    import pypdfium2 as pdfium

    pages = []
    with _open_pdf(path) as pdf:
        n = _pdf_page_count(pdf, limits)  # before any per-page work
        for i in range(n):
            try:
                page = pdf[i]
            except pdfium.PdfiumError:
                pages.append(asdict(PageText(i + 1, "", "text_layer", None, True)))
                continue
            try:
                textpage = page.get_textpage()
                try:
                    text = _normalize_text(textpage.get_text_bounded(), limits.max_chars_per_page)
                    needs = text_needs_ocr(text) or _layer_is_suspect(page, textpage, text)
                finally:
                    textpage.close()
            except pdfium.PdfiumError:
                text, needs = "", True
            finally:
                page.close()
            pages.append(asdict(PageText(i + 1, text, "text_layer", None, needs)))
    return pages


def _layer_is_suspect(page, textpage, text: str) -> bool:
    """Cheap structural checks on a page whose text looks fine on its own.

    * a scan (images over >= half the page) with little text: the text is a stamp or a partial layer;
    * mostly invisible text (render mode 3) not lying over a scanned image: the text layer says
      something the page does not show.
    """
    chars = sum(1 for c in text if not c.isspace())
    coverage = None
    if chars < 200:
        coverage = _image_coverage(page)
        if coverage >= 0.5:
            return True
    invisible = _invisible_text_ratio(textpage)
    if invisible > 0.5:
        if coverage is None:
            coverage = _image_coverage(page)
        return coverage < 0.3
    return False


def _image_coverage(page, max_objects: int = 2000) -> float:
    """Fraction of the page area covered by images (or form XObjects holding images)."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    area = width * height
    if area <= 0:
        return 0.0
    try:
        left0, bottom0, right0, top0 = page.get_bbox()
    except Exception:
        left0, bottom0, right0, top0 = 0.0, 0.0, width, height
    n = raw.FPDFPage_CountObjects(page)
    if n <= 0 or n > max_objects:
        return 0.0
    covered = 0.0
    lb, bb, rb, tb = (ctypes.c_float() for _ in range(4))
    for i in range(n):
        obj = raw.FPDFPage_GetObject(page, i)
        if not obj:
            continue
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_IMAGE or (kind == raw.FPDF_PAGEOBJ_FORM and _form_has_image(obj, 2)):
            if raw.FPDFPageObj_GetBounds(obj, ctypes.byref(lb), ctypes.byref(bb), ctypes.byref(rb), ctypes.byref(tb)):
                w = min(rb.value, right0) - max(lb.value, left0)
                h = min(tb.value, top0) - max(bb.value, bottom0)
                if w > 0 and h > 0:
                    covered += w * h
    return min(1.0, covered / area)


def _form_has_image(form, depth: int, budget: int = 200) -> bool:
    import pypdfium2.raw as raw

    n = raw.FPDFFormObj_CountObjects(form)
    for i in range(min(max(n, 0), budget)):
        obj = raw.FPDFFormObj_GetObject(form, i)
        if not obj:
            continue
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_IMAGE:
            return True
        if kind == raw.FPDF_PAGEOBJ_FORM and depth > 1 and _form_has_image(obj, depth - 1, budget // 4):
            return True
    return False


def _invisible_text_ratio(textpage, samples: int = 64) -> float:
    import pypdfium2.raw as raw

    n = raw.FPDFText_CountChars(textpage)
    if n <= 0:
        return 0.0
    step = max(1, n // samples)
    seen = invisible = 0
    last_obj = None
    last_invisible = False
    for idx in range(0, n, step):
        obj = raw.FPDFText_GetTextObject(textpage, idx)
        if not obj:
            continue
        addr = ctypes.cast(obj, ctypes.c_void_p).value
        if addr != last_obj:
            mode = raw.FPDFTextObj_GetTextRenderMode(obj)
            last_invisible = mode in (raw.FPDF_TEXTRENDERMODE_INVISIBLE, raw.FPDF_TEXTRENDERMODE_CLIP)
            last_obj = addr
        seen += 1
        invisible += last_invisible
    return invisible / seen if seen else 0.0


def _render_pdf_page(pdf, page_number: int, limits: Limits, base: str) -> tuple[str, int]:
    """Render one page to ``base + ".pgm"`` (8-bit grey) or ``".pbm"`` (black and white), uncompressed
    (no encode/decode round trip), at the scan's resolution; ``(file, dpi)``."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        page = pdf[page_number - 1]
    except pdfium.PdfiumError:
        raise ProcessingError("file_corrupt", f"Page {page_number} of this PDF is damaged.") from None
    try:
        width, height = page.get_size()
        if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
            raise ProcessingError("file_corrupt", f"Page {page_number} has an invalid size.")
        if max(width, height) > limits.max_page_points:
            raise ProcessingError(
                "page_too_large",
                f"Page {page_number} is {width:.0f} x {height:.0f} points; the limit is "
                f"{limits.max_page_points:.0f} points a side.")
        dpi = _fit_dpi(width / 72.0, height / 72.0, limits, _ocr_dpi(page, limits))
        bitmap = page.render(scale=dpi / 72.0, grayscale=True, force_bitmap_format=raw.FPDFBitmap_Gray,
                             may_draw_forms=False, draw_annots=True)
        try:
            image = bitmap.to_pil()
            colors = image.getcolors(2)
            if colors is not None and all(value in (0, 255) for _, value in colors):
                # A bilevel scan at its own resolution renders to pure black and white: hand it to
                # tesseract as 1 bit (lossless, 8x smaller, no thresholding of a grey image).
                image = image.convert("1", dither=0)
                out_path = base + ".pbm"
            else:
                out_path = base + ".pgm"
            image.save(out_path, format="PPM")
            del image
        finally:
            bitmap.close()
    finally:
        page.close()
    return out_path, dpi


def _ocr_dpi(page, limits: Limits) -> int:
    """Resolution to render a page at for OCR: the resolution of the scan that covers it (the
    largest image, if it covers at least a quarter of the page), between min_scan_dpi and ocr_dpi;
    ocr_dpi for pages without one (vector drawings, text as outlines)."""
    scan = _scan_resolution(page)
    if scan is None:
        return int(limits.ocr_dpi)
    return int(min(limits.ocr_dpi, max(min(limits.min_scan_dpi, limits.ocr_dpi), round(scan))))


def _scan_resolution(page, max_objects: int = 2000) -> float | None:
    import pypdfium2.raw as raw

    width, height = page.get_size()
    n = raw.FPDFPage_CountObjects(page)
    if n <= 0 or n > max_objects:
        return None
    best_area, best_dpi = 0.0, None
    lb, bb, rb, tb = (ctypes.c_float() for _ in range(4))
    pw, ph = ctypes.c_uint(), ctypes.c_uint()
    for i in range(n):
        obj = raw.FPDFPage_GetObject(page, i)
        if not obj or raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_IMAGE:
            continue
        if not raw.FPDFPageObj_GetBounds(obj, ctypes.byref(lb), ctypes.byref(bb), ctypes.byref(rb), ctypes.byref(tb)):
            continue
        w_in, h_in = (rb.value - lb.value) / 72.0, (tb.value - bb.value) / 72.0
        if not (w_in > 0 and h_in > 0) or w_in * h_in * 5184 <= best_area:
            continue
        if not raw.FPDFImageObj_GetImagePixelSize(obj, ctypes.byref(pw), ctypes.byref(ph)):
            continue
        if pw.value <= 0 or ph.value <= 0:
            continue
        best_area = w_in * h_in * 5184  # in square points
        best_dpi = math.sqrt(pw.value * ph.value / (w_in * h_in))  # rotation-independent
    if best_dpi is None or not math.isfinite(best_dpi) or best_area < 0.25 * width * height:
        return None
    return best_dpi


def _fit_dpi(width_in: float, height_in: float, limits: Limits, dpi: float | None = None) -> int:
    """Resolution for OCR: dpi (default limits.ocr_dpi), lowered until the page fits max_pixels_per_page."""
    dpi = float(limits.ocr_dpi if dpi is None else dpi)
    if width_in * height_in * dpi * dpi > limits.max_pixels_per_page:
        dpi = math.sqrt(limits.max_pixels_per_page / (width_in * height_in))
    dpi = math.floor(dpi)
    if dpi < limits.min_ocr_dpi:
        raise ProcessingError(
            "image_too_large",
            f"The page is too large to read ({width_in:.0f} x {height_in:.0f} inches).")
    return int(dpi)


# --------------------------------------------------------------------------------------- images


@contextmanager
def _open_image(path: str, content_type: str):
    import warnings

    from PIL import Image

    fmt = IMAGE_TYPES[content_type]
    if _IN_SANDBOX:
        # Pillow's own bomb guard as a backstop; the exact budget is checked before decoding (JPEG
        # may exceed it by up to 64x because the decoder can scale it down by 8 in each direction).
        Image.MAX_IMAGE_PIXELS = max(int(_SANDBOX_LIMITS.max_pixels_per_page), 1) * 64
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path, formats=[fmt])  # lazy: reads the header only
    except Image.DecompressionBombError:
        raise ProcessingError("image_too_large", "The image is too large to process.") from None
    except Image.DecompressionBombWarning:
        raise ProcessingError("image_too_large", "The image is too large to process.") from None
    except MemoryError:
        raise ProcessingError("image_too_large", "The image needs too much memory to process.") from None
    except (FileNotFoundError, PermissionError):
        raise
    except Exception as exc:  # UnidentifiedImageError, OSError, SyntaxError, struct.error, ...
        raise ProcessingError("file_corrupt", f"The image is damaged ({type(exc).__name__}).") from None
    try:
        yield img
    except (ProcessingError, PageRangeError):
        raise
    except (MemoryError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ProcessingError("image_too_large", "The image needs too much memory to process.") from None
    except Exception as exc:
        raise ProcessingError("file_corrupt", f"The image is damaged ({type(exc).__name__}).") from None
    finally:
        img.close()


def _frame_fits(img, limits: Limits) -> bool:
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ProcessingError("file_corrupt", "The image has no pixels.")
    if width * height <= limits.max_pixels_per_page:
        return True
    # JPEG can be decoded at 1/2, 1/4 or 1/8 of its size directly (no full-size buffer).
    return img.format == "JPEG" and width * height <= limits.max_pixels_per_page * 64


def _image_frame_count(img, limits: Limits) -> int:
    n = 0
    if img.format == "TIFF":
        while True:
            if n >= limits.max_pages:
                try:
                    img.seek(n)
                except EOFError:
                    break
                raise ProcessingError("too_many_pages",
                                      f"The image has more than {limits.max_pages} pages; the limit is {limits.max_pages}.")
            try:
                img.seek(n)
            except EOFError:
                break
            if not _frame_fits(img, limits):
                raise ProcessingError("image_too_large", f"Page {n + 1} of the image is too large to process.")
            n += 1
        if n == 0:
            raise ProcessingError("file_corrupt", "The image has no pages.")
        return n
    if not _frame_fits(img, limits):
        raise ProcessingError("image_too_large", "The image is too large to process.")
    return 1


class _ImagePages:
    """Page images (frames) of a PNG, JPEG or TIFF file for OCR."""

    def __init__(self, path: str, content_type: str, limits: Limits):
        self.path, self.content_type, self.limits = path, content_type, limits

    def check_pages(self, pages: list[int]) -> None:
        with _open_image(self.path, self.content_type) as img:
            n = _image_frame_count(img, self.limits)
        if pages[-1] > n:
            raise PageRangeError(f"page {pages[-1]} out of range (image has {n} page{'s' if n > 1 else ''})")

    def render(self, number: int, base: str) -> tuple[str, int] | None:
        return _prepare_image_page(self.path, self.content_type, number, self.limits, base)

    def close(self) -> None:
        pass


def _prepare_image_page(path: str, content_type: str, page_number: int, limits: Limits,
                        base: str) -> tuple[str, int] | None:
    """Decode one frame into an 8-bit grayscale (or bilevel) PNM file ``base + ".pgm"/".pbm"`` for
    tesseract: ``(file, dpi to announce, 0 = let tesseract estimate)``, or None when the image is too
    small to hold text."""
    from PIL import Image, ImageOps

    with _open_image(path, content_type) as img:
        if page_number > 1:
            if img.format != "TIFF":
                raise PageRangeError(f"page {page_number} out of range (image has 1 page)")
            try:
                img.seek(page_number - 1)
            except EOFError:
                raise PageRangeError(f"page {page_number} out of range") from None
        if not _frame_fits(img, limits):
            raise ProcessingError("image_too_large", "The image is too large to process.")
        width, height = img.size
        if width * height > limits.max_pixels_per_page:  # JPEG: let the decoder scale down by 2, 4 or 8
            factor = next(f for f in (2, 4, 8) if (width / f) * (height / f) <= limits.max_pixels_per_page)
            img.draft("L", (math.ceil(width / factor), math.ceil(height / factor)))
            if img.size[0] * img.size[1] > limits.max_pixels_per_page:
                raise ProcessingError("image_too_large", "The image is too large to process.")
        dpi = _image_dpi(img.info.get("dpi"))
        img.load()
        if img.size[0] < 8 or img.size[1] < 8:
            return None
        if img.format in ("JPEG", "TIFF"):
            img = ImageOps.exif_transpose(img) or img  # phone photos carry their orientation in EXIF
        img = _to_ocr_mode(img)
        out_path = base + (".pbm" if img.mode == "1" else ".pgm")
        img.save(out_path, format="PPM")
        return out_path, dpi


def _image_dpi(value) -> int:
    try:
        x = float(value[0]) if isinstance(value, (tuple, list)) else float(value)
    except (TypeError, ValueError, IndexError):
        return 0
    return int(round(x)) if 70 <= x <= 1200 else 0


def _to_ocr_mode(img):
    from PIL import Image

    mode = img.mode
    if mode in ("1", "L"):
        return img
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("L")
    if mode.startswith("I") or mode == "F":
        lo, hi = img.getextrema()
        if hi is None or lo is None or hi <= lo:
            return img.convert("L")
        scale = 255.0 / (hi - lo)
        return img.point(lambda v: (v - lo) * scale).convert("L")
    return img.convert("L")  # RGB, CMYK, YCbCr, LAB, HSV


# ----------------------------------------------------------------------------------------- text


def _text_pages(path: str, limits: Limits) -> list[str]:
    with open(path, "rb") as fh:
        data = fh.read()
    text = _decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = text.split("\f")
    while len(parts) > 1 and not parts[-1].strip():
        parts.pop()  # a trailing form feed does not start a new page
    if len(parts) > limits.max_pages:
        raise ProcessingError("too_many_pages",
                              f"The document has {len(parts)} pages; the limit is {limits.max_pages}.")
    return [_normalize_text(p, limits.max_chars_per_page) for p in parts]


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be"
        return data[2:].decode(enc, errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# -------------------------------------------------------------------------------------------- OCR


# Orientation: tesseract reads every page with --psm 3 (no orientation and script detection, which
# costs 15-20% on every page). A page read upside down or sideways comes back as garbage with a low
# mean confidence (about 40 against 90+ for the same page upright), so only pages under this
# confidence get an orientation check (--psm 0); when it finds a rotation the page is turned and
# read again, and the better of the two readings (by confidence) is kept.
OSD_BELOW_CONFIDENCE = 70.0
OSD_MIN_ORIENTATION_CONFIDENCE = 2.0
_TRANSPOSE_FOR_ROTATE = {90: "ROTATE_270", 180: "ROTATE_180", 270: "ROTATE_90"}  # tesseract: degrees clockwise


class _OcrPage:
    __slots__ = ("number", "image", "dpi", "stage", "first", "deadline", "proc", "out", "err", "open")

    def __init__(self, number: int, image: str | None, dpi: int):
        self.number, self.image, self.dpi = number, image, dpi
        self.stage = ""
        self.first: tuple[str, float] | None = None
        self.deadline = 0.0
        self.proc = None
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.open = 0


class _OcrEngine:
    """Runs tesseract on rendered pages, ``workers`` processes at a time, from one thread.

    Each page gets ``budget`` seconds of wall-clock time for all its tesseract runs (the first
    reading timing out is ``ocr_timeout``; an orientation retry timing out keeps the first reading)
    and, with ``rlimits`` (in the sandbox child, which is single-threaded so ``preexec_fn`` is safe),
    its own CPU limit; the address-space, core and file-size limits are the sandbox's, inherited.
    Pages are rendered lazily, at most one ahead of the running processes, so a 500-page document
    never has more than ``workers + 1`` page images on disk.
    """

    def __init__(self, lang: str, osd: bool, workers: int, budget: float, rlimits: bool):
        self.lang, self.osd, self.workers, self.budget = lang, osd, max(1, int(workers)), float(budget)
        self.preexec = _cpu_limiter(int(math.ceil(self.budget)) + 5) if rlimits else None
        self.selector = selectors.DefaultSelector()
        self.running: list[_OcrPage] = []

    def run(self, pages: list[int], render: Callable[[int], tuple[str, int] | None]):
        todo, ready = deque(pages), deque()
        try:
            while todo or ready or self.running:
                while len(self.running) < self.workers and (ready or todo):
                    page = ready.popleft() if ready else self._render(todo.popleft(), render)
                    if page.image is None:
                        yield [page.number, "", 0.0]
                    else:
                        page.deadline = time.monotonic() + self.budget
                        self._start(page, "ocr")
                if todo and not ready and self.running:  # render the next page while tesseract works
                    page = self._render(todo.popleft(), render)
                    if page.image is None:
                        yield [page.number, "", 0.0]
                    else:
                        ready.append(page)
                if not self.running:
                    continue
                timeout = max(0.0, min(p.deadline for p in self.running) - time.monotonic())
                for key, _ in self.selector.select(timeout):
                    self._read(key)
                now = time.monotonic()
                for page in list(self.running):
                    if page.open == 0:
                        rc = page.proc.wait()
                        self.running.remove(page)
                        result = self._advance(page, rc)
                    elif now >= page.deadline:
                        self._stop(page)
                        if page.stage == "ocr":
                            raise ProcessingError("ocr_timeout", f"Reading page {page.number} took longer "
                                                  f"than {self.budget:g} s.")
                        result = page.first
                    else:
                        continue
                    if result is not None:
                        _remove(page.image)
                        yield [page.number, result[0], result[1]]
        finally:
            for page in list(self.running):
                self._stop(page)
            self.selector.close()

    @staticmethod
    def _render(number: int, render) -> _OcrPage:
        rendered = render(number)
        if rendered is None:
            return _OcrPage(number, None, 0)
        return _OcrPage(number, rendered[0], rendered[1])

    def _start(self, page: _OcrPage, stage: str) -> None:
        cmd = ["tesseract", page.image, "stdout"]
        if stage == "osd":
            cmd += ["--psm", "0"]
        else:
            # No second pass looking for white-on-black text: court papers don't have it (~13%).
            cmd += ["-l", self.lang, "--psm", "3", "-c", "tessedit_do_invert=0"]
        if page.dpi:
            cmd += ["--dpi", str(int(page.dpi))]
        if stage != "osd":
            cmd.append("tsv")
        page.stage, page.out, page.err = stage, [], []
        page.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     close_fds=True, preexec_fn=self.preexec, env=_tesseract_env())
        for stream in (page.proc.stdout, page.proc.stderr):
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream, selectors.EVENT_READ, page)
        page.open = 2
        self.running.append(page)

    def _read(self, key) -> None:
        page, stream = key.data, key.fileobj
        try:
            chunk = os.read(stream.fileno(), 1 << 16)
        except BlockingIOError:
            return
        if chunk:
            (page.out if stream is page.proc.stdout else page.err).append(chunk)
            return
        self.selector.unregister(stream)
        stream.close()
        page.open -= 1

    def _stop(self, page: _OcrPage) -> None:
        if page in self.running:
            self.running.remove(page)
        proc = page.proc
        if proc is None:
            return
        for stream in (proc.stdout, proc.stderr):
            if stream is not None and not stream.closed:
                try:
                    self.selector.unregister(stream)
                except (KeyError, ValueError):
                    pass
                stream.close()
        page.open = 0
        if proc.poll() is None:
            try:
                proc.kill()
            except ProcessLookupError:  # pragma: no cover
                pass
            proc.wait()

    def _advance(self, page: _OcrPage, rc: int) -> tuple[str, float] | None:
        """The page's current tesseract run ended: its result, or None when another run started."""
        out = b"".join(page.out).decode("utf-8", "replace")
        if page.stage == "ocr":
            if rc != 0:
                raise _tesseract_error(rc, b"".join(page.err).decode("utf-8", "replace"))
            page.first = _assemble(_parse_tsv(out))
            if self.osd and page.first[1] < OSD_BELOW_CONFIDENCE and time.monotonic() < page.deadline:
                self._start(page, "osd")
                return None
            return page.first
        if page.stage == "osd":
            rotate = _osd_rotation(out) if rc == 0 else 0
            if rotate and time.monotonic() < page.deadline and _rotate_image(page.image, rotate):
                self._start(page, "ocr2")
                return None
            return page.first
        second = _assemble(_parse_tsv(out)) if rc == 0 else None
        if second is not None and second[1] > page.first[1]:
            return second
        return page.first


def _cpu_limiter(seconds: int):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    new_hard = seconds + 5 if hard == resource.RLIM_INFINITY else min(hard, seconds + 5)
    limit = (min(seconds, new_hard), new_hard)

    def apply():  # runs between fork and exec: nothing but the system call
        resource.setrlimit(resource.RLIMIT_CPU, limit)
    return apply


def _tesseract_error(rc: int, err: str) -> ProcessingError:
    if rc == -signal.SIGXCPU:
        return ProcessingError("ocr_timeout", "Reading the page used too much processing time.")
    message = err.strip()[-300:]
    if "alloc" in message.lower() or "memory" in message.lower() or rc == -signal.SIGKILL:
        return ProcessingError("image_too_large", "The page needs too much memory to read.")
    return ProcessingError("file_corrupt", f"The page could not be read by OCR: {message or f'status {rc}'}")


def _osd_rotation(out: str) -> int:
    """Clockwise rotation that makes the page upright, from tesseract --psm 0 output (0 if unsure)."""
    m = re.search(r"^Rotate:\s*(\d+)", out, re.M)
    c = re.search(r"^Orientation confidence:\s*([\d.]+)", out, re.M)
    if not m or not c:
        return 0
    rotate = int(m.group(1)) % 360
    try:
        confidence = float(c.group(1))
    except ValueError:
        return 0
    return rotate if rotate in _TRANSPOSE_FOR_ROTATE and confidence >= OSD_MIN_ORIENTATION_CONFIDENCE else 0


def _rotate_image(path: str, rotate: int) -> bool:
    from PIL import Image

    try:
        with Image.open(path, formats=["PPM"]) as img:
            turned = img.transpose(getattr(Image.Transpose, _TRANSPOSE_FOR_ROTATE[rotate]))
        turned.save(path, format="PPM")
        return True
    except Exception:  # keep the first reading
        return False


def _remove(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _parse_tsv(out: str) -> dict:
    """tesseract's TSV output as columns (the shape pytesseract.image_to_data returns)."""
    keys = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width",
            "height", "conf", "text")
    data: dict[str, list] = {k: [] for k in keys}
    for row in out.splitlines()[1:]:
        parts = row.split("\t", 11)
        if len(parts) < 11 or not parts[0].isdigit():
            continue
        parts += [""] * (12 - len(parts))
        for key, value in zip(keys, parts):
            data[key].append(value)
    return data


def _assemble(data: dict) -> tuple[str, float]:
    lines: list[str] = []
    confs: list[float] = []
    current_key = None
    current_block = None
    words: list[str] = []
    n = len(data.get("text", []))
    for i in range(n):
        if int(data["level"][i]) != 5:
            continue
        word = str(data["text"][i]).strip()
        if not word:
            continue
        try:
            conf = float(data["conf"][i])
        except (TypeError, ValueError):
            conf = -1.0
        if conf >= 0:
            confs.append(conf)
        key = (data["page_num"][i], data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != current_key:
            if words:
                lines.append(" ".join(words))
            words = []
            block = key[:2]
            if current_block is not None and block != current_block:
                lines.append("")  # blank line between blocks
            current_block = block
            current_key = key
        words.append(word)
    if words:
        lines.append(" ".join(words))
    text = "\n".join(lines).strip()
    confidence = round(sum(confs) / len(confs), 2) if confs else 0.0
    return text, confidence


# ------------------------------------------------------------------------------------- the child


def _child_main() -> None:  # pragma: no cover - exercised through subprocesses
    import resource

    # The result goes to the original stdout; anything C libraries print goes to stderr.
    result_fd = os.dup(1)
    os.dup2(2, 1)
    out = os.fdopen(result_fd, "w", encoding="utf-8")
    try:
        request = json.loads(sys.stdin.read())
        limits = Limits.from_dict(request["limits"])
        limits.sandbox = False
        mem = int(limits.memory_limit_mb) * 1024 * 1024
        if mem > 0:
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        cpu = int(math.ceil(float(request.get("timeout", 120)))) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        fsize = 1024 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        global _IN_SANDBOX, _SANDBOX_LIMITS
        _IN_SANDBOX, _SANDBOX_LIMITS = True, limits  # Pillow's bomb guard is set when an image is opened
        op = request["op"]
        if op in _STREAM_OPS:
            for row in _STREAM_OPS[op](limits=limits, **request["args"]):
                out.write(json.dumps({"page": row}) + "\n")
                out.flush()
            response = {"ok": None}
        else:
            response = {"ok": _OPS[op](limits=limits, **request["args"])}
    except ProcessingError as exc:
        response = {"error": exc.to_dict()}
    except MemoryError:
        response = {"error": {"code": "image_too_large", "message": "The file needs too much memory to process."}}
    except PageRangeError as exc:
        response = {"value_error": str(exc)}
    except Exception as exc:
        if type(exc).__name__ == "TesseractNotFoundError" or isinstance(
                exc, (ImportError, FileNotFoundError, PermissionError)):
            response = {"infra": f"{type(exc).__name__}: {exc}"}
        else:
            response = {"error": {"code": "file_corrupt", "message": f"The file is damaged ({type(exc).__name__})."}}
    out.write(json.dumps(response) + "\n")
    out.flush()
    out.close()


if __name__ == "__main__" and "--sandbox-child" in sys.argv:  # pragma: no cover
    _child_main()
