"""Documents that are text in a wrapper: HTML pages and e-mail messages (.eml); Word files: word.py.

Each becomes plain text split into pages (a Word page break or a form feed starts a page; a long
stretch is cut at a line end so nothing is dropped). Runs in the sandbox child like every parser of
uploads, with its own guards: a message is walked with a part, depth and attachment budget. Scripts, styles and comments are never part of the text.
"""
from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import email.utils
import html
import os
import re
from html.parser import HTMLParser

from .common import Limits, ProcessingError, _normalize_text

PAGE_CHARS = 6000  # a page of a Word file or a web page, cut at a line end

# ------------------------------------------------------------------------------------------ pages


def paginate(text: str, limits: Limits) -> list[str]:
    """Pages of a long text: one per form feed, long ones cut at a line end near PAGE_CHARS."""
    pages: list[str] = []
    for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\f"):
        while len(part) > PAGE_CHARS:
            cut = part.rfind("\n", PAGE_CHARS // 2, PAGE_CHARS)
            cut = cut if cut > 0 else PAGE_CHARS
            pages.append(part[:cut])
            part = part[cut:]
            if len(pages) > limits.max_pages:
                break
        pages.append(part)
        if len(pages) > limits.max_pages:
            raise ProcessingError("too_many_pages", f"The document is longer than {limits.max_pages} pages.")
    pages = [_normalize_text(p, limits.max_chars_per_page) for p in pages]
    while len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    return pages


# ------------------------------------------------------------------------------------------- HTML

_BLOCK = frozenset("address article aside blockquote body br dd div dl dt fieldset figcaption figure footer form "
                   "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul "
                   "caption center title".split())
_CELL = frozenset(("td", "th"))
_SKIP = frozenset(("script", "style", "template", "noscript", "svg", "math", "object", "iframe", "head"))
_KEEP_IN_HEAD = frozenset(("title",))


class _TextOfHtml(HTMLParser):
    """Text of an HTML page as a reader sees it: blocks on their own lines, table cells apart."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP and not (tag == "head"):
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag in _CELL:
            self.parts.append("\t")
        if tag == "pre":
            self.in_pre += 1

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP and tag != "head":
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag == "pre":
            self.in_pre = max(0, self.in_pre - 1)

    def handle_data(self, data):
        if self.skip:
            return
        self.parts.append(data if self.in_pre else re.sub(r"[ \t\r\n\f\v]+", " ", data))

    def text(self) -> str:
        out = "".join(self.parts).replace("\xa0", " ")
        out = re.sub(r"[ \t]*\n[ \t]*", "\n", out)
        out = re.sub(r"\n{3,}", "\n\n", out)
        return re.sub(r"[ ]{2,}", " ", out).strip()


def html_to_text(markup: str) -> str:
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return parser.text()


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)


def decode_html(data: bytes, declared: str | None = None) -> str:
    """HTML bytes to text: BOM, then the declared charset, then <meta charset>, then UTF-8, then cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data[2:].decode("utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    m = _META_CHARSET.search(data[:4096])
    for charset in (declared, m.group(1).decode("ascii") if m else None, "utf-8"):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def html_pages(path: str, limits: Limits) -> list[str]:
    with open(path, "rb") as fh:
        data = fh.read()
    return paginate(html_to_text(decode_html(data)), limits)


# ------------------------------------------------------------------------------------------ E-mail

MAX_MIME_PARTS = 500
MAX_MIME_DEPTH = 12
MAX_ATTACHMENTS = 50
MAX_HEADER_CHARS = 2000
_SHOWN_FIELDS = ("From", "To", "Cc", "Date", "Subject")


def _header(msg, name: str) -> str:
    raw = msg.get(name)
    if raw is None:
        return ""
    raw = str(raw)[:MAX_HEADER_CHARS * 4]
    try:
        value = str(email.header.make_header(email.header.decode_header(raw)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        value = raw
    return re.sub(r"\s+", " ", value).strip()[:MAX_HEADER_CHARS]


def parse_message(path: str):
    """The message, parsed with the classic (compat32) parser: it builds the tree without
    interpreting header values, which is where the modern parser's worst cases live."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return email.message_from_bytes(data, policy=email.policy.compat32)
    except (RecursionError, ValueError, TypeError, LookupError, UnicodeError) as exc:
        raise ProcessingError("file_corrupt", f"The message is damaged ({type(exc).__name__}).") from None


def walk_parts(msg):
    """Leaf parts of a message, depth-first, with a budget of parts and nesting; a message attached
    to the message is one leaf (it becomes a document of its own, not part of this text)."""
    stack = [(msg, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_MIME_PARTS:
            raise ProcessingError("content_too_large", f"The message has more than {MAX_MIME_PARTS} parts.")
        if depth > MAX_MIME_DEPTH:
            raise ProcessingError("file_corrupt", "The message is nested too deeply to be a real e-mail.")
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children))
            continue
        yield part


def _part_bytes(part) -> bytes:
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            return inner[0].as_bytes(policy=email.policy.compat32)
        return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _part_text(part) -> str:
    data = _part_bytes(part)
    charset = part.get_content_charset() or None
    if part.get_content_subtype() == "html":
        return html_to_text(decode_html(data, charset))
    for enc in (charset, "utf-8", "cp1252"):
        if not enc:
            continue
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def _filename(part) -> str | None:
    name = part.get_filename()
    if not name:
        return None
    name = email.utils.collapse_rfc2231_value(name) if isinstance(name, tuple) else str(name)
    try:
        name = str(email.header.make_header(email.header.decode_header(name)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        pass
    return name[:300]


def part_role(part) -> str | None:
    """"attachment" (a file of its own), "body" (text of the message) or None (an inline picture such
    as a logo in an HTML message: neither)."""
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment" or part.get_content_type() == "message/rfc822":
        return "attachment"
    named = bool(_filename(part))
    if part.get_content_maintype() == "text" and part.get_content_subtype() in ("plain", "html"):
        return "attachment" if named and disposition != "inline" else "body"
    if named and not (disposition == "inline" and part.get("Content-ID")):
        return "attachment"
    return None


def message_parts(msg):
    """``(bodies, attachments)``: the readable text parts and the parts that are files of their own."""
    bodies, attachments = [], []
    for part in walk_parts(msg):
        role = part_role(part)
        if role == "body":
            bodies.append(part)
        elif role == "attachment":
            attachments.append(part)
    return bodies, attachments


def message_text(msg, bodies: list, attachments: list) -> str:
    """What a reader of the message sees: the main header fields, the body (the plain-text version
    when there is one worth reading, else the HTML one, as text) and the names of its attachments."""
    lines = [f"{name}: {_header(msg, name)}" for name in _SHOWN_FIELDS if _header(msg, name)]
    plain = [p for p in bodies if p.get_content_subtype() != "html"]
    texts = [_part_text(p) for p in plain]
    if sum(len(t.strip()) for t in texts) < 20:
        texts = [_part_text(p) for p in bodies if p.get_content_subtype() == "html"] or texts
    body = "\n\n".join(t.strip() for t in texts if t.strip())
    listing = [f"- {_filename(p) or 'unnamed'} ({p.get_content_type()})" for p in attachments]
    out = "\n".join(lines) + "\n\n" + body
    if listing:
        out += "\n\nAttachments:\n" + "\n".join(listing)
    return out.strip()


def eml_pages(path: str, limits: Limits) -> list[str]:
    msg = parse_message(path)
    bodies, attachments = message_parts(msg)
    return paginate(message_text(msg, bodies, attachments), limits)


def eml_attachments(path: str, out_dir: str, limits: Limits, max_bytes: int) -> list[dict]:
    """Write each attachment to ``out_dir`` (at most MAX_ATTACHMENTS, each at most ``max_bytes``):
    ``[{"file", "filename", "declared_type", "size"}]``; larger or empty ones are left out."""
    msg = parse_message(path)
    _, attachments = message_parts(msg)
    out = []
    for i, part in enumerate(attachments[:MAX_ATTACHMENTS]):
        data = _part_bytes(part)
        if not data or len(data) > max_bytes:
            continue
        target = os.path.join(out_dir, f"attachment-{i + 1}")
        with open(target, "wb") as fh:
            fh.write(data)
        name = _filename(part) or (f"attached message {i + 1}.eml" if part.get_content_type() == "message/rfc822"
                                   else f"attachment {i + 1}")
        out.append({"file": target, "filename": html.unescape(name), "declared_type": part.get_content_type(),
                    "size": len(data)})
    return out
