"""The operations the sandbox child runs (count pages, text layer, OCR pages) and the child's main loop."""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from dataclasses import asdict

from .common import DOCX, EML, HTML, IMAGE_TYPES, Limits, PDF, PageRangeError, PageText, ProcessingError, SANDBOX, TEXT
from .images import _ImagePages, _image_frame_count, _open_image, _text_pages
from .markup import eml_attachments, eml_pages, html_pages
from .word import docx_pages
from .ocr import _OcrEngine
from .pdf import _PdfPages, _open_pdf, _pdf_page_count, _pdf_text_layer


# -------------------------------------------------------------------- implementations (in child)


def _impl_count_pages(limits: Limits, path: str, content_type: str) -> int:
    if content_type == PDF:
        with _open_pdf(path) as pdf:
            return _pdf_page_count(pdf, limits)
    if content_type in IMAGE_TYPES:
        with _open_image(path, content_type) as img:
            return _image_frame_count(img, limits)
    if content_type in _TEXT_READERS:
        return len(_TEXT_READERS[content_type](path, limits))
    raise ProcessingError("unsupported_type", f"Unsupported content type {content_type!r}.")


def _impl_text_layer(limits: Limits, path: str, content_type: str) -> list[dict]:
    if content_type == PDF:
        return _pdf_text_layer(path, limits)
    if content_type in IMAGE_TYPES:
        with _open_image(path, content_type) as img:
            n = _image_frame_count(img, limits)
        return [asdict(PageText(i, "", "text_layer", None, True)) for i in range(1, n + 1)]
    if content_type in _TEXT_READERS:
        return [asdict(PageText(i, text, "text_layer", None, False))
                for i, text in enumerate(_TEXT_READERS[content_type](path, limits), start=1)]
    raise ProcessingError("unsupported_type", f"Unsupported content type {content_type!r}.")


# Documents that are text in a file of their own kind: pages of text, no images to read.
_TEXT_READERS = {TEXT: _text_pages, HTML: html_pages, DOCX: docx_pages, EML: eml_pages}


def _impl_attachments(limits: Limits, path: str, content_type: str, out_dir: str, max_bytes: int) -> list[dict]:
    """The files attached to an e-mail message, written to out_dir (see markup.eml_attachments)."""
    if content_type != EML:
        return []
    return eml_attachments(path, out_dir, limits, max_bytes)


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
            engine = _OcrEngine(lang, osd, workers, limits.ocr_timeout_per_page, rlimits=SANDBOX.active)
            yield from engine.run(pages, lambda n: source.render(n, os.path.join(work, f"page-{n}")))
        finally:
            source.close()


_OPS = {"count_pages": _impl_count_pages, "text_layer": _impl_text_layer, "attachments": _impl_attachments}
_STREAM_OPS = {"ocr_pages": _impl_ocr_pages}


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
        SANDBOX.active, SANDBOX.limits = True, limits  # Pillow's bomb guard is set when an image is opened
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
