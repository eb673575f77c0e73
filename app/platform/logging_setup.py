"""Structured JSON logs carrying the request id. Never log document text, tokens or passwords."""
from __future__ import annotations

import logging
import sys
import traceback

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.exc import StatementError

from app.platform import context


class ContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = context.request_id.get()
        return True


def _from_database(exc_type) -> bool:
    return issubclass(exc_type, StatementError) or exc_type.__module__.split(".")[0] in ("psycopg2", "sqlite3")


class CaseOSFormatter(JsonFormatter):
    """JSON lines; a database error's message is withheld from tracebacks: PostgreSQL quotes the
    offending value ("invalid input syntax ...: 'Eviction of Smith'") and SQLAlchemy appends the
    statement's parameters, which may be a deadline title, a contact or a search query."""

    def formatException(self, ei):  # noqa: N802 - logging's name
        root = traceback.TracebackException(*ei)
        te, seen = root, set()
        while te is not None and id(te) not in seen:
            seen.add(id(te))
            if te.exc_type is not None and _from_database(te.exc_type):
                te._str = "(message withheld: it may quote stored values)"
            te = te.__cause__ or te.__context__
        return "".join(root.format()).rstrip("\n")


def configure(app=None, level: str | None = None):
    level = level or (app.config.get("LOG_LEVEL") if app else "INFO") or "INFO"
    root = logging.getLogger()
    if any(getattr(h, "_caseos", False) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._caseos = True
    handler.setFormatter(CaseOSFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                        rename_fields={"asctime": "time", "levelname": "level"}))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that would echo request bodies or SQL parameters stay quiet.
    for noisy in ("botocore", "boto3", "urllib3", "pdfminer", "PIL", "httpx", "openai", "anthropic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
