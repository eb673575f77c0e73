"""An organization's data, decrypted, in one zip: for the person who leaves (or an operator's hand-over).

    organization.json                     the organization, its members' names and roles
    cases/<title>-<id>/case.json          the case, its parties and deadlines
    cases/<title>-<id>/<filename>         every live document's original bytes, decrypted
    cases/<title>-<id>/<filename>.txt     its extracted text, page by page (when it was read)

The zip holds plaintext: hand it over on an encrypted channel. Exporting is audited.
"""
from __future__ import annotations

import json
import re
import zipfile
from datetime import datetime, timezone

import sqlalchemy as sa

from app.accounts import audit
from app.documents import documents
from app.extensions import db
from app.models import Case, Deadline, Document, Membership, Organization, Party, User
from app.platform.errors import NotFound

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
# Columns that are internal plumbing, not the owner's data.
_SKIP = {"organization_id", "wrapped_key", "storage_key", "normalized_name"}


def _plain(row) -> dict:
    out = {}
    for col in row.__table__.columns:
        if col.key in _SKIP or isinstance(col.type, sa.LargeBinary):
            continue
        v = getattr(row, col.key)
        out[col.key] = v.isoformat() if hasattr(v, "isoformat") else str(v) if v is not None and not isinstance(
            v, (str, int, float, bool, list, dict)) else v
    return out


def _safe(name: str, fallback: str) -> str:
    name = _UNSAFE.sub("_", name or "").strip(" .")[:80]
    return name or fallback


def _write_json(z: zipfile.ZipFile, path: str, data) -> None:
    z.writestr(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))


def _organization(org_id) -> dict:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("Organization not found.")
    members = db.session.execute(sa.select(User.name, Membership.role).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.organization_id == org_id).order_by(User.name)).all()
    return {"id": str(org.id), "name": org.name, "personal": org.personal,
            "exported_at": datetime.now(timezone.utc).isoformat(),
            "members": [{"name": n, "role": r} for n, r in members]}


def _write_case(z: zipfile.ZipFile, case: Case) -> int:
    folder = f"cases/{_safe(case.title, 'case')}-{str(case.id)[:8]}"
    parties = db.session.execute(sa.select(Party).where(Party.case_id == case.id)).scalars().all()
    deadlines = db.session.execute(sa.select(Deadline).where(Deadline.case_id == case.id)).scalars().all()
    _write_json(z, f"{folder}/case.json", {"case": _plain(case), "parties": [_plain(p) for p in parties],
                                            "deadlines": [_plain(d) for d in deadlines]})
    docs = db.session.execute(sa.select(Document).where(Document.case_id == case.id, Document.deleted_at.is_(None))
                              .order_by(Document.created_at)).scalars().all()
    for doc in docs:
        name = f"{folder}/{str(doc.id)[:8]}-{_safe(doc.filename, 'document')}"
        if doc.wrapped_key:
            with z.open(name, "w", force_zip64=True) as out:
                for chunk in documents.open_plaintext(doc):
                    out.write(chunk)
        pages = documents.page_texts(doc)
        if pages:
            z.writestr(f"{name}.txt", "\n\f\n".join(p["text"] for p in pages))
    return len(docs)


def export_organization(org_id, dest, *, by: str = "operator") -> dict:
    """Write the organization's cases and documents (decrypted) to dest, a path or a binary file."""
    info = _organization(org_id)
    cases = db.session.execute(sa.select(Case).where(Case.organization_id == org_id, Case.deleted_at.is_(None))
                               .order_by(Case.created_at)).scalars().all()
    n_docs = 0
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        _write_json(z, "organization.json", info)
        for case in cases:
            n_docs += _write_case(z, case)
    counts = {"cases": len(cases), "documents": n_docs}
    audit.record("organization.export", "organization", org_id, organization_id=org_id, details={"by": by, **counts})
    db.session.commit()
    return counts
