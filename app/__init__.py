"""CaseOS application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

import celeryconfig
from app import cli, web
from app.api import errors, register_blueprints, security
from app.extensions import api, db, limiter, login_manager, migrate
from app.assistant import chat
from app.cases import counts
from app.documents import documents
from app.forms import library
from app.pipelines import PIPELINES
from app.platform import celery_app, crypto_fields, engine, event_hub, events, jobs, keys, logging_setup, monitoring, rls, runtime
from app.search import search
from app.search import keys as search_keys
from app.understanding import service as understanding
from app.request import CaseOSRequest
from config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, error handlers, the job table."""
    config = (config or Config()).prepare()
    app = Flask(__name__)
    app.request_class = CaseOSRequest
    app.config.from_mapping(config.as_dict())
    app.config["CASEOS_CONFIG"] = config
    logging_setup.configure(app)
    monitoring.init(config, process="web")  # no-op without SENTRY_DSN, and once per process

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_dir() / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    runtime.init_app(app)

    security.init_app(app)
    errors.init_app(app)
    register_blueprints(app, api)
    web.init_app(app)   # the web client's pages, under /app/
    cli.init_app(app)

    register_hooks()
    configure_services(config)
    init_celery(app)
    return app


def register_hooks():
    """What one package must run when another acts, declared here rather than by import side effects:
    session listeners, the data each key rotation re-wraps, what a document's deletion erases, the job table."""
    rls.init_app()
    events.init_app(local_subscriber=event_hub.notify)
    counts.init_app()
    keys.register(documents.rewrap_keys, documents.keys_under_old_key)
    keys.register(understanding.rewrap_ai_cache, understanding.ai_cache_under_old_key)
    keys.register(chat.rewrap_chat_messages, chat.chat_messages_under_old_key)
    keys.register(jobs.rewrap_job_results, jobs.results_under_old_key)
    keys.register(search_keys.rewrap_search_keys, search_keys.search_keys_under_old_key)
    crypto_fields.install()                          # titles, contacts, quotes: sealed columns
    keys.register(crypto_fields.rewrap_sealed_fields, crypto_fields.fields_under_old_key)
    documents.on_delete(search.remove_document)     # out of the index while its pages still exist
    documents.on_delete(chat.scrub_document)   # its quotes leave the case's chat answers
    engine.register(PIPELINES)


def configure_services(config: Config):
    """Settings that modules read outside an app context (the form library is used by scripts too)."""
    library.configure(config.FORMS_DIR, config.ADDENDUM_FONT, config.ADDENDUM_FONT_BOLD)


def init_celery(app: Flask):
    """Configure the Celery app from this app's configuration and bind it (the API enqueues through it)."""
    celery_app.init_app(app, celeryconfig.from_config(app.config["CASEOS_CONFIG"]))


def config_dir() -> Path:
    return Path(__file__).resolve().parent.parent
