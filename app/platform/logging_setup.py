"""Structured JSON logs carrying the request id. Never log document text, tokens or passwords."""
from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from app.platform import context


class ContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = context.request_id.get()
        return True


def configure(app=None, level: str | None = None):
    level = level or (app.config.get("LOG_LEVEL") if app else "INFO") or "INFO"
    root = logging.getLogger()
    if any(getattr(h, "_caseos", False) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._caseos = True
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                       rename_fields={"asctime": "time", "levelname": "level"}))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that would echo request bodies or SQL parameters stay quiet.
    for noisy in ("botocore", "boto3", "urllib3", "pdfminer", "PIL", "httpx", "openai", "anthropic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
