"""Passwords (guarantee 12): argon2id above OWASP's floor, no silent truncation, bounded input,
and brute force answered 429 without locking the owner out."""
from __future__ import annotations

import os
import re
import uuid

from tests.attacks.conftest import pg


def _hash_of(user_id) -> str:
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT password_hash FROM users WHERE id = %s", (user_id,))
        return cur.fetchone()[0]


def test_stored_hash_is_argon2id_with_at_least_19_mib_and_two_passes(alice):
    stored = _hash_of(alice.id)
    m = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", stored)
    assert m, stored[:30]
    memory_kib, passes = int(m.group(1)), int(m.group(2))
    assert memory_kib >= 19 * 1024 and passes >= 2
    assert alice.password not in stored


def test_long_passwords_are_not_truncated(client, make_user):
    """bcrypt would silently compare only the first 72 bytes; these differ only after byte 72."""
    base = "é" * 40  # 80 bytes of UTF-8 already
    password = base + " the real ending"
    u = make_user(password=password)
    assert client.post("/api/v1/auth/login", json={"email": u.email, "password": password}).status_code == 200
    for near_miss in (base, base + " the real endinG", password[:-1]):
        r = client.post("/api/v1/auth/login", json={"email": u.email, "password": near_miss})
        assert r.status_code == 401, near_miss


def test_oversized_passwords_are_refused_before_hashing(client):
    huge = "x" * 1025
    r = client.post("/api/v1/auth/register", json={"email": f"big-{uuid.uuid4().hex[:6]}@example.test",
                                                   "password": huge, "name": "Big"})
    assert r.status_code == 422
    r = client.post("/api/v1/auth/login", json={"email": "someone@example.test", "password": "x" * 100_000})
    assert r.status_code in (413, 422)


def _limited_app(monkeypatch, limit="3 per minute"):
    from app.platform import celery_app
    from app import create_app
    from app.platform import runtime
    monkeypatch.setenv("RATELIMIT_AUTH", limit)
    monkeypatch.setenv("RATELIMIT_KEY_PREFIX", f"rl-{uuid.uuid4().hex}")
    saved = (celery_app._flask_app, runtime._fallback)
    try:
        return create_app()
    finally:
        celery_app._flask_app, runtime._fallback = saved


def test_brute_force_is_429_and_the_owner_still_signs_in(monkeypatch, make_user):
    victim = make_user()
    app = _limited_app(monkeypatch)
    attacker = app.test_client()
    attacker_ip = {"REMOTE_ADDR": "203.0.113.66"}
    codes = [attacker.post("/api/v1/auth/login", json={"email": victim.email, "password": f"guess {i} xxxxxxx"},
                           environ_base=attacker_ip).status_code for i in range(6)]
    assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}
    # Even the right password is not tried from the attacking address while it is limited ...
    r = attacker.post("/api/v1/auth/login", json={"email": victim.email, "password": victim.password},
                      environ_base=attacker_ip)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    # ... but the owner, from their own address, signs in (no account lockout).
    owner = app.test_client()
    r = owner.post("/api/v1/auth/login", json={"email": victim.email, "password": victim.password},
                   environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert r.status_code == 200


def test_credential_stuffing_from_one_address_across_accounts_is_429(monkeypatch):
    app = _limited_app(monkeypatch, "1 per minute")
    c = app.test_client()
    ip = {"REMOTE_ADDR": "203.0.113.99"}
    codes = [c.post("/api/v1/auth/login", json={"email": f"user{i}@example.test", "password": "Password123456"},
                    environ_base=ip).status_code for i in range(12)]
    assert codes[:10] == [401] * 10  # each account is under its own limit ...
    assert 429 in codes[10:]         # ... but the address as a whole is not
    other = c.post("/api/v1/auth/login", json={"email": "user0@example.test", "password": "Password123456"},
                   environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.status_code == 401  # another address is unaffected


def test_guessing_the_current_password_on_password_change_is_limited(monkeypatch, make_user):
    u = make_user()
    app = _limited_app(monkeypatch)
    c = app.test_client()
    headers = {"Authorization": f"Bearer {u.token}"}
    codes = [c.post("/api/v1/auth/password", json={"current_password": f"guess number {i}",
                                                   "new_password": "a brand new passphrase"},
                    headers=headers).status_code for i in range(5)]
    assert codes[:3] == [422] * 3 and 429 in codes[3:]


def _register(client, password, email=None, name="Pat Example"):
    email = email or f"pw-{uuid.uuid4().hex[:8]}@example.test"
    return client.post("/api/v1/auth/register", json={"email": email, "password": password, "name": name})


def test_common_and_guessable_passwords_are_refused_with_a_helpful_message(client):
    """Finding 9: long enough is not strong enough (checked offline, nothing is sent anywhere)."""
    email = f"pat-{uuid.uuid4().hex[:8]}@example.test"
    for weak in ("aaaaaaaaaaaa", "password1234", "123456789012", "qwertyuiopas", email, email.upper()):
        r = _register(client, weak, email=email)
        assert r.status_code == 422, (weak, r.get_json())
        message = " ".join(r.get_json()["errors"]["password"])
        assert "guess" in message.lower(), message
    assert _register(client, "correct horse battery staple", email=email).status_code == 201


def test_a_new_password_must_not_be_guessable_either(make_user):
    u = make_user()
    r = u.post("/api/v1/auth/password", json={"current_password": u.password, "new_password": "password1234"})
    assert r.status_code == 422 and "new_password" in r.get_json()["errors"], r.get_json()
    r = u.post("/api/v1/auth/password", json={"current_password": u.password, "new_password": u.email})
    assert r.status_code == 422 and "new_password" in r.get_json()["errors"], r.get_json()


def test_email_addresses_stay_out_of_rate_limit_keys_and_logs(monkeypatch, make_user, caplog):
    """Finding 11: a login limit is kept per address and account, keyed by a keyed hash of the e-mail."""
    import logging
    import redis
    victim = make_user()
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", os.environ["REDIS_URL"])
    app = _limited_app(monkeypatch, "2 per minute")
    address = f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    c = app.test_client()
    with caplog.at_level(logging.DEBUG):
        codes = [c.post("/api/v1/auth/login", json={"email": victim.email, "password": f"guess {i} xxxxxxxx"},
                        environ_base={"REMOTE_ADDR": address}).status_code for i in range(4)]
    assert 429 in codes
    keys = [k.decode() for k in redis.Redis.from_url(os.environ["REDIS_URL"]).scan_iter(f"*/{address}*")]
    assert keys, "the limit should live in Redis"
    local = victim.email.split("@")[0]
    assert not [k for k in keys if local in k], keys
    assert local not in caplog.text


def _behind_proxy(monkeypatch, **env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return _limited_app(monkeypatch, "3 per minute")


def _login(client, user, password, proxy=None, client_ip=None):
    environ = {"REMOTE_ADDR": proxy or client_ip}
    headers = {"X-Forwarded-For": client_ip} if proxy else {}
    return client.post("/api/v1/auth/login", json={"email": user.email, "password": password},
                       environ_base=environ, headers=headers).status_code


def test_behind_a_trusted_proxy_limits_follow_the_real_client(monkeypatch, make_user):
    """Finding 2: every client looked like the proxy, so a flood locked the owner out everywhere."""
    victim = make_user()
    app = _behind_proxy(monkeypatch, FORWARDED_ALLOW_IPS="10.0.0.1", PROXY_HOPS="1")
    attacker, owner = app.test_client(), app.test_client()
    codes = [_login(attacker, victim, f"guess {i} xxxxxxxx", proxy="10.0.0.1", client_ip="203.0.113.50")
             for i in range(5)]
    assert codes[:3] == [401] * 3 and 429 in codes[3:]
    assert _login(owner, victim, victim.password, proxy="10.0.0.1", client_ip="198.51.100.20") == 200


def test_forwarded_headers_from_anyone_else_are_ignored(monkeypatch, make_user):
    victim = make_user()
    app = _behind_proxy(monkeypatch, FORWARDED_ALLOW_IPS="10.0.0.1", PROXY_HOPS="1")
    attacker = app.test_client()
    codes = [attacker.post("/api/v1/auth/login", json={"email": victim.email, "password": f"guess {i} xxxxxxxx"},
                           environ_base={"REMOTE_ADDR": "203.0.113.51"},
                           headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(5)]
    assert 429 in codes  # a made-up X-Forwarded-For from a client that is not the proxy changes nothing


def test_guessing_one_account_from_many_addresses_is_slowed_but_its_owner_still_signs_in(monkeypatch, make_user):
    """3 addresses x 10 guesses were not limited: failures now count per account too. A browser that
    signed in to the account before (its device cookie) is never held back by that count."""
    victim = make_user()
    monkeypatch.setenv("RATELIMIT_LOGIN_ACCOUNT", "12 per hour")
    app = _limited_app(monkeypatch, "10 per minute")
    owner = app.test_client()
    assert _login(owner, victim, victim.password, client_ip="198.51.100.30") == 200  # a known device now
    codes = []
    for n in range(3):
        bot = app.test_client()
        codes += [_login(bot, victim, f"guess {n}-{i} xxxxxxxx", client_ip=f"203.0.113.{60 + n}") for i in range(8)]
    assert codes.count(401) == 12 and codes.count(429) == 12, codes
    fresh = app.test_client()
    assert _login(fresh, victim, victim.password, client_ip="192.0.2.77") == 429  # a new device waits
    assert _login(owner, victim, victim.password, client_ip="198.51.100.31") == 200  # the owner's does not
