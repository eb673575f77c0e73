from flask_smorest import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/api/v1")
