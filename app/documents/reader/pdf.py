"""PDF pages with PDFium: the text layer (and whether to trust it), page images rendered for OCR at the
scan's own resolution."""
from __future__ import annotations

import ctypes
import math
import threading
from contextlib import contextmanager
from dataclasses import asdict

from .common import Limits, PageRangeError, PageText, ProcessingError, _normalize_text, text_needs_ocr
from .layout import page_text


_PDFIUM_LOCK = threading.RLock()  # PDFium is not thread-safe (in-process mode only)


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
        _init_forms(pdf)
        for i in range(n):
            try:
                page = pdf[i]
            except pdfium.PdfiumError:
                pages.append(asdict(PageText(i + 1, "", "text_layer", None, True)))
                continue
            try:
                textpage = page.get_textpage()
                try:
                    # in reading order when the stream's order is not (flattened or filled forms)
                    text = page_text(pdf, page, textpage, textpage.get_text_bounded())
                    text = _normalize_text(text, limits.max_chars_per_page)
                    needs = text_needs_ocr(text) or _layer_is_suspect(page, textpage, text)
                finally:
                    textpage.close()
            except pdfium.PdfiumError:
                text, needs = "", True
            finally:
                page.close()
            pages.append(asdict(PageText(i + 1, text, "text_layer", None, needs)))
    return pages


def _init_forms(pdf) -> None:
    """Load a form's fields (before any page), so that filled-in values can be read with the text."""
    import pypdfium2.raw as raw

    try:
        if pdf.get_formtype() in (raw.FORMTYPE_ACRO_FORM, raw.FORMTYPE_XFA_FOREGROUND):
            pdf.init_forms()
    except Exception:  # a damaged form dictionary: the page text is still worth reading
        pass


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
        scan = _whole_page_scan(page, width, height, limits)
        if scan is not None:
            image, dpi = scan
        else:
            dpi = _fit_dpi(width / 72.0, height / 72.0, limits, _ocr_dpi(page, limits))
            bitmap = page.render(scale=dpi / 72.0, grayscale=True, force_bitmap_format=raw.FPDFBitmap_Gray,
                                 may_draw_forms=False, draw_annots=True)
            try:
                image = bitmap.to_pil().copy()
            finally:
                bitmap.close()
        colors = image.getcolors(2)
        if colors is not None and all(value in (0, 255) for _, value in colors):
            # A bilevel scan at its own resolution is pure black and white: hand it to tesseract as
            # 1 bit (lossless, 8x smaller, no thresholding of a grey image).
            image = image.convert("1", dither=0)
            out_path = base + ".pbm"
        else:
            out_path = base + ".pgm"
        image.save(out_path, format="PPM")
        del image
    finally:
        page.close()
    return out_path, dpi


# A page that is nothing but one upright scan covering it is read from the scan's own pixels (decoded,
# not rendered): rendering resamples them (a 300 dpi page cost ~0.13 CPU-s against ~0.014 to decode),
# and an off-by-one page height turned a black-and-white scan grey. Only plain colour spaces qualify
# (no stencil masks, separations or patterns, which need PDFium's drawing); anything else is rendered.
_SCAN_FIT_POINTS = 1.5  # the image's edges within this of the page's (scanners round page sizes)
_PLAIN_COLORSPACES = ("FPDF_COLORSPACE_DEVICEGRAY", "FPDF_COLORSPACE_CALGRAY", "FPDF_COLORSPACE_DEVICERGB",
                      "FPDF_COLORSPACE_CALRGB", "FPDF_COLORSPACE_ICCBASED", "FPDF_COLORSPACE_INDEXED")


def _whole_page_scan(page, width: float, height: float, limits: Limits):
    """``(grey PIL image, dpi)``: the pixels of the scan that is the whole page, or None."""
    import pypdfium2.raw as raw

    try:
        if page.get_rotation() % 360 or raw.FPDFPage_CountObjects(page) != 1 or raw.FPDFPage_GetAnnotCount(page) > 0:
            return None
        obj = raw.FPDFPage_GetObject(page, 0)
        if not obj or raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_IMAGE:
            return None
        m = raw.FS_MATRIX()
        if not raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
            return None
        if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.a <= 0 or m.d <= 0:  # upright, not mirrored
            return None
        left0, bottom0, right0, top0 = page.get_bbox()
        if not (abs(m.e - left0) <= _SCAN_FIT_POINTS and abs(m.f - bottom0) <= _SCAN_FIT_POINTS
                and abs(m.e + m.a - right0) <= _SCAN_FIT_POINTS and abs(m.f + m.d - top0) <= _SCAN_FIT_POINTS):
            return None
        pw, ph = ctypes.c_uint(), ctypes.c_uint()
        if not raw.FPDFImageObj_GetImagePixelSize(obj, ctypes.byref(pw), ctypes.byref(ph)):
            return None
        meta = raw.FPDF_IMAGEOBJ_METADATA()
        if not raw.FPDFImageObj_GetImageMetadata(obj, page, ctypes.byref(meta)):
            return None
        if meta.colorspace not in {getattr(raw, name) for name in _PLAIN_COLORSPACES}:
            return None
        if pw.value <= 0 or ph.value <= 0 or pw.value * ph.value > limits.max_pixels_per_page:
            return None
        dpi_x, dpi_y = pw.value * 72.0 / m.a, ph.value * 72.0 / m.d
        if abs(dpi_x - dpi_y) > 0.02 * dpi_x:
            return None
        dpi = int(round((dpi_x + dpi_y) / 2))
        if dpi != _ocr_dpi(page, limits) or dpi != _fit_dpi(width / 72.0, height / 72.0, limits, dpi):
            return None  # to be resampled (a finer scan than ocr_dpi, a coarser one than min_scan_dpi)
        bitmap = raw.FPDFImageObj_GetBitmap(obj)
        if not bitmap:
            return None
        import pypdfium2 as pdfium

        bitmap = pdfium.PdfBitmap.from_raw(bitmap)
        bitmap.warn_on_close = False  # safe: the pixels are copied out before it is closed
        try:
            if (bitmap.width, bitmap.height) != (pw.value, ph.value):
                return None
            image = bitmap.to_pil()
            image = image.convert("L") if image.mode != "L" else image.copy()
        finally:
            bitmap.close()
        return image, dpi
    except Exception:  # anything unexpected: render the page instead
        return None


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
