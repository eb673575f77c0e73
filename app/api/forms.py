from flask_smorest import Blueprint

bp = Blueprint("forms", __name__, url_prefix="/api/v1")
