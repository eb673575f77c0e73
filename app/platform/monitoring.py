"""Error monitoring with Sentry (sentry-sdk, Flask and Celery integrations) when SENTRY_DSN is set.

What leaves the process is an error's type, its stack (file, function, line: no local variables),
release, environment and the request id (the one in the X-Request-Id header and the JSON logs, so a
report and its log lines meet). ``scrub`` runs on every event and breadcrumb before it is sent and
removes what must never leave: request bodies and cookies, credentials in headers, query strings
(signed download links and calendar keys live there), task arguments, and any value under a key
that names a secret or document content (password, token, text, quote ...); in the strings that
remain, bearer tokens, signed-URL signatures and e-mail addresses are masked.
"""
from __future__ import annotations

import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from app.platform import context

FILTERED = "[Filtered]"
# Words that, as a part of a key (password_hash, X-CSRF-Token, page_text), mark its value as a secret or
# document content, wherever the key appears in an event.
SECRET_WORDS = frozenset("""password passwd pass secret secrets token tokens authorization auth cookie cookies csrf
    session sid tid key keys apikey dsn signature sig credential credentials text texts quote quotes content
    snippet snippets summary body answer excerpt""".split())
_KEY_PARTS = re.compile(r"[a-z0-9]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+|\bcos_[A-Za-z0-9_-]{16,}")
_URL_QUERY = re.compile(r"(https?://[^\s?#\"']+)\?[^\s#\"']*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_KEEP_REQUEST = ("url", "method", "env")  # not data, cookies, headers, query_string
_initialized = False


def init(config, *, process: str) -> bool:
    """Start the SDK once per process when SENTRY_DSN is set; True if it is on."""
    global _initialized
    if not config.SENTRY_DSN or _initialized:
        return _initialized
    sentry_sdk.init(
        dsn=config.SENTRY_DSN, release=config.SENTRY_RELEASE, environment=config.SENTRY_ENVIRONMENT or config.ENV,
        integrations=[FlaskIntegration(), CeleryIntegration(), LoggingIntegration(event_level=None)],
        send_default_pii=False, include_local_variables=False, max_request_body_size="never",
        traces_sample_rate=config.SENTRY_TRACES_SAMPLE_RATE, before_send=scrub, before_breadcrumb=scrub_breadcrumb,
        server_name=process,
    )
    _initialized = True
    return True


def capture(error: BaseException) -> None:
    """Report an error the app answered itself (a 500 turned into a problem document)."""
    if _initialized:
        sentry_sdk.capture_exception(error)


def scrub(event: dict, hint: Any = None) -> dict:
    """Remove secrets and document content from an event; tag it with the request id."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {k: v for k, v in request.items() if k in _KEEP_REQUEST}
        if "url" in event["request"]:
            event["request"]["url"] = str(event["request"]["url"]).split("?", 1)[0]
    extra = event.get("extra")
    if isinstance(extra, dict) and isinstance(extra.get("celery-job"), dict):
        job = extra["celery-job"]
        extra["celery-job"] = {"task_name": job.get("task_name"), "args": FILTERED, "kwargs": FILTERED}
    event.pop("user", None)
    rid = context.request_id.get()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    return _clean(event)


def scrub_breadcrumb(crumb: dict, hint: Any = None) -> dict:
    return _clean(crumb)


def _clean(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: FILTERED if _secret_key(k) and not _structural(k, v) else _clean(v, str(k))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, key) for v in value]
    if isinstance(value, str):
        return _mask(value)
    return value


def _secret_key(key: Any) -> bool:
    return isinstance(key, str) and any(part in SECRET_WORDS for part in _KEY_PARTS.findall(key.lower()))


def _structural(key: str, value: Any) -> bool:
    """Sentry's own structure under keys that look secret ("data" of a breadcrumb, "contexts"...):
    walked into and cleaned, not dropped."""
    return key in ("data", "contexts") and isinstance(value, (dict, list))


def _mask(text: str) -> str:
    text = _BEARER.sub(lambda m: (m.group(1) or "") + FILTERED, text)
    text = _URL_QUERY.sub(lambda m: m.group(1) + "?" + FILTERED, text)
    return _EMAIL.sub("[email]", text)
