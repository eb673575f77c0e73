"""CaseOS application factory."""
from __future__ import annotations

from flask import Flask

from config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, error handlers."""
    config = config or Config()
    app = Flask(__name__)
    from app.request import CaseOSRequest
    app.request_class = CaseOSRequest
    app.config.from_mapping(config.as_dict())
    app.config["CASEOS_CONFIG"] = config

    from app.platform import logging_setup
    logging_setup.configure(app)

    from app.extensions import api, db, limiter, login_manager, migrate
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_dir() / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    limiter.init_app(app)
    api.init_app(app)

    from app.platform import runtime
    runtime.init_app(app)

    from app.api import errors, register_blueprints, security
    security.init_app(app)
    errors.init_app(app)
    register_blueprints(app, api)

    from app import cli
    cli.init_app(app)

    from workers import init_celery
    init_celery(app)
    return app


def config_dir():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent
