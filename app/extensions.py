"""Extensions, created unbound and bound to the app in create_app()."""
import sqlite3

from celery import Celery
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names: Alembic needs them to alter tables on SQLite (batch mode).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = Api()
# Configured by create_app() (celeryconfig.from_config); tasks run in the Flask app's context.
celery = Celery("caseos", task_cls="app.platform.celery_app:AppContextTask")


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, _record):
    """SQLite files (the embedded default's database and its broker) are used in write-ahead-log mode:
    a commit is one fsync of the log instead of the rollback journal's three or more (~1 ms instead
    of 20-40 ms on a busy virtual disk; a document's pipeline commits a few dozen times), readers do
    not wait for the writer, and durability is unchanged (synchronous=FULL). The mode is stored in
    the file; a file another process holds locked keeps its mode until the next connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
    except sqlite3.OperationalError:
        pass
    finally:
        cursor.close()
