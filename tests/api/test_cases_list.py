"""The case list's total: cached per organization, yet right after every change a user can make,
never counting another tenant's cases; and the page is dumped exactly as CaseOut would."""
import uuid
from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import join


def total(user, org=None, **filters):
    r = user.get("/api/v1/cases", query_string=filters, org=org)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["total"]


@pytest.fixture()
def statements(app):
    """SQL statements the app runs while the fixture's list is recording."""
    from app.extensions import db
    seen, recording = [], []

    def listener(_conn, _cursor, statement, *_args):
        if recording:
            seen.append(statement)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    yield seen, recording
    sa.event.remove(engine, "before_cursor_execute", listener)


def test_total_is_right_right_after_create_and_delete(make_user):
    u = make_user()
    assert total(u) == 0  # cached as 0 now
    ids = [u.create_case(title=f"Case {i}")["id"] for i in range(3)]
    assert total(u) == 3
    assert total(u) == 3  # and again, from the cache
    assert u.delete(f"/api/v1/cases/{ids[0]}").status_code == 204
    assert total(u) == 2
    r = u.get("/api/v1/cases?per_page=1&page=2").get_json()
    assert r["total"] == 2 and [c["id"] for c in r["items"]] == [ids[1]]
    u.create_case(title="Case 4")
    assert total(u) == 3


def test_filtered_totals_follow_status_type_and_title_changes(make_user):
    u = make_user()
    a = u.create_case(title="Eviction on Main Street", case_type="LANDLORD_TENANT")
    u.create_case(title="Divorce", case_type="FAMILY_LAW")
    assert (total(u, status="OPEN"), total(u, status="CLOSED")) == (2, 0)
    assert total(u, case_type="LANDLORD_TENANT") == 1
    assert total(u, q="main street") == 1
    assert total(u, status="OPEN", case_type="FAMILY_LAW") == 1
    # Every count above is cached now; each change below must show at once.
    assert u.patch(f"/api/v1/cases/{a['id']}", json={"status": "CLOSED"}).status_code == 200
    assert (total(u, status="OPEN"), total(u, status="CLOSED")) == (1, 1)
    assert u.patch(f"/api/v1/cases/{a['id']}", json={"case_type": "FAMILY_LAW"}).status_code == 200
    assert (total(u, case_type="LANDLORD_TENANT"), total(u, case_type="FAMILY_LAW")) == (0, 2)
    assert u.patch(f"/api/v1/cases/{a['id']}", json={"title": "Eviction on Elm Street"}).status_code == 200
    assert (total(u, q="main street"), total(u, q="elm")) == (0, 1)
    assert total(u) == 2
    # the items agree with the totals
    items = u.get("/api/v1/cases?status=CLOSED").get_json()["items"]
    assert [c["id"] for c in items] == [a["id"]]


def test_another_tenants_cases_are_never_counted(make_user):
    alice, mallory = make_user(), make_user()
    alice.create_case(title="Alice 1")
    assert total(alice) == 1
    for i in range(3):
        mallory.create_case(title=f"Mallory {i}")
    assert total(alice) == 1 and total(mallory) == 3
    assert total(alice, q="Mallory") == 0 and total(mallory, q="Alice") == 0
    # Mallory cannot read (nor warm, nor see) the count of Alice's organization.
    r = mallory.get("/api/v1/cases", org=alice.org_id)
    assert r.status_code == 404 and "total" not in (r.get_json() or {})


def test_shared_organization_members_see_each_others_changes_and_a_removed_member_is_out(app, make_user):
    owner, member = make_user(), make_user()
    org = owner.post("/api/v1/organizations", json={"name": "Shared Clinic"}).get_json()["id"]
    join(owner, member, org, "MEMBER")
    owner.create_case(org=org, title="Shared 1")
    assert total(member, org=org) == 1 and total(owner, org=org) == 1
    member.create_case(org=org, title="Shared 2")
    assert total(owner, org=org) == 2  # the owner sees the member's case in the total at once
    assert total(member) == 0  # the member's personal organization is another count
    from app.extensions import db
    from app.models import Membership
    with app.app_context():
        db.session.execute(sa.delete(Membership).where(Membership.organization_id == uuid.UUID(org),
                                                       Membership.user_id == uuid.UUID(member.user["id"])))
        db.session.commit()
        db.session.remove()
    assert member.get("/api/v1/cases", org=org).status_code == 404  # on the very next request
    assert total(owner, org=org) == 2


def test_logout_revokes_the_token_on_the_next_list(make_user):
    u = make_user()
    u.create_case()
    assert total(u) == 1
    assert u.post("/api/v1/auth/logout").status_code in (200, 204)
    assert u.get("/api/v1/cases").status_code == 401


@pytest.fixture()
def frozen_bucket(monkeypatch):
    """Cached counts last one time bucket (TTL_SECONDS): keep the clock from rolling over mid-test."""
    from app.cases import counts as case_counts
    monkeypatch.setattr(case_counts, "_bucket", lambda: "frozen")


def test_a_cached_total_skips_the_count_statement(make_user, statements, frozen_bucket):
    u = make_user()
    u.create_case()
    assert total(u) == 1  # counted and cached
    seen, recording = statements
    recording.append(True)
    assert total(u) == 1
    recording.clear()
    assert seen and not any(s.lstrip().lower().startswith("select count(*)") for s in seen), seen
    assert len(seen) <= 4, seen  # authentication (1), RLS scope (1), the page (1), deadlines (1)


def test_without_redis_the_total_is_counted_exactly(make_user, monkeypatch):
    from app.cases import counts as case_counts

    class Broken:
        def register_script(self, _src):
            def run(**_kw):
                raise ConnectionError("redis is down")
            return run

        def pipeline(self, **_kw):
            raise ConnectionError("redis is down")
    u = make_user()
    u.create_case()
    monkeypatch.setattr(case_counts, "_client", lambda: Broken())
    assert total(u) == 1
    u.create_case()
    assert total(u) == 2
    monkeypatch.setattr(case_counts, "_client", lambda: None)
    assert total(u) == 2


def test_a_count_taken_before_a_change_is_never_served_after_it(app, frozen_bucket):
    """A reader that counted before a writer's commit stores its count late: it must not be read."""
    from app.cases import counts as case_counts
    org = uuid.uuid4()
    with app.app_context():
        def stale_count():
            case_counts.invalidate([org])  # the writer commits while this reader is counting
            return 5
        assert case_counts.count(org, (None, None, None), stale_count) == 5
        assert case_counts.count(org, (None, None, None), lambda: 6) == 6
        assert case_counts.count(org, (None, None, None), lambda: 7) == 6  # cached now
        assert case_counts.count(org, ("OPEN", None, None), lambda: 1) == 1  # filters are counted apart
        case_counts.invalidate([org])
        assert case_counts.count(org, (None, None, None), lambda: 8) == 8


def test_a_cached_total_is_not_served_past_its_time_bucket(app, monkeypatch):
    """Writes the session never saw (raw SQL, bulk loads) show within TTL_SECONDS."""
    from app.cases import counts as case_counts
    org, bucket = uuid.uuid4(), ["1"]
    monkeypatch.setattr(case_counts, "_bucket", lambda: bucket[0])
    with app.app_context():
        assert case_counts.count(org, (None, None, None), lambda: 1) == 1
        assert case_counts.count(org, (None, None, None), lambda: 2) == 1
        bucket[0] = "2"
        assert case_counts.count(org, (None, None, None), lambda: 3) == 3


def test_page_dump_matches_the_caseout_schema(app):
    from app.models import Case, Deadline
    from app.schemas.case import CaseList, CaseOut, case_list_out, case_out
    now = datetime(2031, 3, 4, 5, 6, 7, 891011, tzinfo=timezone.utc)
    full = Case(id=uuid.uuid4(), organization_id=uuid.uuid4(), title="Doe v. Roe", description="Line 1\nLine 2",
                case_type="CIVIL_LITIGATION", court_type="STATE_TRIAL", jurisdiction="US-WV", county="Kanawha",
                case_number="26-C-1", filing_deadline=date(2031, 1, 15), dispute_amount=Decimal("1250.5"),
                status="OPEN", created_at=now, updated_at=now)
    full.document_count = 3
    full.next_deadlines = [
        Deadline(id=uuid.uuid4(), title="Answer due", due_date=date(2031, 4, 1), due_time=time(17, 0), status="PENDING"),
        Deadline(id=uuid.uuid4(), title="Hearing", due_date=date(2031, 5, 2), due_time=None, status="PENDING")]
    bare = Case(id=uuid.uuid4(), organization_id=uuid.uuid4(), title="T", description=None, case_type="OTHER",
                court_type="MUNICIPAL", jurisdiction="US-MA", county=None, case_number=None, filing_deadline=None,
                dispute_amount=None, status="CLOSED", created_at=now, updated_at=now)
    bare.document_count, bare.next_deadlines = 0, []
    for amount in (Decimal("0"), Decimal("999999999999.99"), Decimal("12.345"), Decimal("7")):
        full.dispute_amount = amount
        for case in (full, bare):
            assert case_out(case) == CaseOut().dump(case)
            assert list(case_out(case)) == list(CaseOut().dump(case))
    page = case_list_out([full, bare], 2, 2, 7)
    assert page == CaseList().dump({"items": [full, bare], "page": 2, "per_page": 2, "total": 7})
