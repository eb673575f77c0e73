"""Captions read as blocks, and the counsel paragraph of a published decision.

A caption block is the paper's heading: one side's names, a separator line, the other side's::

    TOWN OF MERRIMAC, Plaintiff-Appellant,          Eric Lamont HODNETT
    v.                                              v.
    VILLAGE OF MERRIMAC, Defendant-Respondent.      STANCO MASONRY, INCORPORATED and Amerisure
                                                    Mutual Insurance Company.

A side's role is the one it states (a dual role takes the role in the court that wrote the paper:
``Plaintiff-Appellant`` is APPELLANT); a side that states none takes the opposite of the other
side's, or, in a decision that says "X appeals", APPELLANT for X's side; else the caption's default.

The counsel paragraph of a published decision names the lawyers and their firms::

    John L. Gregory (Young, Haskins, Mann, Gregory & Smith, on brief), Martinsville, for appellant.
    On behalf of the defendant-respondent, the cause was submitted on the brief of Mark R. Sewell
    and Mindy Rowland Buenger of DeWitt Ross & Stevens, S.C., Madison.

Each finder yields ``(raw name, role, quote start, quote end)`` like the other party finders.
"""
from __future__ import annotations

import re

from app.understanding.text import _Doc, _squash

_SEPARATOR = re.compile(r"^[ \t]*[-–—]*[ \t]*(?:v\.?|vs\.?|versus|against)[ \t]*[-–—.]*[ \t]*$", re.I)
_ROLE = (r"(?:counter[\s-]|cross[\s-]|third[\s-]party[\s-])?(?:plaintiffs?|defendants?|petitioners?|respondents?|appellants?|"
         r"appellees?|relators?|applicants?|claimants?|movants?|intervenors?|cross[\s-]appellants?|cross[\s-]appellees?)")
# ", Plaintiff-Appellant,†"  ", Appellee-Plaintiff."  ", Defendants and Respondents."
_SIDE_ROLE = re.compile(rf",?[ \t]+(?P<roles>{_ROLE}(?:[ \t]*(?:[-–—/,]|and)[ \t]*{_ROLE})*)[ \t]*[.,;:]?[ \t]*[†*‡]*[ \t]*$", re.I)
_APPELLATE = {"appellant": "APPELLANT", "appellee": "APPELLEE", "respondent": "RESPONDENT", "petitioner": "PETITIONER",
              "relator": "PETITIONER", "applicant": "PETITIONER"}
_TRIAL = {"plaintiff": "PLAINTIFF", "defendant": "DEFENDANT", "claimant": "PLAINTIFF"}
_OPPOSITE = {"APPELLANT": "APPELLEE", "APPELLEE": "APPELLANT", "PETITIONER": "RESPONDENT", "RESPONDENT": "PETITIONER",
             "PLAINTIFF": "DEFENDANT", "DEFENDANT": "PLAINTIFF"}
_STOP_LINE = re.compile(r"\b(?:court|no\.|case|docket|record|number|index|division|county|district|circuit|judge|filed|"
                        r"decided|argued|submitted|opinion|order|section|page|complaint|motion|summons|notice|petition|"
                        r"memorandum|brief|judgment|answer|attorneys?\s+for|counsel\s+for)\b|\d{3,}|^[\W_]+$", re.I)

_ROLE_ONLY = re.compile(rf"^[ \t]*{_ROLE}[ \t]*(?:\(\d+\))?[ \t]*[.,;:]?[ \t]*$", re.I)
_NOT_CAPTION = re.compile(r"\battorney\s+to\s+be\s+noticed|\blead\s+attorney|\brepresented\s+by|@|\bfax\b|\bname\b|"
                          r"\baddress\b|\btelephone\b|_{3,}", re.I)


def _side_role(block: str) -> tuple[str, str | None]:
    """('TOWN OF MERRIMAC', 'APPELLANT') from 'TOWN OF MERRIMAC, Plaintiff-Appellant,†'."""
    m = _SIDE_ROLE.search(block)
    if not m:
        return block.strip(" ,;†*"), None
    words = [w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]+", m.group("roles"))]
    words = [w for w in words if w not in ("and", "counter", "cross", "third", "party")]
    role = next((_APPELLATE[w] for w in words if w in ("appellant", "appellee")), None) or \
        next((_APPELLATE[w] for w in words if w in _APPELLATE), None) or \
        next((_TRIAL[w] for w in words if w in _TRIAL), "OTHER")
    return block[:m.start()].strip(" ,;†*"), role


def _block(doc: _Doc, i: int, step: int) -> list[int]:
    """The caption lines next to the separator at line i, going up (step -1) or down (+1)."""
    out: list[int] = []
    j = i + step
    while 0 <= j < len(doc.lines) and len(out) < 4:
        line = doc.line_text(j).strip()
        if not line:
            if out:
                break
            j += step
            if abs(j - i) > 3:
                break
            continue
        long_ = len(line) > (400 if _SIDE_ROLE.search(line) else 200)   # a side of five names on one line ends with its role
        if long_ or ":" in line or _STOP_LINE.search(line) and not _SIDE_ROLE.search(line) or _SEPARATOR.match(line):
            break
        out.append(j)
        if step > 0 and re.search(r"[.;]\W*$", line) and not re.search(r"\b(?:Inc|Co|Corp|Ltd|Jr|Sr|[A-Z])\.$", line):
            break                                   # "Winford Calvin FOWLKES." ends the lower side
        j += step
    return sorted(out)


def versus_caption(doc: _Doc, ctx: dict, split_names, default_roles: tuple[str, str]):
    """The heading's 'X v. Y' block, each side with its role."""
    limit = min(len(doc.text), max(doc.first_page_end, 3000))
    for i in range(len(doc.lines)):
        if doc.lines[i][0] > limit:
            break
        if not _SEPARATOR.match(doc.line_text(i)):
            continue
        upper, lower = _block(doc, i, -1), _block(doc, i, +1)
        if not upper or not lower or _ROLE_ONLY.match(doc.line_text(lower[0])) or \
                any(_NOT_CAPTION.search(doc.line_text(k)) for k in upper + lower):
            continue                                # a docket's party list ("V." / "Defendant" / the name)
        sides = []
        for idx in (upper, lower):
            name, role = _side_role(" ".join(doc.line_text(k).strip() for k in idx))
            sides.append((name, role, doc.lines[idx[0]][0], doc.lines[idx[-1]][1]))
        (a, ra, as_, ae), (b, rb, bs, be) = sides
        if ra is None and rb is None:
            ra, rb = _appeal_roles(doc.text, a, b, doc.lines[lower[-1]][1]) or default_roles
        ra = ra or _OPPOSITE.get(rb or "", "OTHER")
        rb = rb or _OPPOSITE.get(ra, "OTHER")
        for part in (p for n in _comma_list(a) for p in split_names(n)):
            yield part, ra, as_, ae
        for part in (p for n in _comma_list(b) for p in split_names(n)):
            yield part, rb, bs, be
        return                                      # the paper's own caption is the first one


_CAPACITY = re.compile(r",?[ \t]+(?:individually(?:[ \t]+and[ \t]+in[ \t]+(?:his|her|its|their))?,?[ \t]+)?(?:in[ \t]+(?:his|her|its|their)[ \t]+)?"
                       r"official[ \t]+capacity(?:[ \t]+as[ \t]+[^,]+)?|,[ \t]+individually\b", re.I)
_SUFFIX_PIECE = re.compile(r"^(?:Inc|L\.?L\.?C|L\.?L\.?P|P\.?C|P\.?A|Ltd|Corp|Co|N\.?A|Jr|Sr|II|III|IV|Esq)\.?$", re.I)
_LIST_PERSON = re.compile(r"^(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.)(?:[ \t]+(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.)){1,4}$")


def _comma_list(side: str) -> list[str]:
    """'Geoffrey N. FIEGER, Fieger, Fieger, Kenny & Johnson, P.C., John L. Barlow, and Nancy Fisher' -> its parties.

    A side is split at its commas only when every piece is then a person's name or a firm (single words join the
    next piece: a firm's partners' names; a suffix joins the piece before it); otherwise it is left whole."""
    side = _CAPACITY.sub("", side)
    if side.count(",") < 2:
        return [side]
    pieces = [x.strip() for x in re.split(r",[ \t]*(?:and[ \t]+)?", side) if x.strip()]
    out: list[str] = []
    pending: list[str] = []
    for piece in pieces:
        if _SUFFIX_PIECE.match(piece) and out and not pending:
            out[-1] += ", " + piece
        elif " " not in piece:
            pending.append(piece)                   # "Fieger, Fieger, Kenny & Johnson, P.C.": partners' names
        else:
            out.append(", ".join(pending + [piece]))
            pending = []
    if pending:
        return [side]
    ok = all(_SUFFIX_PIECE.match(x.split(", ")[-1]) or _LIST_PERSON.match(re.sub(r"[ \t]+(?:and|&)[ \t]+", " ", x))
             for x in out)
    return out if ok and len(out) > 1 else [side]


def _appeal_roles(text: str, a: str, b: str, start: int) -> tuple[str, str] | None:
    """'Darlee Frith Shelton Fowlkes (wife) appeals an equitable distribution award' names the appellant.

    The full name is tried first, then the surname alone when the two sides do not share it."""
    head = text[start:start + 6000]
    names = [re.findall(r"[A-Za-z][A-Za-z'’\-]+", side) for side in (a, b)]
    shared = bool(names[0] and names[1] and names[0][-1].lower() == names[1][-1].lower())
    for words, roles in ((names[0], ("APPELLANT", "APPELLEE")), (names[1], ("APPELLEE", "APPELLANT"))):
        if not words:
            continue
        tries = [r"[\s,.]+".join(map(re.escape, words))] + ([] if shared else [re.escape(words[-1])])
        for pattern in tries:
            if re.search(rf"\b{pattern}\b(?:[ \t]+\([a-z ]+\))?[ \t]+appeals[ \t]+(?:from|the|an?|his|her|its|their)\b",
                         head, re.I):
                return roles
    return None


# ------------------------------------------------------------------ counsel paragraphs

_FOR_SIDE = re.compile(r"(?:,|\b(?:was|were)\s+on\s+the\s+briefs?)?\s*(?:attorneys?\s+)?for\s+(?:the\s+)?"
                       r"(?P<role>appellants?|appellees?|respondents?|petitioners?|plaintiffs?|defendants?|relators?)"
                       r"(?:[-–](?:appellants?|appellees?|respondents?|petitioners?|plaintiffs?|defendants?))?"
                       r"(?P<client>[ \t]+[A-Z][\w.'’&-]*(?:[ \t]+(?:of|the|and|[A-Z][\w.'’&-]*)){0,6})?\s*(?<!\b[A-Z])\.(?=\s|$|[A-Z])", re.I)
_ON_BEHALF = re.compile(r"On\s+behalf\s+of\s+the\s+[\w\s-]{3,40}?,\s+the\s+cause\s+was\s+(?:submitted|argued)\s+on\s+the\s+"
                        r"briefs?\s+of\s+(?P<body>[^\n]{3,400}?)(?<!\b[A-Z])\.(?=\s|$)")
_TITLE_WORDS = re.compile(r"\b(?:attorneys?|general|solicitor|deputy|assistant|counsel|public|defender|district|county|"
                          r"prosecut\w*|state|city|office|department|division|chief|special|senior|of|for|the|on|brief|"
                          r"briefs|appellants?|appellees?|respondents?|petitioners?|esq)\b", re.I)
_FIRM_HINT = re.compile(r"&|\band\b|(?<![A-Za-z])(?:LLP|LLC|L\.L\.P\.?|P\.?C\.?|P\.?A\.?|S\.C\.?|PLLC|Law|Group|Associates|"
                        r"Firm|Offices?)(?![A-Za-z])")
_PERSON_SEG = re.compile(r"^(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.)(?:[ \t]+(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.|Mc[A-Z][a-z]+|de|van|von)){1,4}"
                         r"(?:,?[ \t]+(?:Jr|Sr)\.?|[ \t]+(?:II|III|IV))?$")
_SUFFIX_SEG = re.compile(r"^(?:Jr|Sr|II|III|IV)\.?$")
_STATE_SEG = re.compile(r"^(?:[A-Z]{2}|[A-Z][a-z]{1,4}\.)$")      # "IN", "Ind.", "Va."


def counsel_paragraphs(doc: _Doc):
    """Lawyers and firms named before 'for appellant.' in a decision's head, and the client it names."""
    long_line = re.search(r"^[^\n]{800,}$", doc.text[:12_000], re.M)     # the decision itself begins
    head = doc.text[:long_line.start() if long_line else 12_000]
    start = 0
    for m in _FOR_SIDE.finditer(head):
        s = max(start, head.rfind("\n", 0, m.start()) + 1)
        body = head[s:m.start()]
        start = m.end()
        if len(body) > 700 or not re.search(r"[A-Z]\.|,", body) or re.search(r"\d", re.sub(r"\*+\d+", "", body)):
            continue
        for name, is_firm in _counsel_names(body):
            yield name, "ATTORNEY", s, m.end()
        client = (m.group("client") or "").strip()
        if client:                                  # "for appellee District of Columbia."
            role = m.group("role").lower().rstrip("s")
            yield client, {"relator": "PETITIONER"}.get(role, role.upper()), m.start("client"), m.end("client")
    for m in _ON_BEHALF.finditer(head):
        people, _, firm = m.group("body").partition(" of ")
        for name in re.split(r",\s*(?:and\s+)?|\s+and\s+", people):
            if _PERSON_SEG.match(name.strip()):
                yield name.strip(), "ATTORNEY", m.start(), m.end()
        if firm:
            f = _firm_name(firm)
            if f:
                yield f, "ATTORNEY", m.start(), m.end()


def _counsel_names(body: str):
    """Persons and firms of one side's counsel statement (star pages and cities dropped)."""
    body = re.sub(r"\*+\d+|\[[^\]]*\]", " ", body)
    for paren in re.findall(r"\(([^()]*)\)", body):
        for item in re.split(r";", re.sub(r",?\s+on\s+(?:the\s+)?briefs?\s*$", "", paren.strip())):
            item = item.strip()
            if _FIRM_HINT.search(item):
                f = _firm_name(item)
                if f:
                    yield f, True
            else:
                yield from _persons(item)
    outside = re.sub(r"\([^()]*\)", ",", body)
    for item in re.split(r";", outside):
        yield from _persons(item)


def _persons(item: str):
    segs = [s.strip() for s in re.split(r",|\band\b", item) if s.strip()]
    for k, seg in enumerate(segs):
        if _TITLE_WORDS.search(seg) or not _PERSON_SEG.match(seg):
            continue
        if k + 1 < len(segs) and _STATE_SEG.match(segs[k + 1]) and not _SUFFIX_SEG.match(segs[k + 1]):
            continue                                # "South Bend, IN": a city
        if k > 0 and _PERSON_SEG.match(segs[k - 1]) and not re.search(r"[A-Z]\.", seg) and k + 1 == len(segs):
            continue                                # "Peter M. Sweeny, Leesburg Heights": a city after the lawyer
        name = seg
        if k + 1 < len(segs) and _SUFFIX_SEG.match(segs[k + 1]):
            name = f"{seg}, {segs[k + 1]}"
        yield name, False


def _firm_name(text: str) -> str | None:
    """'Two Rivers Law Group, P.C., Richmond' -> 'Two Rivers Law Group, P.C.' (the city dropped)."""
    segs = [s.strip() for s in text.split(",")]
    last = max((k for k, s in enumerate(segs) if _FIRM_HINT.search(s)), default=None)
    if last is None:
        return None
    name = ", ".join(segs[:last + 1]).strip(" .")
    if re.search(r"\b(?:P\.C|P\.A|S\.C|L\.L\.P|Inc|Co)$", name):
        name += "."
    return name if 3 <= len(name) <= 100 else None
