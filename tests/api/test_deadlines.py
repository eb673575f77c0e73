"""Deadlines through the API: computation from the rules, CRUD and status transitions, the reminder
schedule, calendars, notifications and tenant isolation."""
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.extensions import db
from app.models import Deadline, Notification, ReminderDelivery
from app.deadlines.reminders import reminder_times
from tests.factories import join

FAR = date.today() + timedelta(days=40)


def compute(user, **body):
    return user.post("/api/v1/deadlines/compute", json=body)


def only(deadlines, rule_id):
    [d] = [d for d in deadlines if d["rule_id"] == rule_id]
    return d


def rows_of(app, deadline_id):
    with app.app_context():
        return [(r.user_id, r.offset_days, r.channel, r.due_at, r.status) for r in db.session.execute(
            sa.select(ReminderDelivery).where(ReminderDelivery.deadline_id == uuid.UUID(deadline_id))
            .order_by(ReminderDelivery.offset_days.desc(), ReminderDelivery.channel)).scalars()]


@pytest.fixture()
def case(alice):
    return alice.create_case(title="Doe v. Acme", jurisdiction="US-FED", court_type="FEDERAL_DISTRICT",
                             case_type="CIVIL_LITIGATION")


def add(user, case_id, org=None, **kw):
    body = {"title": "File the answer", "due_date": FAR.isoformat(), **kw}
    r = user.post(f"/api/v1/cases/{case_id}/deadlines", json=body, org=org)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["deadline"]


# --- computation: worked examples -------------------------------------------------------------

def test_answer_served_dec_4_is_due_dec_28_because_of_christmas(alice):
    r = compute(alice, jurisdiction="US-FED", trigger="service_of_summons_and_complaint", trigger_date="2026-12-04")
    assert r.status_code == 200, r.get_json()
    [d] = r.get_json()["deadlines"]
    assert d["due_date"] == "2026-12-28"
    assert d["rule"] == "21 days after service of the summons and complaint"
    assert "12(a)(1)(A)(i)" in d["citation"]
    steps = "\n".join(d["explanation"])
    assert "2026-12-25 is Christmas Day (legal holiday) -> next day" in steps
    assert "Saturday" in steps and "Sunday" in steps and d["explanation"][-1] == "Due Mon 2026-12-28"
    assert set(d) >= {"title", "due_date", "rule", "citation", "explanation"}
    assert "not legal advice" in r.get_json()["disclaimer"]


def test_service_by_mail_adds_three_days_after_the_period(alice):
    body = dict(jurisdiction="US-FED", trigger="service_of_motion", trigger_date="2026-12-09")
    mail = only(compute(alice, **body, service_method="mail").get_json()["deadlines"], "fed_motion_response")
    electronic = only(compute(alice, **body, service_method="electronic").get_json()["deadlines"],
                      "fed_motion_response")
    assert electronic["due_date"] == "2026-12-23"
    assert mail["due_date"] == "2026-12-28" and mail["service_days_added"] == 3
    assert any("Wed 2026-12-23 + 3 -> Sat 2026-12-26" in s for s in mail["explanation"])


def test_court_days_skip_thanksgiving_and_the_day_after_in_west_virginia(alice):
    r = compute(alice, jurisdiction="US-WV", trigger="eviction_petition_filed", trigger_date="2026-11-25")
    deadlines = r.get_json()["deadlines"]
    earliest = only(deadlines, "wv_eviction_hearing_earliest")
    assert earliest["due_date"] == "2026-12-04"
    assert only(deadlines, "wv_eviction_hearing_latest")["due_date"] == "2026-12-11"
    steps = "\n".join(earliest["explanation"])
    assert "5 court days" in steps and "Day After Thanksgiving" in steps


def test_counting_backward_from_a_hearing_rolls_to_the_previous_court_day(alice):
    r = compute(alice, jurisdiction="US-FED", trigger="hearing", trigger_date="2026-06-08")
    d = only(r.get_json()["deadlines"], "fed_motion_notice_before_hearing")
    assert d["due_date"] == "2026-05-22"
    steps = "\n".join(d["explanation"])
    assert "2026-05-25 is Memorial Day (legal holiday) -> previous day" in steps


def test_unknown_trigger_is_422_with_guidance_not_a_guess(alice):
    r = compute(alice, jurisdiction="US-FED", trigger="service_by_carrier_pigeon", trigger_date="2026-12-04")
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["code"] == "deadline_not_computable" and "deadlines" not in body
    assert "clerk" in body["guidance"]
    assert "service_of_summons_and_complaint" in body["known_triggers"]
    r = compute(alice, jurisdiction="US-ZZ", trigger="hearing", trigger_date="2026-12-04")
    assert r.status_code == 422 and "US-FED" in r.get_json()["known_jurisdictions"]
    r = compute(alice, jurisdiction="US-FED", trigger="service_of_motion", trigger_date="2026-12-04",
                service_method="telepathy")
    assert r.status_code == 422 and "mail" in r.get_json()["guidance"]
    r = compute(alice, jurisdiction="US-FED", trigger="hearing", trigger_date="next tuesday")
    assert r.status_code == 422 and "trigger_date" in r.get_json()["errors"]


def test_rules_lists_triggers_and_rules_of_a_jurisdiction(alice):
    body = alice.get("/api/v1/deadlines/rules?jurisdiction=US-MA").get_json()
    assert body["jurisdiction"] == "US-MA"
    assert "summary_process_entry" in {t["id"] for t in body["triggers"]}
    rule = next(r for r in body["rules"] if r["id"] == "ma_sp_answer")
    assert rule["rule"] == "first Monday after the entry date" and rule["citation"]
    assert "mail" in body["service_methods"]
    r = alice.get("/api/v1/deadlines/rules?jurisdiction=XX-YY")
    assert r.status_code == 422 and r.get_json()["guidance"]


def test_federal_compute_applies_the_district_states_holidays(alice):
    body = dict(jurisdiction="US-FED", trigger="service_of_summons_and_complaint", trigger_date="2026-03-30")
    for where in ({"state": "US-MA"}, {"court": "mad"}):
        r = compute(alice, **body, **where)
        assert r.status_code == 200, r.get_json()
        [d] = r.get_json()["deadlines"]
        assert d["due_date"] == "2026-04-21" and d["state_holidays"] == "US-MA"
        assert any("Patriots' Day" in line for line in d["explanation"])
    [d] = compute(alice, **body).get_json()["deadlines"]
    assert d["due_date"] == "2026-04-20" and d["state_holidays"] is None
    assert d["version"]["effective_from"] and d["source_url"].startswith("https://") and d["quote"]


def test_bad_state_or_court_is_422_naming_the_field(alice):
    body = dict(jurisdiction="US-FED", trigger="service_of_summons_and_complaint", trigger_date="2026-03-30")
    r = compute(alice, **body, court="nowhere")
    assert r.status_code == 422 and "court" in r.get_json()["errors"]
    r = compute(alice, **body, state="Massachusetts")
    assert r.status_code == 422 and "state" in r.get_json()["errors"]
    r = compute(alice, **body, state="x" * 50)
    assert r.status_code == 422 and "state" in r.get_json()["errors"]


def test_rules_filter_by_case_type_and_show_their_sources(alice):
    body = alice.get("/api/v1/deadlines/rules?jurisdiction=US-WV&case_type=landlord_tenant").get_json()
    ids = {r["id"] for r in body["rules"]}
    assert {"wv_eviction_written_defense", "wv_eviction_written_defense_circuit"} <= ids
    assert "wv_discovery_responses" not in ids
    assert {t["id"] for t in body["triggers"]} == {r["trigger"] for r in body["rules"]}
    rule = next(r for r in body["rules"] if r["id"] == "wv_eviction_written_defense_circuit")
    assert rule["verified"] and rule["quote"] and rule["source_url"].startswith("https://")
    assert len(rule["examples"]) >= 3 and rule["versions"][0]["counting_method"]
    r = alice.get("/api/v1/deadlines/rules?jurisdiction=US-WV&case_type=EVICTIONS")
    assert r.status_code == 422 and "case_type" in r.get_json()["errors"]


def test_triggers_in_plain_language_for_a_document(alice):
    r = alice.get("/api/v1/deadlines/triggers?jurisdiction=us-ma&case_type=LANDLORD_TENANT&document_type=notice")
    assert r.status_code == 200
    body = r.get_json()
    assert body["jurisdiction"] == "US-MA"
    found = {t["id"]: t for t in body["triggers"]}
    assert "notice_to_quit_nonpayment_received" in found
    assert any("notice to pay rent or quit" in p for p in found["notice_to_quit_nonpayment_received"]["plain"])
    r = alice.get("/api/v1/deadlines/triggers?jurisdiction=US-QQ")
    assert r.status_code == 422 and "jurisdiction" in r.get_json()["errors"]


def test_rules_check_command_passes_on_the_bundled_rules_and_fails_on_a_bad_one(app, tmp_path):
    import json
    import shutil

    from app.deadlines.engine import RULES_DIR
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["rules", "check"])
    assert ok.exit_code == 0, ok.output
    assert "rules OK" in ok.output
    bad = tmp_path / "rules"
    shutil.copytree(RULES_DIR, bad)
    data = json.loads((bad / "US-MA.json").read_text())
    data["rules"][0]["versions"][0]["period"] = "ten"
    data["rules"][2]["examples"][0]["expected"] = "2030-01-01"
    (bad / "US-MA.json").write_text(json.dumps(data))
    res = runner.invoke(args=["rules", "check", "--dir", str(bad)])
    assert res.exit_code == 1
    assert "ma_sp_answer" in res.output and "period" in res.output


def test_compute_for_a_case_adds_suggested_deadlines_once(alice, case):
    body = {"trigger": "service_of_summons_and_complaint", "trigger_date": "2026-12-04"}
    r = alice.post(f"/api/v1/cases/{case['id']}/deadlines/compute", json=body)
    assert r.status_code == 201, r.get_json()
    first = r.get_json()
    assert first["created"] == 1
    [d] = first["items"]
    assert d["status"] == "SUGGESTED" and d["due_date"] == "2026-12-28" and d["explanation"]
    again = alice.post(f"/api/v1/cases/{case['id']}/deadlines/compute", json=body).get_json()
    assert again["created"] == 0 and again["items"][0]["id"] == d["id"]
    assert rows_of(alice.app, d["id"]) == []  # nobody is reminded of a suggestion


# --- CRUD and status transitions --------------------------------------------------------------

def test_create_list_get_update_delete(alice, case):
    d = add(alice, case["id"], due_time="17:00:00", rule="local rule 7.1", reminders=[3, 7, 3])
    assert d["status"] == "PENDING" and d["reminders"] == [7, 3] and d["due_time"] == "17:00:00"
    add(alice, case["id"], title="Earlier", due_date=(FAR - timedelta(days=5)).isoformat())
    listed = alice.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()
    assert listed["total"] == 2 and [i["title"] for i in listed["items"]] == ["Earlier", "File the answer"]
    assert alice.get(f"/api/v1/deadlines/{d['id']}").get_json()["deadline"]["rule"] == "local rule 7.1"
    r = alice.patch(f"/api/v1/deadlines/{d['id']}", json={"title": "File the amended answer", "due_time": None})
    assert r.status_code == 200 and r.get_json()["deadline"]["due_time"] is None
    assert alice.delete(f"/api/v1/deadlines/{d['id']}").status_code == 204
    assert alice.get(f"/api/v1/deadlines/{d['id']}").status_code == 404
    assert rows_of(alice.app, d["id"]) == []
    assert alice.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["total"] == 1


def test_status_transitions(alice, case):
    d = add(alice, case["id"], status="SUGGESTED")
    assert rows_of(alice.app, d["id"]) == []
    path = f"/api/v1/deadlines/{d['id']}"
    r = alice.patch(path, json={"status": "COMPLETED"})
    assert r.status_code == 409 and r.get_json()["allowed"] == ["DISMISSED", "PENDING"]
    assert alice.patch(path, json={"status": "MISSED"}).status_code == 422  # only the clock sets MISSED
    assert alice.patch(path, json={"status": "PENDING"}).get_json()["deadline"]["status"] == "PENDING"
    assert {r[4] for r in rows_of(alice.app, d["id"])} == {"PENDING"}  # confirming schedules reminders
    done = alice.patch(path, json={"status": "COMPLETED"}).get_json()["deadline"]
    assert done["status"] == "COMPLETED" and done["completed_at"]
    assert rows_of(alice.app, d["id"]) == []  # unsent reminders are gone
    reopened = alice.patch(path, json={"status": "PENDING"}).get_json()["deadline"]
    assert reopened["completed_at"] is None and len(rows_of(alice.app, d["id"])) == 4
    assert alice.patch(path, json={"status": "DISMISSED"}).get_json()["deadline"]["status"] == "DISMISSED"
    assert rows_of(alice.app, d["id"]) == []
    assert alice.patch(path, json={"status": "PENDING"}).status_code == 200


def test_pending_deadlines_feed_the_case_list_and_timeline(alice, case):
    pending = add(alice, case["id"], title="Pending one")
    add(alice, case["id"], title="Only suggested", status="SUGGESTED")
    listed = alice.get("/api/v1/cases").get_json()["items"]
    mine = next(c for c in listed if c["id"] == case["id"])
    assert [d["id"] for d in mine["next_deadlines"]] == [pending["id"]]
    timeline = alice.get(f"/api/v1/cases/{case['id']}/timeline").get_json()["items"]
    assert any(i["kind"] == "deadline" and "Pending one" in i["title"] for i in timeline)


def test_bad_input_is_422(alice, case, mallory):
    path = f"/api/v1/cases/{case['id']}/deadlines"
    r = alice.post(path, json={"title": "x", "due_date": "2026-13-01", "reminders": [400], "organization_id": "x"})
    assert r.status_code == 422
    assert {"due_date", "reminders", "organization_id"} <= set(r.get_json()["errors"])
    assert alice.post(path, json={"title": "x", "due_date": "0001-01-01"}).status_code == 422
    r = alice.post(path, json={"title": "x", "due_date": FAR.isoformat(), "source_document_id": str(uuid.uuid4())})
    assert r.status_code == 422 and "source_document_id" in r.get_json()["errors"]


# --- the reminder schedule --------------------------------------------------------------------

def test_reminders_are_scheduled_at_eight_in_the_users_zone_for_each_offset(app, alice, case, monkeypatch):
    d = add(alice, case["id"])
    rows = rows_of(app, d["id"])
    expected = reminder_times(FAR, None, "America/New_York", [7, 3, 1, 0])
    assert [(r[1], r[2], r[3]) for r in rows] == [(off, "inapp", at) for off, at in expected]
    assert all(r[0] == uuid.UUID(alice.id) and r[4] == "PENDING" for r in rows)
    # With e-mail configured every offset is also an e-mail.
    monkeypatch.setattr(app.extensions["caseos"].config, "SMTP_URL", "smtp://127.0.0.1:1")
    d2 = add(alice, case["id"], reminders=[1])
    assert [(r[1], r[2]) for r in rows_of(app, d2["id"])] == [(1, "email"), (1, "inapp")]


def test_changing_date_or_offsets_rewrites_unsent_reminders(app, alice, case):
    d = add(alice, case["id"], reminders=[7, 1])
    later = FAR + timedelta(days=10)
    alice.patch(f"/api/v1/deadlines/{d['id']}", json={"due_date": later.isoformat(), "reminders": [3, 1]})
    rows = rows_of(app, d["id"])
    assert [(r[1], r[3]) for r in rows] == reminder_times(later, None, "America/New_York", [3, 1])


def test_users_in_different_zones_get_different_due_at(app, make_user):
    tokyo, la = make_user(), make_user()
    tokyo.patch("/api/v1/auth/me", json={"timezone": "Asia/Tokyo"})
    la.patch("/api/v1/auth/me", json={"timezone": "America/Los_Angeles"})
    due = {}
    for user, zone in ((tokyo, "Asia/Tokyo"), (la, "America/Los_Angeles")):
        d = add(user, user.create_case()["id"], reminders=[1])
        [(_, _, _, at, _)] = rows_of(app, d["id"])
        assert at.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == datetime.combine(FAR - timedelta(days=1), time(8))
        due[zone] = at
    # 08:00 in Tokyo (UTC+9) comes 16 or 17 hours before 08:00 in Los Angeles (UTC-7 or -8).
    summer = bool(datetime.combine(FAR, time(8), tzinfo=ZoneInfo("America/Los_Angeles")).dst())
    assert due["America/Los_Angeles"] - due["Asia/Tokyo"] == timedelta(hours=16 if summer else 17)


def test_every_member_of_a_shared_org_is_reminded_in_their_own_zone(app, make_user):
    owner, member, viewer = make_user(), make_user(), make_user()
    owner.patch("/api/v1/auth/me", json={"timezone": "Asia/Tokyo"})
    member.patch("/api/v1/auth/me", json={"timezone": "America/Los_Angeles"})
    org = owner.post("/api/v1/organizations", json={"name": "Clinic"}).get_json()["id"]
    join(owner, member, org, "MEMBER")
    join(owner, viewer, org, "VIEWER")
    d = add(owner, owner.create_case(org=org)["id"], org=org, reminders=[1])
    rows = {str(r[0]): r[3] for r in rows_of(app, d["id"])}
    assert set(rows) == {owner.id, member.id}  # a VIEWER is not reminded
    assert rows[owner.id] != rows[member.id]


# --- calendars --------------------------------------------------------------------------------

def test_case_calendar_parses_as_icalendar(alice, case):
    d = add(alice, case["id"], title="Answer due", due_time="17:00:00")
    add(alice, case["id"], title="Dismissed one", status="SUGGESTED")
    dismissed = alice.get(f"/api/v1/cases/{case['id']}/deadlines?status=SUGGESTED").get_json()["items"][0]
    alice.patch(f"/api/v1/deadlines/{dismissed['id']}", json={"status": "DISMISSED"})
    r = alice.get(f"/api/v1/cases/{case['id']}/deadlines.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = Calendar.from_ical(r.data)
    events = cal.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Answer due"]
    assert str(events[0]["uid"]) == f"{d['id']}@caseos"
    assert events[0].decoded("dtstart") == datetime.combine(FAR, time(17), tzinfo=ZoneInfo("America/New_York"))
    assert len(events[0].walk("VALARM")) == 4


def test_calendar_events_keep_the_courts_clock_not_the_viewers(alice):
    """A hearing at 9:00 in a California court is at 9:00 Los Angeles time, for a reader in New York too."""
    assert alice.get("/api/v1/auth/me").get_json()["user"]["timezone"] == "America/New_York"
    ca = alice.create_case(title="Tenant v. Landlord", jurisdiction="US-CA", court_type="STATE_TRIAL")
    add(alice, ca["id"], title="Hearing", due_time="09:00:00")
    past = add(alice, ca["id"], title="Already over", due_date=(date.today() - timedelta(days=3)).isoformat())
    events = {str(e["summary"]): e for e in
              Calendar.from_ical(alice.get(f"/api/v1/cases/{ca['id']}/deadlines.ics").data).walk("VEVENT")}
    hearing = events["Hearing"]
    assert hearing["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert hearing.decoded("dtstart") == datetime.combine(FAR, time(9), tzinfo=ZoneInfo("America/Los_Angeles"))
    assert len(hearing.walk("VALARM")) == 4
    assert past["due_date"] < date.today().isoformat() and events["Already over"].walk("VALARM") == []


def test_personal_feed_by_key_and_rotation(alice, case, client):
    add(alice, case["id"], title="Pending one")
    add(alice, case["id"], title="Suggested one", status="SUGGESTED")
    done = add(alice, case["id"], title="Done one")
    alice.patch(f"/api/v1/deadlines/{done['id']}", json={"status": "COMPLETED"})
    url = alice.post("/api/v1/calendar/key").get_json()["url"]
    path = url[url.index("/api/v1/"):]
    r = client.get(path)  # no credentials: the key is the secret
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    events = {str(e["summary"]): e for e in Calendar.from_ical(r.data).walk("VEVENT")}
    assert set(events) == {"Pending one", "Suggested one"}
    assert str(events["Suggested one"]["status"]) == "TENTATIVE"
    new_url = alice.post("/api/v1/calendar/key").get_json()["url"]
    assert new_url != url
    assert client.get(path).status_code == 404
    assert client.get(new_url[new_url.index("/api/v1/"):]).status_code == 200
    assert client.get("/api/v1/calendar.ics?key=" + "x" * 32).status_code == 404


# --- notifications ----------------------------------------------------------------------------

def test_notifications_list_unread_and_read(app, alice, mallory, case):
    d = add(alice, case["id"])
    from app.cases import notifications
    with app.app_context():
        ids = [notifications.notify(uuid.UUID(alice.id), uuid.UUID(alice.org_id), "deadline_reminder", f"n{i}",
                                    case_id=uuid.UUID(case["id"]), deadline_id=uuid.UUID(d["id"])).id
               for i in range(3)]
        db.session.commit()
    body = alice.get("/api/v1/notifications?unread=true&per_page=2").get_json()
    assert body["total"] == 3 and len(body["items"]) == 2 and body["items"][0]["title"] == "n2"
    r = alice.post(f"/api/v1/notifications/{ids[0]}/read")
    assert r.status_code == 200 and r.get_json()["notification"]["read_at"]
    assert alice.get("/api/v1/notifications?unread=true").get_json()["total"] == 2
    assert alice.get("/api/v1/notifications").get_json()["total"] == 3
    assert mallory.post(f"/api/v1/notifications/{ids[1]}/read").status_code == 404
    assert mallory.get("/api/v1/notifications").get_json()["total"] == 0
    with app.app_context():
        assert db.session.get(Notification, ids[1]).read_at is None


# --- tenant isolation -------------------------------------------------------------------------

def test_other_tenant_gets_404_on_every_deadline_endpoint_and_changes_nothing(app, alice, mallory, case):
    d = add(alice, case["id"], title="Alice's deadline")
    cid, did = case["id"], d["id"]
    before = rows_of(app, did)
    calls = [
        ("get", f"/api/v1/cases/{cid}/deadlines", None),
        ("post", f"/api/v1/cases/{cid}/deadlines", {"title": "x", "due_date": FAR.isoformat()}),
        ("post", f"/api/v1/cases/{cid}/deadlines/compute",
         {"trigger": "service_of_summons_and_complaint", "trigger_date": "2026-12-04"}),
        ("get", f"/api/v1/cases/{cid}/deadlines.ics", None),
        ("get", f"/api/v1/deadlines/{did}", None),
        ("patch", f"/api/v1/deadlines/{did}", {"title": "pwned"}),
        ("patch", f"/api/v1/deadlines/{did}", {"status": "DISMISSED"}),
        ("delete", f"/api/v1/deadlines/{did}", None),
    ]
    for method, path, body in calls:
        assert getattr(mallory, method)(path, json=body).status_code == 404, (method, path)
        # Selecting Alice's organization explicitly does not help either.
        assert getattr(mallory, method)(path, json=body, org=alice.org_id).status_code == 404, (method, path)
    got = alice.get(f"/api/v1/deadlines/{did}").get_json()["deadline"]
    assert got["title"] == "Alice's deadline" and got["status"] == "PENDING"
    assert alice.get(f"/api/v1/cases/{cid}/deadlines").get_json()["total"] == 1
    assert rows_of(app, did) == before
    # Mallory's personal feed does not include Alice's deadlines.
    url = mallory.post("/api/v1/calendar/key").get_json()["url"]
    assert Calendar.from_ical(mallory.client.get(url[url.index("/api/v1/"):]).data).walk("VEVENT") == []


def test_viewer_reads_deadlines_but_cannot_change_them(make_user):
    owner, viewer = make_user(), make_user()
    org = owner.post("/api/v1/organizations", json={"name": "Legal Aid"}).get_json()["id"]
    join(owner, viewer, org, "VIEWER")
    cid = owner.create_case(org=org)["id"]
    d = add(owner, cid, org=org)
    assert viewer.get(f"/api/v1/cases/{cid}/deadlines", org=org).get_json()["total"] == 1
    assert viewer.get(f"/api/v1/cases/{cid}/deadlines.ics", org=org).status_code == 200
    writes = [
        ("post", f"/api/v1/cases/{cid}/deadlines", {"title": "x", "due_date": FAR.isoformat()}),
        ("post", f"/api/v1/cases/{cid}/deadlines/compute", {"trigger": "hearing", "trigger_date": "2026-12-04"}),
        ("patch", f"/api/v1/deadlines/{d['id']}", {"status": "COMPLETED"}),
        ("delete", f"/api/v1/deadlines/{d['id']}", None),
    ]
    for method, path, body in writes:
        assert getattr(viewer, method)(path, json=body, org=org).status_code == 403, (method, path)
    assert owner.get(f"/api/v1/deadlines/{d['id']}", org=org).get_json()["deadline"]["status"] == "PENDING"


def test_the_deadline_row_is_in_the_cases_organization(app, alice, case):
    d = add(alice, case["id"])
    with app.app_context():
        row = db.session.get(Deadline, uuid.UUID(d["id"]))
        assert str(row.organization_id) == case["organization_id"] == alice.org_id


def test_new_member_and_time_zone_change_reschedule_pending_reminders(app, make_user):
    import datetime as dt

    import sqlalchemy as sa

    from app.extensions import db
    from app.models import ReminderDelivery
    owner, member = make_user(), make_user()
    org = owner.post("/api/v1/organizations", json={"name": "Clinic"}).get_json()
    case = owner.create_case(org=org["id"])
    due = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    d = owner.post(f"/api/v1/cases/{case['id']}/deadlines", json={"title": "Answer", "due_date": due},
                   org=org["id"]).get_json()["deadline"]

    def rows(user_id):
        with app.app_context():
            return {(r.offset_days, r.due_at) for r in db.session.execute(sa.select(ReminderDelivery).where(
                ReminderDelivery.deadline_id == d["id"], ReminderDelivery.user_id == user_id)).scalars()}
    assert rows(member.id) == set()
    join(owner, member, org['id'], "MEMBER")
    before = rows(member.id)
    assert {o for o, _ in before} >= {7, 3, 1, 0}
    assert member.patch("/api/v1/auth/me", json={"timezone": "Asia/Tokyo"}).status_code == 200
    after = rows(member.id)
    assert {o for o, _ in after} == {o for o, _ in before} and after != before
