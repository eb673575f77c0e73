"""The audit trail of an organization (OWNERs only)."""
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.schemas.audit import AuditArgs, AuditList
from app.accounts import audit

bp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit")


@bp.get("/audit")
@bp.arguments(AuditArgs, location="query")
@bp.response(200, AuditList)
def list_(args):
    """Who did what, when, to which resource (newest first)."""
    principal = current_principal()
    principal.require_owner()
    items, total = audit.list_events(principal.org_id, args.get("case_id"), args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}
