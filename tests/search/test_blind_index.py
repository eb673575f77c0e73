"""The search index is blind (issue 16, finding 5): what the database holds gives back neither the
words of a page nor their order, another organization's index of the same page shares no token
with it, and search still finds words, phrases and titles, also after the master key is rotated."""
from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

PAGE = ("Magistrate Court of Kanawha County. The defendant must file an answer within 20 days "
        "or a default judgment for unpaid rent may be entered. Notice to quit served on the tenant.")
TITLE = "Summons from the magistrate"


def _org_with_document(app, title=TITLE, pages=(PAGE, "Second page about the hearing date.")):
    from app.accounts import users as accounts
    from app.accounts.tenancy import principal_for
    from app.cases import cases
    from app.documents import processing
    from app.extensions import db
    from app.models import Document
    from app.search import search
    with app.app_context():
        user = accounts.register(f"blind-{uuid.uuid4().hex[:8]}@example.test", "correct horse battery", "Blind")
        db.session.flush()
        p = principal_for(user, None)
        case = cases.create_case(p, {"title": "Blind case", "case_type": "OTHER", "court_type": "STATE_TRIAL",
                                     "jurisdiction": "US-WV"})
        doc = Document(organization_id=case.organization_id, case_id=case.id, title=title, filename="s.txt",
                       status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex, size_bytes=1,
                       storage_key="k", wrapped_key="w")
        db.session.add(doc)
        db.session.flush()
        from app.platform import crypto, runtime
        doc.wrapped_key = runtime.current().keyring.wrap(uuid.uuid4().bytes * 2,
                                                         crypto.make_aad(doc.organization_id, doc.id))
        for n, text in enumerate(pages, 1):
            processing._save_page(doc, n, text, "text_layer")
        db.session.flush()
        search.index_document(doc)
        db.session.commit()
        out = (user.id, case.organization_id, doc.id)
        db.session.remove()
        return out


def _principal(user_id):
    from app.accounts.tenancy import principal_for
    from app.extensions import db
    from app.models import User
    return principal_for(db.session.get(User, user_id), None)


def _index_dump(document_id) -> str:
    from tests.pg import pg
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT string_agg(tsv::text, ' ' ORDER BY page_number) FROM search_entries "
                    "WHERE document_id = %s", (str(document_id),))
        return cur.fetchone()[0]


def test_the_index_holds_no_word_of_the_page_and_no_order(app):
    from app.search import blind
    _user, _org, doc_id = _org_with_document(app)
    dump = _index_dump(doc_id)
    assert dump  # the document is indexed
    words = {w.lower() for w in re.findall(r"\w+", PAGE + " " + TITLE) if len(w) >= 3}
    stems = set(blind.stems(PAGE + " " + TITLE))
    lexemes = set(re.findall(r"'([^']*)'", dump))
    assert lexemes and not (lexemes & (words | stems))
    for w in words | {s for s in stems if len(s) >= 4}:
        assert not re.search(rf"\b{re.escape(w)}\b", dump), w
    # positions are counts (1..4 per weight), not where a word stood: sorting by them rebuilds nothing
    positions = [int(p) for p in re.findall(r"(\d+)[AB]?", re.sub(r"'[^']*'", "", dump))]
    assert positions and max(positions) <= 2 * blind.MAX_COUNT


def test_search_still_finds_words_phrases_and_titles(app):
    from app.extensions import db
    from app.search import search
    user_id, _org, doc_id = _org_with_document(app)
    with app.app_context():
        p = _principal(user_id)
        for q in ("kanawha", "unpaid rent", '"notice to quit"', "magistrate", "defaults", "hearing OR zebra",
                  "judgment -zebra"):
            items, total = search.search(p, q)
            assert [i["document_id"] for i in items] == [doc_id] and total == 1, q
        hit = search.search(p, '"unpaid rent"')[0][0]
        assert hit["pages"] == [1] and "<mark>unpaid</mark> <mark>rent</mark>" in hit["snippets"][0]
        for q in ('"rent unpaid"', "kanawha -rent", "zebra", '"quit notice"', "the to of"):
            assert search.search(p, q) == ([], 0), q
        db.session.remove()


def test_another_organization_indexes_the_same_page_with_other_tokens(app):
    from app.extensions import db
    from app.search import search
    user_a, _org_a, doc_a = _org_with_document(app)
    user_b, _org_b, doc_b = _org_with_document(app)
    tokens_a = set(re.findall(r"'([^']*)'", _index_dump(doc_a)))
    tokens_b = set(re.findall(r"'([^']*)'", _index_dump(doc_b)))
    assert tokens_a and tokens_b and not (tokens_a & tokens_b)
    with app.app_context():
        assert [i["document_id"] for i in search.search(_principal(user_a), "kanawha")[0]] == [doc_a]
        assert [i["document_id"] for i in search.search(_principal(user_b), "kanawha")[0]] == [doc_b]
        db.session.remove()


def test_search_keeps_working_after_the_master_key_is_rotated(app):
    """`keys rotate` re-wraps the organization's search key; its tokens, and so the index, stay valid
    under a keyring that holds the new master key alone."""
    import os
    from app.extensions import db
    from app.models import Organization
    from app.platform import crypto, keys, runtime
    from app.search import search
    user_id, org_id, doc_id = _org_with_document(app)
    rt = runtime.current()
    old, new = os.environ["ENCRYPTION_KEY"], crypto.generate_master_key()
    try:
        rt._keyring = crypto.Keyring(new, [old])
        with app.app_context():
            keys.rotate_all()
            db.session.remove()
        rt._keyring = crypto.Keyring(new)  # the old master key is gone
        with app.app_context():
            sealed = db.session.execute(sa.select(Organization.search_key).where(Organization.id == org_id)).scalar()
            assert crypto.blob_key_id(sealed) == crypto.Keyring(new).current_key_id
            items, _total = search.search(_principal(user_id), '"unpaid rent"')
            assert [i["document_id"] for i in items] == [doc_id] and items[0]["snippets"]
            db.session.remove()
    finally:
        rt._keyring = crypto.Keyring(old, [new])
        with app.app_context():
            keys.rotate_all()  # back, for the rest of the suite
            db.session.remove()
        rt.reset_keyring()


def test_words_typed_together_rank_the_document_where_they_stand_together_first(app):
    from app.extensions import db
    from app.search import search
    user_id, org_id, apart = _org_with_document(
        app, title="Letter", pages=("The eviction was discussed. Later a hearing about rent was set, and a second hearing.",))
    from app.documents import processing
    from app.models import Document
    with app.app_context():
        doc = Document(organization_id=org_id, case_id=db.session.execute(
            sa.select(Document.case_id).where(Document.id == apart)).scalar(), title="Note", filename="n.txt",
            status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex, size_bytes=1,
            storage_key="k", wrapped_key="w")
        db.session.add(doc)
        db.session.flush()
        processing._save_page(doc, 1, "The eviction hearing was discussed. Later the rent was set.", "text_layer")
        search.index_document(doc)
        db.session.commit()
        together = doc.id
        items, total = search.search(_principal(user_id), "eviction hearing")
        assert [i["document_id"] for i in items] == [together, apart] and total == 2
        db.session.remove()
