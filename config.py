"""Configuration: one object, read once from environment variables when a process starts.

With nothing set, CaseOS runs in the *embedded default*: SQLite, a local storage folder
and a Celery broker that needs no server, all under ./var. Setting DATABASE_URL,
REDIS_URL and the storage variables switches the same code to PostgreSQL, Redis and S3.

Reading the configuration has no side effect; `Config.prepare()` (called by create_app() and
when a worker or beat starts) creates the data folder and, in development only, the secrets
generated once into ./var/dev-secrets.json. Services read settings from the app's Config
(`runtime.current().config`), never from the environment themselves.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any, Callable

BASE_DIR = Path(__file__).resolve().parent

try:  # a .env file may set variables in development; the real environment wins
    from dotenv import load_dotenv

    load_dotenv(BASE_DIR / ".env", override=False)
except ImportError:  # pragma: no cover
    pass


class ConfigError(RuntimeError):
    """The process must not start with this configuration."""


def _flag(raw: str) -> bool:
    return raw == "1"


# (attribute, environment variable, type, default: a value, or a function of the settings read so far)
SETTINGS: tuple[tuple[str, str, Callable[[str], Any], Any], ...] = (
    ("ENV", "CASEOS_ENV", str, "development"),
    ("VAR_DIR", "CASEOS_VAR_DIR", str, str(BASE_DIR / "var")),
    ("SECRET_KEY", "SECRET_KEY", str, None),
    ("ENCRYPTION_KEY", "ENCRYPTION_KEY", str, None),
    ("ENCRYPTION_OLD_KEYS", "ENCRYPTION_OLD_KEYS", str, None),
    ("AUDIT_KEY", "AUDIT_KEY", str, None),  # keys the audit hash chain; derived from SECRET_KEY when unset
    ("METRICS_TOKEN", "METRICS_TOKEN", str, None),  # GET /metrics needs "Bearer <token>" when set
    ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL", str, lambda c: f"sqlite:///{Path(c['VAR_DIR']) / 'caseos.db'}"),
    ("REDIS_URL", "REDIS_URL", str, None),
    # A Redis command waits at most this long; after a failure Redis is skipped for REDIS_BREAKER_SECONDS.
    ("REDIS_SOCKET_TIMEOUT", "REDIS_SOCKET_TIMEOUT", float, 2.0),
    ("REDIS_BREAKER_SECONDS", "REDIS_BREAKER_SECONDS", float, 15.0),
    ("CELERY_BROKER_URL", "CELERY_BROKER_URL", str,
     lambda c: c["REDIS_URL"] or f"sqla+sqlite:///{Path(c['VAR_DIR']) / 'broker.db'}"),
    ("CELERY_RESULT_BACKEND", "CELERY_RESULT_BACKEND", str, None),
    ("CELERY_KEY_PREFIX", "CELERY_KEY_PREFIX", str, None),
    ("CELERY_TASK_ALWAYS_EAGER", "CELERY_TASK_ALWAYS_EAGER", _flag, False),  # tests and the embedded smoke run
    ("REMINDER_SCAN_SECONDS", "REMINDER_SCAN_SECONDS", int, 120),
    ("JOB_LEASE_SECONDS", "JOB_LEASE_SECONDS", int, 120),  # how long a step's claim lasts without renewal
    ("JOB_IDLE_SECONDS", "JOB_IDLE_SECONDS", int, 120),  # a job idle this long lost its message: re-sent
    ("JOB_ENQUEUE_GRACE_SECONDS", "JOB_ENQUEUE_GRACE_SECONDS", int, 30),  # a job never sent: re-sent after this
    # Jobs of one kind (document processing, form filling, research) one organization may have sent to the
    # workers at once; its others wait their turn, so a backlog never queues in front of another's work.
    ("ORG_ACTIVE_JOBS", "ORG_ACTIVE_JOBS", int, 4),
    ("STORAGE_BACKEND", "STORAGE_BACKEND", str, "local"),
    ("STORAGE_DIR", "STORAGE_DIR", str, lambda c: str(Path(c["VAR_DIR"]) / "storage")),
    ("S3_BUCKET", "S3_BUCKET", str, "caseos"),
    ("S3_ENDPOINT_URL", "S3_ENDPOINT_URL", str, None),
    ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID", str, None),
    ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", str, None),
    ("AWS_REGION", "AWS_REGION", str, "us-east-1"),
    # Per request to S3: a hung storage server fails a step (then retried) instead of holding it.
    ("S3_CONNECT_TIMEOUT", "S3_CONNECT_TIMEOUT", float, 5.0),
    ("S3_READ_TIMEOUT", "S3_READ_TIMEOUT", float, 30.0),
    ("S3_MAX_RETRIES", "S3_MAX_RETRIES", int, 3),
    ("AI_PROVIDER", "AI_PROVIDER", str, "local"),
    ("OPENAI_API_KEY", "OPENAI_API_KEY", str, None),
    ("OPENAI_BASE_URL", "OPENAI_BASE_URL", str, None),
    ("OPENAI_MODEL", "OPENAI_MODEL", str, "gpt-4o-mini"),
    ("ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", str, None),
    ("ANTHROPIC_BASE_URL", "ANTHROPIC_BASE_URL", str, None),
    ("ANTHROPIC_MODEL", "ANTHROPIC_MODEL", str, "claude-sonnet-4-5"),
    ("AI_TIMEOUT", "AI_TIMEOUT", int, 60),
    ("SMTP_URL", "SMTP_URL", str, None),
    ("MAIL_FROM", "MAIL_FROM", str, "CaseOS <no-reply@caseos.local>"),
    ("PORT", "PORT", int, 5000),
    ("PUBLIC_URL", "PUBLIC_URL", str, lambda c: f"http://127.0.0.1:{c['PORT']}"),
    ("MAX_UPLOAD_BYTES", "MAX_UPLOAD_BYTES", int, 50 * 1024 * 1024),
    ("MAX_PAGES", "MAX_PAGES", int, 500),
    ("MAX_PIXELS_PER_PAGE", "MAX_PIXELS_PER_PAGE", int, 50_000_000),
    ("OCR_TIMEOUT_PER_PAGE", "OCR_TIMEOUT_PER_PAGE", int, 120),
    ("OCR_WORKERS", "OCR_WORKERS", int, lambda c: os.cpu_count() or 1),
    ("DOWNLOAD_URL_TTL", "DOWNLOAD_URL_TTL", int, 300),
    ("TOKEN_TTL_DAYS", "TOKEN_TTL_DAYS", int, 30),
    ("FORMS_DIR", "CASEOS_FORMS_DIR", str, None),  # the form library's folder (default app/forms/data)
    ("ADDENDUM_FONT", "CASEOS_ADDENDUM_FONT", str, None),  # a TTF for form addenda (default: DejaVu/Arial)
    ("ADDENDUM_FONT_BOLD", "CASEOS_ADDENDUM_FONT_BOLD", str, None),
    ("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", str, lambda c: c["REDIS_URL"] or "memory://"),
    ("RATELIMIT_ENABLED", "RATELIMIT_ENABLED", _flag, True),
    ("RATELIMIT_AUTH", "RATELIMIT_AUTH", str, "10 per minute"),
    # Failed logins of one account from all addresses together (a browser that signed in before is exempt).
    ("RATELIMIT_INVITE", "RATELIMIT_INVITE", str, "30 per hour"),  # invitations one user may send
    # Uploads and research questions of one organization, all its members together (429 with Retry-After beyond).
    ("RATELIMIT_ORG_UPLOADS", "RATELIMIT_ORG_UPLOADS", str, "120 per minute;2000 per hour"),
    ("RATELIMIT_ORG_RESEARCH", "RATELIMIT_ORG_RESEARCH", str, "20 per minute;200 per hour"),
    ("RATELIMIT_LOGIN_ACCOUNT", "RATELIMIT_LOGIN_ACCOUNT", str, "20 per hour"),
    # X-Forwarded-For is honoured only from these proxies (as gunicorn reads FORWARDED_ALLOW_IPS), PROXY_HOPS deep.
    ("FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS", str, "127.0.0.1"),
    ("PROXY_HOPS", "PROXY_HOPS", int, 1),
    ("RATELIMIT_KEY_PREFIX", "RATELIMIT_KEY_PREFIX", str, "caseos"),
    # Sign-in with OpenID Connect providers (app/accounts/oidc.py): a provider is offered when its client id is set.
    ("OAUTH_GOOGLE_CLIENT_ID", "OAUTH_GOOGLE_CLIENT_ID", str, None),
    ("OAUTH_GOOGLE_CLIENT_SECRET", "OAUTH_GOOGLE_CLIENT_SECRET", str, None),
    ("OAUTH_GOOGLE_ISSUER", "OAUTH_GOOGLE_ISSUER", str, "https://accounts.google.com"),
    ("OAUTH_LINKEDIN_CLIENT_ID", "OAUTH_LINKEDIN_CLIENT_ID", str, None),
    ("OAUTH_LINKEDIN_CLIENT_SECRET", "OAUTH_LINKEDIN_CLIENT_SECRET", str, None),
    ("OAUTH_LINKEDIN_ISSUER", "OAUTH_LINKEDIN_ISSUER", str, "https://www.linkedin.com/oauth"),
    ("OAUTH_OIDC_ISSUER", "OAUTH_OIDC_ISSUER", str, None),  # any other OpenID Connect provider
    ("OAUTH_OIDC_CLIENT_ID", "OAUTH_OIDC_CLIENT_ID", str, None),
    ("OAUTH_OIDC_CLIENT_SECRET", "OAUTH_OIDC_CLIENT_SECRET", str, None),
    ("OAUTH_OIDC_NAME", "OAUTH_OIDC_NAME", str, "Single sign-on"),
    # Exact redirect URIs of API clients (comma-separated) that may receive a bearer token after sign-in.
    ("OAUTH_CLIENT_REDIRECTS", "OAUTH_CLIENT_REDIRECTS", str, None),
    ("OAUTH_HTTP_TIMEOUT", "OAUTH_HTTP_TIMEOUT", float, 10.0),
    # Error monitoring (app/platform/monitoring.py): on when SENTRY_DSN is set.
    ("SENTRY_DSN", "SENTRY_DSN", str, None),
    ("SENTRY_ENVIRONMENT", "SENTRY_ENVIRONMENT", str, None),  # default: CASEOS_ENV
    ("SENTRY_RELEASE", "SENTRY_RELEASE", str, None),  # default: what sentry-sdk finds (the git commit, a platform's)
    ("SENTRY_TRACES_SAMPLE_RATE", "SENTRY_TRACES_SAMPLE_RATE", float, 0.0),
    # Password checks per web process: run at once (off the event loop), may wait, seconds one may wait.
    ("PASSWORD_HASH_SLOTS", "PASSWORD_HASH_SLOTS", int, 2),
    ("PASSWORD_HASH_QUEUE", "PASSWORD_HASH_QUEUE", int, 32),
    ("PASSWORD_HASH_WAIT", "PASSWORD_HASH_WAIT", float, 10.0),
    ("LOG_LEVEL", "LOG_LEVEL", str, "INFO"),
)

# Settings no variable changes (Flask, flask-smorest, flask-limiter).
FIXED = {
    "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
    "RATELIMIT_HEADERS_ENABLED": True,
    # If Redis is briefly down, limit in memory rather than fail every login.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # ... and never wait long for it: a hung Redis costs one short timeout, then the fallback takes over.
    "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    "SESSION_COOKIE_NAME": "caseos_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
    "API_TITLE": "CaseOS API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": None,  # our own docs page, served with a strict CSP
    "JSON_SORT_KEYS": False,
    "TESTING": False,
}


def read_environment(environ=None) -> dict:
    """Every setting from the environment (empty counts as unset), defaults filled in, in table order."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    for attr, var, kind, default in SETTINGS:
        raw = environ.get(var)
        if raw in (None, ""):
            values[attr] = default(values) if callable(default) else default
            continue
        try:
            values[attr] = kind(raw)
        except ValueError as exc:
            raise ConfigError(f"{var} must be {kind.__name__}, got {raw!r}") from exc
    return values


class Config:
    """Settings read once at start-up; tests build one with overrides."""

    def __init__(self, environ=None, **overrides):
        values = {**FIXED, **read_environment(environ), **overrides}
        for key, value in values.items():
            setattr(self, key, value)
        self.SQLALCHEMY_DATABASE_URI = normalize_db_url(self.SQLALCHEMY_DATABASE_URI)
        self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(self.SQLALCHEMY_DATABASE_URI)
        # Werkzeug refuses bodies above this before our code reads them (multipart overhead on top).
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_BYTES + 1024 * 1024
        self.SESSION_COOKIE_SECURE = self.production
        if self.production:
            missing = [n for n in ("SECRET_KEY", "ENCRYPTION_KEY") if not getattr(self, n)]
            if missing:
                raise ConfigError("CASEOS_ENV=production requires " + " and ".join(missing))

    @property
    def production(self) -> bool:
        return self.ENV == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.SQLALCHEMY_DATABASE_URI.startswith("sqlite")

    def prepare(self) -> "Config":
        """Create the data folder and, in development, fill missing secrets from ./var (a process start-up step)."""
        Path(self.VAR_DIR).mkdir(parents=True, exist_ok=True, mode=0o700)
        if not (self.SECRET_KEY and self.ENCRYPTION_KEY):
            dev = _dev_secrets(Path(self.VAR_DIR))
            self.SECRET_KEY = self.SECRET_KEY or dev["SECRET_KEY"]
            self.ENCRYPTION_KEY = self.ENCRYPTION_KEY or dev["ENCRYPTION_KEY"]
        return self

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in dir(self) if k.isupper()}


def _dev_secrets(var_dir: Path) -> dict:
    """Secrets generated once for the embedded default and kept in ./var (never in production)."""
    path = var_dir / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    data = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    return data


def normalize_db_url(url: str) -> str:
    """Heroku-style postgres:// URLs, and the psycopg2 driver (SQLAlchemy 2.1 defaults to psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def _engine_options(url: str) -> dict:
    # hide_parameters: a database error's message (logged) never carries the values of the statement,
    # which may be a deadline title, a party's contact or a search query.
    if url.startswith("sqlite"):
        # WAL (app/extensions.py) lets the worker write while the API reads; the timeout rides out short locks.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, "hide_parameters": True}
    return {"hide_parameters": True, "pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "pool_recycle": 1800,
            "connect_args": {"connect_timeout": 5}}
