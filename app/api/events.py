from flask_smorest import Blueprint

bp = Blueprint("events", __name__, url_prefix="/api/v1")
