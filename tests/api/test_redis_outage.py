"""A hung Redis does not hold requests (issue 16, finding 8).

Redis behind a proxy that is then partitioned (connections accepted, nothing answered): the
first use of Redis times out after REDIS_SOCKET_TIMEOUT and opens the circuit breaker; from
then on uploads are still accepted (the job row is the outbox, the sweeper sends its message),
lists answer (counted in the database), sign-in works (rate limits fall back to per-process
memory), and /readyz names Redis and the broker as down without waiting on them again.
"""
from __future__ import annotations

import io
import uuid

import pytest

from tests.factories import ApiUser
from tests.tcpproxy import TcpProxy


@pytest.fixture()
def partitioned(other_app):
    redis_proxy, limiter_proxy = TcpProxy("127.0.0.1", 6379).start(), TcpProxy("127.0.0.1", 6379).start()
    url = f"redis://{redis_proxy.address}/1"
    app = other_app(REDIS_URL=url, CELERY_BROKER_URL=url, RATELIMIT_STORAGE_URI=f"redis://{limiter_proxy.address}/1",
                    CELERY_KEY_PREFIX=f"outage-{uuid.uuid4().hex[:8]}:", REDIS_SOCKET_TIMEOUT="1",
                    REDIS_BREAKER_SECONDS="120")
    app.config["TESTING"] = True
    yield app, redis_proxy, limiter_proxy
    for proxy in (redis_proxy, limiter_proxy):
        proxy.heal()
        proxy.close()


def test_a_partitioned_redis_opens_the_breaker_and_requests_go_on(partitioned):
    app, redis_proxy, limiter_proxy = partitioned
    user = ApiUser.register(app, name="Outage User")
    case = user.create_case()
    assert app.test_client().get("/readyz").status_code == 200
    redis_proxy.blackhole()
    limiter_proxy.blackhole()

    first = app.test_client().get("/readyz")
    assert first.status_code == 503 and "redis" in first.get_json()["down"], first.get_json()
    with app.app_context():
        from app.platform import runtime
        assert runtime.current().redis_down and runtime.current().redis is None

    r = user.post(f"/api/v1/cases/{case['id']}/documents", content_type="multipart/form-data",
                  data={"file": (io.BytesIO(b"Notice: pay rent of $500 within 14 days.\n"), "notice.txt")})
    assert r.status_code == 202, r.get_json()  # accepted; its message waits for the sweeper
    assert user.get("/api/v1/cases").status_code == 200
    signed_in = app.test_client().post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert signed_in.status_code == 200, signed_in.get_json()

    again = app.test_client().get("/readyz").get_json()
    assert again["checks"]["redis"] == "down: circuit open" and again["checks"]["broker"] == "down: circuit open"
