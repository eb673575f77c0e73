"""Word (.docx) files as text, in the order a reader meets it.

Section by section: the section's page headers (once, not once per page), its body (paragraphs on
their lines, table cells apart, page breaks as form feeds), and after the last section's body its
footnotes and endnotes, then its page footers. A court paper's case number and court often sit in
its header or footer, so they are read; a header or footer already read, or already in the body, is
not repeated, and a footer that is only a page number is left out. Deleted text, field codes and the
fallback copies of text boxes are never part of the text.

Runs in the sandbox child with its own guards: the ZIP is read member by member with a byte budget
(a deflate bomb stops at the budget, whatever sizes it declares), XML with DTDs or entities is
refused, and at most MAX_MARGIN_PARTS headers and footers are read.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile

from .common import Limits, ProcessingError
from .markup import paginate

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_RELS = "word/_rels/document.xml.rels"
_NOTE_PARTS = ("word/footnotes.xml", "word/endnotes.xml")
MAX_ZIP_MEMBERS = 5000
MAX_XML_BYTES = 40 * 1024 * 1024  # the body of a Word file, uncompressed (a 1,000-page brief is ~15 MB)
MAX_HEADER_XML_BYTES = 1024 * 1024  # one header, footer, notes or relationships part
MAX_MARGIN_PARTS = 12  # headers and footers read, all sections together
_SECTION_END = "\x00"  # where a section of the body ends (XML text cannot hold a NUL)
_PAGE_NUMBER = re.compile(r"(?i)\s*(page\s*)?[0-9]{1,5}(\s*(of|/)\s*[0-9]{1,5})?\s*|\s*-\s*[0-9]{1,5}\s*-\s*")
_REF_ORDER = {"first": 0, "default": 1, "even": 2}


def docx_pages(path: str, limits: Limits) -> list[str]:
    return paginate(docx_text(path), limits)


def docx_text(path: str) -> str:
    body, section_refs = _read_wordml(read_zip_member(path, "word/document.xml", MAX_XML_BYTES))
    sections = body.split(_SECTION_END)
    margins = _margin_parts(path, section_refs, len(sections))
    seen: set[str] = set()
    out: list[str] = []
    for i, text in enumerate(sections):
        heads, feet = margins[i]
        out += _margin_texts(path, heads, body, seen)
        out.append(text.strip("\n"))
        if i == len(sections) - 1:
            out += [_part_text(path, name) for name in _NOTE_PARTS if _has_part(path, name)]
        out += _margin_texts(path, feet, body, seen)
    return "\n".join(p for p in out if p)


def _margin_texts(path: str, names: list[str], body: str, seen: set[str]) -> list[str]:
    texts = []
    for name in names:
        text = _part_text(path, name)
        if not text or text in seen or text in body or _PAGE_NUMBER.fullmatch(text):
            continue
        seen.add(text)
        texts.append(text)
    return texts


def _part_text(path: str, name: str) -> str:
    return _read_wordml(read_zip_member(path, name, MAX_HEADER_XML_BYTES))[0].replace(_SECTION_END, "").strip()


def _margin_parts(path: str, section_refs: list, count: int) -> list[tuple[list[str], list[str]]]:
    """Per section, the parts of its headers and of its footers. Sections name them through the
    document's relationships; when none is named that way (or the relationships are missing), the
    header parts are read before the first section and the footer parts after the last."""
    targets = _relationship_targets(path)
    budget = [MAX_MARGIN_PARTS]

    def pick(ids: list[str]) -> list[str]:
        names = [targets[i] for i in ids if i in targets][:max(budget[0], 0)]
        budget[0] -= len(names)
        return names

    refs = [(pick(heads), pick(feet)) for heads, feet in section_refs][:count]
    if any(h or f for h, f in refs):
        return refs + [([], [])] * (count - len(refs))
    names = [n for n in _names(path) if re.fullmatch(r"word/(header|footer)\d{0,3}\.xml", n)]
    names = sorted(names, key=lambda n: (len(n), n))[:MAX_MARGIN_PARTS]
    heads, feet = [n for n in names if "/header" in n], [n for n in names if "/footer" in n]
    return [(heads if i == 0 else [], feet if i == count - 1 else []) for i in range(count)]


def _relationship_targets(path: str) -> dict[str, str]:
    """Relationship id to part name, for the document's headers and footers only."""
    if not _has_part(path, _RELS):
        return {}
    from lxml import etree

    data = read_zip_member(path, _RELS, MAX_HEADER_XML_BYTES)
    _refuse_declarations(data)
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return {}
    targets = {}
    for rel in root:
        kind, target = rel.get("Type") or "", rel.get("Target") or ""
        name = posixpath.normpath(posixpath.join("word", target.lstrip("/")) if not target.startswith("/")
                                  else target.lstrip("/"))
        if kind.endswith(("/header", "/footer")) and name.startswith("word/") and name.endswith(".xml"):
            targets[rel.get("Id") or ""] = name
    return targets


def _names(path: str) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()[:MAX_ZIP_MEMBERS]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def _has_part(path: str, name: str) -> bool:
    return name in _names(path)


def read_zip_member(path: str, name: str, budget: int) -> bytes:
    """One member of a ZIP, at most ``budget`` bytes once inflated (a bomb stops there, whatever it
    declares); refuses archives with too many members."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise ProcessingError("file_corrupt", "The Word file has too many parts to be a document.")
            try:
                info = zf.getinfo(name)
            except KeyError:
                raise ProcessingError("file_corrupt", "This is not a Word document (it has no body).") from None
            if info.file_size > budget:
                raise ProcessingError("content_too_large", "The Word document is too large to read.")
            with zf.open(info) as fh:
                data = fh.read(budget + 1)
    except ProcessingError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, ValueError,
            NotImplementedError) as exc:  # damaged, encrypted or an unknown compression method
        raise ProcessingError("file_corrupt", f"The Word document is damaged ({type(exc).__name__}).") from None
    if len(data) > budget:
        raise ProcessingError("content_too_large", "The Word document is too large to read.")
    return data


def _refuse_declarations(data: bytes) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ProcessingError("file_corrupt", "The Word document holds XML declarations it must not have.")


def _read_wordml(data: bytes) -> tuple[str, list[tuple[list[str], list[str]]]]:
    """Text of one WordprocessingML part (the body, a header, the notes), with a NUL where each
    section ends, and per section the relationship ids of its headers and of its footers."""
    from lxml import etree

    _refuse_declarations(data)
    parts: list[str] = []
    state = {"fallback": 0, "cell": 0, "sections": [], "refs": None, "pending": False}
    try:
        events = etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=False, remove_comments=True)
        for event, elem in events:
            piece = _section_piece(elem, event, state) + _docx_piece(elem.tag, elem, event, state)
            if piece and not state["fallback"]:
                parts.append(piece)
            if event == "end" and elem.tag in (_W + "p", _W + "tbl"):
                elem.clear(keep_tail=True)
    except etree.XMLSyntaxError as exc:
        raise ProcessingError("file_corrupt", f"The Word document is damaged ({type(exc).__name__}).") from None
    text = re.sub(r"[ \t]+\n", "\n", "".join(parts))
    return re.sub(r"\f\s*(?=\f)", "", text), state["sections"]


def _section_piece(elem, event: str, state: dict) -> str:
    """Section ends: a section's properties sit in its last paragraph (so the section ends after that
    paragraph's text) or, for the last section, at the end of the body."""
    tag = elem.tag
    if tag == _W + "sectPr":
        if event == "start":
            state["refs"] = ([], [])
            return ""
        heads, feet = state["refs"]
        state["sections"].append(([r for _, r in sorted(heads)], [r for _, r in sorted(feet)]))
        state["refs"] = None
        if elem.getparent() is not None and elem.getparent().tag == _W + "pPr":
            state["pending"] = True
            return ""
        return _SECTION_END
    if tag in (_W + "headerReference", _W + "footerReference") and event == "start" and state["refs"]:
        which = state["refs"][0 if tag == _W + "headerReference" else 1]
        which.append((_REF_ORDER.get(elem.get(_W + "type") or "default", 3), elem.get(_R_ID) or ""))
    return ""


def _docx_piece(tag: str, elem, event: str, state: dict) -> str:
    """The text one element adds; a paragraph inside a table cell ends with a space, so a row
    ("Plaintiff:" | "Jane Doe") reads as one line."""
    if tag in (_MC_FALLBACK, _W + "tc"):
        key = "fallback" if tag == _MC_FALLBACK else "cell"
        state[key] += 1 if event == "start" else -1
        return "\t" if tag == _W + "tc" and event == "end" else ""
    if tag == _W + "lastRenderedPageBreak":
        return "\f" if event == "start" else ""
    if event != "end":
        return ""
    if tag == _W + "t":
        return elem.text or ""
    if tag == _W + "tab":
        return "\t"
    if tag in (_W + "br", _W + "cr"):
        return "\f" if elem.get(_W + "type") == "page" else "\n"
    if tag == _W + "p":
        ends_section, state["pending"] = state["pending"], False
        return (" " if state["cell"] else "\n") + (_SECTION_END if ends_section else "")
    if tag == _W + "tr":
        return "\n"
    if tag == _W + "noBreakHyphen":
        return "-"
    return ""
