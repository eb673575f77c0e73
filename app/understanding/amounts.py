"""Amounts of money with what each is (rent, fees, damages...)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from app.understanding.text import MAX_ITEMS, _Doc, _SENT_END_RE, _Taken, _squash

# ---------------------------------------------------------------------------- amounts

_AMOUNT_RES = [
    re.compile(r"(?<![\w.])(?:US\s?\$|\$|USD\s?|US\$)\s?(?P<num>\d{1,3}(?:,\d{3}){1,4}+|\d{1,13}+)(?P<cents>\.\d{1,2})?+(?![\d,]*\d)(?!\.\d)"),
    re.compile(r"(?<![\w.$,])(?P<num>\d{1,3}(?:,\d{3}){1,4}+|\d{1,13}+)(?P<cents>\.\d{2})?[ \t]+(?:dollars|USD|d[óo]lares)\b", re.I),
    # a receipt's or a form's money field without a currency sign ("Billable Pages: 1  Cost: 0.10", "Fee Amount: 505.00")
    re.compile(r"(?<![\w])(?:cost|fee(?:\s+amount)?|amount(?:\s+(?:due|paid|owed))?|total(?:\s+(?:due|cost|amount))?|"
               r"balance(?:\s+due)?|charge)[ \t]*:[ \t]*(?P<num>\d{1,3}(?:,\d{3}){1,4}+|\d{1,9}+)(?P<cents>\.\d{2})(?![\d.,]\d|\d)",
               re.I),
]
_AMOUNT_LABELS = [
    (r"late\s+(?:fee|charge)s?|recargos?\s+por\s+mora", "late fee"),
    (r"filing\s+fee", "filing fee"),
    (r"attorney'?s?'?\s+fees?|attorneys'\s+fees?|honorarios", "attorney's fees"),
    (r"court\s+costs?|costs?\s+of\s+(?:court|suit)|costas", "court costs"),
    (r"security\s+deposit|dep[óo]sito", "security deposit"),
    (r"child\s+support|spousal\s+support|alimony|manutenci[óo]n", "support payment"),
    (r"monthly\s+rent|renta\s+mensual", "monthly rent"),
    (r"arrears|unpaid\s+rent|rent\s+(?:due|owed|claimed)|back\s+rent|past[\s-]+due\s+rent|renta\s+(?:atrasada|adeudada)|"
     r"rent\b.{0,40}\bowe", "rent owed"),
    (r"per\s+month\b|a\s+month\b|each\s+month\b|al\s+mes\b", "monthly payment"),
    (r"principal(?:\s+balance)?", "principal balance"),
    (r"\bdebt\b", "debt"),
    (r"medical\s+expenses|medical\s+bills", "medical expenses"),
    (r"lost\s+wages", "lost wages"),
    (r"amount\s+in\s+controversy|do(?:es)?\s+not\s+exceed|exceeds?", "amount in controversy"),
    (r"balance(?:\s+due)?|amount\s+(?:due|owed)|you\s+owe|debe\s+la\s+cantidad|saldo", "amount owed"),
    (r"total\s+amount", "total amount"),
    (r"judgment", "judgment amount"),
    (r"damages|demands?\s+judgment|da[ñn]os", "damages"),
    (r"small\s+claim|amount\s+claimed|claim\s+against\s+you", "amount claimed"),
    (r"fees?\b|cost\b|tarifa", "fee"),
    (r"payment|paid|pago", "payment"),
    (r"interest|intereses", "interest"),
    (r"bond|fianza", "bond"),
    (r"fine|multa", "fine"),
    (r"rent|renta|alquiler", "rent"),
    (r"asking\s+for\s+payment|payment\s+of|seeking", "amount demanded"),
]
_GENERIC_AMOUNT_LABELS = {"rent", "fee", "payment", "interest", "amount demanded"}
_AMOUNT_LABEL_RE = re.compile("|".join(f"(?P<g{i}>\\b(?:{rx}))" for i, (rx, _l) in enumerate(_AMOUNT_LABELS)), re.I)


def _amount_label(doc: _Doc, start: int, end: int) -> str:
    text = doc.text
    lo = max(0, start - 90)
    cut = lo
    for m in _SENT_END_RE.finditer(text, lo, start):
        cut = m.end()
    before = text[cut:start]
    # "$875 per month", "$50.00 late fee": a label right after the amount
    rest = text[end:min(len(text), end + 50)]
    line_rest, _nl, next_line = rest.partition("\n")
    if line_rest.strip() and len(line_rest.strip()) < 20:
        line_rest += " " + next_line                     # "$1,980.00 por\nconcepto de renta atrasada"
    after = re.split(r"[.;,(]", _squash(line_rest), maxsplit=1)[0]
    after = re.sub(r"^(?:in|of|for|as|por\s+concepto\s+de|de|en)\s+", "", after.strip(), flags=re.I)
    m = _AMOUNT_LABEL_RE.match(after)
    if m and _AMOUNT_LABELS[int(m.lastgroup[1:])][1] in ("monthly rent", "monthly payment", "late fee", "filing fee",
                                                           "court costs", "attorney's fees", "rent owed",
                                                           "security deposit", "support payment"):
        label = _AMOUNT_LABELS[int(m.lastgroup[1:])][1]
        if label == "monthly payment" and re.search(r"\brent", before, re.I):
            return "monthly rent"
        return label
    # otherwise the nearest label before it, preferring a specific one ("arrears of rent") to a generic one ("rent")
    specific = generic = None
    for m in _AMOUNT_LABEL_RE.finditer(before):
        label = _AMOUNT_LABELS[int(m.lastgroup[1:])][1]
        if label in _GENERIC_AMOUNT_LABELS:
            generic = label
        else:
            specific = label
    return specific or generic or "amount"


def _amounts(doc: _Doc) -> list[dict]:
    text = doc.text
    found: dict[str, dict] = {}
    taken = _Taken(len(text))
    for rx in _AMOUNT_RES:
        for m in rx.finditer(text):
            s, e = m.span()
            if taken.overlaps(s, e):
                continue
            digits = m.group("num").replace(",", "")
            cents = m.group("cents") or ""
            if len(cents) == 2 and re.match(r"\s", text[e:e + 1]):
                cents = ""                           # "$20,000.1 For the reasons": a footnote mark, not ten cents
            try:
                value = Decimal(digits + cents).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                continue
            if value <= 0 or value >= Decimal("1e12"):
                continue
            taken.take(s, e)
            key = format(value, "f")
            if key in found or len(found) >= MAX_ITEMS:
                continue
            found[key] = {"value": key, "label": _amount_label(doc, s, e), "quote": doc.quote(s, e), "_pos": s}
    return sorted(found.values(), key=lambda x: x["_pos"])
