"""Configuration from environment variables only.

With nothing set, CaseOS runs in the *embedded default*: SQLite, a local storage folder
and a Celery broker that needs no server, all under ./var. Setting DATABASE_URL,
REDIS_URL and the storage variables switches the same code to PostgreSQL, Redis and S3.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

try:  # a .env file may set variables in development; the real environment wins
    from dotenv import load_dotenv

    load_dotenv(BASE_DIR / ".env", override=False)
except ImportError:  # pragma: no cover
    pass


class ConfigError(RuntimeError):
    """The process must not start with this configuration."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    try:
        return int(raw) if raw is not None else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def var_dir() -> Path:
    path = Path(_env("CASEOS_VAR_DIR", str(BASE_DIR / "var")))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _dev_secrets() -> dict:
    """Secrets generated once for the embedded default and kept in ./var (never in production)."""
    path = var_dir() / "dev-secrets.json"
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


class Config:
    """Settings read once at start-up; tests build one with overrides."""

    def __init__(self, **overrides):
        self.ENV = _env("CASEOS_ENV", "development")
        production = self.ENV == "production"
        secret_key = _env("SECRET_KEY")
        encryption_key = _env("ENCRYPTION_KEY")
        if production:
            missing = [n for n, v in (("SECRET_KEY", secret_key), ("ENCRYPTION_KEY", encryption_key)) if not v]
            if missing:
                raise ConfigError("CASEOS_ENV=production requires " + " and ".join(missing))
        elif not (secret_key and encryption_key):
            dev = _dev_secrets()
            secret_key = secret_key or dev["SECRET_KEY"]
            encryption_key = encryption_key or dev["ENCRYPTION_KEY"]
        self.SECRET_KEY = secret_key
        self.ENCRYPTION_KEY = encryption_key
        self.ENCRYPTION_OLD_KEYS = _env("ENCRYPTION_OLD_KEYS")
        # Keys the audit hash chain (HMAC); defaults to a key derived from SECRET_KEY.
        self.AUDIT_KEY = _env("AUDIT_KEY")
        # When set, GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>" (its counts span
        # every organization); unset, restrict /metrics at the network instead.
        self.METRICS_TOKEN = _env("METRICS_TOKEN")

        vd = var_dir()
        self.VAR_DIR = str(vd)
        db_url = _env("DATABASE_URL", f"sqlite:///{vd / 'caseos.db'}")
        db_url = normalize_db_url(db_url)
        self.SQLALCHEMY_DATABASE_URI = db_url
        self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(db_url)
        self.REDIS_URL = _env("REDIS_URL")
        self.CELERY_BROKER_URL = _env("CELERY_BROKER_URL", self.REDIS_URL or f"sqla+sqlite:///{vd / 'broker.db'}")
        self.CELERY_RESULT_BACKEND = _env("CELERY_RESULT_BACKEND")
        self.CELERY_KEY_PREFIX = _env("CELERY_KEY_PREFIX")
        # Tests and the embedded smoke run may execute tasks in-process.
        self.CELERY_TASK_ALWAYS_EAGER = _env("CELERY_TASK_ALWAYS_EAGER", "0") == "1"

        self.STORAGE_BACKEND = _env("STORAGE_BACKEND", "local")
        self.STORAGE_DIR = _env("STORAGE_DIR", str(vd / "storage"))
        self.S3_BUCKET = _env("S3_BUCKET", "caseos")
        self.S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")
        self.AWS_ACCESS_KEY_ID = _env("AWS_ACCESS_KEY_ID")
        self.AWS_SECRET_ACCESS_KEY = _env("AWS_SECRET_ACCESS_KEY")
        self.AWS_REGION = _env("AWS_REGION", "us-east-1")
        # Per request to S3: a hung storage server fails a step (then retried) instead of holding it.
        self.S3_CONNECT_TIMEOUT = float(_env("S3_CONNECT_TIMEOUT", "5"))
        self.S3_READ_TIMEOUT = float(_env("S3_READ_TIMEOUT", "30"))
        self.S3_MAX_RETRIES = int(_env("S3_MAX_RETRIES", "3"))

        self.AI_PROVIDER = _env("AI_PROVIDER", "local")
        self.OPENAI_API_KEY = _env("OPENAI_API_KEY")
        self.OPENAI_BASE_URL = _env("OPENAI_BASE_URL")
        self.OPENAI_MODEL = _env("OPENAI_MODEL", "gpt-4o-mini")
        self.ANTHROPIC_API_KEY = _env("ANTHROPIC_API_KEY")
        self.ANTHROPIC_BASE_URL = _env("ANTHROPIC_BASE_URL")
        self.ANTHROPIC_MODEL = _env("ANTHROPIC_MODEL", "claude-sonnet-4-5")
        self.AI_TIMEOUT = _int("AI_TIMEOUT", 60)

        self.SMTP_URL = _env("SMTP_URL")
        self.MAIL_FROM = _env("MAIL_FROM", "CaseOS <no-reply@caseos.local>")
        self.PUBLIC_URL = _env("PUBLIC_URL", "http://127.0.0.1:" + (_env("PORT", "5000") or "5000"))

        self.MAX_UPLOAD_BYTES = _int("MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
        # Werkzeug refuses bodies above this before our code reads them (multipart overhead on top).
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_BYTES + 1024 * 1024
        self.MAX_FORM_MEMORY_SIZE = 1024 * 1024
        self.MAX_PAGES = _int("MAX_PAGES", 500)
        self.MAX_PIXELS_PER_PAGE = _int("MAX_PIXELS_PER_PAGE", 50_000_000)
        self.OCR_TIMEOUT_PER_PAGE = _int("OCR_TIMEOUT_PER_PAGE", 120)
        self.OCR_WORKERS = _int("OCR_WORKERS", os.cpu_count() or 1)
        self.DOWNLOAD_URL_TTL = _int("DOWNLOAD_URL_TTL", 300)
        self.TOKEN_TTL_DAYS = _int("TOKEN_TTL_DAYS", 30)

        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", self.REDIS_URL or "memory://")
        self.RATELIMIT_ENABLED = _env("RATELIMIT_ENABLED", "1") == "1"
        self.RATELIMIT_AUTH = _env("RATELIMIT_AUTH", "10 per minute")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_KEY_PREFIX = _env("RATELIMIT_KEY_PREFIX", "caseos")
        # If Redis is briefly down, limit in memory rather than fail every login.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

        self.SESSION_COOKIE_NAME = "caseos_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = production
        self.PERMANENT_SESSION_LIFETIME = 60 * 60 * 12

        self.API_TITLE = "CaseOS API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = None  # our own docs page, served with a strict CSP
        self.JSON_SORT_KEYS = False
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")
        self.TESTING = False
        for key, value in overrides.items():
            setattr(self, key, value)
        self.SQLALCHEMY_DATABASE_URI = normalize_db_url(self.SQLALCHEMY_DATABASE_URI)
        if self.SQLALCHEMY_DATABASE_URI != db_url:
            self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(self.SQLALCHEMY_DATABASE_URI)

    @property
    def is_sqlite(self) -> bool:
        return self.SQLALCHEMY_DATABASE_URI.startswith("sqlite")

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in dir(self) if k.isupper()}


def normalize_db_url(url: str) -> str:
    """Heroku-style postgres:// URLs, and the psycopg2 driver (SQLAlchemy 2.1 defaults to psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # WAL lets the worker write while the API reads; the timeout rides out short locks.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "pool_recycle": 1800,
            "connect_args": {"connect_timeout": 5}}
