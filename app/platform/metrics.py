"""Prometheus metrics read from the durable job table and the broker, so every process agrees."""
from __future__ import annotations

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from app.extensions import db
from app.models import Document, Job
from app.platform import runtime

QUEUES = ("default", "ocr", "ai")


class _Collector:
    def collect(self):
        jobs = GaugeMetricFamily("caseos_jobs", "Jobs by kind and status", labels=["kind", "status"])
        for kind, status, n in db.session.execute(
                sa.select(Job.kind, Job.status, sa.func.count()).group_by(Job.kind, Job.status)):
            jobs.add_metric([kind, status], n)
        yield jobs
        failed = GaugeMetricFamily("caseos_document_failures", "Failed documents by error code", labels=["code"])
        for code, n in db.session.execute(sa.select(Document.error_code, sa.func.count())
                                          .where(Document.status == "FAILED").group_by(Document.error_code)):
            failed.add_metric([code or "unknown"], n)
        yield failed
        dur = GaugeMetricFamily("caseos_step_duration_seconds", "Mean duration of pipeline steps (last 1000 jobs)",
                                labels=["step"])
        totals: dict[str, list[float]] = {}
        rows = db.session.execute(sa.select(Job.steps).where(Job.kind == "document.process")
                                  .order_by(Job.created_at.desc()).limit(1000)).scalars()
        from datetime import datetime
        for steps in rows:
            for s in steps or []:
                if s.get("started_at") and s.get("finished_at"):
                    d = (datetime.fromisoformat(s["finished_at"]) - datetime.fromisoformat(s["started_at"])).total_seconds()
                    totals.setdefault(s["name"], []).append(d)
        for name, vals in totals.items():
            dur.add_metric([name], sum(vals) / len(vals))
        yield dur
        depth = GaugeMetricFamily("caseos_queue_depth", "Messages waiting per queue", labels=["queue"])
        client = runtime.current().redis
        broker = runtime.current().config.CELERY_BROKER_URL
        if client is not None and broker.startswith("redis"):
            try:
                prefix = runtime.current().config.CELERY_KEY_PREFIX or ""
                for q in QUEUES:
                    depth.add_metric([q], client.llen(prefix + q))
            except Exception:
                pass
        yield depth
        db.session.rollback()


def render():
    registry = CollectorRegistry()
    registry.register(_Collector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
