"""Fault injection for test processes only (imported by faultapp.py / faultwsgi.py, never by the app).

Every knob is an environment variable, so a test decides per process what goes wrong:

  FAULT_DIR            folder for the records below (required by every other knob)
  steps.log            "<pid> <step> <document_id>" each time a step body starts (always written)
  ocr.log              "<pid> <document_id> <page>" each time a page is OCR'd (always written)
  FAULT_SLOW           "step:seconds:marker[,...]"  the step sleeps first, for documents whose title has marker
  FAULT_KILL           "step:marker"   the process SIGKILLs itself in that step (a poison file); kills.log
  FAULT_STOP           "step:marker"   after the step body, before its commit, the process SIGSTOPs itself
                       (a long GC pause or a frozen VM), once per document; its pid goes to stopped.log
  FAULT_SLOW_CHILD_START seconds     pool processes started after a FAULT_KILL crash take this long to come
                       up (a busy host loading the analyzer data), e.g. longer than Celery's default
                       4 s worker_proc_alive_timeout
  FAULT_API_DIE_AFTER_COMMIT  marker   the API process exits right after committing an upload whose title
                       has marker, before it enqueues (a crash between commit and enqueue)
"""
from __future__ import annotations

import dataclasses
import os
import signal
import time

_installed = False
_current_doc = None


def _dir():
    return os.environ.get("FAULT_DIR")


def _record(name: str, line: str):
    d = _dir()
    if not d:
        return
    with open(os.path.join(d, name), "a") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _seen(name: str, step: str, doc_id) -> bool:
    d = _dir()
    path = os.path.join(d, name) if d else None
    if not path or not os.path.exists(path):
        return False
    with open(path) as fh:
        return any(line.split()[1:3] == [step, str(doc_id)] for line in fh if line.strip())


def _rules(var: str) -> list[list[str]]:
    raw = os.environ.get(var, "")
    return [part.split(":") for part in raw.split(",") if part.strip()]


def install():
    """Wrap the pipeline's step bodies (worker processes)."""
    global _installed
    if _installed:
        return
    _installed = True
    import faulthandler
    import sys
    faulthandler.register(signal.SIGUSR2, file=sys.stderr, all_threads=True)  # stacks on demand (debugging)
    from app.documents import extraction
    from app.platform import engine

    slow, kill, stop = _rules("FAULT_SLOW"), _rules("FAULT_KILL"), _rules("FAULT_STOP")

    def wrap(step, fn):
        def step_body(run):
            global _current_doc
            doc = run.doc
            _current_doc = str(doc.id)
            title = doc.title or ""
            _record("steps.log", f"{os.getpid()} {step} {doc.id}")
            for s, seconds, marker in slow:
                if s == step and marker in title:
                    time.sleep(float(seconds))
            for s, marker in kill:
                if s == step and marker in title:
                    _record("kills.log", f"{os.getpid()} {step} {doc.id}")
                    os.kill(os.getpid(), signal.SIGKILL)
            result = fn(run)
            for s, marker in stop:
                if s == step and marker in title and not _seen("stopped.log", step, doc.id):
                    from app.extensions import db
                    db.session.flush()  # the step's rows are written, not yet committed
                    _record("stopped.log", f"{os.getpid()} {step} {doc.id}")
                    os.kill(os.getpid(), signal.SIGSTOP)
            return result
        step_body.__wrapped__ = fn
        return step_body

    # create_app() registers the job table: wrap the document steps right after it does.
    real_register = engine.register

    def register(pipelines):
        real_register(pipelines)
        p = engine.pipeline("document.process")
        if not getattr(p.steps[0].fn, "__wrapped__", None):
            steps = tuple(dataclasses.replace(s, fn=wrap(s.name, s.fn)) for s in p.steps)
            real_register({p.kind: dataclasses.replace(p, steps=steps)})
    engine.register = register

    slow_start = float(os.environ.get("FAULT_SLOW_CHILD_START") or 0)
    if slow_start:
        from celery.signals import worker_process_init

        @worker_process_init.connect(weak=False)
        def _slow_start(**_kw):
            d = _dir()
            if d and os.path.exists(os.path.join(d, "kills.log")):
                time.sleep(slow_start)

    real_ocr_page = extraction.ocr_page

    def ocr_page(path, content_type, page_number, *a, **kw):
        _record("ocr.log", f"{os.getpid()} {_current_doc} {page_number}")
        return real_ocr_page(path, content_type, page_number, *a, **kw)
    extraction.ocr_page = ocr_page

    real_iter_ocr_pages = extraction.iter_ocr_pages

    def iter_ocr_pages(path, content_type, page_numbers, *a, **kw):  # the pipeline's OCR step
        for row in real_iter_ocr_pages(path, content_type, page_numbers, *a, **kw):
            _record("ocr.log", f"{os.getpid()} {_current_doc} {row[0]}")
            yield row
    extraction.iter_ocr_pages = iter_ocr_pages


def install_api():
    """Crash the API between its commit and the enqueue (web processes)."""
    marker = os.environ.get("FAULT_API_DIE_AFTER_COMMIT")
    if not marker:
        return
    from app.platform import engine
    real_start = engine.start

    def start(job):
        from app.extensions import db
        from app.models import Document
        doc = db.session.get(Document, job.document_id) if job.document_id else None
        if doc is not None and marker in (doc.title or ""):
            _record("api_died.log", f"{os.getpid()} {doc.id}")
            os._exit(70)
        return real_start(job)
    engine.start = start
