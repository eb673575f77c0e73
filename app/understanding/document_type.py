"""The kind of paper (complaint, summons, notice, order...) from its title and cues."""
from __future__ import annotations

import math
import re

from app.understanding.courts import _SMALL
from app.understanding.text import DOCUMENT_TYPES, _Doc

# ---------------------------------------------------------------------- document type

_TYPE_CUES = [
    ("summons", r"\bsummons\b", 3), ("summons", r"you\s+are\s+(?:hereby\s+)?summoned", 3),
    ("summons", r"a\s+lawsuit\s+has\s+been\s+filed\s+against\s+you", 3), ("summons", r"\bcitaci[óo]n\b", 3),
    ("summons", r"\bcitation\s+(?:for|in)\s+[a-z]+|you\s+have\s+been\s+sued|you\s+are\s+(?:being\s+)?sued|"
                r"you\s+are\s+commanded\s+to\s+appear", 3),
    ("complaint", r"\bcomplaint\b", 3), ("complaint", r"\bpetition\b(?!\s+for\s+review)", 2),
    ("complaint", r"prayer\s+for\s+relief|\bwherefore\b", 2), ("complaint", r"\bcount\s+[ivx]+\b", 1.5),
    ("complaint", r"alleges\s+(?:as\s+follows|that)|sues\s+defendant", 2), ("complaint", r"\bdemanda\b", 3),
    ("notice", r"\bnotice\s+to\s+quit\b", 4), ("notice", r"\bnotice\s+of\s+(?!motion)\w+", 2.5),
    ("notice", r"\bnotice\b", 2), ("notice", r"\baviso\b", 3), ("notice", r"notice\s+of\s+electronic\s+filing", 4),
    ("notice", r"clerk'?s\s+notice|docketing\s+notice", 3),
    # a court's notice of an event ("A Settlement Conference is scheduled for ..."), a court system's e-mailed notice
    ("notice", r"\b(?:is|has\s+been)\s+(?:re)?scheduled\s+for\b|\bthe\s+following\s+notice\s+is\s+being\s+sent\b|"
               r"\bnotice\s+has\s+been\s+electronically\s+mailed\s+to\b|\bfor\s+notification\s+purposes\s+only\b", 2, True),
    ("order", r"\border\b", 3), ("order", r"it\s+is\s+(?:hereby\s+|further\s+)?ordered", 3),
    # the operative words of a court's directive, wherever the layout puts them: "ORDERED that ..." opening a line,
    # "On order of the Court, ... it is DENIED", a disposition standing alone ("Denied.", "GRANTED *.")
    ("order", r"^[ \t]*(?-i:ORDERED|IT\s+IS\s+(?:HEREBY\s+)?ORDERED)\b|\bon\s+order\s+of\s+the\s+court\b|"
              r"\bit\s+is\s+(?-i:DENIED|GRANTED|DISMISSED)\b|^[ \t]*(?:denied|granted|dismissed)[ \t]*\*?[ \t]*[.,]", 4, True),
    ("order", r"\bso\s+ordered\b", 3), ("order", r"\borden\b", 2),
    ("order", r"\bopinion\s+of\s+the\s+court\b|delivered\s+the\s+opinion|\bslip\s+opinion\b|^[ \t]*opinion[ \t]*$|"
              r"\b(?:affirmed|reversed|remanded)\b", 2.5),
    ("motion", r"\bmotion\s+(?:to|for)\b", 3), ("motion", r"\bnotice\s+of\s+motion\b", 4),
    ("motion", r"\bmoves?\s+(?:this|the)\s+court\b", 3), ("motion", r"memorandum\s+(?:of\s+law\s+)?in\s+support", 2),
    ("motion", r"\bmoci[óo]n\b", 3),
    ("judgment", r"\bjudgment\b", 2.5), ("judgment", r"\b(?:default|final)\s+judgment\b|judgment\s+by\s+default", 2),
    ("judgment", r"ordered\s+and\s+adjudged|judgment\s+is\s+(?:hereby\s+)?entered", 3), ("judgment", r"\bsentencia\b", 3),
    ("form", r"\bform\b", 2), ("form", r"\((?:select|check)\s+(?:one|all\s+that\s+apply)\)", 2, True),
    ("form", r"\bformulario\b", 3),
    # a court form's own furniture: who approved it and when ("Approved, SCAO", "Form Approved by the Supreme Court
    # of Texas", "1201DCJ Approved May 21, 2018")
    ("form", r"\bapproved,\s+scao\b|\bform\s+approved\s+by\b|^[ \t]*[A-Z0-9]{3,10}[ \t]+approved[ \t]+[A-Z][a-z]+[ \t]+\d{1,2},[ \t]+\d{4}",
             4, True),
    ("instructions", r"\binstructions?\b", 3), ("instructions", r"\bhow\s+to\b", 2.5),
    ("instructions", r"self[\s-]help|\bstep\s+\d\b", 2), ("instructions", r"what\s+(?:to\s+do|you\s+need\s+to\s+know)", 2),
    ("instructions", r"\binstrucciones\b", 3),
    ("correspondence", r"^[ \t]*dear\s", 4, True), ("correspondence", r"^[ \t]*(?:sincerely|very\s+truly\s+yours|best\s+regards|respectfully\s+yours)", 3, True),
    ("correspondence", r"^[ \t]*re:", 1.5, True), ("correspondence", r"\bvia\s+(?:first[\s-]class|certified|e-?mail|facsimile|hand)", 2, True),
    ("correspondence", r"^[ \t]*estimad[oa]s?\b", 4, True), ("correspondence", r"^[ \t]*atentamente", 3, True),
    ("correspondence", r"^[ \t]*(?:hi|hello|good\s+(?:morning|afternoon))\b[^\n]{0,40},[ \t]*$", 4, True),
    ("correspondence", r"^[ \t]*(?:thanks|thank\s+you|regards|kind\s+regards|best|cheers)[,!.]?[ \t]*$", 3, True),
    ("correspondence", r"^[ \t]*subject[ \t]*:", 1.5, True),
    ("opinion", r"^[ \t]*(?:memorandum[ \t]+)?opinion(?:[ \t]+(?:of[ \t]+the[ \t]+court|and[ \t]+order))?[ \t]*$|"
                r"delivered\s+the\s+opinion|\bopinion\s+of\s+the\s+court\b|^[ \t]*per\s+curiam\b", 5, True),
    ("opinion", r"^[ \t]*(?:judgment|order)?[ \t]*(?:affirmed|reversed|vacated)(?:[ \t]+(?:and|in\s+part)[^\n]{0,40})?\.?[ \t]*$|"
                r"^[ \t]*appeal\s+from\s+the\b|\bwe\s+(?:affirm|reverse|conclude|hold)\b", 3, True),
    ("opinion", r"^[ \t]*(?:discussion|analysis|legal\s+standard|background|conclusion)[ \t]*$", 2, True),
    ("docket", r"\b(?:civil|criminal|bankruptcy|adversary)\s+docket\s+for\s+case\b|\bgeneral\s+docket\b|"
               r"\bbankruptcy\s+petition\s+#", 8, True),
    ("docket", r"^[ \t]*(?:date\s+filed|filing\s+date|docket\s+date)?\s*#?\s*docket\s+text\b|"
               r"\bproceedings\s+and\s+orders\b|pacer\s+service\s+center|^[ \t]*filed\s*&\s*entered\s*:|"
               r"^[ \t]*(?:case\s+)?events[ \t]*$|^[ \t]*trial\s+court\s+information[ \t]*$|"
               r"^[ \t]*party[ \t]+partytype[ \t]+representative|\bdocketed\s*:|^[ \t]*date\s+of\s+last\s+filing\s*:", 4, True),
    ("notice_of_electronic_filing", r"notice\s+of\s+electronic\s+filing|notice\s+of\s+docket\s+activity|"
                                    r"automatic\s+e-?mail\s+message\s+generated\s+by\s+the\s+cm/ecf|"
                                    r"a\s+new\s+docket\s+entry", 9, True),
    ("email", r"^[ \t]*(?:from|sent|to|cc)[ \t]*:[^\n]*@", 2, True), ("email", r"^[ \t]*(?:subject|date)[ \t]*:", 1, True),
    ("brief", r"^[ \t]*(?:[a-z' ,]{0,60})?(?:brief|objection|opposition|reply)\b[^\n]{0,80}$", 3, True),
    ("brief", r"\bmemorandum\s+(?:of\s+(?:law|points\s+and\s+authorities)\s+)?in\s+opposition|\bhereby\s+objects?\b", 3, True),
]
# (type, pattern, weight[, anywhere]): an "anywhere" cue counts fully in the body too ("Dear ...", "(check one)")
_TYPE_RES = [(c[0], re.compile(c[1], re.I | re.M), c[2], len(c) > 3 and c[3]) for c in _TYPE_CUES]
_DOCKET_SIGNS = re.compile(r"^[ \t]*(?:case[ \t]+events|trial[ \t]+court[ \t]+information|appellate[ \t]+briefs|calendars|"
                           r"party[ \t]+party[ \t]?type[ \t]+representative|pacer[ \t]+service[ \t]+center|docketed:|"
                           r"date[ \t]+filed[ \t]+#[ \t]+docket[ \t]+text|filed[ \t]*&[ \t]*entered:|"
                           r"[~ \t]*proceedings[ \t]+and[ \t]+orders|transaction[ \t]+receipt)", re.I | re.M)
_BLANK_RE = re.compile(r"_{4,}|\[\s\]|☐|□")


def _is_title_like(seg: str) -> bool:
    letters = [c for c in seg if c.isalpha()]
    if len(seg) > 140 or len(letters) < 3:
        return False
    upper = sum(1 for c in letters if c.isupper())
    if upper / len(letters) > 0.8:
        return True
    if len(seg) > 90:
        return False
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z']*", seg) if w.lower() not in _SMALL and w.lower() not in ("a", "an", "to")]
    return bool(words) and all(w[0].isupper() for w in words) and len(seg) <= 70


def _count_cues(segment: str, scores: dict, body: dict) -> None:
    """Body text: a cue that counts anywhere adds its weight (twice at most), others a quarter per hit."""
    for t, rx, w, anywhere in _TYPE_RES:
        n = sum(1 for _ in zip(range(12), rx.finditer(segment)))
        if n and anywhere:
            scores[t] += w * min(n, 2)
        elif n:
            body[t] += w * 0.25 * n


def _score_title(hits: list, line_no: int, scores: dict, first_bonus_given: bool) -> bool:
    """A title-like segment: its leading cue counts most; the first title of the paper gets a bonus."""
    mult = 3.0 if line_no < 20 else (2.0 if line_no < 60 else 1.2)
    hits.sort()
    lead_pos, lead_type = hits[0][0], hits[0][1]
    # "NOTICE OF MOTION AND MOTION TO DISMISS" is a motion, "ORDER SETTING HEARING" an order
    for pos, t, _w, _a in hits:
        if pos == lead_pos and t == "motion":
            lead_type = "motion"
    for pos, t, w, _a in hits:
        scores[t] += w * (mult if pos == lead_pos or t == lead_type else mult * 0.3)
    if not first_bonus_given:
        scores[lead_type] += 4
    return True


def _score_top(doc: _Doc, scores: dict, body: dict) -> int:
    """Score the lines of the first page (at least 6,000 characters); return where that zone ends."""
    text = doc.text
    first_bonus_given = False
    zone_end = 0
    zone_limit = max(doc.first_page_end, 6000)
    for i, (ls, le) in enumerate(doc.lines[:120]):
        if ls >= zone_limit:
            break
        zone_end = le
        for sg in re.split(r"\s{3,}|\t", text[ls:le].strip()):
            if not sg:
                continue
            if len(sg) > 300:
                _count_cues(sg[:2000], scores, body)     # a long paragraph: body text, counted once per cue
                continue
            hits = [(m.start(), t, w, anywhere) for t, rx, w, anywhere in _TYPE_RES for m in rx.finditer(sg)]
            if not hits:
                continue
            if _is_title_like(sg):
                first_bonus_given = _score_title(hits, i, scores, first_bonus_given)
            else:
                for _pos, t, w, anywhere in hits:
                    if anywhere:
                        scores[t] += w
                    else:
                        body[t] += w * 0.25
    return zone_end


def _document_type(doc: _Doc, ctx: dict) -> tuple[str, float]:
    """Weighted cues: a title line near the top counts most, its leading cue most of all."""
    scores = _type_scores(doc)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], DOCUMENT_TYPES.index(kv[0])))
    (top_t, top), (_sec_t, second) = ranked[0], ranked[1]
    if top < 1.5:
        return "other", 0.3
    conf = (top / (top + second)) * (1 - math.exp(-top / 4))
    return top_t, round(max(0.05, min(0.99, conf)), 2)


def _type_scores(doc: _Doc) -> dict[str, float]:
    """Each document type's score from the cues of the title block, the body and the paper's furniture."""
    text = doc.text
    scores = {t: 0.0 for t in DOCUMENT_TYPES}
    body = {t: 0.0 for t in DOCUMENT_TYPES}
    zone_end = _score_top(doc, scores, body)
    rest = text[zone_end:100_000]
    if rest:
        _count_cues(rest, scores, body)
    for t in DOCUMENT_TYPES:
        scores[t] += min(body[t], 3.0)
    if len({m.group(0).lower() for m in _DOCKET_SIGNS.finditer(text[:200_000])}) >= 2:
        scores["docket"] = max(scores.values()) + 10     # a docket's own furniture, whatever its entries are called
    head = [ln.split(":")[0].strip().lower() for ln in text[:3000].splitlines()[:12] if ":" in ln]
    if "from" in head and ("subject" in head or "sent" in head):
        scores["email"] += 6                     # a message that starts with its headers
        if scores["notice_of_electronic_filing"] >= 9:     # a court's notice is one whatever carries it
            scores["notice_of_electronic_filing"] = max(scores.values()) + 5
    sample = text[:50_000]
    blanks = len(_BLANK_RE.findall(sample))
    density = blanks * 1000 / max(len(sample), 1)          # a form is mostly blanks; an opinion has a few "___"
    scores["form"] += min(14.0, 0.6 * blanks) * min(1.0, density / 2)
    return scores
