"""Maintenance: the sweeper that re-enqueues lost work, orphan blobs, key rotation."""
from workers import celery


@celery.task(name="maintenance.sweep", acks_late=True)
def sweep():
    """Re-enqueue jobs whose message was lost or whose worker died; clean old temp files."""
    from app.services import maintenance
    n = maintenance.requeue_stale()
    maintenance.clean_tmp()
    return n


@celery.task(name="maintenance.sweep_orphans", acks_late=True)
def sweep_orphans():
    """Delete stored blobs whose document row never committed."""
    from app.services import maintenance
    return maintenance.sweep_orphan_blobs()


@celery.task(name="maintenance.rotate_keys", acks_late=True)
def rotate_keys(job_id=None):
    """Re-wrap every data key under the current master key (resumable; skips rows already done)."""
    from app.services import keys
    return keys.rotate_all()
