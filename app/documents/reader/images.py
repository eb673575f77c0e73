"""Image files (PNG, JPEG, TIFF frames, WebP, HEIC/HEIF) prepared for OCR, and plain-text files split into pages."""
from __future__ import annotations

import math
from contextlib import contextmanager

from . import photo
from .common import IMAGE_TYPES, Limits, PageRangeError, ProcessingError, SANDBOX, _normalize_text


# --------------------------------------------------------------------------------------- images


@contextmanager
def _open_image(path: str, content_type: str):
    import warnings

    from PIL import Image

    fmt = IMAGE_TYPES[content_type]
    if fmt == "HEIF":
        _register_heif()
    if SANDBOX.active:
        # Pillow's own bomb guard as a backstop; the exact budget is checked before decoding (JPEG
        # may exceed it by up to 64x because the decoder can scale it down by 8 in each direction).
        Image.MAX_IMAGE_PIXELS = max(int(SANDBOX.limits.max_pixels_per_page), 1) * 64
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


def _register_heif() -> None:
    """HEIC/HEIF (iPhone photos) through pillow-heif; libheif keeps its own security limits on."""
    import pillow_heif

    pillow_heif.register_heif_opener(thumbnails=False)


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
    from PIL import ImageOps

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
        if img.format in ("JPEG", "TIFF", "WEBP", "HEIF"):
            img = ImageOps.exif_transpose(img) or img  # phone photos carry their orientation in EXIF
        img = photo.prepare(_to_ocr_mode(img))  # even light, level lines (phone photos of paper)
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
