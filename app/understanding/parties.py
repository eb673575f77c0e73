"""Parties with their roles: captions, labelled lines, notices, body text, lawyers and signatures."""
from __future__ import annotations

import re

from app.understanding.captions import counsel_paragraphs, versus_caption
from app.understanding.party_lists import COMPANY_END, _docket_parties, split_on_and
from app.understanding.text import MAX_ITEMS, _Doc, _squash

# ---------------------------------------------------------------------------- parties

_ROLE_WORDS = {
    "plaintiff": "PLAINTIFF", "plaintiffs": "PLAINTIFF", "defendant": "DEFENDANT", "defendants": "DEFENDANT",
    "petitioner": "PETITIONER", "petitioners": "PETITIONER", "respondent": "RESPONDENT", "respondents": "RESPONDENT",
    "landlord": "LANDLORD", "landlords": "LANDLORD", "tenant": "TENANT", "tenants": "TENANT",
    "owner": "LANDLORD", "lessor": "LANDLORD", "lessee": "TENANT",
    "appellant": "APPELLANT", "appellants": "APPELLANT", "appellee": "APPELLEE", "appellees": "APPELLEE",
    "debtor": "DEBTOR", "debtors": "DEBTOR", "creditor": "CREDITOR", "creditors": "CREDITOR",
    "demandante": "PLAINTIFF", "demandantes": "PLAINTIFF", "demandado": "DEFENDANT", "demandada": "DEFENDANT",
    "demandados": "DEFENDANT", "arrendador": "LANDLORD", "arrendadora": "LANDLORD", "inquilino": "TENANT",
    "inquilina": "TENANT", "arrendatario": "TENANT", "arrendataria": "TENANT",
    "counter-plaintiff": "PLAINTIFF", "counter-defendant": "DEFENDANT", "intervenor": "OTHER",
    "trustee": "TRUSTEE", "undertenant": "TENANT", "undertenants": "TENANT",
}
_ROLE_ALT = "|".join(sorted((re.escape(k) for k in _ROLE_WORDS), key=len, reverse=True))
# "Plaintiff,", "Plaintiff—Appellee,", "Plaintiff, Counter-defendant-Appellee,", "Defendants/Petitioners."
_ROLE_LINE = re.compile(rf"^(?:and\s+)?(?P<role>{_ROLE_ALT})(?:\(s\)|s)?(?:\s*[/,–—-]\s*(?:counter|cross|third[\s-]party)?[\s-]?"
                        rf"(?:{_ROLE_ALT}|claimants?|counterclaimants?)(?:\(s\))?)*\s*[.,;]?$", re.I)
_APPELLATE_ROLE = re.compile(r"\b(?:appellees?|appellants?|petitioners?|respondents?)\b(?![\s\S]*\b(?:appellees?|appellants?)\b)", re.I)
_INLINE_ROLE = re.compile(rf"^(?P<name>.{{2,90}}?),\s+(?P<role>{_ROLE_ALT})(?:\(s\)|s)?\s*[.,;]?$", re.I)
_LABELED_PARTY = re.compile(
    rf"^[ \t]*(?:[A-Z][a-z]+[ \t]+)?(?P<role>{_ROLE_ALT})(?:[ \t]*/[ \t]*(?:{_ROLE_ALT}))?(?:[ \t]*\d)?(?:\(s\))?(?:'s)?(?:[ \t]+name)?(?:[ \t]+or[ \t]+in[ \t]+re)?[ \t]*:[ \t]*"
    rf"(?P<name>[^\r\n]{{2,140}})$", re.I | re.M)
# a self-help form's caption: the name, a hint line under it, then the role ("Petitioner, (Enter your full legal name above)")
_HINT_LINE = re.compile(r"^[ \t]*\([^)\n]*\bname\b", re.I)
_HINTED_ROLE = re.compile(rf"^[ \t]*(?P<role>{_ROLE_ALT})[ \t]*[.,;]?[ \t]*\(", re.I)
# a flattened form's value after the blank it filled: "____________ Prairie Ridge Apartments LLC" or "Jerome K. Whitfield ______"
_FILLED_VALUE = re.compile(r"^[ \t]*(?:_{3,}[ \t]*(?P<a>[A-Z][^_\n]{1,80}?)|(?P<b>[A-Z][^_\n]{1,80}?)[ \t]*_{3,})[ \t]*$")
# "NOTICE TO DEFENDANT: (AVISO AL DEMANDADO):" with the name on the next line
_ROLE_LABEL_LINE = re.compile(
    rf"^[ \t]*(?:notice\s+to|you\s+are\s+being\s+sued\s+by)[ \t]+(?P<role>{_ROLE_ALT})(?:\(s\))?[ \t]*:[ \t]*(?:\([^)\r\n]*\)[ \t]*:?[ \t]*)?$",
    re.I | re.M)
_LABELED_LAWYER = re.compile(r"^[ \t]*(?:[A-Z][\w']*[ \t]+)?(?:attorney|counsel|lawyer|abogad[oa])[ \t]*:[ \t]*(?P<name>[^\r\n,]{2,80})",
                             re.I | re.M)
# 'Defendant Midwest Consumer Finance Corp. ("Midwest")', 'against Acme Corp. ("Acme") and Beta, Inc. ("Beta")'
_DEFINED_PARTY = re.compile(
    rf"\b(?P<cue>{_ROLE_ALT}|against)(?:s)?,?\s+(?P<name>[A-Z][\w.,&'’ -]{{1,80}}?(?:\n[ \t]*[\w.,&'’ -]{{1,40}}?)?)\s*\(\s*[\"“](?P<short>[^\"”\n]{{1,30}})[\"”]\s*\)"
    rf"(?:,?\s+and\s+(?P<name2>[A-Z][\w.,&'’ -]{{1,80}}?)\s*\(\s*[\"“][^\"”\n]{{1,30}}[\"”]\s*\))?")
_COLLECTOR = re.compile(r"(?P<name>[A-Z][\w.,&'’ -]{2,60}?)\s+is\s+a\s+debt\s+collector|"
                        r"(?:debt|money|amount)\s+(?:that\s+)?you\s+owe\s+to\s+(?P<creditor>[A-Z][\w.,&'’ -]{2,60}?)[.;]")
_CAPTION_LABEL = re.compile(r"^[ \t]*(?:case\s+name|short\s+title|(?:case\s+)?caption|case\s+style|re|in\s+re|matter|asunto|caso)[ \t]*:[ \t]*(?P<rest>[^\r\n]*)$",
                            re.I | re.M)
_PACER_NUMBER = re.compile(r"^\d{1,2}:\d{2}-[a-z]{2,4}-\d{3,6}(?:-[A-Za-z0-9]{1,5})*[ \t]+")
_SIGNAL = re.compile(r"(?:see|cf\.|e\.g\.|but\s+see|accord|compare|citing|quoting|in)\b", re.I)
_V_SPLIT = re.compile(r"\s+(?:v\.?|vs\.?|versus|contra|c\.)\s+", re.I)
_IN_RE = re.compile(r"^[ \t]*In\s+(?:re:?|the\s+(?:Matter|Interest)\s+of)\s+(?P<name>[A-Z][^\r\n]{1,80}?)(?=\s{2,}|\s+(?:No\.|Case|Docket|Bankr)|[ \t]*$)", re.M)
_TO_FROM = re.compile(r"^[ \t]*(?P<which>To|TO|Para|PARA|From|FROM|De|DE|Landlord|Tenant)[ \t]*:[ \t]*(?:\((?P<paren>[^)]*)\)[ \t]*)?(?P<name>[^\r\n]{2,140})$",
                      re.M)
_ATTY_FOR = re.compile(r"^[ \t]*(?:attorneys?|counsel|abogad[oa]s?)[ \t]+(?:of[ \t]+record[ \t]+)?(?:for|para|de)[ \t]+(?:the[ \t]+)?(?P<rest>[^\r\n]{0,100})",
                       re.I | re.M)
_SIGNED = re.compile(r"(?:^|[ \t])/?s/[ \t]*(?P<name>[A-Z][A-Za-z.'’\-]{0,30}(?:[ \t]+[A-Z][A-Za-z.'’\-]{0,30}){1,3})", re.M)
_ESQ = re.compile(r"(?<![A-Za-z'’\-])(?P<name>[A-Z][a-zA-Z'’\-]{1,30}\.?(?:[ \t]+[A-Z][a-zA-Z'’\-]{0,30}\.?){1,3}),?[ \t]+Esq(?:uire|\.)?(?![a-z])")
_NAME_ADDRESS_ARE = re.compile(r"attorney,?\s+whose\s+name\s+and\s+address\s+(?:are|is)\s*:?\s*$", re.I)
_ATTORNEY_IS = re.compile(r"\battorney\b[^.:\n]{0,60}(?:\n[^.:\n]{0,60})?\b(?:is|are)\s*:[ \t]*(?P<rest>[^\r\n]*)", re.I)
_END_OF_RECIPIENTS = re.compile(r"notice\s+has|following\s+document|document\s+description", re.I)
_MAILED_TO = re.compile(r"(?:electronically\s+)?mailed\s+to\s*:?\s*$", re.I)
_PERSON = re.compile(r"^(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.)(?:\s+(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.?|de|del|la|van|von|der|da)){1,4}"
                     r"(?:,?\s+(?:Jr\.?|Sr\.?|II|III|IV|Esq\.?))?$")
_FIRM_WORDS = re.compile(r"\b(?:LLP|LLC|L\.L\.C\.|PLLC|P\.L\.L\.C\.|P\.C\.|P\.A\.|LAW|OFFICES?|GROUP|FIRM|ASSOCIATES|STREET|SUITE|AVENUE|"
                         r"BLVD|ROAD|FLOOR|COURT|CLERK|JUDGE|COUNTY|DISTRICT|DIVISION|STATE|UNITED|RESPECTFULLY|SUBMITTED|"
                         r"DATED|ATTORNEYS?|COUNSEL|CENTER|BUILDING|PLAZA|CERTIFICATE|SERVICE|INC|CORP|COMPANY|BANK|"
                         r"CORPORATION|SCHOOL|DEPARTMENT|ONE|ITS|OF|THE|AND|FOR|BY|TO)\b", re.I)
_NAME_TRAIL_ABBR = re.compile(r"(?:\b(?i:Inc|Corp|Co|Ltd|Jr|Sr|Bros|L\.L\.C|L\.L\.P|N\.A|P\.C|P\.A|S\.A|Cía|Esq)\.|\b[A-Z]\.)$")
_HEADINGS = re.compile(r"\b(?:court|case|no\.|number|summons|complaint|order|motion|notice|judgment|division|county|"
                       r"district\s+of|circuit|united\s+states|parish|"
                       r"commonwealth|state\s+of|docket|civil\s+action|jury|trial|petition|hearing|section|article|"
                       r"re:|page|exhibit|plaintiffs?|defendants?|v\.|vs\.?)(?![\w])", re.I)


_SOVEREIGN = re.compile(r"the\s+(?:state|people|commonwealth|united\s+states|city|county|town|village|district|territory|"
                        r"government)\s+of\s+\w", re.I)    # "The State of Texas" is a party; "the above-named" is not


def _numbered_company(s: str) -> bool:
    return bool(COMPANY_END.search(s)) and \
        not re.search(r"\d{4,}|\d+[ \t]+(?:[A-Z][a-z]+[ \t]+)?(?:st|street|ave|avenue|road|rd|suite|blvd)\b", s, re.I)


def _clean_name(raw: str) -> str | None:
    s = _squash(raw)
    s = re.sub(r"\((?:[^()]*)\)", " ", s)            # (Arrendador), ("Midwest"), (BBO No. 1)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = _squash(s)
    s = re.sub(r"^(?:and|&|to|c/o|attn:?|by:?|/s/|s/)\s+", "", s, flags=re.I)
    s = re.sub(r"^(?:[Aa]ttorney|ATTORNEY|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+(?=[A-Z])", "", s)   # "Attorney Jacob L. Houmand, Esquire"
    s = re.sub(r"\s+(?:print(?:ed)?|signature|name|date)$", "", s, flags=re.I)   # "Jerome K. Whitfield  Print" (a form's label)
    s = re.sub(r"^in\s+(?:re:?|the\s+(?:matter|interest|estate)\s+of)\s+", "", s, flags=re.I)   # "In re J.W." names J.W.
    s = re.sub(r",\s+(?:an?\s+)?(?:minor\s+)?child(?:ren)?\.?$", "", s, flags=re.I)
    s = re.sub(r",?\s+et\s+al\.?.*$", "", s, flags=re.I)
    if not re.search(r"\b(?:U\.?\s?S\.?|United\s+States)\s+Trustee$", s, re.I):     # the U.S. Trustee is a party's name
        s = re.sub(rf"(?<!\bof),?\s+(?:the\s+)?(?:{_ROLE_ALT})(?:\(s\)|s)?\.?\s*$", "", s, flags=re.I)   # not "Board of Trustees"
    s = re.sub(r",\s+(?:an?|the)\s+[a-z][^,]*$", "", s)       # ", a Delaware corporation"
    s = re.sub(r",?\s+(?:individually|personally|pro\s+se)\b.*$", "", s, flags=re.I)
    s = re.sub(r"\s+(?:and|y)\s+(?:all\s+)?(?:other\s+|todos\s+los\s+dem[áa]s\s+)?(?:occupants|ocupantes|tenants).*$", "", s, flags=re.I)
    s = s.strip(" ,;:-–—\t")
    if s.endswith(".") and not _NAME_TRAIL_ABBR.search(s):
        s = s[:-1].rstrip()
    if not (2 <= len(s) <= 100):
        return None
    if re.search(r"@|_{2,}|https?:|www\.", s) or re.search(r"\d", s) and not _numbered_company(s):
        return None                                  # "336 LLC" and "Rainbow Station 7 Inc." are names; "Apt 4" is not
    letters = re.findall(r"[^\W\d_]", s)
    if len(letters) < 2:
        return None
    if re.search(r"^[\"“].*[\"”]$|^does?\s+(?:\d|[ivx]+\b)|\bdoes\s+\d+\s*(?:to|-|through)\s*\d+", s, re.I):
        return None                                  # '"JOHN DOE"', 'DOES 1 TO 10': placeholders
    s = s.strip('"“”')
    low = s.lower()
    if low in ("the above-named", "above-named respondents", "client", "clerk", "tenant", "landlord", "occupants",
               "all occupants", "name", "name of party", "unknown", "the court", "court staff"):
        return None
    if all(w in _FORM_WORDS for w in re.findall(r"[a-z]+", low)):
        return None                                  # "In the (check one)", a form's own words
    if re.fullmatch(rf"(?:county|parish),?\s+(?:{_STATES})", low):
        return None                                  # "______ County, Texas" with the blank empty
    if re.match(r"^(?:the|a|an|this|your|my|our|all|any)\b", low) and not re.search(r"\b(?:inc|llc|corp|company|bank|trust)\b", low) \
            and not _SOVEREIGN.match(low):
        return None
    return s


_FORM_WORDS = {"in", "the", "of", "a", "an", "and", "or", "check", "one", "county", "court", "name", "print", "first",
               "middle", "last", "at", "for", "to"}


_KEEP_UPPER = {"LLC", "LLP", "PLLC", "LP", "L.P.", "N.A.", "P.C.", "P.A.", "P.L.L.C.", "L.L.C.", "USA", "U.S.", "II",
               "III", "IV", "DBA", "FSB", "NA", "PC", "PA", "LTD.", "USAA", "CT", "US"}


def _display_name(name: str) -> str:
    """'RIVERSIDE APARTMENTS, LLC' -> 'Riverside Apartments, LLC' (names in mixed case are left alone)."""
    letters = [c for c in name if c.isalpha()]
    if not letters or any(c.islower() for c in letters) or (" " not in name and len(name) <= 4):
        return name                               # mixed case, or an acronym ("UC", "USA")
    out = []
    for word in name.split(" "):
        core = word.rstrip(",;")
        tail = word[len(core):]
        if core.upper() in _KEEP_UPPER or (len(core) <= 2 and core.endswith(".")) or re.fullmatch(r"(?:[A-Z]\.)+", core):
            out.append(core + tail)
            continue
        w = core.lower()
        if out and w in ("of", "the", "and", "for", "de", "del", "la", "y"):
            out.append(w + tail)                  # "State of Nevada", not "State Of Nevada"
            continue
        w = re.sub(r"(^|[-'’])([a-z])", lambda m: m.group(1) + m.group(2).upper(), w)
        w = re.sub(r"^(Mc)([a-z])", lambda m: m.group(1) + m.group(2).upper(), w)
        out.append(w + tail)
    return " ".join(out)


def _name_key(name: str) -> str:
    s = re.sub(r"[^\w\s]", " ", name.lower())
    s = re.sub(r"\b(?:et al|esq|jr|sr)\b", " ", s)
    return _squash(s)


def _same_person(a: str, b: str) -> bool:
    """'Reginald A. Williamson' and 'Reginald Ashton Williamson' are the same person."""
    ta, tb = _name_key(a).split(), _name_key(b).split()
    if len(ta) < 2 or len(tb) < 2 or ta[0] != tb[0] or ta[-1] != tb[-1]:
        return False
    ma, mb = ta[1:-1], tb[1:-1]
    if not ma or not mb:
        return len(ma) == len(mb)
    if COMPANY_END.search(a) or COMPANY_END.search(b):
        return False                                # "Deloitte & Touche LLP" is not "Deloitte Tax LLP"
    return len(ma) == len(mb) and all(x == y or (x[0] == y[0] and min(len(x), len(y)) == 1) for x, y in zip(ma, mb))


def _left_column(line: str) -> tuple[str, int]:
    """The caption's left column of a line (text before a ')' rule or a wide gap), and its indent."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    cut = re.search(r"\s{3,}|\s+\)|\s+\|\s|\s§\s", stripped)
    left = stripped[:cut.start()] if cut else stripped
    return left.strip(), indent


def _split_names(joined: str) -> list[str]:
    out: list[str] = []
    for piece in re.split(r";\s*|,?\s+&\s+(?=[A-Z][A-Z]+\b(?!\s*(?:CO|COMPANY|SONS)\b))", joined):
        out.extend(split_on_and(piece))
    return out


def _parties(doc: _Doc, ctx: dict) -> list[dict]:
    """Parties and lawyers, from captions, labelled fields, notices and signature blocks."""
    found: list[dict] = []
    for finder in (_docket_parties, _caption_block_parties, _versus_parties, _hinted_parties, _caption_line_parties,
                   _labelled_parties, _form_field_parties,
                   _notice_parties, _body_parties, _lawyer_parties):
        for raw, role, qs, qe in finder(doc, ctx):
            name = _clean_name(raw)
            if name and not _not_a_party(name, role):
                found.append({"name": _display_name(name), "role": role, "quote": doc.quote(qs, qe), "_pos": qs})
    return _drop_truncated(_drop_surnames(_merge_parties(_natural_order(found, doc))))


_STATES = ("alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|hawaii|idaho|illinois|"
           "indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|"
           "montana|nebraska|nevada|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|"
           "oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|washington|"
           "west virginia|wisconsin|wyoming|district of columbia|puerto rico")
# a place is never a party: "Northern California", "the Southern District of Texas", "Eastern Division"
_PLACE = re.compile(rf"^(?:the\s+)?(?:(?:north|south|east|west)(?:ern)?|central|middle|upper|lower)\s+(?:district\s+of\s+)?"
                    rf"(?:{_STATES}|district|division)$", re.I)
_COURT_WORDS = re.compile(r"\b(?:court|judges?|justices?|magistrate|chambers|tribunal)\b", re.I)


def _not_a_party(name: str, role: str) -> bool:
    """A party is a person or an organization: never a place, a court or a judge; a lawyer is never a bare state."""
    if _PLACE.match(name) or (_COURT_WORDS.search(name) and not COMPANY_END.search(name)):
        return True
    return role == "ATTORNEY" and bool(re.fullmatch(_STATES, name.lower()))


def _natural_order(found: list[dict], doc: _Doc) -> list[dict]:
    """'BARBER DEVON' (a court system's surname-first caption) is 'DEVON T. BARBER' when the paper also writes him so."""
    for p in found:
        words = p["name"].split()
        if len(words) == 3 and re.fullmatch(r"[A-Z]\.?", words[2]):     # "BARBER DEVON T"
            initial = rf"[ \t]+{words[2][0]}\.?"
            words = words[:2]
        else:
            initial = r"(?:[ \t]+[A-Z]\.?)?"
        if p["role"] == "ATTORNEY" or len(words) != 2 or not all(re.fullmatch(r"[A-Za-z'’\-]{2,}", w) for w in words) \
                or COMPANY_END.search(p["name"]) or _HEADINGS.search(p["name"]):
            continue
        m = re.search(rf"\b{re.escape(words[1])}{initial}[ \t]+{re.escape(words[0])}\b", doc.text, re.I)
        if m and m.group(0).lower() != p["name"].lower():
            p["name"] = _display_name(_squash(m.group(0)))
    return found


def _versus_parties(doc: _Doc, ctx: dict):
    """The heading's 'X, Plaintiff-Appellant, / v. / Y, Defendant-Respondent.' and a decision's counsel paragraph."""
    yield from versus_caption(doc, ctx, _split_names, _caption_roles(ctx))
    yield from counsel_paragraphs(doc)


def _caption_block_parties(doc: _Doc, ctx: dict):
    """JOHN DOE, / Plaintiff, / v. / ACME LLC, / Defendant.  (a role line with the name lines above it)"""
    text, lines = doc.text, doc.lines
    for i in range(min(len(lines), 4000)):
        ls, le = lines[i]
        left, indent = _left_column(text[ls:le])
        if not left or len(left) > 40 or indent > 40:
            continue
        m = _ROLE_LINE.match(left)
        if not m:
            inline = _INLINE_ROLE.match(left)        # "JOHN DOE, Plaintiff," on one line
            if inline and ":" not in inline.group("name") and not _HEADINGS.search(inline.group("name")):
                yield inline.group("name"), _ROLE_WORDS.get(inline.group("role").lower(), "OTHER"), ls, le
            continue
        role = _line_role(left, m.group("role"))
        names: list[tuple[str, int, int]] = []
        skipped = 0
        j = i - 1
        while j >= 0 and i - j <= 6:
            js, je = lines[j]
            if names and text.count("\n", je, lines[j + 1][0]) > 1:
                break                               # a blank line ends the name block
            l2, ind2 = _left_column(text[js:je])
            if not l2 or ind2 >= 30 or re.fullmatch(r"[)\s|:§_-]*", l2):
                if names or skipped >= 2:           # the right column, or a ")" rule line
                    break
                skipped += 1
                j -= 1
                continue
            if re.fullmatch(r"-?\s*(?:v\.?|vs\.?|versus|against|contra|and|&)\s*-?", l2, re.I) or _ROLE_LINE.match(l2):
                break
            if sum(c.isalpha() for c in l2) < 0.5 * len(l2.replace(" ", "")):
                break                               # a rule line: "-----------x"
            sovereign = not names and l2.endswith(",") and re.match(r"(?:the\s+)?(?:state|commonwealth|people|united\s+states)\b", l2, re.I)
            if _HEADINGS.search(l2) and not sovereign and not re.search(r"\b(?:inc|llc|corp|co|company|bank|n\.a)\b", l2, re.I):
                break
            names.insert(0, (l2, js, je))
            j -= 1
        bare_header = not re.search(r"[.,;]$", left) and names and text.count("\n", names[-1][2], ls) > 1
        if names and not bare_header:           # a PACER list's "Defendant" heads the name below it, not above
            qs, qe = names[0][1], names[-1][2]
            for part in _split_names(" ".join(n for n, _, _ in names)):
                yield part, role, qs, qe


def _line_role(line: str, first: str) -> str:
    """A dual role takes the role in the court that wrote the paper: 'Plaintiff—Appellee' is APPELLEE."""
    if re.search(r"[/,–—-]", line):
        later = _APPELLATE_ROLE.search(line, len(first))
        if later:
            return _ROLE_WORDS.get(later.group(0).lower(), "OTHER")
    return _ROLE_WORDS.get(first.lower(), "OTHER")


def _caption_line_parties(doc: _Doc, ctx: dict):
    """'Case Name: X v. Y', 'Short Title:', 'Re: X v. Y', a one-line caption near the top, 'In re: X'."""
    text, lines = doc.text, doc.lines
    ra, rb = _caption_roles(ctx)
    for m in _CAPTION_LABEL.finditer(text):
        value, vs = m.group("rest").strip(), m.start("rest")
        k = doc.line_index(m.start()) + 1
        if not value and k < len(lines):
            value, vs = doc.line_text(k).strip(), lines[k][0]
            k += 1
        ve = vs + len(value)
        while k < len(lines) and value:             # the value may wrap onto the next line
            nxt = doc.line_text(k).strip()
            wraps = value.endswith((",", " v.", " vs.")) or re.search(r"\bv\.?\s+\S+\s*$", value)
            if wraps and nxt and ":" not in nxt and not re.search(r"\d|court|no\.", nxt, re.I) and len(nxt) <= 40:
                value, ve = value + " " + nxt, lines[k][1]
                k += 1
                continue
            break
        if not _V_SPLIT.search(value):
            continue
        a, b = _V_SPLIT.split(value, maxsplit=1)
        sa, sb = _stated_role(text, a), _stated_role(text, b)     # "filed by Appellee Apple Inc."
        side_a = sa or _OPPOSITE.get(sb or "", ra)
        side_b = sb or _OPPOSITE.get(sa or "", rb)
        for part in _split_names(a):
            yield part, side_a, vs, ve
        for part in _split_names(b):
            yield part, side_b, vs, ve
    for i in range(min(len(lines), 60)):
        ls, le = lines[i]
        if ls > 6000:
            break
        line = _PACER_NUMBER.sub("", text[ls:le].strip())     # "8:18-cv-00020-RFR-SMB SWH Mimi's Cafe, LLC v. ..."
        if len(line) > 160 or ":" in line or line.endswith(",") or _SIGNAL.match(line) or \
                re.search(r"\d+\s+[A-Z][\w.]*\s+\d+|\(\d{4}\)|_{3,}", line):
            continue                                # a citation ("550 U.S. 544"), a blank form, a wrapped line
        mm = re.match(r"^(?P<a>[A-Z][^\r\n]{1,80}?)\s+(?:v\.?|vs\.?|versus)\s+(?P<b>[A-Z][^\r\n]{1,80}?)$", line)
        prose = mm and re.search(r"\b[a-z]+\s+[a-z]+\s+[a-z]+\b", mm.group("a") + " " + mm.group("b"))
        if mm and not prose and not re.search(r"\d", mm.group("a")):   # not a schedule row "TXW 1 19-00877 Milton v. Bard"
            (sa, a), (sb, b) = _stated(text, mm.group("a")), _stated(text, mm.group("b"))
            yield a, sa or _OPPOSITE.get(sb or "", ra), ls, le     # "filed by Petitioner Theodore D'Apuzzo, P.A."
            yield b, sb or _OPPOSITE.get(sa or "", rb), ls, le
    for m in _IN_RE.finditer(text, 0, min(len(text), 8000)):
        yield m.group("name"), "OTHER", m.start(), m.end()


_OPPOSITE = {"APPELLANT": "APPELLEE", "APPELLEE": "APPELLANT", "PETITIONER": "RESPONDENT", "RESPONDENT": "PETITIONER"}
_STATED = re.compile(r"\b(?P<role>Appellants?|Appellees?|Petitioners?|Respondents?)[ \t]+"
                     r"(?P<rest>(?:[^\n.;\[]|(?<=\b[A-Z])\.){2,120})")


def _stated_role(text: str, side: str) -> str | None:
    """The role a notice gives one side of its caption: 'on behalf of Appellee Commissioner Pennsylvania State Police'."""
    return _stated(text, side)[0]


def _stated(text: str, side: str) -> tuple[str | None, str]:
    """(role, name): the role the paper states for one side of its caption, and the side's name in full when the
    paper writes it so ('Victoria Nelson' in the caption is 'Appellee Victoria L. Nelson' in the entries)."""
    words = re.findall(r"[A-Za-z0-9][\w'’&-]*", re.sub(r",?\s+et\s+al\.?.*$", "", side, flags=re.I))
    if not words:
        return None, side
    first, last = words[0].lower(), words[-1].lower()
    for m in _STATED.finditer(text, 0, min(len(text), 60_000)):
        found = list(re.finditer(r"[A-Za-z0-9][\w'’&-]*", m.group("rest")))[:12]
        rest = [w.group(0).lower() for w in found]
        if rest and rest[0] == first and last in rest:
            name = side
            k = rest.index(last)
            fuller = m.group("rest")[:found[k].end()]
            if len(words) == 2 and k > 1 and _PERSON.match(fuller) and \
                    all(len(w.group(0)) == 1 for w in found[1:k]):
                name = fuller                       # only initials added between the first and last names
            return _ROLE_WORDS.get(m.group("role").lower()), name
    return None, side


def _labelled_parties(doc: _Doc, ctx: dict):
    """'Plaintiff: Brian O'Connell, 18 Hancock Street' and 'NOTICE TO DEFENDANT:' with the name below."""
    text, lines = doc.text, doc.lines
    for m in _LABELED_PARTY.finditer(text):
        role = _ROLE_WORDS.get(m.group("role").lower(), "OTHER")
        value = re.sub(r"^_{3,}[ \t]*", "", m.group("name").strip())
        if re.fullmatch(r"[_\s]*", value):        # the value was written below the blank
            filled = _filled_below(doc, doc.line_index(m.start()))
            if filled:
                yield filled[0], role, filled[1], filled[2]
            continue
        raw = re.split(r",\s*(?=\d)|\s{3,}|\t", value)[0]
        yield raw, role, m.start(), m.end()
    for m in _RECIPIENT.finditer(text):
        yield m.group("name"), "ATTORNEY", m.start("name"), m.end("name")
    for m in _ROLE_AFTER_NAME.finditer(text):
        yield m.group("name"), "ATTORNEY" if m.group("atty") else _ROLE_WORDS[m.group("role").lower()], \
            m.start("name"), m.end("name")
    yield from _two_column_parties(doc)
    for m in _ROLE_LABEL_LINE.finditer(text):
        li = doc.line_index(m.start())
        if li + 1 < len(lines):
            ns, ne = lines[li + 1]
            for part in re.split(r";\s*", text[ns:ne]):
                yield part, _ROLE_WORDS.get(m.group("role").lower(), "OTHER"), ns, ne


# e-filing recipients: "Plaintiff Attorney  GREGORY FRANCIS KOTCHICK  GKOTCHICK@FIRM.COM"
_RECIPIENT = re.compile(r"^[ \t]*(?:plaintiff|defendant|petitioner|respondent)(?:'s|’s)?[ \t]+attorney(?:[ \t]+information)?"
                        r"(?:[ \t]{2,}|[ \t]*\n[ \t]*)(?P<name>[A-Z][A-Za-z.'’\- ]{3,60}?)(?=[ \t]{2,}|[ \t]*$)", re.I | re.M)
# a notice's list of who may attend: "GREGORY FRANCIS KOTCHICK Plaintiff Attorney" / "DEVON T BARBER Defendant"
_ROLE_AFTER_NAME = re.compile(r"^[ \t]*(?P<name>[A-Z][A-Z'’\-]+\.?(?:[ \t]+[A-Z][A-Z'’\-]*\.?){1,4})[ \t]+"
                              r"(?P<role>Plaintiff|Defendant|Petitioner|Respondent|Appellant|Appellee)(?P<atty>[ \t]+Attorney)?[ \t]*$",
                              re.M)
# two columns: "Person or Business Suing You (Plaintiff)   Person or Business Being Sued (Defendant)" / ".Acme LLC. .Jo Doe."
_TWO_COLUMN_HEAD = re.compile(r"^[^\n]*\((?P<a>plaintiff|petitioner)\)[^\n]*\((?P<b>defendant|respondent)\)[ \t]*$", re.I | re.M)


def _two_column_parties(doc: _Doc):
    for m in _TWO_COLUMN_HEAD.finditer(doc.text):
        li = doc.line_index(m.start()) + 1
        if li >= len(doc.lines):
            continue
        cells = [c.strip(" .") for c in re.split(r"[ \t]{2,}|\.[ \t]+\.|\t", doc.line_text(li).strip()) if c.strip(" .")]
        if len(cells) == 2:
            for cell, role in zip(cells, (m.group("a"), m.group("b"))):
                yield cell, _ROLE_WORDS[role.lower()], doc.lines[li][0], doc.lines[li][1]


# a form's side-by-side boxes: "Plaintiff's name, address, and telephone no.   Defendant's name, address, and telephone no."
_NAME_BOX = re.compile(rf"\b(?P<role>{_ROLE_ALT})(?:'s|’s|s'|s’)[ \t]+name\b", re.I)
_PERSON_IN_LINE = re.compile(r"(?<![\w.])[A-Z][a-z'’\-]+(?:[ \t]+[A-Z]\.)?[ \t]+[A-Z][a-z'’\-]+(?:,?[ \t]+(?:Jr|Sr)\.?)?(?![\w'’\-])")
_SUBFIELD = re.compile(r"^[ \t]*(?P<part>first|middle|last)[ \t]+name[ \t]*$", re.I)


def _form_field_parties(doc: _Doc, ctx: dict):
    """Names written in a form's boxes: side-by-side 'Plaintiff's name, address...' boxes with the names on the
    line below (Michigan's SCAO forms), and 'First name' / 'Middle name' / 'Last name' under each value (the federal
    bankruptcy forms' 'About Debtor 1')."""
    lines = doc.lines
    for i in range(min(len(lines), 400)):
        line = doc.line_text(i)
        boxes = list(_NAME_BOX.finditer(line))
        if not boxes or "(" in line.split(boxes[0].group(0))[0]:
            continue
        k = next((k for k in range(i + 1, min(len(lines), i + 4))
                  if doc.line_text(k).strip() and not re.fullmatch(r"[ \t]*v\.?[ \t]*", doc.line_text(k))), None)
        if k is None or _NAME_BOX.search(doc.line_text(k)):
            continue
        value = re.sub(r"^[ \t]*v[ \t]+", "", doc.line_text(k))
        cells = [c for c in re.split(r"[ \t]{2,}|\t", value.strip()) if c]
        if len(cells) == len(boxes):                # each box's own cell: the name before the address
            names = [re.split(r"[ \t]+\d|,", c)[0].strip() for c in cells]
        elif not re.search(r"\d", value):            # a scan's names side by side: "Keisha L. Morgan Andre T. Morgan"
            names = [m.group(0) for m in _PERSON_IN_LINE.finditer(value)]
        else:
            continue
        if len(names) != len(boxes) or not all(_PERSON.match(_squash(n)) or COMPANY_END.search(n) for n in names):
            continue                                # two boxes need exactly two names: never a guess
        for box, name in zip(boxes, names):
            yield name, _ROLE_WORDS.get(box.group("role").lower(), "OTHER"), lines[k][0], lines[k][1]
    yield from _name_parts(doc)
    yield from _value_rows(doc)


_ROW_LABEL = re.compile(rf"(?P<role>{_ROLE_ALT})(?:[ \t]*/[ \t]*(?:{_ROLE_ALT}))*|judge|case[ \t]+number|commissioner", re.I)


def _value_rows(doc: _Doc):
    """A form's row of values above its row of labels: 'Brent A. Halvorsen Kelly R. Dunmore' over
    'Defendant/Respondent Judge' (each name over its own label; only when names and labels pair one to one)."""
    lines = doc.lines
    for i in range(1, min(len(lines), 400)):
        row = doc.line_text(i).strip()
        labels = list(_ROW_LABEL.finditer(row))
        if len(labels) < 2 or not any(m.group("role") for m in labels) or \
                re.sub(r"[ \t]+", "", _ROW_LABEL.sub("", row)):
            continue                                # the whole line must be labels
        above = doc.line_text(i - 1).strip()
        names = list(_PERSON_IN_LINE.finditer(above))
        if len(names) != len(labels) or re.sub(r"[ \t]+", "", _PERSON_IN_LINE.sub("", above)):
            continue
        for label, name in zip(labels, names):
            if label.group("role"):
                yield name.group(0), _ROLE_WORDS.get(label.group("role").lower(), "OTHER"), lines[i - 1][0], lines[i][1]


def _name_parts(doc: _Doc):
    lines = doc.lines
    i = 0
    while i < min(len(lines), 600):
        first = _SUBFIELD.match(doc.line_text(i))
        if not first or first.group("part").lower() != "first":
            i += 1
            continue
        parts, k, start = {}, i, None
        while k < min(len(lines), i + 6):
            m = _SUBFIELD.match(doc.line_text(k))
            if m:
                above = doc.line_text(k - 1).strip()
                if above and not _SUBFIELD.match(above) and re.fullmatch(r"[A-Z][A-Za-z'’\-]*\.?(?:[ \t]+[A-Z][A-Za-z'’\-]*\.?)?", above):
                    parts[m.group("part").lower()] = above
                    start = lines[k - 1][0] if start is None else start
                if m.group("part").lower() == "last":
                    break
            k += 1
        i = k + 1
        if "first" not in parts or "last" not in parts:
            continue
        head = doc.text[max(0, lines[i - 1][0] - 1500):lines[i - 1][0]]
        role = re.findall(r"\b(debtor|plaintiff|defendant|petitioner|respondent)\b", head, re.I)
        if role:                                    # whose name it is: "About Debtor 1:" above the boxes
            name = " ".join(parts[p] for p in ("first", "middle", "last") if p in parts)
            yield name, _ROLE_WORDS[role[-1].lower()], start, lines[k][1]


def _filled_below(doc: _Doc, li: int) -> tuple[str, int, int] | None:
    """The first filled blank in the 4 lines under a label whose own blank is empty."""
    for k in range(li + 1, min(len(doc.lines), li + 5)):
        m = _FILLED_VALUE.match(doc.line_text(k))
        if m:
            s, _e = doc.lines[k]
            return (m.group("a") or m.group("b")), s, doc.lines[k][1]
    return None


def _hinted_parties(doc: _Doc, ctx: dict):
    """'Tamara Lynn Hostetler  Case' / '(First Name) (Middle Name) (Last Name)' / 'Petitioner, (Enter your ... name above)'."""
    for i in range(2, min(len(doc.lines), 200)):
        m = _HINTED_ROLE.match(doc.line_text(i))
        if not m:
            continue
        above = [k for k in range(i - 1, max(-1, i - 5), -1) if doc.line_text(k).strip()][:2]
        if len(above) < 2 or not _HINT_LINE.match(doc.line_text(above[0])):
            continue
        k = above[1]
        name = re.split(r"[ \t]{2,}|\t", doc.line_text(k).strip())[0]
        name = re.sub(r"[ \t]+(?:case|number|division|no\.?)(?:[ \t]+\d{1,3})?$", "", name, flags=re.I)
        if not _HEADINGS.search(name):
            yield name, _ROLE_WORDS.get(m.group("role").lower(), "OTHER"), doc.lines[k][0], doc.lines[i][1]


def _notice_parties(doc: _Doc, ctx: dict):
    """'To: Tenant Name' / 'From: Landlord Name, Landlord' (roles from the words, or the landlord-tenant context)."""
    text = doc.text
    lt = ctx.get("landlord_tenant")
    for m in _TO_FROM.finditer(text, 0, min(len(text), 8000)):
        which = m.group("which").lower()
        raw = re.sub(r"<[^<>@\s]+@[^<>\s]+>", "", m.group("name")).strip()   # "Megan Fitch <megan@x.com>"
        raw = re.sub(r"^_{3,}[ \t]*", "", raw)
        if "@" in raw or not raw:
            continue
        lawyer = re.match(r"(?P<n>[^,]{3,60}),[ \t]+attorneys?[ \t]+for\b", raw, re.I)
        if lawyer:                                  # "To: Marla J. Vance, attorney for Prairie Ridge Apartments LLC"
            yield lawyer.group("n"), "ATTORNEY", m.start(), m.end()
            continue
        paren = (m.group("paren") or "").lower()
        tail = re.search(rf"[,(]\s*(?P<r>{_ROLE_ALT})\s*\)?\s*$", raw, re.I)
        if tail:
            role = _ROLE_WORDS.get(tail.group("r").lower())
        elif "defendant" in paren:
            role = "DEFENDANT"
        elif "tenant" in paren:
            role = "TENANT"
        elif which in ("landlord", "tenant"):
            role = which.upper()
        elif which in ("to", "para"):
            role = "TENANT" if lt else (None if paren else "OTHER")
        elif which in ("from", "de") and lt:
            role = "LANDLORD"
        else:
            role = None
        if role is not None:
            yield re.split(r",\s*(?=\d)|\s{3,}|\t", raw)[0], role, m.start(), m.end()


def _body_parties(doc: _Doc, ctx: dict):
    """Parties named in the text: 'Defendant Acme Corp. ("Acme")', 'X is a debt collector'."""
    head = doc.text[:30_000]
    for m in _DEFINED_PARTY.finditer(head):
        cue = m.group("cue").lower()
        role = "DEFENDANT" if cue == "against" else _ROLE_WORDS.get(cue.rstrip("s"), _ROLE_WORDS.get(cue, "OTHER"))
        for g in ("name", "name2"):
            if m.group(g) and not _HEADINGS.search(m.group(g)):
                yield m.group(g), role, m.start(g), m.end(g)
    for m in _COLLECTOR.finditer(head):
        g = "name" if m.group("name") else "creditor"
        yield m.group(g), "OTHER", m.start(g), m.end(g)


def _lawyer_parties(doc: _Doc, ctx: dict):
    """Signature blocks, '/s/ Name', 'Name, Esq.', 'Debtor's attorney: Name', e-filing notice recipients."""
    text, lines = doc.text, doc.lines
    for m in _LABELED_LAWYER.finditer(text):
        name = re.split(r"\s{3,}|\t", m.group("name"))[0]
        if _PERSON.match(_squash(name)):
            yield name, "ATTORNEY", m.start(), m.end()
    for m in _ATTORNEY_IS.finditer(text):
        rest, rs = m.group("rest").strip(), m.start("rest")
        if not rest:
            li = doc.line_index(m.end())
            if li + 1 >= len(lines):
                continue
            rest, rs = doc.line_text(li + 1).strip(), lines[li + 1][0]
        name = rest.split(",")[0].strip()
        if _PERSON.match(_squash(name)) and not _FIRM_WORDS.search(name):
            yield name, "ATTORNEY", rs, rs + len(rest)
    for m in _ATTY_FOR.finditer(text):
        li = doc.line_index(m.start())
        person = _signature_name(doc, li)
        if person:
            yield person[0], "ATTORNEY", person[1], person[2]
        rm = re.match(rf"(?P<r>{_ROLE_ALT})\s*$", m.group("rest").strip(), re.I)
        if rm and li + 1 < len(lines):              # "Attorney for Appellant" / "Reliable Contracting Group"
            client = doc.line_text(li + 1).strip()
            if client and not re.search(r"\d|@", client) and not _HEADINGS.search(client):
                yield client, _ROLE_WORDS.get(rm.group("r").lower(), "OTHER"), lines[li + 1][0], lines[li + 1][1]
    if re.search(r"\b(?:attorney|counsel|esq\.?|bar\s+no)\b", text, re.I):
        for m in _SIGNED.finditer(text):
            yield m.group("name"), "ATTORNEY", m.start("name"), m.end("name")
    for m in _ESQ.finditer(text):
        yield m.group("name"), "ATTORNEY", m.start(), m.end()
    for i in range(len(lines) - 1):
        if _NAME_ADDRESS_ARE.search(doc.line_text(i)):
            nxt = doc.line_text(i + 1).strip()
            if _PERSON.match(nxt):
                yield nxt, "ATTORNEY", lines[i + 1][0], lines[i + 1][1]
    yield from _mailed_to(doc)


def _mailed_to(doc: _Doc):
    """E-filing notices: 'Notice has been electronically mailed to:' then 'Name' / 'email, email'."""
    lines = doc.lines
    i = 0
    while i < len(lines):
        if not _MAILED_TO.search(doc.line_text(i)):
            i += 1
            continue
        k = i + 1
        while k < min(len(lines), i + 600):
            cur = doc.line_text(k).strip()
            if _END_OF_RECIPIENTS.search(cur) or _MAILED_TO.search(cur):
                break
            nxt = doc.line_text(k + 1).strip() if k + 1 < len(lines) else ""
            same_line = re.match(r"(?P<n>[^@\t]+?)(?:[ \t]{2,}|\t)\S+@\S+", cur)   # "Aaron Gundzik     agundzik@x.com"
            label = same_line and re.match(rf"(?:{_ROLE_ALT})(?P<atty>[ \t]+attorney)?[ \t]{{2,}}", same_line.group("n"), re.I)
            # "Defendant  BARBER, DEVON, T  x@y" is the party; "Plaintiff Attorney  NAME  x@y" is read by _RECIPIENT
            if label:
                pass
            elif same_line and _PERSON.match(_squash(same_line.group("n"))):
                yield same_line.group("n"), "ATTORNEY", lines[k][0], lines[k][0] + same_line.end("n")
            elif "@" not in cur and "@" in nxt and _PERSON.match(_squash(cur)):
                suffix = re.match(r",\s*(Jr\.?|Sr\.?|II|III|IV)\b", nxt)
                if suffix:      # "John F. Cove" / ", Jr  john.cove@..." : the suffix wrapped to the next line
                    yield f"{cur} {suffix.group(1)}", "ATTORNEY", lines[k][0], lines[k + 1][0] + suffix.end()
                else:
                    yield cur, "ATTORNEY", lines[k][0], lines[k][1]
            k += 1
        i = k


def _signature_name(doc: _Doc, li: int) -> tuple[str, int, int] | None:
    """The lawyer's name in the signature block above line li ('/s/ Name' preferred)."""
    best = None
    for j in range(li, max(-1, li - 11), -1):
        line = doc.line_text(j)
        if j < li and re.search(r"respectfully\s+submitted|^\s*dated\b|^\s*date\s*:", line, re.I):
            break
        s, _e = doc.lines[j]
        sm = _SIGNED.search(line)
        if sm:
            return sm.group("name"), s, doc.lines[j][1]
        if j == li:
            continue
        cand = re.sub(r"\([^)]*\)", "", _left_column(line)[0]).strip()
        cand = re.sub(r",?\s+Esq\.?$", "", cand)
        if best is None and _PERSON.match(cand) and not _FIRM_WORDS.search(cand):
            best = (cand, s, doc.lines[j][1])
    return best


def _caption_roles(ctx: dict) -> tuple[str, str]:
    if ctx.get("appellate"):
        return "OTHER", "OTHER"
    if ctx.get("petition"):
        return "PETITIONER", "RESPONDENT"
    return "PLAINTIFF", "DEFENDANT"


_CORP_SUFFIX = re.compile(r"\s+(?:inc|llc|l l c|corp|corporation|co|company|ltd|n a|p c|p a|pllc|llp|lp)$")


def _drop_surnames(parties: list[dict]) -> list[dict]:
    """'Efurd' from a short title ('Efurd v. AAA Cooper') when 'Joyce Efurd' is listed too."""
    lasts = {_name_key(p["name"]).split()[-1] for p in parties if len(_name_key(p["name"]).split()) > 1}
    return [p for p in parties if len(_name_key(p["name"]).split()) > 1 or _name_key(p["name"]) not in lasts]


def _drop_truncated(parties: list[dict]) -> list[dict]:
    """'New Jersey Turnpike' (a caption cut to its field's width) when 'New Jersey Turnpike Authority' has the same role."""
    def cut(short: dict, full: dict) -> bool:     # not "John L. Barlow" beside "John L. Barlow & Associates, Inc."
        a, b = short["name"].lower(), full["name"].lower()
        return short["role"] == full["role"] and len(a.split()) >= 2 and b.startswith(a + " ") and \
            not re.match(r"\s*(?:&|and\b|,)", b[len(a):])
    return [p for p in parties if not any(cut(p, q) for q in parties if q is not p)]


def _merge_parties(found: list[dict]) -> list[dict]:
    out: list[dict] = []
    keys: list[str] = []
    exact: dict[str, dict] = {}
    for p in sorted(found, key=lambda x: x["_pos"]):
        key = _name_key(p["name"])
        if key in exact:
            if exact[key]["role"] == "OTHER" and p["role"] != "OTHER":
                exact[key]["role"] = p["role"]
            continue
        if len(out) >= MAX_ITEMS:
            break
        bare = _CORP_SUFFIX.sub("", key)
        dup = None
        for o, ok in zip(out, keys):
            if ok == key or _CORP_SUFFIX.sub("", ok) == bare or _same_person(o["name"], p["name"]):
                dup = o
                break
        if dup is None:
            out.append(p)
            keys.append(key)
            exact[key] = p
        else:
            if dup["role"] == "OTHER" and p["role"] != "OTHER":
                dup["role"] = p["role"]
            if _CORP_SUFFIX.search(key) and not _CORP_SUFFIX.search(_name_key(dup["name"])):
                dup["name"], dup["quote"] = p["name"], p["quote"]   # "CP Marine Services, L.L.C." over "CP Marine Services"
    return out
