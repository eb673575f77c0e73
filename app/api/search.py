"""Full-text search over the documents the caller may read."""
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.schemas.search import SearchArgs, SearchResults
from app.search import search

bp = Blueprint("search", __name__, url_prefix="/api/v1", description="Search")


@bp.get("/search")
@bp.arguments(SearchArgs, location="query")
@bp.response(200, SearchResults)
def search_(args):
    """Search document text and titles: quotes for phrases, OR, and -word to exclude."""
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = search.search(current_principal(), args.pop("q"), page=page, per_page=per_page, **args)
    shown, more = search.shown_total(total)
    return {"items": items, "page": page, "per_page": per_page, "total": shown, "total_is_lower_bound": more}
