"""Fault suite: proves that documents are neither lost nor duplicated when processes, the broker,
the database or the storage fail (issue 8, "Prove it loses nothing and leaks nothing").

    .venv/bin/python -m pytest tests/faults -q        # or: pytest -m faults (and -m "not faults")

Each test starts its own real processes (gunicorn, Celery workers with embedded beat, a private
redis-server, TCP proxies) around the shared PostgreSQL database and moto S3 server; see conftest.py.
Faults are real signals and real broken connections; the only injected ones (inject.py, loaded by
faultapp.py / faultwsgi.py in test processes only) stand for what cannot be produced on demand:
a file that crashes its worker, a slow step, a frozen process, an API crash at one precise line.

    1  SIGKILL of a pool child / of a whole worker   test_worker_kills.py
    2  visibility timeout, redelivery, fencing       test_redelivery.py
    3  50 deliveries, 50 uploads, poison pill        test_redelivery.py, test_worker_kills.py
    4  Redis and PostgreSQL restarts, 503s           test_dependencies.py
    5  lost enqueue, row not yet visible             test_dependencies.py, test_redelivery.py
    6  storage faults, orphans, integrity check      test_storage_faults.py
    7  lost pub/sub message                          test_streams.py
    8  SIGTERM with jobs in flight                   test_shutdown.py
"""
