"""The assistant: case chat (local and model providers, streamed), chat history, research jobs."""
import json
import re
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.e2e.helpers import upload, wait_document
from tests.factories import ApiUser, join
from tests.fake_llm_server import (FakeLLMServer, anthropic_stream_response, openai_error,
                                   openai_stream_response)

LEASE = b"""RESIDENTIAL LEASE AGREEMENT

This lease is made between Oakridge Property Management LLC (Landlord) and Alice Tenant (Tenant)
for the apartment at 12 Elm Street, Unit 4B, Charleston, West Virginia.

1. Rent. Tenant shall pay monthly rent of $850.00 on or before the first day of each month. Rent
paid after the fifth day of the month is late, and a late fee of $35.00 will be charged.

2. Security deposit. Tenant has paid a security deposit of $850.00. Landlord will return the
security deposit within 60 days after Tenant moves out and returns the keys, less any unpaid rent
and the cost of repairing damage beyond normal wear and tear, with an itemized list of deductions.

3. Repairs. Tenant must report needed repairs to Landlord in writing. Landlord will make repairs to
heating, plumbing and electrical systems within a reasonable time after written notice.

4. Pets. No pets are allowed in the apartment without the written consent of Landlord.

5. Disputes. If either party files a complaint in court about this lease, the other party must be
served with the summons and complaint, and the court rules on the time to answer apply.
"""
DEPOSIT = ("Landlord will return the security deposit within 60 days after Tenant moves out and returns "
           "the keys")


def events_of(resp):
    """Parse a text/event-stream body into [(event, data)]."""
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "text/event-stream"
    out = []
    for block in resp.get_data(as_text=True).split("\n\n"):
        event, data = None, []
        for line in block.splitlines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if event:
            out.append((event, json.loads("\n".join(data))))
    return out


def answer_of(events):
    return "".join(d["text"] for e, d in events if e == "delta")


def flat(text):
    return " ".join(text.split())


def _user_with_lease(app, **case_kw):
    user = ApiUser.register(app, name="Alice Tenant")
    case = user.create_case(**case_kw)
    r = upload(user, case["id"], LEASE, filename="lease.txt", title="Residential lease")
    assert r.status_code == 202, r.get_json()
    doc = wait_document(user, r.get_json()["document"]["id"], timeout=60)
    assert doc["status"] == "PROCESSED", doc.get("error")
    return user, case, doc


@pytest.fixture(scope="module")
def leased(app, worker):
    """A user with a case whose one document (a lease, plain text) is PROCESSED."""
    return _user_with_lease(app)


@pytest.fixture(scope="module")
def fake_llm():
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture()
def external_ai(app, fake_llm, monkeypatch):
    """Point the API at the fake provider; the test flips its organization's allow_external_ai."""
    cfg = app.extensions["caseos"].config
    fake_llm.reset()

    def use(provider, user):
        if provider == "openai":
            monkeypatch.setattr(cfg, "AI_PROVIDER", "openai")
            monkeypatch.setattr(cfg, "OPENAI_API_KEY", "test")
            monkeypatch.setattr(cfg, "OPENAI_BASE_URL", fake_llm.openai_base_url)
        else:
            monkeypatch.setattr(cfg, "AI_PROVIDER", "anthropic")
            monkeypatch.setattr(cfg, "ANTHROPIC_API_KEY", "test")
            monkeypatch.setattr(cfg, "ANTHROPIC_BASE_URL", fake_llm.anthropic_base_url)
        r = user.patch(f"/api/v1/organizations/{user.org_id}", json={"allow_external_ai": True})
        assert r.status_code == 200 and r.get_json()["allow_external_ai"] is True
        return fake_llm
    return use


def _wait_job(user, job_id, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = user.get(f"/api/v1/jobs/{job_id}").get_json()
        if job["status"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not final after {timeout}s: {job}")


# --------------------------------------------------------------------------- chat, local provider


def test_local_chat_quotes_the_matching_passage_and_names_its_document(leased, app):
    user, case, doc = leased
    events = events_of(user.post(f"/api/v1/cases/{case['id']}/chat",
                                 json={"message": "When will I get my security deposit back?"}))
    names = [e for e, _ in events]
    assert names[0] == "meta" and names[-1] == "done" and set(names[1:-1]) == {"delta"}
    meta = events[0][1]
    assert meta["provider"] == "local"
    top = meta["sources"][0]
    assert top["document_id"] == doc["id"] and top["title"] == "Residential lease" and top["page"] == 1
    assert DEPOSIT in top["excerpt"]
    raw = answer_of(events)
    quoted = re.search(r'^\[1\] "(?:\.\.\. )?(.+?)(?: \.\.\.)?"$', raw, re.M).group(1)
    assert DEPOSIT in quoted and quoted in top["excerpt"]  # the answer quotes the passage it names
    text = flat(raw)
    assert "Residential lease, page 1" in text
    assert "not legal advice" in text and "Legal Aid of West Virginia" in text

    chat_id, message_id = meta["chat_id"], events[-1][1]["message_id"]
    hist = user.get(f"/api/v1/cases/{case['id']}/chats/{chat_id}")
    assert hist.status_code == 200, hist.get_json()
    body = hist.get_json()
    assert body["id"] == chat_id and body["case_id"] == case["id"]
    q, a = body["messages"]
    assert (q["role"], q["content"]) == ("user", "When will I get my security deposit back?")
    assert a["role"] == "assistant" and a["id"] == message_id and flat(a["content"]) == text
    assert a["sources"][0]["document_id"] == doc["id"] and DEPOSIT in a["sources"][0]["excerpt"]

    # Stored encrypted: neither the question, the answer nor the excerpt is in the database in clear.
    from app.extensions import db
    from app.models import ChatMessage
    with app.app_context():
        rows = db.session.execute(sa.select(ChatMessage).where(ChatMessage.chat_id == uuid.UUID(chat_id))).scalars().all()
        assert len(rows) == 2
        for row in rows:
            assert b"security deposit" not in row.sealed and b"deposit" not in row.sealed.lower()
            assert "deposit" not in json.dumps(row.sources or []).lower()
        db.session.remove()

    # A follow-up continues the same chat; a question the documents do not answer says so plainly.
    events = events_of(user.post(f"/api/v1/cases/{case['id']}/chat",
                                 json={"message": "Is there a swimming pool schedule?", "chat_id": chat_id}))
    assert events[0][1]["chat_id"] == chat_id and events[0][1]["sources"] == []
    assert "could not find anything" in answer_of(events)
    assert len(user.get(f"/api/v1/cases/{case['id']}/chats/{chat_id}").get_json()["messages"]) == 4
    listed = user.get(f"/api/v1/cases/{case['id']}/chats").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == chat_id
    assert listed["items"][0]["message_count"] == 4
    assert listed["items"][0]["title"].startswith("When will I get my security deposit")


def test_deleting_a_document_removes_its_quotes_from_chat_answers(app, worker):
    user, case, doc = _user_with_lease(app)
    events = events_of(user.post(f"/api/v1/cases/{case['id']}/chat",
                                 json={"message": "When will I get my security deposit back?"}))
    chat_id = events[0][1]["chat_id"]
    assert "security deposit within 60 days" in answer_of(events)
    assert user.delete(f"/api/v1/documents/{doc['id']}").status_code in (200, 204)

    answer = user.get(f"/api/v1/cases/{case['id']}/chats/{chat_id}").get_json()["messages"][1]
    assert "security deposit within 60 days" not in answer["content"]
    assert "quoted text removed: the document was deleted" in answer["content"]
    assert "Residential lease, page 1" in answer["content"]  # the conversation still says what it cited
    assert answer["sources"][0]["document_deleted"] is True and answer["sources"][0]["excerpt"] is None
    from app.extensions import db
    from app.models import ChatMessage
    from app.assistant import chat
    with app.app_context():  # not just hidden: gone from the stored (encrypted) message
        row = db.session.get(ChatMessage, uuid.UUID(answer["id"]))
        stored = chat._open_message(uuid.UUID(user.org_id), row)
        assert "security deposit within 60 days" not in json.dumps(stored)
        db.session.remove()


def test_chat_on_a_case_without_documents_uses_the_case_data(alice):
    case = alice.create_case(title="Doe v. Roe", case_type="CIVIL_LITIGATION", court_type="FEDERAL_DISTRICT",
                             jurisdiction="US-FED", county=None)
    r = alice.post(f"/api/v1/cases/{case['id']}/deadlines", json={"title": "File answer", "due_date": "2099-03-01"})
    assert r.status_code == 201, r.get_json()
    events = events_of(alice.post(f"/api/v1/cases/{case['id']}/chat",
                                  json={"message": "How long do I have to answer the complaint after service?"}))
    text = answer_of(events)
    assert events[-1][0] == "done"
    assert "no processed documents yet" in text and "Doe v. Roe" in text
    assert "Sunday, March 1, 2099: File answer" in text
    assert "Fed. R. Civ. P. 12(a)(1)(A)(i)" in text  # a matching deadline rule of the jurisdiction


def test_chat_input_is_validated(alice):
    case = alice.create_case()
    for body in ({"message": ""}, {"message": "   "}, {"message": "x" * 4001}, {"message": "hi", "extra": 1},
                 {"message": "hi", "chat_id": "nope"}):
        r = alice.post(f"/api/v1/cases/{case['id']}/chat", json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert r.mimetype == "application/problem+json"
    r = alice.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "hi", "chat_id": str(uuid.uuid4())})
    assert r.status_code == 404


def test_other_tenant_gets_404_for_chat_and_history(alice, mallory):
    case = alice.create_case()
    chat_id = events_of(alice.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "What is next?"}))[0][1]["chat_id"]
    assert mallory.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "What is next?"}).status_code == 404
    assert mallory.get(f"/api/v1/cases/{case['id']}/chats/{chat_id}").status_code == 404
    assert mallory.get(f"/api/v1/cases/{case['id']}/chats").status_code == 404
    own = mallory.create_case()
    r = mallory.post(f"/api/v1/cases/{own['id']}/chat", json={"message": "Hello?", "chat_id": chat_id})
    assert r.status_code == 404
    assert mallory.get(f"/api/v1/cases/{own['id']}/chats/{chat_id}").status_code == 404


def test_viewer_may_chat_and_chats_are_private_to_their_author(make_user):
    owner, viewer = make_user(), make_user()
    org = owner.post("/api/v1/organizations", json={"name": "Legal Aid Clinic"}).get_json()
    join(owner, viewer, org['id'], "VIEWER")
    case = owner.create_case(org=org["id"])
    owners_chat = events_of(owner.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "Next steps?"},
                                       org=org["id"]))[0][1]["chat_id"]
    events = events_of(viewer.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "Next steps?"}, org=org["id"]))
    assert events[-1][0] == "done"
    viewers_chat = events[0][1]["chat_id"]
    assert viewer.get(f"/api/v1/cases/{case['id']}/chats/{owners_chat}", org=org["id"]).status_code == 404
    assert viewer.get(f"/api/v1/cases/{case['id']}/chats", org=org["id"]).get_json()["total"] == 1
    # The organization's OWNER may read a member's conversation, not write in it.
    assert owner.get(f"/api/v1/cases/{case['id']}/chats/{viewers_chat}", org=org["id"]).status_code == 200
    r = owner.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "More?", "chat_id": viewers_chat},
                   org=org["id"])
    assert r.status_code == 403


# --------------------------------------------------------------------------- chat, model providers


@pytest.fixture(scope="module")
def ai_leased(app, worker):
    return _user_with_lease(app, title="Tenant v. Oakridge")


def test_openai_answer_streams_in_order_with_passages_as_delimited_data(ai_leased, external_ai):
    user, case, doc = ai_leased
    fake = external_ai("openai", user)
    fake.enqueue_openai(openai_stream_response(["The late fee ", "is $35.00 ", "[1]."]))
    events = events_of(user.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "What is the late fee?"}))
    assert events[0][0] == "meta" and events[0][1]["provider"] == "openai"
    assert events[0][1]["sources"][0]["document_id"] == doc["id"]
    deltas = [d["text"] for e, d in events if e == "delta"]
    assert deltas[:3] == ["The late fee ", "is $35.00 ", "[1]."]
    assert "not legal advice" in deltas[-1]
    assert events[-1][0] == "done"

    [req] = fake.requests_for("openai")
    sent = req.json
    assert sent["stream"] is True
    system, prompt = sent["messages"][0], sent["messages"][-1]
    assert system["role"] == "system" and "UNTRUSTED DATA" in system["content"]
    assert '<passage n="1" document="Residential lease" page="1">' in prompt["content"]
    assert "late fee of $35.00" in prompt["content"]
    assert "<question>\nWhat is the late fee?\n</question>" in prompt["content"]
    hist = user.get(f"/api/v1/cases/{case['id']}/chats/{events[0][1]['chat_id']}").get_json()
    assert hist["messages"][1]["content"].startswith("The late fee is $35.00 [1].")
    assert hist["messages"][1]["provider"] == "openai"


def test_anthropic_answer_streams_and_follow_up_sends_the_history(ai_leased, external_ai):
    user, case, _doc = ai_leased
    fake = external_ai("anthropic", user)
    fake.enqueue_anthropic(anthropic_stream_response(["Pets need ", "written consent [1]."]),
                           anthropic_stream_response(["Ask the landlord ", "in writing."]))
    first = events_of(user.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "Can I have pets?"}))
    assert first[0][1]["provider"] == "anthropic"
    assert [d["text"] for e, d in first if e == "delta"][:2] == ["Pets need ", "written consent [1]."]
    chat_id = first[0][1]["chat_id"]
    second = events_of(user.post(f"/api/v1/cases/{case['id']}/chat",
                                 json={"message": "How do I ask for that consent?", "chat_id": chat_id}))
    assert answer_of(second).startswith("Ask the landlord in writing.") and second[-1][0] == "done"
    req1, req2 = fake.requests_for("anthropic")
    assert req1.json["stream"] is True and "UNTRUSTED DATA" in req1.json["system"]
    turns = req2.json["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert turns[0]["content"] == "Can I have pets?"
    assert turns[1]["content"].startswith("Pets need written consent [1].")
    assert "No pets are allowed" in turns[2]["content"]


def test_provider_failure_mid_stream_is_an_error_event(ai_leased, external_ai):
    user, case, _doc = ai_leased
    fake = external_ai("openai", user)
    fake.enqueue_openai(openai_error(503, "overloaded"))
    events = events_of(user.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "What is the rent?"}))
    assert [e for e, _ in events] == ["meta", "error"]
    assert events[1][1]["code"] == "provider_unavailable" and events[1][1]["retryable"] is True
    hist = user.get(f"/api/v1/cases/{case['id']}/chats/{events[0][1]['chat_id']}").get_json()
    assert [m["role"] for m in hist["messages"]] == ["user"]


# --------------------------------------------------------------------------- research


def test_research_cites_the_rule_and_states_its_limitations(leased):
    user, _case, doc = leased
    r = user.post("/api/v1/research", json={"topic": "answer to a complaint after service",
                                            "jurisdiction": "US-FED"})
    assert r.status_code == 202, r.get_json()
    job = _wait_job(user, r.get_json()["job"]["id"])
    assert job["status"] == "SUCCEEDED", job
    result = job["result"]
    assert result["provider"] == "local"
    assert result["citations"][0]["citation"].startswith("Fed. R. Civ. P. 12(a)")
    assert "21 days after service of the summons and complaint" in result["answer"]
    assert "Fed. R. Civ. P. 12" in result["answer"]
    assert any("case-law" in item for item in result["limitations"])
    assert "no case-law database" in result["answer"] and result["disclaimer"]
    # The organization's own document that mentions the topic is named (never quoted) as a source.
    assert [s["document_id"] for s in result["sources"]] == [doc["id"]]
    assert "Residential lease" in result["answer"] and "itemized" not in json.dumps(result)



def test_research_answers_are_stored_sealed_and_survive_key_rotation(leased, app):
    user, _case, _doc = leased
    r = user.post("/api/v1/research", json={"topic": "answer to a complaint after service", "jurisdiction": "US-FED"})
    job = _wait_job(user, r.get_json()["job"]["id"])
    assert "21 days after service" in job["result"]["answer"]
    from app.extensions import db
    from app.models import Event, Job
    with app.app_context():
        row = db.session.get(Job, uuid.UUID(job["id"]))
        assert set(row.result) == {"sealed"} and "21 days" not in json.dumps(row.result)
        stored_events = db.session.execute(sa.select(Event.data).where(Event.job_id == row.id)).scalars().all()
        assert stored_events and not any("21 days" in json.dumps(d) for d in stored_events)
        db.session.remove()
    # The stream tells the status; the answer itself is read from GET /jobs/{id}.
    final = [d for e, d in events_of(user.get(f"/api/v1/jobs/{job['id']}/events")) if e == "job"][-1]
    assert final["status"] == "SUCCEEDED" and final["result"] is None
    from app.platform import crypto, jobs, keys
    assert jobs.rewrap_job_results in keys.rewrappers()
    with app.app_context():
        old, new = app.extensions["caseos"].config.ENCRYPTION_KEY, crypto.generate_master_key()
        assert jobs.rewrap_job_results(crypto.Keyring(new, [old]))["job_results"] >= 1
        row = db.session.get(Job, uuid.UUID(job["id"]))
        opened = crypto.open_bytes(crypto.Keyring(new), jobs.sealed_blob(row), jobs.result_aad(row))
        assert json.loads(opened)["answer"] == job["result"]["answer"]
        db.session.rollback()  # leave the database under the test run's key
        db.session.remove()


def test_research_for_an_unknown_jurisdiction_says_it_has_no_rules(alice, worker):
    r = alice.post("/api/v1/research", json={"topic": "deadline to appeal an eviction", "jurisdiction": "us-zz"})
    assert r.status_code == 202
    job = _wait_job(alice, r.get_json()["job"]["id"])
    assert job["status"] == "SUCCEEDED", job
    result = job["result"]
    assert result["jurisdiction"] == "US-ZZ" and result["citations"] == []
    assert "CaseOS has no court rules for US-ZZ" in result["answer"]
    assert "US-ZZ" in result["limitations"][0]


def test_research_input_is_validated(alice):
    for body in ({"topic": "", "jurisdiction": "US-FED"}, {"topic": "x" * 1001, "jurisdiction": "US-FED"},
                 {"topic": "appeal", "jurisdiction": "<script>"}, {"topic": "appeal"}):
        r = alice.post("/api/v1/research", json=body)
        assert r.status_code == 422, (body, r.get_json())


def test_key_rotation_rewraps_chat_messages(alice, app):
    case = alice.create_case()
    chat_id = events_of(alice.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "Key question"}))[0][1]["chat_id"]
    from app.extensions import db
    from app.models import ChatMessage
    from app.assistant import chat
    from app.platform import crypto, keys
    assert chat.rewrap_chat_messages in keys.rewrappers()
    with app.app_context():
        old = app.extensions["caseos"].config.ENCRYPTION_KEY
        new = crypto.generate_master_key()
        counts = chat.rewrap_chat_messages(crypto.Keyring(new, [old]))
        assert counts["chat_messages"] >= 2
        q = db.session.execute(sa.select(ChatMessage).where(ChatMessage.chat_id == uuid.UUID(chat_id),
                                                             ChatMessage.role == "user")).scalar_one()
        raw = crypto.open_bytes(crypto.Keyring(new), q.sealed, chat.message_aad(alice.org_id, chat_id, q.id))
        assert json.loads(raw)["content"] == "Key question"
        db.session.rollback()  # leave the database under the test run's key
        db.session.remove()
