"""Process-wide resources built from the configuration: key ring, storage, Redis.

Built lazily once per app and shared by the API and the workers; services reach them
through `current()` so they need no Flask request.
"""
from __future__ import annotations

import threading

import redis as redis_lib
from flask import current_app, has_app_context

from app.platform.breaker import Breaker, guarded
from app.platform.cpu import CpuGate
from app.platform.crypto import Keyring
from app.platform.storage import build_storage

_fallback = None


class Runtime:
    def __init__(self, config):
        self.config = config
        self._lock = threading.Lock()
        self._keyring = self._storage = self._redis = None
        self._password_gate = self._breaker = None

    @property
    def keyring(self):
        if self._keyring is None:
            self._keyring = Keyring.from_env_values(self.config.ENCRYPTION_KEY, self.config.ENCRYPTION_OLD_KEYS)
        return self._keyring

    def reset_keyring(self):
        self._keyring = None

    @property
    def storage(self):
        if self._storage is None:
            with self._lock:
                if self._storage is None:
                    c = self.config
                    self._storage = build_storage(c.STORAGE_BACKEND, storage_dir=c.STORAGE_DIR, bucket=c.S3_BUCKET,
                                                  endpoint_url=c.S3_ENDPOINT_URL, region=c.AWS_REGION,
                                                  access_key=c.AWS_ACCESS_KEY_ID, secret_key=c.AWS_SECRET_ACCESS_KEY,
                                                  connect_timeout=c.S3_CONNECT_TIMEOUT, read_timeout=c.S3_READ_TIMEOUT,
                                                  max_attempts=c.S3_MAX_RETRIES)
        return self._storage

    @property
    def password_gate(self) -> CpuGate:
        """The process's cap on concurrent password checks (see app/platform/cpu.py)."""
        if self._password_gate is None:
            with self._lock:
                if self._password_gate is None:
                    c = self.config
                    self._password_gate = CpuGate(c.PASSWORD_HASH_SLOTS, c.PASSWORD_HASH_QUEUE, c.PASSWORD_HASH_WAIT)
        return self._password_gate

    @property
    def redis_breaker(self) -> Breaker:
        if self._breaker is None:
            self._breaker = Breaker(self.config.REDIS_BREAKER_SECONDS)
        return self._breaker

    @property
    def redis_down(self) -> bool:
        """Redis failed a moment ago: skip it until the breaker lets one command try again."""
        return bool(self.config.REDIS_URL) and self.redis_breaker.is_open

    @property
    def redis(self):
        """A Redis client behind the circuit breaker (app/platform/breaker.py), or None: in the embedded
        default (events are then read from the database), and while the breaker is open."""
        if not self.config.REDIS_URL or self.redis_down:
            return None
        if self._redis is None:
            c = self.config
            client = redis_lib.Redis.from_url(c.REDIS_URL, socket_timeout=c.REDIS_SOCKET_TIMEOUT,
                                              socket_connect_timeout=c.REDIS_SOCKET_TIMEOUT, health_check_interval=15)
            self._redis = guarded(client, self.redis_breaker)
        return self._redis


def init_app(app):
    global _fallback
    rt = Runtime(app.config["CASEOS_CONFIG"])
    app.extensions["caseos"] = rt
    _fallback = rt


def current() -> Runtime:
    if has_app_context():
        return current_app.extensions["caseos"]
    if _fallback is None:
        raise RuntimeError("CaseOS runtime is not initialised; call create_app() first")
    return _fallback
