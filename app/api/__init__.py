"""One blueprint per resource, all under /api/v1 (operations endpoints at the root)."""
from app.api import (assistant, audit, auth, cases, dashboard, deadlines, documents, events, forms, invitations, jobs,
                     notifications, oidc, openapi, ops, organizations, parties, search, security)

RESOURCES = (auth, organizations, invitations, cases, parties, documents, jobs, events, deadlines, notifications, search,
             forms, assistant, audit, dashboard, oidc)


def register_blueprints(app, api):
    for module in RESOURCES:
        api.register_blueprint(module.bp)
    app.register_blueprint(ops.bp)
    openapi.declare_security(app, api, security.PUBLIC_ENDPOINTS)
    openapi.declare_uri_limit(api)
