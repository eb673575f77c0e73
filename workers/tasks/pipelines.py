"""The job steps' Celery tasks, generated from the table in app/pipelines.py (one per task name:
documents.extract ... documents.notify, forms.fill, assistant.research). Each runs the job engine."""
from app.extensions import celery
from app.pipelines import PIPELINES
from app.platform import engine

TASKS = engine.make_tasks(celery, PIPELINES)
