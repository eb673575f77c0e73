"""Flower with every page behind its basic auth (scripts/flower runs `python -m workers.flower`).

Flower 2 serves /metrics (task names, worker names, queue lengths) and /healthcheck to anyone,
whatever --basic-auth says; here they ask for the same credentials as every other page.
"""
from __future__ import annotations

import sys

from celery.bin.celery import main as celery_main
from flower.views import monitor
from tornado import web


def protect_every_page():
    for handler in (monitor.Metrics, monitor.Healthcheck):
        if not getattr(handler.get, "_caseos_protected", False):
            handler.get = web.authenticated(handler.get)
            handler.get._caseos_protected = True


if __name__ == "__main__":
    protect_every_page()
    sys.exit(celery_main())
