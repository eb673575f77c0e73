"""The paper's language and the legal concepts it mentions."""
from __future__ import annotations

import re


# ------------------------------------------------------------------ language, concepts

_STOPWORDS = {
    "en": "the and of to you your is in that for this on with are be must not by or will have it at as if",
    "es": "el la los las de que y en usted su por para con una del se es no debe este esta al lo sus",
    "fr": "le la les des et vous est dans pour une du que ce avec sur pas au aux votre qui",
    "de": "der die das und sie ist nicht mit den von zu ein eine dem für auf ihr wird im",
    "pt": "os de que em você não para com uma do da dos das pelo pela seu sua são está",
}
_STOP_SETS = {k: set(v.split()) for k, v in _STOPWORDS.items()}


def _language(text: str) -> str:
    kept = [w for w in text[:30_000].split() if "@" not in w and not w.lower().startswith(("http", "www."))]
    words = re.findall(r"[^\W\d_]{2,}", " ".join(kept).lower())
    if len(words) < 3:
        return "und"
    counts = {lang: sum(1 for w in words if w in sw) for lang, sw in _STOP_SETS.items()}
    best = max(counts.items(), key=lambda kv: (kv[1], kv[0] == "en"))
    if best[1] < 2 or best[1] < 0.05 * len(words):
        return "und"
    return best[0]


_CONCEPTS = [
    ("eviction", r"\bevict|notice\s+to\s+quit|summary\s+process|desalojo|unlawful\s+detainer|wrongful\s+occupation|"
                 r"possession\s+of\s+the\s+(?:premises|property)|pay\s+rent\s+or\s+quit"),
    ("summary process", r"summary\s+process"),
    ("unpaid rent", r"nonpayment\s+of\s+rent|unpaid\s+rent|arrears\s+of\s+rent|renta\s+atrasada|rent\s+(?:due|owed)"),
    ("notice to quit", r"notice\s+to\s+quit|pay\s+rent\s+or\s+quit|pagar\s+la\s+renta\s+o\s+desocupar"),
    ("default judgment", r"default\s+judgment|judgment\s+by\s+default|(?:lose|decided\s+against\s+you).{0,20}by\s+default"),
    ("service of process", r"service\s+of\s+(?:this\s+)?(?:summons|process)|proof\s+of\s+service|certificate\s+of\s+service|return\s+of\s+service"),
    ("answer", r"\b(?:file|serve)\s+(?:an?\s+|your\s+)?(?:written\s+)?answer|\banswer\s+(?:date|form)|to\s+answer\b"),
    ("motion to dismiss", r"motion\s+to\s+dismiss"),
    ("failure to state a claim", r"failure\s+to\s+state\s+a\s+claim|12\(b\)\(6\)"),
    ("summary judgment", r"summary\s+judgment"),
    ("hearing", r"\bhearing\b|\baudiencia\b"),
    ("trial", r"\btrial\b"),
    ("protective order", r"protective\s+order|protection\s+from\s+abuse|restraining\s+order|abuse\s+prevention|209A"),
    ("bankruptcy", r"bankruptcy"),
    ("appeal", r"\bappeal|apelaci[óo]n"),
    ("small claims", r"small\s+claims?"),
    ("debt collection", r"debt\s+collection|fair\s+debt|account\s+stated|credit\s+card\s+account|collection\s+agency"),
    ("discovery", r"\bdiscovery\b|interrogatories|requests?\s+for\s+production|motion\s+to\s+compel"),
    ("fee waiver", r"indigency|fee\s+waiver|waive\s+(?:the\s+)?(?:fees?|costs?)"),
    ("jurisdiction", r"\bjurisdiction\b"),
    ("order to show cause", r"show\s+cause"),
    ("attorney discipline", r"disciplin|suspended\s+on\s+an\s+interim\s+basis"),
    ("jury trial", r"\bjury\b"),
    ("counterclaim", r"counterclaim"),
    ("negligence", r"negligen"),
    ("breach of contract", r"breach\s+of\s+contract"),
    ("statute of limitations", r"statute\s+of\s+limitations"),
    ("garnishment", r"garnish"),
    ("extension of time", r"extension\s+of\s+time"),
    ("notice of appeal", r"notice\s+of\s+appeal"),
    ("entry of appearance", r"(?:entry|notice)\s+of\s+appearance"),
    ("firearms surrender", r"surrender\s+(?:all\s+)?(?:firearms|guns)"),
]
_CONCEPT_RES = [(c, re.compile(rx, re.I)) for c, rx in _CONCEPTS]


def _key_concepts(text: str) -> list[str]:
    hits = []
    head = text[:100_000]
    for concept, rx in _CONCEPT_RES:
        m = rx.search(head)
        if m:
            hits.append((m.start(), concept))
    hits.sort()
    return [c for _, c in hits][:12]
