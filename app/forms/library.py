"""Court-form library: the form specs and fillable PDFs in app/forms/data/.

The library lives in ``app/forms/data/``: one ``<form_id>.json`` spec per form, the fillable PDF it
points to (``pdf/<file>.pdf``) and the licence texts (``LICENSES/``).  See ``app/forms/data/README.md``.

Public API
----------
``list_forms(jurisdiction=None, *, case_type=None, language=None, court_type=None) -> list[dict]``
    Summaries ``{id, title, jurisdiction, court_type?, court_types, case_types, language, description,
    fields: [{name, label, type, required, options?}]}``.  ``jurisdiction`` matches case-insensitively,
    either exactly or as a prefix of a hyphenated code (``"US"`` matches ``"US-MA"`` and ``"US-UT"``);
    ``case_type`` and ``court_type`` (a case's values) must be among the spec's ``case_types`` and
    ``court_types``.

``get_form(form_id) -> dict``
    The full spec (a deep copy).  Raises :class:`FormNotFound`.

``build_values(form_id, context, overrides=None) -> dict``
    Resolves each field's ``source`` path against ``context`` (``{"case": {...}, "user": {...},
    "parties": [{"name", "role"}], "today": date}``), applies ``overrides`` (keyed by exact field
    name; they win; ``None`` clears a value) and validates/normalises every value.  Returns only
    the fields that have a value.  Normalised values: text/multiline -> ``str``; date -> ``str``
    formatted with the field's ``format``; checkbox -> ``bool``; radio/choice -> the option string.
    Raises :class:`FormValueInvalid` listing *all* bad fields (``errors: {field: [messages]}``).

``fill(form_id, values, *, flatten=False) -> FilledForm``
    Writes the values into a copy of the PDF with pypdf, generates appearance streams for every
    text/choice widget (and sets ``/NeedAppearances``), sets ``/V`` + ``/AS`` for check boxes and
    radio buttons, moves text that does not fit its box to a generated addendum page and, with
    ``flatten=True``, paints every widget appearance into the page content and removes the form
    fields.  ``values`` are validated exactly like ``build_values`` does (raw or normalised values
    are both accepted).

``FilledForm``: ``pdf_bytes``; ``filled`` (field name -> the value written into the PDF: text as
written, ``"See addendum, item N"`` for overflowed fields, the export value or ``"Off"`` for check
boxes, the option for radio/choice); ``missing_required`` (required fields without a value);
``overflow`` (fields whose text was moved to the addendum, in item order); ``unfilled`` (every spec
field left without a value).

The library directory defaults to ``app/forms/data`` and can be redirected with the environment
variable ``CASEOS_FORMS_DIR`` (read into the configuration; create_app calls :func:`configure`) or by
assigning :data:`FORMS_DIR` (tests do this).

The library's other modules: values.py (build_values), pdf_fields.py, layout.py and render.py (fill).
"""
from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Mapping

from app.models.case import CASE_TYPES, COURT_TYPES  # what a spec may say it fits

__all__ = [
    "FORMS_DIR",
    "FIELD_TYPES",
    "FormNotFound",
    "FormValueInvalid",
    "FilledForm",
    "list_forms",
    "get_form",
    "blank_pdf",
]

FORMS_DIR: Path = Path(__file__).resolve().parent / "data"
FIELD_TYPES = ("text", "multiline", "date", "checkbox", "radio", "choice")
TEXT_TYPES = ("text", "multiline", "date")
DEFAULT_DATE_FORMAT = "%m/%d/%Y"
ADDENDUM_REFERENCE = "See addendum, item {n}"

# Bits of the /Ff field flags (PDF 32000-1:2008, tables 226/228/230).
_FF_MULTILINE = 1 << 12
_FF_RADIO = 1 << 15
_FF_PUSHBUTTON = 1 << 16
_FF_COMBO = 1 << 17
# Annotation flags (/F): Hidden, NoView.
_F_HIDDEN = 1 << 1
_F_NOVIEW = 1 << 5

_LEADING = 1.156  # Helvetica (FontBBox -225..931) line height per point of font size, as pypdf uses


class FormNotFound(Exception):
    """No form with that id in the library."""


class FormValueInvalid(Exception):
    """One or more values are invalid. ``errors`` maps field name -> list of messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in errors.items()}
        summary = "; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items())
        super().__init__(f"invalid form values: {summary}")


@dataclass
class FilledForm:
    pdf_bytes: bytes
    filled: dict = dc_field(default_factory=dict)
    missing_required: list[str] = dc_field(default_factory=list)
    overflow: list[str] = dc_field(default_factory=list)  # fields moved to the addendum
    unfilled: list[str] = dc_field(default_factory=list)  # spec fields left without a value


# --------------------------------------------------------------------------------------------
# Library loading
# --------------------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple, dict[str, dict]]] = {}


# Set by create_app() from the configuration (CASEOS_FORMS_DIR, CASEOS_ADDENDUM_FONT[_BOLD]).
_settings: dict = {"forms_dir": None, "addendum_font": None, "addendum_font_bold": None}


def configure(forms_dir: str | None = None, addendum_font: str | None = None, addendum_font_bold: str | None = None):
    """Use another library folder than FORMS_DIR, and a TTF of one's choice for form addenda."""
    _settings.update(forms_dir=forms_dir, addendum_font=addendum_font, addendum_font_bold=addendum_font_bold)


def _forms_dir() -> Path:
    return Path(_settings["forms_dir"] or FORMS_DIR)


def _library() -> dict[str, dict]:
    directory = _forms_dir()
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    key = str(directory.resolve()) if directory.exists() else str(directory)
    with _cache_lock:
        hit = _cache.get(key)
        if hit and hit[0] == signature:
            return hit[1]
    forms: dict[str, dict] = {}
    for path in files:
        spec = json.loads(path.read_text(encoding="utf-8"))
        _check_spec(spec, path)
        if spec["id"] in forms:
            raise ValueError(f"{path}: duplicate form id {spec['id']!r}")
        spec["_dir"] = str(directory)
        forms[spec["id"]] = spec
    with _cache_lock:
        _cache[key] = (signature, forms)
    return forms


def _check_spec(spec: dict, path: Path) -> None:
    for key in ("id", "title", "jurisdiction", "pdf", "fields"):
        if key not in spec:
            raise ValueError(f"{path}: form spec lacks {key!r}")
    for key, allowed in (("case_types", CASE_TYPES), ("court_types", COURT_TYPES)):
        unknown = set(spec.get(key) or ()) - set(allowed)
        if unknown:
            raise ValueError(f"{path}: {key} has unknown values {sorted(unknown)}")
    if not re.fullmatch(r"[a-z]{2}", spec.get("language", "en")):
        raise ValueError(f"{path}: language must be a two-letter code")
    names = set()
    for f in spec["fields"]:
        if "name" not in f or "type" not in f:
            raise ValueError(f"{path}: field spec lacks name/type: {f!r}")
        if f["type"] not in FIELD_TYPES:
            raise ValueError(f"{path}: field {f['name']!r} has unknown type {f['type']!r}")
        if f["type"] in ("radio", "choice") and not f.get("options"):
            raise ValueError(f"{path}: field {f['name']!r} ({f['type']}) needs options")
        if f.get("template") is not None and (f.get("source") or not isinstance(f["template"], str)):
            raise ValueError(f"{path}: field {f['name']!r}: a template is a string and replaces source")
        if f.get("map") is not None and not isinstance(f["map"], dict):
            raise ValueError(f"{path}: field {f['name']!r}: map must be an object")
        if f["name"] in names:
            raise ValueError(f"{path}: field {f['name']!r} listed twice")
        names.add(f["name"])


def _spec(form_id: str) -> dict:
    forms = _library()
    try:
        return forms[form_id]
    except KeyError:
        raise FormNotFound(form_id) from None


def _public(spec: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in spec.items() if not k.startswith("_")}


def _jurisdiction_matches(value: str, wanted: str) -> bool:
    value, wanted = value.upper(), wanted.upper()
    return value == wanted or value.startswith(wanted + "-")


def _fits(spec: dict, jurisdiction: str | None, case_type: str | None, language: str | None,
          court_type: str | None) -> bool:
    if jurisdiction and not _jurisdiction_matches(spec["jurisdiction"], jurisdiction):
        return False
    if case_type and case_type.upper() not in spec.get("case_types", ()):
        return False
    if court_type and court_type.upper() not in spec.get("court_types", ()):
        return False
    return not language or spec.get("language", "en") == language.lower()


def list_forms(jurisdiction: str | None = None, *, case_type: str | None = None, language: str | None = None,
               court_type: str | None = None) -> list[dict]:
    """Form summaries, filtered by jurisdiction (or a prefix of it), case type, language and court type."""
    out = []
    for spec in sorted(_library().values(), key=lambda s: s["id"]):
        if not _fits(spec, jurisdiction, case_type, language, court_type):
            continue
        summary = {
            "id": spec["id"],
            "title": spec["title"],
            "jurisdiction": spec["jurisdiction"],
            "description": spec.get("description", ""),
            "language": spec.get("language", "en"),
            "case_types": list(spec.get("case_types", ())),
            "court_types": list(spec.get("court_types", ())),
            "fields": [],
        }
        if spec.get("court_type"):
            summary["court_type"] = spec["court_type"]
        for f in spec["fields"]:
            item = {
                "name": f["name"],
                "label": f.get("label", f["name"]),
                "type": f["type"],
                "required": bool(f.get("required", False)),
            }
            if f.get("options"):
                item["options"] = list(f["options"])
            summary["fields"].append(item)
        out.append(summary)
    return out


def get_form(form_id: str) -> dict:
    return _public(_spec(form_id))


def blank_pdf(form_id: str) -> Path:
    """The library's blank fillable PDF of a form."""
    return _pdf_path(_spec(form_id))


def _pdf_path(spec: dict) -> Path:
    return Path(spec["_dir"]) / spec["pdf"]
