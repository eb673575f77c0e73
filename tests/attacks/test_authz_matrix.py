"""Authorization matrix, generated from /api/v1/openapi.json (guarantee 9).

* Every operation that takes an id in its path, called by another tenant with the owner's
  real ids: 404 (never 403, which would confirm the id exists), no owner data in the answer,
  and nothing of the owner's changed in the database. The owner gets a non-404 on the same
  reads, so each 404 is about tenancy and not about a fake id.
* Every operation, called by the other tenant in the owner's organization
  (X-Organization-Id): 404 or the caller's own data only; nothing changes.
* Every write, called by a VIEWER of the organization: 403, and nothing changes.
* Ids of the owner smuggled in query strings (?case_id=...) return nothing of the owner's.
"""
from __future__ import annotations

import pytest

from tests.attacks.conftest import build_world, snapshot_diff
from tests.attacks.openapi_ops import request_kwargs

# Path parameters that name global things (the form catalog), not tenant resources.
GLOBAL_PARAMS = {"form_id", "provider"}  # provider: a configured sign-in provider (google, linkedin, oidc)
# Operations that are not about organization data (the caller's own account, a computation,
# a read that happens to be a POST); everything else that writes must refuse a VIEWER.
NOT_ORG_WRITES = {
    "auth.logout", "auth.logout_all", "auth.update_me", "auth.change_password", "auth.register", "auth.login",
    "organizations.create",           # makes a new organization owned by the caller
    "documents.download_url",         # a signed link to read a document the viewer may read
    "deadlines.compute",              # pure date arithmetic, stores nothing
    "deadlines.rotate_calendar_key",  # the caller's own calendar link
    "notifications.read",             # the caller's own notifications only (another user's: 404)
    "assistant.chat",                 # by design: a VIEWER may ask about a case (changes nothing in it)
    "assistant.research",             # the caller's own research job, tied to no case
    "oidc.unlink",                    # the caller's own linked sign-in (another user's: 404)
    "invitations.accept",             # the caller's own invitations only (another's: 404)
    "invitations.decline",
}


def _public_endpoints():
    from app.api.security import PUBLIC_ENDPOINTS
    return PUBLIC_ENDPOINTS


def _call(user, op, ids, known, org=None, extra_headers=None):
    kw = request_kwargs(op, ids, known)
    url = kw.pop("url")
    headers = user.headers(org, extra_headers)
    r = user.client.open(url, method=op.method, headers=headers, **kw)
    try:
        body = b"" if (op.streams and r.status_code == 200) else r.get_data()
    finally:
        r.close()
    return r.status_code, body.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def world(app, worker):
    return build_world(app)


def test_every_path_parameter_names_a_resource_the_matrix_can_attack(operations, world):
    unknown = sorted({(p, str(op)) for op in operations for p in op.path_params
                      if p not in world.ids and p not in GLOBAL_PARAMS})
    assert not unknown, ("these path parameters have no tenant resource in tests/attacks/conftest.py "
                         f"build_world(): {unknown}")


def test_other_tenant_gets_404_on_every_operation_with_the_owners_ids(operations, world):
    public = _public_endpoints()
    mallory, owner = world.outsider, world.owner
    targets = [op for op in operations if any(p in world.ids for p in op.path_params)]
    assert len(targets) >= 20, [str(o) for o in targets]
    # Reads first, then writes, deletes last (a wrongly allowed DELETE would hide later bugs).
    targets.sort(key=lambda o: ("GET", "POST", "PUT", "PATCH", "DELETE").index(o.method))
    controls, failures = [], []
    for op in targets:
        if op.method == "GET" and op.endpoint not in public:
            status, _ = _call(owner, op, world.ids, world.known)
            controls.append((str(op), status))
            if status == 404:
                failures.append(f"{op}: the owner itself gets 404, so the attack proves nothing")
    before = world.snapshot()
    for op in targets:
        status, body = _call(mallory, op, world.ids, world.known)
        if status != 404:
            failures.append(f"{op}: other tenant got {status}, expected 404: {body[:200]}")
        leaked = [s for s in world.secrets if s in body]
        if leaked:
            failures.append(f"{op}: answer to the other tenant contains the owner's data {leaked}")
    after = world.snapshot()
    assert not failures, "\n".join(failures)
    assert not snapshot_diff(before, after), f"other tenant changed the owner's {snapshot_diff(before, after)}"


def test_other_tenant_cannot_act_in_the_owners_organization(operations, world):
    public = _public_endpoints()
    mallory = world.outsider
    failures = []
    before = world.snapshot()
    for op in operations:
        if op.endpoint in public or op.path.startswith("/api/v1/auth/"):
            continue
        ids = {**world.outsider_ids, **{k: v for k, v in world.ids.items() if k not in world.outsider_ids}}
        status, body = _call(mallory, op, ids, world.known, org=world.org_id)
        if 200 <= status < 300 and any(s in body for s in world.secrets):
            failures.append(f"{op}: answered {status} with the owner's data")
        elif status not in (404,) and not (200 <= status < 300) and status not in (409, 422):
            failures.append(f"{op}: other tenant in the owner's organization got {status}: {body[:200]}")
        if op.unsafe and 200 <= status < 300 and op.endpoint not in NOT_ORG_WRITES:
            failures.append(f"{op}: a write in someone else's organization succeeded ({status})")
    after = world.snapshot()
    assert not failures, "\n".join(failures)
    assert not snapshot_diff(before, after), f"changed: {snapshot_diff(before, after)}"


def test_owner_ids_in_query_strings_return_nothing_of_the_owners(operations, world):
    mallory = world.outsider
    failures = []
    for op in operations:
        if op.method != "GET" or op.path_params or op.streams:
            continue
        names = {p["name"] for p in op.query_params} & set(world.ids)
        if not names:
            continue
        known = {**world.known, **{n: world.ids[n] for n in names}}
        status, body = _call(mallory, op, {}, known)
        if status < 500 and any(s in body for s in world.secrets):
            failures.append(f"{op} ?{sorted(names)}: the owner's data came back ({status})")
        if status >= 500:
            failures.append(f"{op}: {status}")
    assert not failures, "\n".join(failures)


def test_viewer_writes_are_403_and_change_nothing(operations, world):
    public = _public_endpoints()
    viewer = world.viewer
    writes = [op for op in operations if op.unsafe and op.endpoint not in public
              and op.endpoint not in NOT_ORG_WRITES]
    assert len(writes) >= 10, [str(o) for o in writes]
    writes.sort(key=lambda o: o.method == "DELETE")
    failures = []
    before = world.snapshot()
    for op in writes:
        status, body = _call(viewer, op, world.ids, world.known, org=world.org_id)
        if status != 403:
            failures.append(f"{op} ({op.endpoint}): VIEWER got {status}, expected 403: {body[:200]}")
    after = world.snapshot()
    assert not failures, "\n".join(failures)
    assert not snapshot_diff(before, after), f"a VIEWER changed {snapshot_diff(before, after)}"


def test_viewer_can_read_what_it_cannot_write(operations, world):
    """The 403s above are about the role: the same VIEWER reads the organization's resources."""
    viewer = world.viewer
    for path in (f"/api/v1/cases/{world.ids['case_id']}", f"/api/v1/documents/{world.ids['document_id']}",
                 f"/api/v1/cases/{world.ids['case_id']}/parties"):
        assert viewer.get(path, org=world.org_id).status_code == 200, path
