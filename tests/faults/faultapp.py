"""The production Celery app plus test-only knobs, for fault tests: `celery -A tests.faults.faultapp ...`.

  FAULT_SWEEP_SECONDS       beat schedules only the maintenance sweeper, this often (the real task)
  FAULT_VISIBILITY_TIMEOUT  the broker's visibility timeout, with a restore sweep every second
Step faults come from inject.py (FAULT_SLOW, FAULT_KILL, FAULT_STOP).
"""
import os

import app as caseos
from tests.faults import inject
from workers import celery as app


def _apply(conf):
    every = os.environ.get("FAULT_SWEEP_SECONDS")
    if every:
        conf.beat_schedule = {"jobs.sweep": {"task": "maintenance.sweep", "schedule": float(every),
                                             "options": {"expires": max(1.0, float(every) * 5)}}}
    vt = os.environ.get("FAULT_VISIBILITY_TIMEOUT")
    if vt:
        conf.broker_transport_options = {**conf.broker_transport_options, "visibility_timeout": float(vt),
                                         "unacked_restore_interval": 1, "unacked_restore_throttle": 1}


_apply(app.conf)
_real_init_celery = caseos.init_celery


def _init_celery(flask_application):
    _real_init_celery(flask_application)
    _apply(app.conf)  # create_app() re-applies celeryconfig; keep the test's knobs


caseos.init_celery = _init_celery
inject.install()
