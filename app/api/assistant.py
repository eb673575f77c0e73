from flask_smorest import Blueprint

bp = Blueprint("assistant", __name__, url_prefix="/api/v1")
