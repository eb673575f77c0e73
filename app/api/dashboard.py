"""The signed-in person's dashboard and a case's insights (read-only views)."""
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.assistant import insights
from app.cases import dashboard
from app.schemas.dashboard import DashboardOut, InsightsOut

bp = Blueprint("dashboard", __name__, url_prefix="/api/v1", description="Dashboard and case insights")


@bp.get("/dashboard")
@bp.response(200, DashboardOut)
def get_dashboard():
    """Your next deadlines across your cases, papers being read, recent notifications, cases needing you."""
    return dashboard.dashboard(current_principal())


@bp.get("/cases/<uuid:case_id>/insights")
@bp.response(200, InsightsOut)
def case_insights(case_id):
    """What is due next in a case, what is missing, what waits for your confirmation, and forms that fit."""
    return insights.case_insights(current_principal(), case_id)
