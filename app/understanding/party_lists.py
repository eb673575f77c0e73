"""Parties listed by a docket: PACER party blocks and appellate party tables.

PACER (district, bankruptcy, criminal)::

    Plaintiff
    Joyce Efurd                represented by   Allen Durham Arnold
                                                Fonteneau & Arnold, LLC ...
                                                ATTORNEY TO BE NOTICED
                                                David Randall Arendall ...
    Defendant (1)
    Gustavo Alfaro-Medina

Texas appellate courts (``Party  PartyType  Representative``)::

    Glenn Hegar, Comptroller ...   Appellee   Mr. Matthew T. Kennedy
                                              Ms. Angela Angotti

Each yields ``(raw name, role, quote start, quote end)`` like the other party finders.
"""
from __future__ import annotations

import re

from app.understanding.text import _Doc, _squash

_HEADER_ROLES = {
    "plaintiff": "PLAINTIFF", "defendant": "DEFENDANT", "debtor": "DEBTOR", "joint debtor": "DEBTOR",
    "trustee": "TRUSTEE", "u.s. trustee": "TRUSTEE", "us trustee": "TRUSTEE", "petitioner": "PETITIONER",
    "respondent": "RESPONDENT", "appellant": "APPELLANT", "appellee": "APPELLEE", "creditor": "CREDITOR",
    "creditor committee": "CREDITOR", "movant": "OTHER", "intervenor": "OTHER", "interested party": "OTHER",
    "claimant": "OTHER", "counter claimant": "OTHER", "counter defendant": "OTHER", "cross claimant": "OTHER",
    "cross defendant": "OTHER", "garnishee": "OTHER", "third party plaintiff": "OTHER",
    "third party defendant": "OTHER", "amicus": "OTHER", "intervenor plaintiff": "OTHER",
    "intervenor defendant": "OTHER", "plaintiff-appellant": "APPELLANT", "plaintiff-appellee": "APPELLEE",
    "defendant-appellant": "APPELLANT", "defendant-appellee": "APPELLEE", "petitioner-appellant": "APPELLANT",
    "respondent-appellee": "APPELLEE",
}
_HEADER = re.compile(r"^(?P<role>" + "|".join(re.escape(k).replace(r"\ ", r"[ \-]") for k in
                                              sorted(_HEADER_ROLES, key=len, reverse=True))
                     + r")s?(?:[ \t]*\(\d+\))?[ \t]*$", re.I)
_REPRESENTED = re.compile(r"represented[ \t]+by[ \t]*(?P<name>[^\r\n]*)", re.I)
_BLOCK_END = re.compile(r"^(?:LEAD ATTORNEY|ATTORNEY TO BE NOTICED|PRO HAC VICE|TERMINATED:.*|Designation:.*|"
                        r"Bar Status:.*|NOTICE COUNSEL.*)$")
_SECTION_END = re.compile(r"^(?:date[ \t]+filed|filing[ \t]+date|docket[ \t]+text|#|pacer[ \t]+service|(?:pending|terminated)[ \t]+counts|"
                          r"highest[ \t]+offense|complaints[ \t]*$|disposition[ \t]*$)|\bdocket[ \t]+text\b", re.I)
_JOB = re.compile(r",[ \t]*(?:(?:correctional|police|probation|parole)[ \t]+)?(?:officer|warden|sergeant|lieutenant|captain|nurse|"
                  r"doctor|director|secretary|commissioner|superintendent|sheriff|deputy|guard|employee)\b.*$", re.I)
_PERSON = re.compile(r"^(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.?)(?:[ \t]+(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.?|de|del|la|van|von)){1,4}"
                     r"(?:,?[ \t]+(?:Jr\.?|Sr\.?|II|III|IV))?$")
_FIRMISH = re.compile(r"\b(?:LLP|LLC|PLLC|P\.?C|P\.?A|Law|Office|Offices|Group|Firm|Associates|Attorney|Defender|"
                      r"Department|Division|Street|Suite|Avenue|Floor|Box|Drawer|Center|Building|Plaza|Road|"
                      r"United|States|County|Court)\b", re.I)
_TABLE_HEAD = re.compile(r"^[ \t]*party[ \t]+party[ \t]?type[ \t]+representative[ \t]*$", re.I | re.M)
# a party type cell: "Appellee", "Criminal - Appellant", "Criminal - State of Texas", "Real party in interest"
_TABLE_TYPE = re.compile(r"^(?:(?:criminal|civil)[ \t]*-[ \t]*)?(?:appell(?:ant|ee)s?|relators?|applicants?|petitioners?|"
                         r"respondents?|real[ \t]+part(?:y|ies)[ \t]+in[ \t]+interest|(?:the[ \t]+)?state(?:[ \t]+of[ \t]+[A-Z][a-z]+)?|"
                         r"intervenors?|amicus(?:[ \t]+curiae)?|movants?|plaintiffs?|defendants?)$", re.I)
# "Hitt, Jonathan Irving", "DRUMMER, SAMUEL GLENN", "B., W.", "Hernandez , Laura": a person written surname first
_SURNAME_FIRST = re.compile(r"^(?P<surname>[A-Z][A-Za-z'’\-]*\.?)[ \t]*,[ \t]*(?P<given>(?:[A-Z][A-Za-z'’\-]*\.?[ \t]*){1,4})$")
_ORG_WORDS = re.compile(r"\b(?:inc|llc|l\.l\.c|llp|ltd|corp|co|company|corporation|bank|trust|n\.a|p\.c|pllc|lp|group|"
                        r"holdings|associates|partners)\b\.?", re.I)
# Supreme Court docket: "Title:  Jeffrey Sterling, Petitioner / v. / Hilton Hall, Warden"
_TITLE_CAPTION = re.compile(r"^[ \t]*Title:[ \t]*\n?\s*(?P<a>[^\n]{2,150}?),[ \t]*(?P<role>petitioners?|applicants?|appellants?|"
                            r"plaintiffs?)[ \t]*\n\s*v\.[ \t]*\n\s*(?P<b>[^\n]{2,150})$", re.I | re.M)
_OPPOSITE = {"PETITIONER": "RESPONDENT", "APPELLANT": "APPELLEE", "PLAINTIFF": "DEFENDANT"}
_COUNSEL_FOR = re.compile(r"^[ \t]*attorneys?[ \t]+for[ \t]+(?:petitioners?|respondents?|appellants?|appellees?|applicants?|"
                          r"amicus[^\n:]*|[A-Za-z ]{2,40}):[ \t]*$", re.I | re.M)
# a notice's docket text: who filed, for whom, and the filer's signature
_DOCKET_TEXT = re.compile(r"^[ \t]*docket[ \t]+text:\s*(?P<body>(?:[^\n]+\n?){1,6})", re.I | re.M)
_NAME_RX = r"[A-Z][A-Za-z'’\-]+(?:[ \t]+(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.)){1,4}(?:[ \t]+(?:Jr\.?|Sr\.?|II|III|IV))?"
_FILED_BY_LAWYER = re.compile(rf"\bfiled[ \t]+by[ \t]+(?:Mr\.|Ms\.|Mrs\.|Attorney)[ \t]+(?P<name>{_NAME_RX})")
_FILED_FOR_PARTY = re.compile(r"\b(?:filed[ \t]+by|on[ \t]+behalf[ \t]+of)[ \t]+(?P<role>(?i:appellants?|appellees?|petitioners?|respondents?))"
                              r"[ \t]+(?P<names>[^\n\[]{2,300}?)(?=[ \t]+(?:for|to|in|requesting)\b|(?<!\b[A-Z])\.[ \t]|\.$|\[|,[ \t]+FILED\b)")
# a notice's sentence: "added for Okello T. Chatrie, Petitioner v. United States." / "GenBioPro, Inc., Applicant v. Louisiana, et al.."
_INLINE_CAPTION = re.compile(r"\b(?:for|in)[ \t]+(?P<a>[A-Z][^,\n]{1,80}?(?:,[ \t]*(?:Inc|LLC|L\.L\.C|Ltd|Corp|Co)\.?)?),[ \t]+"
                             r"(?P<role>Petitioners?|Applicants?|Appellants?|Plaintiffs?)[ \t]+v\.[ \t]+"
                             r"(?P<b>[A-Z][^\n]{1,80}?)(?:,[ \t]+et[ \t]+al)?\.+(?=\s|$)")
_FILER_SIGNATURE = re.compile(rf"\[[\w-]+\][ \t]*(?:\((?:ECF:[ \t]*)?(?P<a>{_NAME_RX})\)|(?P<b>{_NAME_RX}))[ \t]*$", re.M)
_ATTORNEYS_FOR = re.compile(r"attorneys?[ \t]+for[ \t]+(?:appellants?|appellees?|petitioners?|respondents?):[ \t]*(?P<names>[^;\[\n]{2,120})", re.I)
# a docket's entry row: "04/25/2018 <tab> 12 <tab> APPEARANCE of Counsel Form filed by ..." (the entry's text)
_ENTRY = re.compile(r"^[ \t]*\d{2}/\d{2}/\d{4}[ \t]+(?:\d{1,4}[ \t]+)?(?P<body>[A-Za-z][^\n]{10,3000})$", re.M)
# "filed by Attorney Nicole Giuliano for Petitioner Theodore D'Apuzzo, P.A." / "..., Esquire for Appellee Victoria L. Nelson"
_FILED_BY_ATTORNEY_FOR = re.compile(
    rf"\b(?:filed[ \t]+by|,)[ \t]+Attorney[ \t]+(?P<name>{_NAME_RX})(?:,[ \t]+Esq(?:uire|\.))?[ \t]+for[ \t]+"
    r"(?P<role>(?i:appellants?|appellees?|petitioners?|respondents?|plaintiffs?|defendants?|debtors?))[ \t]+"
    r"(?P<party>[A-Z](?:[^\n;\[(]|(?<=\b[A-Z])\.){1,100}?)(?=[ \t]+in[ \t]+\d|[ \t]*[;\[(]|,[ \t]+(?:Attorney|Fee)\b|(?<!\b[A-Z])\.(?:[ \t]|$))")
# "APPEARANCE of Counsel Form filed by Joshua M. Salzman for United States of America" / "... representing respondent"
_COUNSEL_FORM = re.compile(rf"\bappearance[ \t]+of[ \t]+counsel[ \t]+form[ \t]+filed[ \t]+by[ \t]+(?:Attorney[ \t]+)?"
                           rf"(?P<name>{_NAME_RX})[ \t]+(?:for|representing)\b", re.I)
_ECF_FILER = re.compile(rf"\(ECF:[ \t]*(?P<name>{_NAME_RX})\)")
# "Attorney for Appellee: Houmand; Attorney for Appellant: Kung."
_ATTORNEY_FOR_SIDE = re.compile(r"\bAttorney[ \t]+for[ \t]+(?:Appellants?|Appellees?|Petitioners?|Respondents?):[ \t]*"
                                r"(?P<name>[A-Z][A-Za-z'’\-]+(?:[ \t]+[A-Z][A-Za-z'’\-]+){0,3})(?=[ \t]*[;.,]|[ \t]*$)")
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Dr|Hon)\.?[ \t]+")


def _role(header: str) -> str:
    key = re.sub(r"\s+", " ", header.lower().replace("-", " ").strip())
    key = re.sub(r"s$", "", key)
    return _HEADER_ROLES.get(key) or _HEADER_ROLES.get(header.lower().strip(), "OTHER")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"[ \t]{3,}|\t", line.strip()) if c.strip()]


COMPANY_END = re.compile(r"[ ,]+(?:inc|llc|l\.l\.c|lllp|llp|lp|corp|corporation|co|company|ltd|pllc|p\.c|n\.a)\.?$", re.I)


def one_company(left: str, right: str) -> bool:
    """'X and Y LLC' is one company when Y is a single word before the suffix and X has no suffix of its own."""
    left, right = left.strip(" ,;"), right.strip(" ,;")
    return bool(COMPANY_END.search(right)) and not COMPANY_END.search(left) and \
        len(COMPANY_END.sub("", right).split()) == 1


def split_on_and(names: str, extra: str = "") -> list[str]:
    """'A Inc. and B LLC' -> two names; 'Port Refining and Transportation LLLP' stays one."""
    parts = re.split(rf"(,?[ \t]+and[ \t]+)(?=[A-Z]){extra}", names)
    out: list[str] = []
    k = 0
    while k < len(parts):
        part = parts[k] or ""
        joiner = parts[k + 1] if k + 1 < len(parts) else None
        if joiner and k + 2 < len(parts) and one_company(part, parts[k + 2] or ""):
            parts[k + 2] = part + joiner + parts[k + 2]
        elif part.strip():
            out.append(part)
        k += 2
    return out


def _docket_parties(doc: _Doc, ctx: dict):
    yield from _pacer_blocks(doc)
    yield from _party_table(doc)
    yield from _title_caption(doc)
    yield from _notice_filers(doc)


def _notice_filers(doc: _Doc):
    bodies = [(m.group("body"), m.start("body")) for m in _DOCKET_TEXT.finditer(doc.text, 0, min(len(doc.text), 60_000))]
    if not bodies and _ENTRY.search(doc.text):
        bodies = [(m.group("body"), m.start("body")) for m in _ENTRY.finditer(doc.text, 0, min(len(doc.text), 200_000))]
    lawyers: list[str] = []
    for body, start in bodies:
        for f in _FILED_BY_ATTORNEY_FOR.finditer(body):
            lawyers.append(f.group("name"))
            yield f.group("name"), "ATTORNEY", start + f.start("name"), start + f.end("name")
            yield f.group("party"), _role(f.group("role")), start + f.start("party"), start + f.end("party")
        for f in _COUNSEL_FORM.finditer(body):
            lawyers.append(f.group("name"))
            yield f.group("name"), "ATTORNEY", start + f.start("name"), start + f.end("name")

    def known(name: str) -> bool:                   # "(ECF: Joshua Salzman)" after "filed by Joshua M. Salzman"
        words = name.split()
        return any(w.split()[0] == words[0] and w.split()[-1] == words[-1] for w in lawyers)

    for body, start in bodies:
        for f in _ECF_FILER.finditer(body):
            if not known(f.group("name")):
                yield f.group("name"), "ATTORNEY", start + f.start("name"), start + f.end("name")
        for f in _ATTORNEY_FOR_SIDE.finditer(body):
            yield f.group("name"), "ATTORNEY", start + f.start("name"), start + f.end("name")
        for f in _FILED_BY_LAWYER.finditer(body):
            yield f.group("name"), "ATTORNEY", start + f.start(), start + f.end()
        for f in _FILED_FOR_PARTY.finditer(body):
            role = _role(f.group("role"))      # "Appellant A Inc., Appellant B Inc." / "Appellants A, L.L.C. and B, L.L.C."
            for name in split_on_and(f.group("names"), r"|,[ \t]+(?i:appellants?|appellees?|petitioners?|respondents?)[ \t]+"):
                yield name, role, start + f.start(), start + f.end()
        for f in _FILER_SIGNATURE.finditer(body):
            if not known(f.group("a") or f.group("b")):
                yield f.group("a") or f.group("b"), "ATTORNEY", start + f.start(), start + f.end()
        for f in _ATTORNEYS_FOR.finditer(body):
            for name in re.split(r",[ \t]*", f.group("names")):
                if re.fullmatch(r"[A-Z][A-Za-z'’\-]+(?:[ \t]+[A-Z][A-Za-z'’\-.]+){0,3}", name.strip()):
                    yield name.strip(), "ATTORNEY", start + f.start(), start + f.end()


def _title_caption(doc: _Doc):
    text = doc.text
    for m in _INLINE_CAPTION.finditer(text, 0, min(len(text), 20_000)):
        role = "PETITIONER" if m.group("role").lower().startswith(("petition", "applicant")) else _role(m.group("role"))
        yield m.group("a"), role, m.start("a"), m.end("a")
        yield m.group("b"), _OPPOSITE.get(role, "OTHER"), m.start("b"), m.end("b")
    for m in _TITLE_CAPTION.finditer(text, 0, min(len(text), 60_000)):
        role = m.group("role").lower().rstrip("s")
        role = "PETITIONER" if role in ("petitioner", "applicant") else role.upper()
        yield m.group("a"), role, m.start("a"), m.end("a")
        yield _JOB.sub("", m.group("b").strip()), _OPPOSITE.get(role, "OTHER"), m.start("b"), m.end("b")
    for m in _COUNSEL_FOR.finditer(text):
        li = doc.line_index(m.start()) + 1
        k = next((k for k in range(li, min(len(doc.lines), li + 3)) if doc.line_text(k).strip()), None)
        if k is not None:
            first = _cells(doc.line_text(k))[0]
            if _PERSON.match(_squash(first)):
                yield first, "ATTORNEY", doc.lines[k][0], doc.lines[k][1]


def _pacer_blocks(doc: _Doc):
    lines = doc.lines
    role = None
    after_block_end = prev_header = False
    for i in range(min(len(lines), 6000)):
        ls, le = lines[i]
        line = doc.line_text(i).strip()
        if not line:
            continue
        if _SECTION_END.search(line):
            role = None
            continue
        header = _HEADER.match(line)
        if header and prev_header:                  # "U.S. Trustee" / "US Trustee": the party named after its role
            prev_header = False
            continue
        prev_header = bool(header)
        if header:
            role = _role(header.group("role"))
            k = next((k for k in range(i + 1, min(len(lines), i + 4)) if doc.line_text(k).strip()), None)
            if k is not None:
                first = re.split(r"represented[ \t]+by|[ \t]{3,}|\t", doc.line_text(k).strip(), flags=re.I)[0]
                first = re.sub(r",[ \t]*(?:debtor|trustee|plaintiff|defendant)s?\.?$", "", first.strip(), flags=re.I)
                first = _JOB.sub("", first)
                if first and not re.match(r"(?:TERMINATED|represented)\b", first, re.I):
                    yield first, role, lines[k][0], lines[k][1]
            after_block_end = False
            continue
        if role is None:
            continue
        rep = _REPRESENTED.search(line)
        lawyer = re.sub(r"[ \t]+,", ",", line).rstrip(" ,")      # "James Edgar Boddy , Jr." / "Christopher Howard Lowe ,"
        if rep and rep.group("name").strip():
            yield _cells(rep.group("name"))[0], "ATTORNEY", ls, le
        elif after_block_end and _PERSON.match(_squash(lawyer)) and not _FIRMISH.search(line) and not _BLOCK_END.match(line):
            yield lawyer, "ATTORNEY", ls, le
        after_block_end = bool(_BLOCK_END.match(line))


def _party_table(doc: _Doc):
    """Texas appellate case pages: one row per party (name, party type, first lawyer), more lawyers below."""
    text, lines = doc.text, doc.lines
    for m in _TABLE_HEAD.finditer(text):
        rows = list(_table_rows(doc, doc.line_index(m.start()) + 1))
        types = [_table_role(r[1]) for r in rows if r[1] is not None]
        for name, ptype, rs, re_ in rows:
            if ptype is None:                       # a further lawyer of the party above
                yield name, "ATTORNEY", rs, re_
                continue
            role = _table_role(ptype)
            if role == "STATE":                     # "Criminal - State of Texas": the other side of the appellant
                role = "APPELLEE" if "APPELLANT" in types else "OTHER"
            yield _table_party_name(name), role, rs, re_


def _table_rows(doc: _Doc, i: int):
    """(name, party type or None for a lawyer-only line, start, end) for each row below the table's head."""
    lines = doc.lines
    while i < len(lines):
        ls, le = lines[i]
        cells = _cells(doc.line_text(i).replace("\f", ""))
        i += 1
        if not cells:
            continue
        if len(cells) >= 2 and _TABLE_TYPE.match(cells[1]):
            yield cells[0], cells[1], ls, le
            if len(cells) >= 3:
                yield _lawyer_name(cells[2]), None, ls, le
            continue
        lawyer = _lawyer_name(cells[0]) if len(cells) == 1 else ""
        if not _PERSON.match(_squash(lawyer)) or _FIRMISH.search(lawyer):
            return                                  # "Case Documents, Opinions, Notices:", "No Party."
        yield lawyer, None, ls, le


def _lawyer_name(cell: str) -> str:
    """'The Honorable Kim K Ogg' -> 'Kim K Ogg'; 'M. Alan Nash, District Attorney' -> 'M. Alan Nash'."""
    cell = re.sub(r"^(?:the[ \t]+)?(?:hon(?:orable|\.)?[ \t]+)?(?:judge[ \t]+)?", "", cell.strip(), flags=re.I)
    cell = _HONORIFIC.sub("", cell)
    return re.sub(r",[ \t]*(?:(?:first|chief|assistant|deputy|county|district|criminal)[ \t]+)*(?:district|county|"
                  r"criminal|general)?[ \t]*attorney\b.*$", "", cell, flags=re.I).strip()


def _table_role(ptype: str) -> str:
    key = re.sub(r"^(?:criminal|civil)[ \t]*-[ \t]*", "", ptype.strip().lower())
    if re.match(r"(?:the[ \t]+)?state\b", key):
        return "STATE"
    if key in ("relator", "applicant", "relators", "applicants"):
        return "PETITIONER"
    return _role(key)


def _table_party_name(name: str) -> str:
    """'Hitt, Jonathan Irving' -> 'Jonathan Irving Hitt'; 'In Re Carl Williams, Pro Se' -> 'Carl Williams'."""
    name = re.sub(r"^in[ \t]+re:?[ \t]+", "", name.strip(), flags=re.I)
    name = re.sub(r",?[ \t]+pro[ \t]+se\.?$", "", name, flags=re.I)
    m = _SURNAME_FIRST.match(name)
    if m and not _ORG_WORDS.search(name):
        return f"{m.group('given')} {m.group('surname')}"
    return name
