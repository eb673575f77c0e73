"""Every error becomes an RFC 9457 problem document; nothing leaks a stack trace."""
from __future__ import annotations

import http
import logging

import redis
from flask import current_app, g, jsonify, request
from flask_smorest.utils import prepare_response
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.extensions import api, db
from app.platform import monitoring
from app.platform.crypto import CryptoError
from app.platform.errors import DomainError
from app.platform.storage import StorageError
from app.schemas.common import Problem

log = logging.getLogger("caseos.errors")
TYPE_BASE = "https://caseos.dev/problems/"


def problem(status: int, title: str, detail: str | None = None, *, code: str | None = None,
            errors: dict | None = None, headers: dict | None = None, **extra):
    body = {"type": TYPE_BASE + (code or str(status)), "title": title, "status": status,
            "detail": detail or title, "instance": request.path}
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    if g.get("request_id"):
        body["request_id"] = g.request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = PROBLEM_CONTENT_TYPE
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _flatten(messages) -> dict:
    """webargs nests errors by location ({"json": {...}}); clients want field -> messages."""
    out = {}
    if isinstance(messages, dict):
        for loc, errs in messages.items():
            if loc in ("json", "query", "form", "files", "multipart", "headers", "path", "view_args") and isinstance(errs, dict):
                out.update({str(k): v if isinstance(v, list) else [v] if isinstance(v, str) else v
                            for k, v in errs.items()})
            else:
                out[str(loc)] = errs if isinstance(errs, (list, dict)) else [str(errs)]
    return out


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # the connection may be the thing that failed
        pass


PROBLEM_CONTENT_TYPE = "application/problem+json"


def document_problems(api):
    """Document error responses as what they are: RFC 9457 problem documents.

    flask-smorest registers its own error schema ({code: int, status: str, message}) as
    `application/json` for every status; clients (and schema checks) would expect that shape.
    Re-register the same response components (still lazy, before any blueprint refers to
    them) with the Problem schema and the problem+json media type.
    """
    if api.spec is None:
        return
    api.ERROR_SCHEMA = Problem
    for status in http.HTTPStatus:
        response = {"description": status.phrase}
        if not (100 <= status < 200) and status not in (204, 304):
            response["schema"] = Problem
        prepare_response(response, api.spec, PROBLEM_CONTENT_TYPE)
        api.spec.components.response(status.name, response, lazy=True)
    response = {"description": "An error, as an RFC 9457 problem document", "schema": Problem}
    prepare_response(response, api.spec, PROBLEM_CONTENT_TYPE)
    api.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app):
    document_problems(api)
    for exc, handler in ((DomainError, _domain), (ValidationError, _marshmallow), (RequestEntityTooLarge, _too_large),
                         (HTTPException, _http), (OperationalError, _db_down), (Exception, _unexpected)):
        app.register_error_handler(exc, handler)


def _domain(err: DomainError):
    _rollback()
    code = err.extra.pop("code", None) or err.code
    headers = err.extra.pop("headers", None)
    return problem(err.status, err.title, err.detail, code=code, errors=err.errors, headers=headers, **err.extra)


def _marshmallow(err: ValidationError):
    _rollback()
    msgs = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    return problem(422, "Validation failed", "Some fields are not valid.", code="validation_failed",
                   errors=_flatten({"json": msgs}))


def _too_large(err):
    limit = current_app.config.get("MAX_UPLOAD_BYTES")
    return problem(413, "Payload too large", f"The upload is larger than the limit of {limit} bytes.",
                   code="too_large")


def _http(err: HTTPException):
    data = getattr(err, "data", None) or {}
    status = err.code or 500
    if status == 422 and "messages" in data:
        return problem(422, "Validation failed", "Some fields are not valid.", code="validation_failed",
                       errors=_flatten(data["messages"]))
    if status == 400 and "messages" in data:
        return problem(400, "Malformed request", "The request body is not valid JSON.", code="malformed",
                       errors=_flatten(data["messages"]))
    headers = {}
    if status == 405 and err.valid_methods:
        headers["Allow"] = ", ".join(err.valid_methods)
    if status == 429:
        retry = getattr(err, "retry_after", None)
        headers["Retry-After"] = str(int(retry)) if retry else "60"
        limit = getattr(err, "limit", None)
        detail = err.description if getattr(limit, "error_message", None) else "Too many attempts; wait before trying again."
        return problem(429, "Too many requests", detail, code="rate_limited", headers=headers)
    detail = err.description if status != 500 else None
    return problem(status, err.name, detail, headers=headers)


def _db_down(err):
    _rollback()
    log.error("database unavailable", extra={"error": type(err.orig).__name__ if getattr(err, "orig", None) else type(err).__name__})
    return _unavailable("The database is unavailable; try again shortly.")


def _unavailable(detail: str):
    return problem(503, "Service unavailable", detail, code="dependency_down", headers={"Retry-After": "5"})


def _unexpected(err):
    _rollback()
    if isinstance(err, CryptoError):
        # Stored ciphertext that fails authentication: tampered, swapped or under an unknown key.
        # Never served; logged as a security event (the message names no key and no content).
        log.error("stored data failed its integrity check",
                  extra={"path": request.path, "method": request.method, "error": str(err)[:200]})
        return problem(500, "Stored data failed its integrity check",
                       "This file could not be verified and is not served. Quote the request id to support.",
                       code="integrity_failed")
    if isinstance(err, StorageError):
        return _unavailable("Document storage is unavailable; try again shortly.")
    if isinstance(err, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return _unavailable("A dependency is unavailable; try again shortly.")
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return _unavailable("The database is unavailable; try again shortly.")
    log.exception("unhandled error", extra={"path": request.path, "method": request.method})
    monitoring.capture(err)  # handled here, so Flask's integration would not see it
    return problem(500, "Internal server error",
                   "Something went wrong on our side. Quote the request id if you contact support.",
                   code="internal_error")
