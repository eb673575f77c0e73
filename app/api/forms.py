"""Court forms: the template library, and filling one into a document of a case."""
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.extensions import db
from app.schemas.form import FormFillAccepted, FormFillIn, FormList, FormListArgs, FormOut
from app.forms import filling as form_filling
from app.platform import engine

bp = Blueprint("forms", __name__, url_prefix="/api/v1", description="Court forms")


@bp.get("/forms")
@bp.arguments(FormListArgs, location="query")
@bp.response(200, FormList)
def list_(args):
    """Form templates with their fields, filtered by jurisdiction (`US` also matches US-MA ...), case type, court type
    and language."""
    page, per_page = args["page"], args["per_page"]
    items, total = form_filling.list_forms(args.get("jurisdiction"), page, per_page, case_type=args.get("case_type"),
                                           court_type=args.get("court_type"), language=args.get("language"))
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@bp.get("/forms/<string:form_id>")
@bp.response(200, FormOut)
def get(form_id):
    """One form template: its fields, their types, options and where each is prefilled from."""
    return form_filling.get_form(form_id)


@bp.post("/cases/<uuid:case_id>/forms")
@bp.arguments(FormFillIn)
@bp.response(202, FormFillAccepted)
def fill(data, case_id):
    """Fill a form from the case, its parties, your profile and your values; the PDF becomes a case document."""
    accepted = form_filling.request_fill(current_principal(), case_id, data["form_id"], data["values"],
                                         flatten=data["flatten"], title=data.get("title"),
                                         allow_incomplete=data["allow_incomplete"])
    db.session.commit()
    engine.start(accepted.job)
    return accepted
