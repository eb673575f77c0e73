from flask_smorest import Blueprint

bp = Blueprint("search", __name__, url_prefix="/api/v1")
