"""Typed domain errors; app/api/errors.py turns them into RFC 9457 problem documents."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(self, detail: str | None = None, *, errors: dict | None = None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.extra = extra


class NotFound(DomainError):
    status, title, code = 404, "Not found", "not_found"


class Forbidden(DomainError):
    status, title, code = 403, "Forbidden", "forbidden"


class Unauthorized(DomainError):
    status, title, code = 401, "Not signed in", "unauthorized"


class Conflict(DomainError):
    status, title, code = 409, "Conflict", "conflict"


class ValidationFailed(DomainError):
    status, title, code = 422, "Validation failed", "validation_failed"


class PayloadTooLarge(DomainError):
    status, title, code = 413, "Payload too large", "too_large"


class UnsupportedFileType(DomainError):
    status, title, code = 415, "Unsupported file type", "unsupported_type"


class DependencyDown(DomainError):
    status, title, code = 503, "Service unavailable", "dependency_down"


class JobFailed(Exception):
    """A job step that cannot succeed by retrying (a corrupt file, a deleted case): the job ends
    FAILED with this code and message, which its owner reads."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class TransientError(Exception):
    """A dependency is briefly unavailable (rate limit, restart, timeout): the step is retried.

    ``retry_after`` is the delay in seconds the dependency asked for, or None."""

    retry_after: float | None = None
