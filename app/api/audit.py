from flask_smorest import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/api/v1")
