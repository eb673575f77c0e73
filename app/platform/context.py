"""Per-request facts (request id, client address) for logs and the audit trail.

Set by the web layer or a task; read by services without importing Flask.
"""
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
