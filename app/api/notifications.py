"""Notifications: the caller's in-app notifications, in every organization."""
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.extensions import db
from app.schemas.deadline import NotificationEnvelope, NotificationList, NotificationListArgs
from app.cases import notifications

bp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Notifications")


@bp.get("/notifications")
@bp.arguments(NotificationListArgs, location="query")
@bp.response(200, NotificationList)
def list_(args):
    """Your notifications, newest first (unread=true for the unread ones only)."""
    page, per_page = args["page"], args["per_page"]
    items, total = notifications.list_notifications(current_principal(), unread=args["unread"], page=page,
                                                    per_page=per_page)
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@bp.post("/notifications/<uuid:notification_id>/read")
@bp.response(200, NotificationEnvelope)
def read(notification_id):
    """Mark one of your notifications read."""
    notification = notifications.mark_read(current_principal(), notification_id)
    db.session.commit()
    return {"notification": notification}
