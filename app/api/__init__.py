"""One blueprint per resource, all under /api/v1 (operations endpoints at the root)."""


def register_blueprints(app, api):
    from app.api import (auth, cases, deadlines, documents, events, forms, jobs, notifications, ops,
                         organizations, parties, search, assistant, audit)
    for module in (auth, organizations, cases, parties, documents, jobs, events, deadlines, notifications,
                   search, forms, assistant, audit):
        api.register_blueprint(module.bp)
    app.register_blueprint(ops.bp)
