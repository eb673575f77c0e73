from flask_smorest import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/api/v1")
