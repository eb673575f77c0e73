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
_CIRCUITS = r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|federal|district\s+of\s+columbia|d\.\s?c\."
_DIRS = r"northern|southern|eastern|western|middle|central"
_CAPWORD = r"[A-Z][\w.'’\-]*"

_COURT_RES = [
    ("fed_app", re.compile(rf"(?:united\s+states\s+|u\.\s?s\.\s+)?court\s+of\s+appeals,?\s+(?:for\s+the\s+)?(?P<cir>{_CIRCUITS})\s+circuit", re.I)),
    ("fed_dist", re.compile(rf"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court(?:\s+for\s+the)?\s+"
                            rf"(?:(?:for\s+the\s+)?(?P<dir>{_DIRS})\s+)?district\s+of\s+(?P<state>{_STATE_RX})\b", re.I)),
    ("fed_dist2", re.compile(rf"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court\s*[,\-–—]?\s+"
                             rf"(?P<state>{_STATE_RX})\s+(?:(?P<dir>{_DIRS})\s+)?district\b", re.I)),
    ("fed_dist3", re.compile(r"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court\b", re.I)),
    ("fed_special", re.compile(rf"(?:united\s+states\s+|u\.\s?s\.\s+)?(?P<name>tax\s+court|court\s+of\s+federal\s+claims|"
                               rf"court\s+of\s+international\s+trade|court\s+of\s+appeals\s+for\s+veterans\s+claims|"
                               rf"bankruptcy\s+appellate\s+panel\s+(?:for|of)\s+the\s+(?P<cir>{_CIRCUITS})\s+circuit)\b", re.I)),
    ("supreme", re.compile(rf"supreme\s+court\s+(?P<app>of\s+appeals\s+)?of\s+(?:the\s+)?(?P<state>united\s+states|{_STATE_RX})\b", re.I)),
    ("state_app", re.compile(rf"(?:(?<![\w])(?P<state>{_STATE_RX})\s+)?court\s+of\s+appeals?(?:\s+of\s+(?P<state2>{_STATE_RX}))?\b", re.I)),
    ("state", re.compile(
        rf"(?P<kind>circuit|superior|district|county|municipal|probate(?:\s+and\s+family)?|family|magistrate|chancery|"
        rf"justice|small\s+claims|housing|juvenile|common\s+pleas|civil|land|surrogate'?s?|justice\s+of\s+the\s+peace)\s+court"
        rf"(?:\s+(?P<conn>of|for|in\s+and\s+for)\s+(?P<the>the\s+)?(?P<place>(?:city\s+(?:and|&)\s+county\s+of\s+)?{_CAPWORD}(?:[ \t]+{_CAPWORD}){{0,3}}))"
        rf"(?:\s*,\s*(?:state\s+of\s+)?(?P<state>{_STATE_RX})\b)?"
        rf"(?P<county>,\s+county\s+of\s+{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}})?", re.I)),
    ("bare", re.compile(
        r"(?<![\w'’\-])(?P<pre>(?:(?:\d{1,3}(?:st|nd|rd|th|ST|ND|RD|TH)|[A-Z][A-Za-z'’\-]+)[ \t]+){0,3})(?P<kind>District|Municipal|Housing|Probate\s+and\s+Family|Juvenile|Land|"
        r"Superior|Small\s+Claims|Justice|Magistrate|DISTRICT|MUNICIPAL|HOUSING|PROBATE\s+AND\s+FAMILY|JUVENILE|LAND|"
        r"SUPERIOR|SMALL\s+CLAIMS|MAGISTRATE)\s+(?P<court>Court|COURT)(?P<dept>\s+(?:Department|DEPARTMENT))?")),
    ("tribunal", re.compile(
        rf"Tribunal\s+(?P<kind>Superior|de\s+Distrito|Municipal|de\s+Reclamos\s+Menores|Supremo)\s+(?:de|del)\s+"
        rf"(?P<place>{_STATE_RX}|[A-ZÁÉÍÓÚ][\wáéíóúñ]+(?:\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+){{0,2}})"
        rf"(?P<county>,\s+Condado\s+de\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+(?:\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+){{0,2}})?")),
]
_COURT_TRIGGER = re.compile(r"\bcourt\b|\btribunal\b", re.I)
_BARE_DISTINCT = {"municipal", "housing", "probate and family", "juvenile", "land", "small claims"}
_BARE_STOP = {"the", "in", "of", "for", "and", "a", "an", "this", "that", "said", "any", "each", "to", "at", "by",
              "from", "with", "other", "state", "your", "our", "their", "its", "his", "her", "see", "before",
              "check", "court", "one", "all", "local", "commonwealth", "trial", "audio", "pilot", "if", "no"}
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
    if kind == "state_app":
        st = g.get("state") or g.get("state2")
        if not st:
            return None
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


def _courts(doc: _Doc, jurisdiction: str | None) -> list[dict]:
    text = doc.text
    taken = _Taken(len(text))
    items: list[dict] = []
    wins = _windows(text, _COURT_TRIGGER, 130, 160)
    for kind, rx in _COURT_RES:
        for m in _finditer_in(rx, text, wins):
            s, e = m.span()
            if taken.overlaps(s, e):
                continue
            if kind not in ("bare", "tribunal") and not _cap_ok(m.group(0), ("court", "appeals", "panel")):
                continue
            name = _court_name(kind, m)
            if not name:
                continue
            if kind == "state":
                # keep the span to what the name used (the place may have been trimmed)
                e = s + len(m.group(0))
            taken.take(s, e)
            items.append({"name": name, "quote": doc.quote(s, e), "_pos": s})
    items.sort(key=lambda x: x["_pos"])
    out: list[dict] = []
    seen: set[str] = set()
    for it in items:
        key = _court_key(it["name"])
        if key in seen:
            continue
        seen.add(key)
        if len(out) >= MAX_ITEMS:
            break
        dup = None
        for o in out:
            ok = _court_key(o["name"])
            if ok == key or ok.startswith(key) or key.startswith(ok):
                dup = o
                break
        if dup is not None:
            if len(it["name"]) > len(dup["name"]) and _court_key(it["name"]).startswith(_court_key(dup["name"])):
                # a fuller form of a court seen earlier ("..., West Virginia"): keep the fuller name
                if dup["name"] == "United States District Court" or "," in it["name"]:
                    dup["name"], dup["quote"] = it["name"], it["quote"]
            continue
        out.append(it)
    for it in out:
        cid = _courts_db_id(it["name"], jurisdiction)
        if cid:
            it["courts_db_id"] = cid
    return out
