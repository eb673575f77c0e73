"""Courts named in a paper, matched to courts-db identifiers where the jurisdiction allows."""
from __future__ import annotations

import functools
import logging
import re

from app.understanding.text import MAX_ITEMS, _Doc, _Taken, _finditer_in, _squash, _windows

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- courts

_STATES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|District of Columbia|Florida|"
           "Georgia|Guam|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|"
           "Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
           "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Puerto Rico|Rhode Island|"
           "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virgin Islands|Virginia|Washington|"
           "West Virginia|Wisconsin|Wyoming")
_STATE_RX = _STATES.replace(" ", r"\s+")
_STATE_NO_DC = _STATE_RX.replace(r"District\s+of\s+Columbia|", "")
_DIRS_TITLE = "Northern|Southern|Eastern|Western|Middle|Central"
_CIRCUITS = r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|federal|district\s+of\s+columbia|d\.\s?c\."
_DIRS = r"northern|southern|eastern|western|middle|central"
_CAPWORD = r"[A-Z][\w.'’\-]*"
_ORDINALS = ("First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth|Eleventh|Twelfth|Thirteenth|Fourteenth|"
             "Fifteenth")

_COURT_RES = [
    ("fed_app", re.compile(rf"(?:united\s+states\s+|u\.\s?s\.\s+)?court\s+of\s+appeals,?\s+(?:for\s+the\s+)?(?P<cir>{_CIRCUITS})\s+circuit", re.I)),
    ("fed_dist", re.compile(rf"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court(?:\s+for\s+the)?:?\s+"
                            rf"(?:(?:for\s+the\s+)?(?P<dir>{_DIRS})\s+)?district\s+of:?\s+(?P<state>{_STATE_RX})\b", re.I)),
    ("fed_dist2", re.compile(rf"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court\s*[,\-–—]?\s+"
                             rf"(?P<state>{_STATE_RX})\s+(?:(?P<dir>{_DIRS})\s+)?district\b", re.I)),
    ("fed_dist3", re.compile(r"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court\b", re.I)),
    ("fed_special", re.compile(rf"(?:united\s+states\s+|u\.\s?s\.\s+)?(?P<name>tax\s+court|court\s+of\s+federal\s+claims|"
                               rf"court\s+of\s+international\s+trade|court\s+of\s+appeals\s+for\s+veterans\s+claims|"
                               rf"bankruptcy\s+appellate\s+panel\s+(?:for|of)\s+the\s+(?P<cir>{_CIRCUITS})\s+circuit)\b", re.I)),
    ("supreme", re.compile(rf"supreme\s+court\s+(?P<app>of\s+appeals\s+)?of\s+(?:the\s+)?(?P<state>united\s+states|{_STATE_RX})\b", re.I)),
    # Texas' numbered courts of appeals ("First Court of Appeals", "13th Court of Appeals - Corpus Christi"),
    # "Third Circuit Court of Appeals", "Court of Criminal Appeals", "County Court at Law No. 1"
    ("numbered_app", re.compile(rf"(?:{_ORDINALS}|\d{{1,2}}(?:st|nd|rd|th))\s+(?:Circuit\s+)?Court\s+of\s+Appeals?"
                                rf"(?:[ \t]+[-–][ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?(?![\w]))?", re.I)),
    ("criminal_app", re.compile(rf"(?:(?:{_STATE_RX})\s+)?Court\s+of\s+Criminal\s+Appeals", re.I)),
    ("at_law", re.compile(r"(?:County|Co\.?)\s+(?:(?:Criminal|Crim\.?|Civil|Civ\.?)\s+)?(?:Court|Ct\.?)\s+at\s+Law"
                          r"(?:\s+(?:No\.?|#)\s*\d{1,3}\b)?", re.I)),
    ("state_of", re.compile(rf"State\s+of\s+(?:{_STATE_RX}),?\s+(?:Circuit|Superior|District|County)\s+Court\b", re.I)),
    ("named_supreme", re.compile(rf"(?:(?:United\s+States|U\.\s?S\.|{_STATE_RX})\s+)?Supreme\s+Court"
                                 rf"(?!\s+(?:of|for|Rules?|Clerk|Advisory|Committee|Commission|Act)\b)", re.I)),
    ("appellate_of", re.compile(rf"Appellate\s+Courts?\s+of\s+(?:the\s+State\s+of\s+)?(?:{_STATE_RX})\b", re.I)),
    ("state_app", re.compile(rf"(?:(?<![\w])(?P<state>{_STATE_RX})\s+)?court\s+of\s+appeals?(?:\s+of\s+(?P<state2>{_STATE_RX}))?\b"
                             rf"(?!\s+(?:Docket|Case|No\b|Number|Information|Judges?|Rules?|Act)\b)", re.I)),
    ("state", re.compile(
        rf"(?P<kind>circuit|superior|district|county|municipal|probate(?:\s+and\s+family)?|family|magistrate|chancery|"
        rf"justice|small\s+claims|housing|juvenile|common\s+pleas|civil|land|surrogate'?s?|justice\s+of\s+the\s+peace)\s+court"
        rf"(?:\s+(?P<conn>of|for|in\s+and\s+for)\s+(?P<the>the\s+)?(?P<place>(?:city\s+(?:and|&)\s+county\s+of\s+)?{_CAPWORD}(?:[ \t]+{_CAPWORD}){{0,3}}))"
        rf"(?:\s*,\s*(?:state\s+of\s+)?(?P<state>{_STATE_RX})\b)?"
        rf"(?P<county>,\s+county\s+of\s+{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}})?", re.I)),
    # a Texas-style caption column: "IN THE JUSTICE COURT / PRECINCT ONE / TRAVIS COUNTY, TEXAS"
    ("caption_bare", re.compile(r"(?<![\w])IN\s+THE\s+(?:JUSTICE|DISTRICT|COUNTY|CIRCUIT|SUPERIOR|MUNICIPAL|PROBATE|FAMILY)"
                                r"\s+COURT(?=[ \t]*(?:\n|$))")),
    ("bare", re.compile(
        r"(?<![\w'’\-])(?P<pre>(?:(?:\d{1,3}(?:st|nd|rd|th|ST|ND|RD|TH)|[A-Z][A-Za-z'’\-]+)[ \t]+){0,3})(?P<kind>District|Municipal|Housing|Probate\s+and\s+Family|Juvenile|Land|"
        r"Superior|Small\s+Claims|Justice|Magistrate|DISTRICT|MUNICIPAL|HOUSING|PROBATE\s+AND\s+FAMILY|JUVENILE|LAND|"
        r"SUPERIOR|SMALL\s+CLAIMS|MAGISTRATE|Circuit|CIRCUIT)\s+(?P<court>Court|COURT)(?P<dept>\s+(?:Department|DEPARTMENT))?"
        r"(?![\w'’])(?!\s+(?:of\s+Appeals|OF\s+APPEALS|Act|Rules?)\b)")),
    # PACER's names for a district court ("District of Nebraska", "Appeal From: Southern District of Florida")
    ("district_only", re.compile(rf"(?<![\w.])(?:(?:{_DIRS_TITLE})\s+)?District\s+of\s+(?:{_STATE_NO_DC})\b")),
    # a circuit named by its number, as Michigan's court forms name it: "3rd JUDICIAL CIRCUIT / Wayne COUNTY"
    ("judicial_circuit", re.compile(rf"(?<![\w])(?P<num>(?:{_ORDINALS}|\d{{1,2}}(?:st|nd|rd|th))\s+Judicial\s+Circuit)\b"
                                    rf"(?:[^\n]{{0,80}}\n[ \t]*(?P<county>(?-i:[A-Z][A-Za-z.'’\-]+(?:[ \t][A-Z][A-Za-z.'’\-]+)?))"
                                    rf"[ \t]+(?-i:COUNTY|County)\b)?", re.I)),
    ("tribunal", re.compile(
        rf"Tribunal\s+(?P<kind>Superior|de\s+Distrito|Municipal|de\s+Reclamos\s+Menores|Supremo)\s+(?:de|del)\s+"
        rf"(?P<place>{_STATE_RX}|[A-ZÁÉÍÓÚ][\wáéíóúñ]+(?:\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+){{0,2}})"
        rf"(?P<county>,\s+Condado\s+de\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+(?:\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+){{0,2}})?")),
]
_COURT_TRIGGER = re.compile(r"\bcourts?\b|\bct\b|\btribunal\b|\bpanel\b|\bDistrict\s+of\b|\bjudicial\s+circuit\b", re.I)
_AS_WRITTEN = {"caption_bare", "state_of", "numbered_app", "criminal_app", "at_law", "named_supreme", "appellate_of", "district_only"}
_BARE_DISTINCT = {"municipal", "housing", "probate and family", "juvenile", "land", "small claims"}
_BARE_STOP = {"the", "in", "of", "for", "and", "a", "an", "this", "that", "said", "any", "each", "to", "at", "by",
              "from", "with", "other", "state", "your", "our", "their", "its", "his", "her", "see", "before",
              "check", "court", "one", "all", "local", "commonwealth", "trial", "audio", "pilot", "if", "no",
              "honorable", "hon", "judge", "reporter", "clerk", "appeal", "from", "under", "act"}
_SMALL = {"of", "the", "for", "and", "in", "de", "del", "la", "los", "las", "y", "on", "at"}


def _title(s: str) -> str:
    words = _squash(s).split(" ")
    out = []
    for i, w in enumerate(words):
        lw = w.lower()
        if i > 0 and lw in _SMALL:
            out.append(lw)
        elif w.isupper() and len(w) > 1 and not re.fullmatch(r"(?:[A-Z]\.)+[A-Z]?\.?", w):
            out.append(w[0] + w[1:].lower())
        elif w.islower():
            out.append(w[:1].upper() + w[1:])
        else:
            out.append(w)
    return " ".join(out)


def _cap_ok(matched: str, words: tuple[str, ...] = ("court",)) -> bool:
    """The court words are capitalized (so 'the district court' in prose is not a court name)."""
    for w in re.findall(r"[A-Za-z]+", matched):
        if w.lower() in words and not w[0].isupper():
            return False
    return True


def _trim_place(place: str) -> str:
    words = _squash(place).split(" ")
    kept = []
    for w in words:
        if w.lower() in ("of", "and", "&") and kept:
            kept.append(w)
            continue
        if not w[:1].isupper():
            break
        if w.rstrip(",.").lower() in ("civil", "action", "case", "no", "division", "docket", "judge", "plaintiff",
                                      "defendant", "petitioner", "respondent", "in", "on", "at", "for"):
            break
        kept.append(w)
        if w.lower() == "county":
            break
    while kept and kept[-1].lower() in ("of", "and", "&"):
        kept.pop()
    return " ".join(kept).rstrip(",.")


def _court_name(kind: str, m: re.Match) -> str | None:
    g = m.groupdict()
    if kind == "fed_app":
        cir = _squash(g["cir"]).lower()
        cir = "District of Columbia" if cir.startswith(("district", "d.")) else cir.capitalize()
        return f"United States Court of Appeals for the {cir} Circuit"
    if kind in ("fed_dist", "fed_dist2"):
        dir_ = f"{g['dir'].capitalize()} " if g.get("dir") else ""
        return f"United States {g['kind'].capitalize()} Court for the {dir_}District of {_title(g['state'])}"
    if kind == "fed_special":
        if g.get("cir"):
            return f"United States Bankruptcy Appellate Panel for the {_squash(g['cir']).capitalize()} Circuit"
        return "United States " + _title(_squash(g["name"]).lower())
    if kind == "fed_dist3":
        return f"United States {g['kind'].capitalize()} Court"
    if kind == "supreme":
        state = _title(g["state"])
        if state.lower().startswith("united"):
            return "Supreme Court of the United States"
        return f"Supreme Court {'of Appeals ' if g.get('app') else ''}of {state}"
    if kind in _AS_WRITTEN:
        return _title(m.group(0))
    if kind == "state_app":
        st = g.get("state") or g.get("state2")
        if not st:
            return "Court of Appeals" if m.group(0)[:1] == "C" else None
        return f"{_title(st)} Court of Appeals" if g.get("state") else f"Court of Appeals of {_title(st)}"
    if kind == "state":
        k = _title(g["kind"])
        place = _trim_place(g.get("place") or "")
        if not place:
            return None
        conn = _squash(g["conn"]).lower()
        the = "the " if g.get("the") else ""
        name = f"{k} Court {conn} {the}{_title(place)}"
        if g.get("state") and g["state"].lower() not in place.lower():
            name += f", {_title(g['state'])}"
        if g.get("county"):
            county = _trim_place(re.sub(r"(?i)^,\s+county\s+of\s+", "", g["county"]))
            if county:
                name += f", County of {_title(county)}"
        return name
    if kind == "bare":
        pre = [w for w in _squash(g.get("pre") or "").split(" ") if w]
        while pre and pre[0].lower().strip("’'") in _BARE_STOP:
            pre.pop(0)
        if any(w.lower() in _BARE_STOP for w in pre):
            pre = pre[[i for i, w in enumerate(pre) if w.lower() in _BARE_STOP][-1] + 1:]
        k = _squash(g["kind"]).lower()
        if not pre and k not in _BARE_DISTINCT:
            return None
        dept = " Department" if g.get("dept") else ""
        return _title(" ".join(pre + [g["kind"], "Court"])) + dept
    return _court_name_more(kind, g)


def _court_name_more(kind: str, g: dict) -> str | None:
    """The names of a numbered circuit and of a Spanish-language court."""
    if kind == "judicial_circuit":
        county = f", {_title(g['county'])} County" if g.get("county") else ""
        return _title(g["num"]) + county
    if kind == "tribunal":
        name = f"Tribunal {_squash(g['kind'])} de {_squash(g['place'])}"
        if g.get("county"):
            name += _squash(g["county"])
        return name
    return None


@functools.lru_cache(maxsize=1)
def _courts_db_patterns():
    """courts-db's compiled patterns, loaded once (about half a second the first time)."""
    try:
        import courts_db
        from courts_db.text_utils import strip_punc

        return list(courts_db.regexes), strip_punc
    except Exception:  # courts-db missing or broken: names still work without ids
        log.warning("courts-db unavailable; courts will have no courts_db_id", exc_info=True)
        return [], None


_JURIS_STATE = {"US-" + abbr: name for abbr, name in (
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
    ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
    ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"),
    ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"))}


@functools.lru_cache(maxsize=512)
def _courts_db_id(name: str, jurisdiction: str | None) -> str | None:
    patterns, strip_punc = _courts_db_patterns()
    if not patterns or strip_punc is None:
        return None
    s = strip_punc(name)
    bankruptcy = "bankruptcy" in name.lower()
    hits = []
    for regex, court_id, _cname, court_type, location, parent in patterns:
        if (court_type == "bankruptcy") != bankruptcy:
            continue
        if regex.fullmatch(s):
            hits.append((court_id, location, parent))
    ids = sorted({h[0] for h in hits})
    parents = {h[2] for h in hits if h[2]}
    ids = [i for i in ids if i not in parents] or ids
    if len(ids) > 1 and jurisdiction in _JURIS_STATE:
        loc = _JURIS_STATE[jurisdiction]
        narrowed = sorted({h[0] for h in hits if h[1] == loc and h[0] in ids})
        ids = narrowed or ids
    return ids[0] if len(ids) == 1 else None


def _court_key(name: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", name.lower()).replace("united states", "us").strip()


# a caption's court spans lines: "SUPERIOR COURT OF NEW JERSEY / ATLANTIC COUNTY - LAW DIVISION / SPECIAL CIVIL PART"
_QUAL_PART = (r"(?:(?!(?:the|this|any|each|that|your|said|of)\b)[A-Za-z][A-Za-z.'’\-]+[ \t]+){1,2}County|County[ \t]+of[ \t]+[A-Za-z]+"
              r"(?:[ \t]+[A-Za-z]+)?|(?:Law|Chancery|Appellate|Family|Civil|Criminal|Probate|Juvenile|General[ \t]+Equity|"
              r"Business|Housing|Special[ \t]+Civil|Trial)[ \t]+(?:Division|Part|Session|Department)|Law|"
              rf"Precinct[ \t]+(?:No\.?[ \t]*)?\w+|{_STATE_NO_DC}")
_QUALIFIER = re.compile(rf"(?:{_QUAL_PART})(?:[ \t]*[-–—,][ \t]*(?:{_QUAL_PART})|[ \t]+(?:{_QUAL_PART}))*", re.I)
_QUAL_NEEDS = re.compile(r"\b(?:county|division|part|session|department|precinct)\b", re.I)


def _segment(line: str) -> str:
    """What a caption line holds in its court column: the text after its last colon."""
    seg = re.split(r"[:§]", line)[-1]
    return _squash(seg.strip(" \t-–—"))


_FORM_COUNTY = re.compile(r"county\s*:[\s_]*(?P<name>[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)\s*", re.I)


def _qualifier(line: str) -> str | None:
    if m := _FORM_COUNTY.fullmatch(_squash(line)):    # a form's filled field "COUNTY: ____ Champaign"
        return f"{m.group('name')} County"
    seg = _segment(line)
    if seg and _QUALIFIER.fullmatch(seg) and _QUAL_NEEDS.search(seg):
        return seg
    return None


def _caption_qualifiers(doc: _Doc, start: int, end: int, matched: str) -> list[str]:
    """County, division and part lines next to a court that stands alone on its caption line."""
    li = doc.line_index(start)
    if doc.line_index(max(start, end - 1)) != li:
        return []
    own, matched = (re.sub(r"(?i)^(?:in\s+)?(?:the\s+)?", "", _squash(x)).lower().rstrip(" .,")
                    for x in (_segment(doc.line_text(li)), matched))
    if own != matched:
        return []
    quals: list[str] = []
    if li > 0 and (q := _qualifier(doc.line_text(li - 1))):
        quals.append(q)
    for k in range(li + 1, min(len(doc.lines), li + 8)):
        line = doc.line_text(k)
        if not _segment(line):
            continue
        q = _qualifier(line)
        if not q:
            break
        quals.append(q)
    return quals


def _drop_menus(doc: _Doc, items: list[dict]) -> list[dict]:
    """A web page's menu of courts (five or more court names alone on consecutive lines) names no court of the paper."""
    text = doc.text
    alone = [text[doc.lines[doc.line_index(it["_pos"])][0]:doc.lines[doc.line_index(it["_pos"])][1]].strip()
             == text[it["_pos"]:it["_end"]].strip() for it in items]
    drop: set[int] = set()
    i = 0
    while i < len(items):
        j = i
        while (j + 1 < len(items) and alone[j] and alone[j + 1]
               and not text[items[j]["_end"]:items[j + 1]["_pos"]].strip()):
            j += 1
        if alone[i] and j - i + 1 >= 5:
            drop.update(range(i, j + 1))
        i = j + 1
    return [it for k, it in enumerate(items) if k not in drop]


_NOT_NAMED_BEFORE = re.compile(r"(?:\bv\.|\bvs\.|(?:\[\s\]|[☐□])\s*[A-Z][a-z]+\s+(?:\[\s\]|[☐□]))\s*$")


def _not_this_papers(text: str, start: int) -> bool:
    """A court that is a party in a cited case ("Kalal v. Circuit Court for Dane County, 2004 WI 58"), or a
    choice a form leaves unticked ("In the [ ] District [ ] Justice Court of Utah")."""
    return bool(_NOT_NAMED_BEFORE.search(text, max(0, start - 30), start))


# a form's prompt under the blank its court's place was written in: "(County where court is located.)"
_COUNTY_PROMPT = re.compile(r"[ \t]*\(\s*county\s+(?:where|in\s+which)\b", re.I)


def _court_matches(doc: _Doc) -> list[dict]:
    text = doc.text
    taken = _Taken(len(text))
    items: list[dict] = []
    wins = _windows(text, _COURT_TRIGGER, 130, 160)
    for kind, rx in _COURT_RES:
        for m in _finditer_in(rx, text, wins):
            s, e = m.span()
            if taken.overlaps(s, e) or _not_this_papers(text, s):
                continue
            if kind not in ("bare", "tribunal") and not _cap_ok(m.group(0), ("court", "appeals", "panel", "supreme",
                                                                            "judicial", "circuit")):
                continue
            name = _court_name(kind, m)
            if not name:
                continue
            taken.take(s, e)
            items.append({"name": name, "quote": doc.quote(s, e), "_pos": s, "_end": e, "_kind": kind,
                          "_matched": m.group(0)})
            if kind == "state" and 0 < (nl := text.find("\n", e) + 1) and _COUNTY_PROMPT.match(text, nl):
                place = _title(_trim_place(m.group("place")))     # a form's blank filled with the county's name
                if place and not place.lower().endswith("county"):
                    items[-1]["name"] = name.replace(place, place + " County", 1)
    items.sort(key=lambda x: x["_pos"])
    return items


_GENERIC = {"supreme court", "court of appeals"}


def _dedupe(items: list[dict]) -> list[dict]:
    out: list[dict] = []
    seen: set = set()
    for it in items:
        key, words = _court_key(it["name"]), frozenset(_court_key(it["name"]).split()) - {"of", "the", "for"}
        if key in seen or words in seen:
            continue
        seen.update((key, words))
        if len(out) >= MAX_ITEMS:
            break
        dup = next((o for o in out if (ok := _court_key(o["name"])) == key or ok.startswith(key) or key.startswith(ok)),
                   None)
        if dup is not None:
            if len(it["name"]) > len(dup["name"]) and _court_key(it["name"]).startswith(_court_key(dup["name"])):
                # a fuller form of a court seen earlier ("..., West Virginia"): keep the fuller name
                if dup["name"] == "United States District Court" or "," in it["name"]:
                    dup["name"], dup["quote"] = it["name"], it["quote"]
            continue
        out.append(it)
    # "the Supreme Court" where the paper names a supreme court in full is that court; a bilingual form's Spanish
    # name of a court it names in English is the same court
    english = any(o["_kind"] != "tribunal" for o in out)
    return [o for o in out if not (_generic(o) and any(p is not o and _court_words(o) <= _court_words(p) for p in out))
            and not (o["_kind"] == "tribunal" and english)]


def _court_words(item: dict) -> frozenset[str]:
    return frozenset(_court_key(item["name"]).split()) - {"of", "the", "for"}


def _generic(item: dict) -> bool:
    """A short name ("Supreme Court", "District of Alaska") that a fuller name in the same paper holds."""
    return item["name"].lower() in _GENERIC or item["_kind"] == "district_only"


# a court named as another court's or as the author of a form: the court below, the transferor, the approver
_OTHER_COURT_BEFORE = re.compile(
    r"(?:appeal(?:ed)?\s+from|originating|lower|trial|transferor|court\s+below|transferred\s+(?:from|to)|removed\s+from|"
    r"remanded\s+to|mandate\s+issued\s+to|sent\s+to|forwarded\s+to|approved\s+by|adopted\s+by|promulgated\s+by|"
    r"review\s+of|certified\s+(?:question\s+)?from)\b[^\n]{0,40}$", re.I)
_OTHER_COURT_HEADING = re.compile(r"^[ \t]*(?:(?:trial|lower|originating|transferor|prior)\s+court(?:\s+information)?|"
                                  r"court\s+of\s+appeals\s+information|appeal\s+from)[ \t]*:?[ \t]*$",
                                  re.I | re.M)


def _names_another_court(doc: _Doc, item: dict) -> bool:
    """A court the paper names as another court's (the court below, a form's approving court)."""
    text, pos = doc.text, item["_pos"]
    line_start = text.rfind("\n", 0, pos) + 1
    if _OTHER_COURT_BEFORE.search(text, max(line_start, pos - 60), pos):
        return True
    li = doc.line_index(pos)
    above = [doc.line_text(k) for k in range(max(0, li - 6), li)]
    return any(_OTHER_COURT_HEADING.match(line) for line in above)


def _mark_primary(doc: _Doc, items: list[dict]) -> None:
    """The court of the paper's own case: the first court the paper names that is not another court's."""
    own = next((it for it in items if not _names_another_court(doc, it)), None)
    for it in items:
        it["primary"] = it is own


def _courts(doc: _Doc, jurisdiction: str | None) -> list[dict]:
    items = _drop_menus(doc, _court_matches(doc))
    for it in items:
        it["_base"] = it["name"]
        quals = _caption_qualifiers(doc, it["_pos"], it["_end"], it["_matched"])
        if quals:
            it["name"] = ", ".join([_title(re.sub(r"(?i)^in\s+the\s+", "", it["name"]))] + [_title(q) for q in quals])
    out = _dedupe([it for it in items if it["_kind"] != "caption_bare" or it["name"] != it["_base"]])
    for it in out:
        cid = _courts_db_id(it["_base"], jurisdiction)
        if cid:
            it["courts_db_id"] = cid
    _mark_primary(doc, out)
    return out
