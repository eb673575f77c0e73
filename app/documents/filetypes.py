"""File typing by content, safe file names and Content-Disposition headers.

Pure functions: no Flask, no I/O. ``sniff`` looks at the first bytes of an upload (8 KiB is plenty)
and never at its name, so a PNG called ``order.pdf`` is a PNG and an HTML page called ``notes.txt``
is an HTML page (read as text, never served back inline). Markup that is not an HTML page (SVG, XML,
a script in plain text) and every other binary format stay refused.
"""
from __future__ import annotations

import os
import re
import unicodedata
from urllib.parse import quote

__all__ = [
    "SUPPORTED_TYPES",
    "SNIFF_BYTES",
    "sniff",
    "safe_filename",
    "content_disposition",
    "download_name",
    "extension_for",
    "DOCX",
    "HTML",
    "EML",
]

SNIFF_BYTES = 8192

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
EML = "message/rfc822"

SUPPORTED_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain", HTML, DOCX, EML,
                   "image/heic", "image/heif", "image/webp")

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "text/plain": ".txt",
    HTML: ".html",
    DOCX: ".docx",
    EML: ".eml",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/webp": ".webp",
}
_SAME_EXTENSIONS = {".pdf": {".pdf"}, ".png": {".png"}, ".jpg": {".jpg", ".jpeg", ".jpe"}, ".tif": {".tif", ".tiff"},
                    ".txt": {".txt", ".text"}, ".html": {".html", ".htm"}, ".heic": {".heic", ".heics"},
                    ".heif": {".heif", ".hif"}}

# ISO base media "ftyp" brands of HEIF still images (iPhone photos are "heic").
_HEIC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx")
_HEIF_BRANDS = (b"mif1", b"msf1")
# An HTML page: what it may start with (SVG, XML and a bare <script> are not pages).
_HTML_START = re.compile(
    rb"^(?:\s*<!--.*?-->)*\s*<(?:!doctype\s+html|html|head|body|meta|title|div|p|table|h[1-6]|font|b|br|a|"
    rb"link|style|base|center|span|pre|section|article|main|header|footer|nav|aside|blockquote|address|"
    rb"ul|ol|li|dl|hr|i|em|strong|u|small|sup)[\s>/]", re.IGNORECASE | re.DOTALL)
# RFC 5322 header fields that open an e-mail message saved to a file (.eml).
_EMAIL_FIELD = re.compile(rb"^(?:from|to|cc|subject|date|message-id|mime-version|received|return-path|"
                          rb"delivered-to|reply-to|sender|content-type|x-[a-z0-9-]+|dkim-signature|"
                          rb"arc-[a-z-]+|authentication-results|thread-topic|thread-index|in-reply-to|"
                          rb"references|importance|content-language|accept-language):[ \t]*\S?",
                          re.IGNORECASE)
_EMAIL_KEY_FIELDS = (b"from", b"date", b"subject", b"message-id", b"mime-version", b"received", b"to")

# Binary formats we recognise and refuse (checked before the text heuristics).
_REFUSED_MAGIC = (
    b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08",  # zip, docx, xlsx, odt, epub, jar
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: .doc, .xls, .msg
    b"GIF87a", b"GIF89a",
    b"RIFF",  # webp, avi, wav
    b"MZ",  # Windows executables
    b"\x7fELF",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"{\\rtf",
    b"%!PS",  # PostScript is a program, not a document we render
    b"\x00\x00\x00\x0cjP  ",  # JPEG 2000
    b"BM",  # bitmap
    b"8BPS",  # Photoshop
    b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe",  # Mach-O / Java class
    b"SQLite format 3\x00",
)

# HTML / XML / SVG: text that a browser could execute. Start-of-file patterns per the WHATWG MIME
# sniffing standard, plus tags that have no business in a plain-text court document.
_MARKUP_START = re.compile(
    rb"^\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|"
    rb"!--|\?xml|svg|meta|link|form|img|object|embed)[\s>/]",
    re.IGNORECASE,
)
_MARKUP_ANYWHERE = re.compile(
    rb"<(?:script|html|body|iframe|svg|object|embed|meta\s+http-equiv)[\s>/]|<\?xml\s",
    re.IGNORECASE,
)


def sniff(head: bytes) -> str | None:
    """Content type of a file judged from its first bytes, or None when unsupported.

    Returns one of SUPPORTED_TYPES. XML/SVG, markup that is not an HTML page, office documents other
    than .docx, archives, executables, GIF and anything that is neither one of the supported binary
    formats nor printable text give None.
    """
    if not head:
        return None
    head = bytes(head[:SNIFF_BYTES])
    special = _sniff_container(head)
    if special:
        return special
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "image/tiff"
    if head.startswith(_REFUSED_MAGIC):
        # Before the PDF rule: an executable, archive or office file with "%PDF-" in its first
        # kilobyte is a polyglot (a JAR/EXE that also opens as a PDF), not a court paper.
        return None
    # PDF readers accept junk before the header as long as it is within the first 1024 bytes,
    # but not markup: an HTML page that also parses as a PDF is refused like any HTML page.
    pos = head[:1024].find(b"%PDF-")
    if pos >= 0:
        prefix = head[:pos]
        if pos and (_MARKUP_START.match(prefix) or _MARKUP_ANYWHERE.search(prefix)):
            return None
        return "application/pdf"
    if _looks_like_email(head):
        return EML
    if _looks_like_html(head):
        return HTML
    return "text/plain" if _looks_like_text(head) else None


def _sniff_container(head: bytes) -> str | None:
    """WebP, HEIC/HEIF and .docx: formats whose first bytes are a generic container (RIFF, ISO
    base media, ZIP) until a brand or a member name says what is inside."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        size = int.from_bytes(head[:4], "big")
        brands = [head[8:12]] + [head[i:i + 4] for i in range(16, min(max(size, 16), 64), 4)]
        if head[8:12] in _HEIC_BRANDS:
            return "image/heic"
        if any(b in _HEIC_BRANDS for b in brands):
            return "image/heic"
        if head[8:12] in _HEIF_BRANDS:
            return "image/heif"
        return None
    if head.startswith(b"PK\x03\x04") and b"%PDF-" not in head[:1024]:
        # Word writes [Content_Types].xml first and word/document.xml soon after; a ZIP that is
        # also a PDF (a polyglot) or that names neither is refused like any archive.
        if b"[Content_Types].xml" in head and b"word/" in head:
            return DOCX
    return None


def _looks_like_email(head: bytes) -> bool:
    """A message saved from a mail program: RFC 5322 header fields from the first line, including
    at least two of From/To/Date/Subject/Message-ID/MIME-Version/Received, then a blank line."""
    if b"\x00" in head:
        return False
    lines = head.lstrip(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").split(b"\n")
    if len(lines) > 1 and lines[0].startswith(b"From ") and b":" not in lines[0][:5]:
        lines = lines[1:]  # the mailbox separator some mail programs keep ("From - Mon Mar 3 ...")
    if not lines or not _EMAIL_FIELD.match(lines[0]):
        return False
    keys = set()
    for i, line in enumerate(lines):
        if not line.strip():
            return len(keys) >= 2 and i < len(lines) - 1
        if line[:1] in (b" ", b"\t"):
            continue  # a folded header line
        m = re.match(rb"([A-Za-z0-9-]+):", line)
        if not m:
            return False
        if m.group(1).lower() in _EMAIL_KEY_FIELDS:
            keys.add(m.group(1).lower())
    return len(keys) >= 3  # headers longer than the sniffed window


def _looks_like_html(head: bytes) -> bool:
    text = decode_text_head(head)
    if text is None or not _HTML_START.match(text.lstrip("\ufeff").encode("utf-8", "replace")):
        return False
    return sum(1 for ch in text if _is_binaryish(ch)) <= max(1, len(text) // 50)


def _looks_like_text(head: bytes) -> bool:
    text = decode_text_head(head)
    if text is None:
        return False
    raw = head.lstrip(b"\xef\xbb\xbf")
    if _MARKUP_START.match(raw) or _MARKUP_ANYWHERE.search(raw):
        return False
    if text.lstrip("\ufeff").lstrip().lower().startswith(("<!doctype", "<html", "<?xml", "<svg", "<script")):
        return False  # UTF-16 markup
    if not text.strip():
        return False  # only whitespace: nothing to index
    bad = sum(1 for ch in text if _is_binaryish(ch))
    return bad <= max(1, len(text) // 50)  # at most 2 % control characters


def _is_binaryish(ch: str) -> bool:
    if ch in "\t\n\r\f\v\x1a":  # \x1a: DOS end-of-file marker
        return False
    cat = unicodedata.category(ch)
    return cat == "Cc" or ch in "\ufffd\ufffe\uffff"


def decode_text_head(head: bytes) -> str | None:
    """Decode the head of a text file: UTF-8 (tolerating a cut multibyte sequence at the end),
    UTF-16 with a BOM, or latin-1. None when it contains NUL bytes or cannot be text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and not head.startswith(b"\xff\xfe\x00\x00"):
        body = head[2:]
        if len(body) % 2:
            body = body[:-1]
        try:
            text = body.decode("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be")
        except UnicodeDecodeError:
            # a surrogate pair cut at the end of the head
            try:
                text = body[:-2].decode("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be")
            except UnicodeDecodeError:
                return None
        return None if "\x00" in text else text
    if b"\x00" in head:
        return None
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multibyte character cut by the 8 KiB window is fine; anything else falls back to latin-1.
        if exc.reason == "unexpected end of data" and exc.start >= len(body) - 3:
            try:
                return body[: exc.start].decode("utf-8")
            except UnicodeDecodeError:
                pass
    text = body.decode("latin-1")
    # In latin-1, bytes 0x80-0x9f are C1 control characters: cp1252 text uses them for quotes and dashes.
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:
        return text


def extension_for(content_type: str) -> str:
    return _EXTENSIONS.get(content_type, "")


# --------------------------------------------------------------------------------------------- names

_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_FORBIDDEN_CHARS = set('"\'`<>:|?*\\/;')
_MAX_NAME = 150


def safe_filename(name: str, default: str = "document") -> str:
    """A file name that is safe to store, show and send back in a header.

    Strips any directory part (POSIX or Windows), control and bidi-override characters, quotes and
    characters reserved on common file systems; normalises to NFC; collapses whitespace; trims leading
    and trailing dots/spaces; caps the length at 150 characters keeping the extension. Falls back to
    ``default`` ("document") when nothing usable is left.
    """
    if not isinstance(name, str):
        name = "" if name is None else str(name)
    name = unicodedata.normalize("NFC", name)
    # Directory parts from either convention ("C:\\Users\\x\\a.pdf", "../../etc/passwd").
    name = re.split(r"[\\/]", name)[-1]
    out = []
    for ch in name:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue  # controls, bidi overrides, zero-width, surrogates, private use, unassigned
        if ch in _FORBIDDEN_CHARS:
            out.append("_")
            continue
        out.append(" " if cat == "Zs" else ch)
    name = re.sub(r"\s+", " ", "".join(out))
    name = re.sub(r"_{2,}", "_", name)
    name = name.strip(" .")
    if not name or set(name) <= set("._- "):
        return default
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    if len(name) > _MAX_NAME:
        stem, ext = os.path.splitext(name)
        if not ext or len(ext) > 16:
            stem, ext = name, ""
        name = stem[: _MAX_NAME - len(ext)].rstrip(" .") + ext
    return name or default


def _ascii_fallback(name: str) -> str:
    def to_ascii(part: str) -> str:
        part = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode("ascii")
        part = re.sub(r"[^A-Za-z0-9 !#$&+,.^_`{}~()\[\]=@-]", "_", part)
        return re.sub(r"_{2,}", "_", part)

    stem, ext = os.path.splitext(name)
    stem = to_ascii(stem).strip(" .")
    ext = to_ascii(ext)
    if not re.fullmatch(r"\.[A-Za-z0-9]{1,16}", ext):
        stem, ext = to_ascii(name).strip(" ."), ""
    if not re.search(r"[A-Za-z0-9]", stem):
        stem = "document"
    return stem + ext


def download_name(filename: str, content_type: str) -> str:
    """The stored name with the extension of the type the bytes really are.

    The name comes from the uploader and the type from the bytes: a PDF named ``payload.exe``
    or ``notes.html`` is sent back as ``payload.exe.pdf`` / ``notes.html.pdf``, so saving it can
    never produce a file the operating system would run or a browser would render as HTML.
    """
    name = safe_filename(filename)
    ext = extension_for(content_type)
    if not ext:
        return name
    current = os.path.splitext(name)[1].lower()
    same = _SAME_EXTENSIONS.get(ext, {ext})
    if current in same:
        return name
    stem = name[: _MAX_NAME - len(ext)].rstrip(" .") if len(name) + len(ext) > _MAX_NAME else name
    return safe_filename(stem + ext)


def content_disposition(filename: str, attachment: bool = True) -> str:
    """Content-Disposition value per RFC 6266 / RFC 8187.

    ``attachment; filename="ascii fallback.pdf"; filename*=UTF-8''percent%20encoded.pdf``
    (``inline`` when attachment is False). The name goes through ``safe_filename`` first, so it can
    never break out of the header (no quotes, backslashes, CR/LF).
    """
    disposition = "attachment" if attachment else "inline"
    name = safe_filename(filename)
    fallback = _ascii_fallback(name)
    encoded = quote(name, safe="!#$&+-.^_`|~", encoding="utf-8")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
