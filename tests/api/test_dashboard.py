"""The dashboard (GET /dashboard) and a case's insights (GET /cases/{id}/insights), as a person reads them."""
from __future__ import annotations

import io
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.accounts.tenancy import principal_for
from app.assistant import insights
from app.cases import dashboard
from app.cases.cases import normalize_name
from app.deadlines.service import FALLBACK_ZONE
from app.extensions import db
from app.models import Notification, Party, User
from app.models.base import utcnow
from app.platform import engine
from tests.factories import join

# The person's own day: test users keep the default zone, and the dashboard counts days from their day
# (between 00:00 UTC and their midnight the machine's date is already tomorrow).
TODAY = datetime.now(ZoneInfo(FALLBACK_ZONE)).date()


def day(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def add_deadline(user, case_id, org=None, **kw):
    r = user.post(f"/api/v1/cases/{case_id}/deadlines", json={"title": "File the answer", "due_date": day(30), **kw},
                  org=org)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["deadline"]


@pytest.fixture(autouse=True)
def papers_wait_for_a_worker(monkeypatch):
    """Uploads are accepted and their jobs queued, but no worker receives them: these tests read the
    dashboard while papers are still waiting. (A session-wide worker started by an earlier test would
    otherwise read the summons meanwhile: the job finishes and the analysis adds its own suggestions.)"""
    sent = []
    monkeypatch.setattr(engine.celery, "send_task", lambda name, args=(), **kw: sent.append((name, args)))
    return sent


def upload(user, case_id, title="Summons", org=None):
    r = user.post(f"/api/v1/cases/{case_id}/documents", content_type="multipart/form-data", org=org,
                  data={"file": (io.BytesIO(b"SUMMONS\n" + uuid.uuid4().hex.encode()), "summons.txt"), "title": title})
    assert r.status_code == 202, r.get_json()
    return r.get_json()


def test_dashboard_lists_next_deadlines_across_organizations_nearest_first_with_their_source(app, alice, make_user,
                                                                                              papers_wait_for_a_worker):
    owner = make_user(name="Clinic Owner")
    clinic = owner.post("/api/v1/organizations", json={"name": "Clinic"}).get_json()["id"]
    join(owner, alice, clinic, "MEMBER")
    mine = alice.create_case(title="My eviction")
    theirs = alice.create_case(title="Clinic client", org=clinic)
    accepted = upload(alice, mine["id"])
    later = add_deadline(alice, mine["id"], title="Hearing", due_date=day(20))
    sooner = add_deadline(alice, theirs["id"], org=clinic, title="Answer", due_date=day(5))
    found = add_deadline(alice, mine["id"], title="Answer the summons", due_date=day(12), status="SUGGESTED",
                         source_document_id=accepted["document"]["id"], rule="20 days after service")
    add_deadline(alice, mine["id"], title="Already over", due_date=day(-2))

    r = alice.get("/api/v1/dashboard")
    assert r.status_code == 200, r.get_json()
    board = r.get_json()
    assert board["today"] == TODAY.isoformat()
    upcoming = board["next_deadlines"]
    assert [d["id"] for d in upcoming] == [sooner["id"], found["id"], later["id"]]  # nothing past, nearest first
    assert upcoming[0]["case_title"] == "Clinic client" and upcoming[0]["days_left"] == 5
    assert upcoming[1]["status"] == "SUGGESTED" and upcoming[1]["rule"] == "20 days after service"
    assert upcoming[1]["source_document"] == {"id": accepted["document"]["id"], "title": "Summons"}
    assert upcoming[0]["timezone"] == "America/New_York"  # the court's (US-WV), for the due time
    [processing] = board["processing"]
    assert processing["document_id"] == accepted["document"]["id"] and processing["job_id"] == accepted["job"]["id"]
    assert processing["status"] == "QUEUED" and processing["progress"] == 0 and processing["step"] == "extract"
    # its first step was sent to the workers' queue
    assert [args for _, args in papers_wait_for_a_worker] == [[accepted["document"]["id"], accepted["job"]["id"]]]


def test_dashboard_puts_cases_needing_attention_most_urgent_first_and_shows_notifications(app, alice):
    calm = alice.create_case(title="Nothing to do")
    add_deadline(alice, calm["id"], due_date=day(60))
    late = alice.create_case(title="Deadline passed")
    add_deadline(alice, late["id"], title="Old one", due_date=day(-3))
    soon = alice.create_case(title="Due soon")
    add_deadline(alice, soon["id"], title="Reply", due_date=day(2))
    confirm = alice.create_case(title="To confirm")
    add_deadline(alice, confirm["id"], title="Found", due_date=day(40), status="SUGGESTED")
    with app.app_context():
        db.session.add(Notification(user_id=uuid.UUID(alice.id), organization_id=uuid.UUID(alice.org_id),
                                    kind="deadline.reminder", title="Deadline in 2 days: Reply",
                                    case_id=uuid.UUID(soon["id"]), created_at=utcnow()))
        db.session.commit()

    board = alice.get("/api/v1/dashboard").get_json()
    attention = [(c["title"], [r["code"] for r in c["reasons"]]) for c in board["attention"]]
    assert attention == [("Deadline passed", ["deadline_passed"]), ("Due soon", ["due_soon"]),
                         ("To confirm", ["deadlines_to_confirm"])]
    assert "without being marked done" in board["attention"][0]["reasons"][0]["message"]
    said = board["attention"][0]["reasons"][0]["i18n"]["message"]  # the sentence, for a client to translate
    assert said["id"] == "attention.deadline_passed" and said["params"] == {"count": 1, "date": day(-3)}
    assert said["text"] == board["attention"][0]["reasons"][0]["message"]
    assert board["attention"][0]["reasons"][0]["date"] == day(-3)
    assert [n["title"] for n in board["notifications"]] == ["Deadline in 2 days: Reply"]
    assert board["unread_notifications"] == 1


def test_dashboard_shows_nothing_of_another_tenant(alice, mallory):
    case = alice.create_case()
    add_deadline(alice, case["id"], due_date=day(3))
    upload(alice, case["id"])
    board = mallory.get("/api/v1/dashboard").get_json()
    assert board["next_deadlines"] == [] and board["processing"] == [] and board["attention"] == []


def test_insights_say_what_is_due_what_is_missing_what_to_confirm_and_which_forms_fit(app, alice):
    case = alice.create_case(title="Unlawful detainer", jurisdiction="US-CA", court_type="STATE_TRIAL",
                             case_type="LANDLORD_TENANT")
    accepted = upload(alice, case["id"], title="Summons (UD-100)")
    doc_id = accepted["document"]["id"]
    answer = add_deadline(alice, case["id"], title="Answer the complaint", due_date=day(5))
    suggested = add_deadline(alice, case["id"], title="Hearing", due_date=day(25), status="SUGGESTED",
                             source_document_id=doc_id)
    with app.app_context():
        db.session.add(Party(organization_id=uuid.UUID(alice.org_id), case_id=uuid.UUID(case["id"]),
                             name="Acme Rentals LLC", normalized_name=normalize_name("Acme Rentals LLC"),
                             role="PLAINTIFF", source_document_id=uuid.UUID(doc_id)))
        db.session.commit()

    r = alice.get(f"/api/v1/cases/{case['id']}/insights")
    assert r.status_code == 200, r.get_json()
    ins = r.get_json()
    assert [d["id"] for d in ins["next_due"]] == [answer["id"], suggested["id"]]
    missing = {m["code"]: m for m in ins["missing"]}
    assert missing["response_not_filed"]["deadline_id"] == answer["id"]
    assert "Answer the complaint" in missing["response_not_filed"]["message"]
    said = missing["response_not_filed"]["i18n"]["message"]
    assert said["id"].startswith("insights.response_not_filed") and said["text"] == missing["response_not_filed"]["message"]
    assert said["params"]["date"] == day(5) and said["params"]["count"] == 5
    assert said["params"]["title"] == "Answer the complaint"
    assert "no_case_number" in missing and "no_documents" not in missing and "no_parties" not in missing
    [to_confirm] = ins["to_confirm"]["deadlines"]
    assert to_confirm["id"] == suggested["id"] and "Summons (UD-100)" in to_confirm["why"]
    [party] = ins["to_confirm"]["parties"]
    assert party["name"] == "Acme Rentals LLC" and party["source_document"]["id"] == doc_id
    assert "plaintiff" in party["why"]
    assert party["i18n"]["why"]["params"] == {"role": "PLAINTIFF", "title": "Summons (UD-100)"}
    assert to_confirm["i18n"]["why"] == {"id": "why.deadline_found", "params": {"title": "Summons (UD-100)"},
                                         "text": to_confirm["why"]}
    assert ins["forms"], ins["notes"]
    first = ins["forms"][0]
    assert "answer" in first["title"].lower() and "Answer the complaint" in first["why"]
    assert all(f["jurisdiction"].startswith("US-CA") and f["why"] for f in ins["forms"])
    assert [p["document_id"] for p in ins["processing"]] == [doc_id]


def test_insights_of_an_empty_case_ask_for_papers_and_parties(alice):
    case = alice.create_case(case_number=None)
    ins = alice.get(f"/api/v1/cases/{case['id']}/insights").get_json()
    assert [m["code"] for m in ins["missing"]] == ["no_documents", "no_case_number", "no_parties"]
    assert not [n for n in ins["notes"] if "starts from" in n]  # no note about a paper the case does not have


def test_passed_deadline_is_reported_without_saying_the_right_is_lost(alice):
    case = alice.create_case(case_number="26-C-1")
    old = add_deadline(alice, case["id"], title="Answer", due_date=day(-4))
    [item] = [m for m in alice.get(f"/api/v1/cases/{case['id']}/insights").get_json()["missing"]
              if m["code"] == "deadline_passed"]
    assert item["deadline_id"] == old["id"] and "court clerk" in item["message"]
    assert "too late" not in item["message"].lower() and "lost" not in item["message"].lower()


def test_insights_of_another_tenants_case_are_404(alice, mallory):
    case = alice.create_case()
    assert mallory.get(f"/api/v1/cases/{case['id']}/insights").status_code == 404


def test_a_courts_due_time_is_also_said_on_the_persons_clock_and_counted_on_the_courts(app, make_user):
    """A West Virginia court (Eastern time) and a person in Los Angeles: 5 PM there is 2 PM here, and when the
    court's day is over its deadline is no longer listed, though the person's day runs on. The other way round,
    a California deadline is still "today" for a person in New York after their midnight."""
    west, east = make_user(), make_user()
    west.patch("/api/v1/auth/me", json={"timezone": "America/Los_Angeles"})
    east.patch("/api/v1/auth/me", json={"timezone": "America/New_York"})
    wv = west.create_case(jurisdiction="US-WV")
    timed = add_deadline(west, wv["id"], title="File an answer", due_date=day(9), due_time="17:00:00")
    [item] = west.get("/api/v1/dashboard").get_json()["next_deadlines"]
    assert item["id"] == timed["id"] and item["timezone"] == "America/New_York"
    assert item["due_at"].startswith(f"{day(9)}T14:00:00-0")  # 14:00 in Los Angeles (PST or PDT)
    wv_day = add_deadline(west, wv["id"], title="Pay the amount owed", due_date=day(3))
    ca = east.create_case(jurisdiction="US-CA", court_type="STATE_TRIAL")
    ca_day = add_deadline(east, ca["id"], title="Move out", due_date=day(3))
    answer = add_deadline(east, ca["id"], title="File an answer", due_date=day(3))
    with app.app_context():
        def listed(user, at):
            person = principal_for(db.session.get(User, uuid.UUID(user.id)), None)
            return {str(d["id"]): d["days_left"] for d in dashboard.dashboard(person, now=at)["next_deadlines"]}
        la_evening = datetime.combine(TODAY + timedelta(days=3), time(22, 0), tzinfo=ZoneInfo("America/Los_Angeles"))
        assert wv_day["id"] not in listed(west, la_evening)  # 1 AM the next day in West Virginia
        assert listed(west, la_evening - timedelta(hours=4))[wv_day["id"]] == 0
        assert listed(east, la_evening)[ca_day["id"]] == 0  # 1 AM the next day in New York, 10 PM in California
        person = principal_for(db.session.get(User, uuid.UUID(east.id)), None)
        missing = {m["code"]: m for m in insights.case_insights(person, ca["id"], now=la_evening)["missing"]}
        assert "deadline_passed" not in missing and str(missing["response_not_filed"]["deadline_id"]) == answer["id"]
        said = missing["response_not_filed"]["message"]
        due = TODAY + timedelta(days=3)
        assert f"is due {due:%B} {due.day}, {due.year} (today)" in said and "0 days" not in said  # the court's last day
        def when(at):
            return next(m for m in insights.case_insights(person, ca["id"], now=at)["missing"]
                        if m["code"] == "response_not_filed")["message"]
        assert "(tomorrow)" in when(la_evening - timedelta(days=1)) and "(in 2 days)" in when(la_evening - timedelta(days=2))
        later = insights.case_insights(person, ca["id"], now=la_evening + timedelta(hours=3))["missing"]
        assert {str(m["deadline_id"]) for m in later if m["code"] == "deadline_passed"} == {ca_day["id"], answer["id"]}
