"""Search ranking quality on a labelled query set: precision@10, before and after (issue 15, part 2).

    DATABASE_URL=... python -m bench.search_quality [--background 3000]

Runs in-process against the PostgreSQL database of DATABASE_URL (migrated to head), in a new
organization of its own. The labelled set is generated (deterministic, no downloads): for each of
12 topics, 10 documents *about* it (the relevant ones: the phrase in the title for half of them,
repeated in the body of all, on several pages) hidden among `--background` court-filing-like
documents (bench.corpus sentences, which mention the same words in passing) and 5 distractors per
topic that have every word of the query once, scattered over different pages. Documents' dates are
spread over two years, so relevant ones are often older than the newest matches.

Before: the former index (a plaintext tsvector per page, title row 'A', websearch_to_tsquery,
ts_rank, a document scored by its best page), rebuilt in a temporary table from the same texts.
After: app.search.search.search() on the blind index (document rows, ranking window).
"""
from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import datetime, timedelta, timezone

TOPICS = (  # (query, phrase planted in the relevant documents)
    ('"notice to quit"', "notice to quit"),
    ("motion to dismiss", "motion to dismiss"),
    ("security deposit", "security deposit"),
    ("default judgment", "default judgment"),
    ("protective order", "protective order"),
    ("wage garnishment", "wage garnishment"),
    ("mold repairs", "mold repairs"),
    ("child support modification", "child support modification"),
    ("summary judgment", "summary judgment"),
    ("eviction hearing", "eviction hearing"),
    ("habitability", "habitability"),
    ("court", "court"),
)
RELEVANT, DISTRACTORS, PAGES = 10, 5, 3
KEY = ("search_precision_at_10", "search precision@10, 12 labelled queries", "", ">= 1x baseline")


def run(stack, quick: bool, workdir, log=print):
    """bench.run's figure: mean precision@10 after (the blind index) against before (plaintext page
    vectors rebuilt from the same texts), in the bench database (as its owner: the before-index is a
    temporary table of the superuser's session; the after-search applies the organization rule)."""
    from bench.report import throughput_vs
    background = 100 if quick else 2000
    res = stack.app_task("search_quality", as_owner=True, background=background)
    for query, v in res["queries"].items():
        log(f"    {query!r:32} {v['matching_documents']:>6} docs  before {v['p_at_10_before']:.1f}  "
            f"after {v['p_at_10_after']:.1f}")
    key, figure, unit, _goal = KEY
    return [throughput_vs(key, figure, res["mean_p_at_10_after"], unit,
                          "before: plaintext page vectors, best page", res["mean_p_at_10_before"], 1.0,
                          f"{res['documents']:,} documents (--background {background}); seeded in "
                          f"{res['seed_seconds']}s", res)]


def _docs(rng: random.Random, n_background: int) -> tuple[list[dict], dict]:
    from bench import corpus
    docs, labels = [], {}
    now = datetime.now(timezone.utc)

    def add(title, pages):
        docs.append({"title": title, "pages": pages, "date": now - timedelta(minutes=rng.randrange(2 * 525_600))})
        return len(docs) - 1

    def filler(k):
        return " ".join(corpus.sentence(rng) for _ in range(k))

    for _ in range(n_background):
        add(f"{rng.choice(corpus.DOC_TITLES).title()} - {corpus._name(rng)}", [filler(6) for _ in range(PAGES)])
    for query, phrase in TOPICS:
        labels[query] = set()
        for i in range(RELEVANT):
            title = f"{phrase.title()} - {corpus._name(rng)}" if i % 2 == 0 else f"Scan {rng.randrange(10_000):04d}"
            pages = [f"{filler(2)} {phrase.capitalize()}: {filler(1)} The {phrase} {filler(2)} {phrase}."
                     for _ in range(PAGES)]
            labels[query].add(add(title, pages))
        words = phrase.split()
        for _ in range(DISTRACTORS):
            pages = [filler(3) + " " + (words[p] if p < len(words) else "") + " " + filler(2) for p in range(PAGES)]
            if len(words) > PAGES:
                pages[-1] += " " + " ".join(words[PAGES:])
            add(f"{rng.choice(corpus.DOC_TITLES).title()} - {corpus._name(rng)}", pages)
    return docs, labels


def _seed(docs) -> tuple:
    from app.accounts import users as accounts
    from app.accounts.tenancy import principal_for
    from app.cases import cases
    from app.documents import processing
    from app.extensions import db
    from app.models import Document
    from app.search import search
    user = accounts.register(f"quality-{uuid.uuid4().hex[:8]}@example.test", "correct horse battery staple", "Q")
    db.session.flush()
    p = principal_for(user, None)
    case = cases.create_case(p, {"title": "Quality", "case_type": "OTHER", "court_type": "STATE_TRIAL",
                                 "jurisdiction": "US-WV"})
    ids = []
    for i, d in enumerate(docs):
        doc = Document(organization_id=case.organization_id, case_id=case.id, title=d["title"], filename="q.txt",
                       status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex, size_bytes=1,
                       storage_key="k", wrapped_key="w", created_at=d["date"])
        db.session.add(doc)
        db.session.flush()
        for n, text in enumerate(d["pages"], 1):
            processing._save_page(doc, n, text, "text_layer")
        search.index_document(doc)
        ids.append(doc.id)
        if i % 200 == 199:
            db.session.commit()
    db.session.commit()
    return p, ids


def _before_top10(docs, ids, query) -> list:
    """The former ranking, on a plaintext tsvector per page (temporary table, this session only)."""
    import sqlalchemy as sa
    from app.extensions import db
    return [r[0] for r in db.session.execute(sa.text(
        "SELECT document_id FROM (SELECT document_id, max(ts_rank(tsv, websearch_to_tsquery('english', :q))) AS s "
        "FROM quality_before WHERE tsv @@ websearch_to_tsquery('english', :q) GROUP BY document_id) x "
        "ORDER BY s DESC, document_id LIMIT 10"), {"q": query})]


def _build_before(docs, ids):
    import sqlalchemy as sa
    from app.extensions import db
    db.session.execute(sa.text("CREATE TEMP TABLE quality_before (document_id uuid, tsv tsvector)"))
    rows = []
    for d, doc_id in zip(docs, ids):
        rows.append({"d": doc_id, "t": d["title"], "b": ""})
        rows.extend({"d": doc_id, "t": "", "b": text} for text in d["pages"])
    db.session.execute(sa.text(
        "INSERT INTO quality_before SELECT :d, setweight(to_tsvector('english', :t), 'A') || "
        "setweight(to_tsvector('english', :b), 'B')"), rows)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--background", type=int, default=3000)
    args = parser.parse_args(argv)
    from app import create_app
    from app.extensions import db
    from app.platform import rls
    from app.search import search
    app = create_app()
    rng = random.Random(15)
    docs, labels = _docs(rng, args.background)
    with app.app_context():
        rls.bypass()
        t0 = time.time()
        p, ids = _seed(docs)
        rls.bypass()
        _build_before(docs, ids)
        seconds = round(time.time() - t0, 1)
        out = {"documents": len(docs), "seed_seconds": seconds, "queries": {}}
        for query, _phrase in TOPICS:
            relevant = {ids[i] for i in labels[query]}
            before = _before_top10(docs, ids, query)
            after = [i["document_id"] for i in search.search(p, query, per_page=10)[0]]
            total = search.search(p, query)[1]
            out["queries"][query] = {"matching_documents": total,
                                     "p_at_10_before": sum(d in relevant for d in before) / 10,
                                     "p_at_10_after": sum(d in relevant for d in after) / 10}
        db.session.rollback()
    q = out["queries"].values()
    out["mean_p_at_10_before"] = round(sum(v["p_at_10_before"] for v in q) / len(q), 3)
    out["mean_p_at_10_after"] = round(sum(v["p_at_10_after"] for v in q) / len(q), 3)
    print(json.dumps(out, indent=1, default=str))
    return out


if __name__ == "__main__":
    main()
