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

import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from dataclasses import asdict
from typing import Callable, Iterable, Iterator

from app.documents import reader, sandbox
from app.documents.filetypes import SNIFF_BYTES, sniff
from app.documents.reader.common import ERROR_CODES, IMAGE_TYPES, PDF, Limits, PageText, ProcessingError, text_needs_ocr
from app.documents.reader.ops import _OPS, _impl_ocr_pages

# The sandbox child's entry point (it imports the reader package alone, without the app).
CHILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(reader.__file__)), "child.py")
_FORK_SERVER = sandbox.ForkServer(CHILD_SCRIPT, lambda home: _child_env(home))
sandbox.at_exit(_FORK_SERVER)


__all__ = [
    "ERROR_CODES",
    "ProcessingError",
    "PageText",
    "Limits",
    "count_pages",
    "extract_text_layer",
    "extract_attachments",
    "ocr_page",
    "ocr_pages_parallel",
    "iter_ocr_pages",
    "guess_language",
    "text_needs_ocr",
]





def count_pages(path, content_type: str, limits: Limits | None = None) -> int:
    """Number of pages. Raises ProcessingError (too_many_pages, file_corrupt, pdf_encrypted,
    empty_file, unsupported_type, image_too_large)."""
    limits = limits or Limits()
    path, ctype = _check_input(path, content_type)
    return _dispatch("count_pages", limits, limits.parse_timeout, path=path, content_type=ctype)


def extract_text_layer(path, content_type: str, limits: Limits | None = None) -> list[PageText]:
    """Text layer of every page, with ``needs_ocr`` set where it is missing or unusable.

    PDF: PDFium text per page (text outside the page box is ignored). Images: one page per frame,
    empty text, ``needs_ocr=True``. Plain text: one page per form feed. Word, HTML and e-mail: their
    text (an e-mail's main header fields, its body and the names of its attachments), one page per
    page break, long stretches cut at a line end (``reader.markup``). ``source`` is always
    "text_layer" here; OCR results come from ``ocr_page``.
    """
    limits = limits or Limits()
    path, ctype = _check_input(path, content_type)
    rows = _dispatch("text_layer", limits, limits.parse_timeout, path=path, content_type=ctype)
    return [PageText(**row) for row in rows]


def extract_attachments(path, content_type: str, out_dir: str, max_bytes: int,
                        limits: Limits | None = None) -> list[dict]:
    """Files attached to an e-mail message, each written to ``out_dir`` (a private folder of the
    caller's): ``[{"file", "filename", "declared_type", "size"}]``, at most 50, each at most
    ``max_bytes``. Nothing for any other type. The message is parsed in the sandbox."""
    limits = limits or Limits()
    path, ctype = _check_input(path, content_type)
    return _dispatch("attachments", limits, limits.parse_timeout, path=path, content_type=ctype,
                     out_dir=os.path.abspath(out_dir), max_bytes=int(max_bytes))


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
    if ctype != PDF and ctype not in IMAGE_TYPES:
        raise ProcessingError("unsupported_type", "Text documents have no images to read.")
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




# -------------------------------------------------------------------------------- input checks


def _check_input(path, content_type: str) -> tuple[str, str]:

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
            "This kind of file is not supported: upload a PDF, a photo or scan (PNG, JPEG, TIFF, HEIC, WebP), "
            "a Word (.docx), web page (.html), e-mail (.eml) or plain-text file.",
        )
    # The bytes win over the declared type (a PNG renamed .pdf is processed as a PNG).
    return path, sniffed


# ----------------------------------------------------------------------------------- dispatching



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
    with tempfile.TemporaryDirectory(prefix="caseos-extract-", dir=tmp_dir) as tmp:
        err_path = os.path.join(tmp, "stderr.log")
        with open(err_path, "wb") as errf:
            proc = _start_child(limits, tmp, errf)
        outcome = {"final": None, "timed_out": False}
        try:
            try:
                proc.stdin.write(payload)
                proc.stdin.close()
            except BrokenPipeError:  # the child died at once; its exit status tells why
                pass
            deadline = yield from _child_pages(proc, idle_timeout, outcome)
            if not outcome["timed_out"]:
                try:
                    proc.wait(timeout=max(1.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    outcome["timed_out"] = True
        finally:
            if proc.returncode is None:
                _kill_group(proc)
                try:
                    proc.wait(timeout=10)
                except Exception:  # pragma: no cover - the process is stuck in the kernel
                    pass
            proc.stdout.close()
        if outcome["timed_out"]:
            if op == "ocr_pages":
                raise ProcessingError("ocr_timeout", "Reading the pages took too long.")
            raise ProcessingError("file_corrupt", "The file took too long to read; it may be damaged.")
        return _child_outcome(op, outcome["final"], proc.returncode, err_path)


def _start_child(limits: Limits, tmp: str, errf):
    """A sandbox child in ``tmp``: forked by the warm fork server, or a new interpreter when
    ``limits.warm`` is off or no server can be had."""
    if limits.warm:
        child = _FORK_SERVER.spawn(tmp, _child_env(tmp), errf.fileno())
        if child is not None:
            return child
    return subprocess.Popen(
        [sys.executable, "-I", CHILD_SCRIPT, "--sandbox-child"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errf,
        cwd=tmp, env=_child_env(tmp), start_new_session=True, close_fds=True,
    )


def warm_up() -> None:
    """Start this process's warm sandbox now (a worker process does before its first document)."""
    with tempfile.TemporaryDirectory(prefix="caseos-extract-") as tmp, open(os.devnull, "wb") as null:
        child = _FORK_SERVER.spawn(tmp, _child_env(tmp), null.fileno())
        if child is not None:  # the child reads an empty request, answers with an error and exits
            child.stdin.close()
            child.stdout.read()
            child.stdout.close()
            child.wait()


def sandbox_server_pid() -> int | None:
    """The warm sandbox's fork server in this process, if one runs (for tests and diagnostics)."""
    return _FORK_SERVER.pid


def _child_pages(proc: subprocess.Popen, idle_timeout: float, outcome: dict):
    """Yield each page the child streams and keep its final message in ``outcome``; a child silent for
    ``idle_timeout`` seconds is marked timed out. Returns the deadline in force when the output ended."""
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + idle_timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            outcome["timed_out"] = True
            return deadline
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
                outcome["final"] = message
        if not chunk:
            return deadline


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
