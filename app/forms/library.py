"""Court-form library and form-filling service.

The library lives in ``app/forms/data/``: one ``<form_id>.json`` spec per form, the fillable PDF it
points to (``pdf/<file>.pdf``) and the licence texts (``LICENSES/``).  See ``app/forms/data/README.md``.

Public API
----------
``list_forms(jurisdiction=None) -> list[dict]``
    Summaries ``{id, title, jurisdiction, court_type?, description, fields: [{name, label, type,
    required, options?}]}``.  ``jurisdiction`` matches case-insensitively, either exactly or as a
    prefix of a hyphenated code (``"US"`` matches ``"US-MA"`` and ``"US-UT"``).

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
``overflow`` (fields whose text was moved to the addendum, in item order).

The library directory defaults to ``app/forms/data`` and can be redirected with the environment
variable ``CASEOS_FORMS_DIR`` or by assigning :data:`FORMS_DIR` (tests do this).

Implementation notes (pypdf 7.1.1, fpdf2 2.8):

* Text appearances come from ``PdfWriter.update_page_form_field_values(None, {...},
  auto_regenerate=True)``. Each value is passed as ``(text, "", size)``. For multiline fields the
  text is pre-wrapped, because pypdf only wraps when the size is automatic. ``/V`` is then reset to
  the caller's unwrapped text, so ``/V`` holds the real value while ``/AP /N`` shows the wrapped
  layout. ``/NeedAppearances`` is true, so viewers that regenerate appearances can do so.
* Check boxes and radio buttons are set directly: ``/V`` = ``/<export>`` on the field, and ``/AS``
  on each widget is the export value where its ``/AP /N`` has it, otherwise ``/Off``.
* Overflow test: string widths from fpdf2's Helvetica/Times/Courier metrics at the ``/DA`` size,
  wrapped to the widget width (pypdf's padding subtracted). Lines have to fit the height
  (multiline), and the length has to respect ``/MaxLen``. Auto-sized (``0 Tf``) fields may shrink
  to 7 pt. Text that doesn't fit is written in full on an fpdf2 addendum page appended to the PDF,
  and the field gets "See addendum, item N" (shortened for tiny boxes). A DejaVu/Arial TTF is used
  when one is installed (``CASEOS_ADDENDUM_FONT`` overrides this); otherwise Helvetica, with
  characters outside Latin-1 replaced.
* Flattening: pypdf 7.1.1's ``update_page_form_field_values(flatten=True)`` only paints the fields
  being updated and keeps the widget annotations. ``remove_annotations`` drops them without
  painting. ``fill(flatten=True)`` therefore paints every visible widget's normal appearance (the
  ``/AS`` state for buttons; push buttons skipped) into the page content as a form XObject mapped
  ``/BBox`` × ``/Matrix`` → ``/Rect``, then removes the widgets and ``/AcroForm``.
"""

from __future__ import annotations

import copy
import io
import json
import math
import os
import re
import threading
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

__all__ = [
    "FORMS_DIR",
    "FIELD_TYPES",
    "FormNotFound",
    "FormValueInvalid",
    "FilledForm",
    "list_forms",
    "get_form",
    "build_values",
    "fill",
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


# --------------------------------------------------------------------------------------------
# Library loading
# --------------------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple, dict[str, dict]]] = {}


def _forms_dir() -> Path:
    env = os.environ.get("CASEOS_FORMS_DIR")
    return Path(env) if env else Path(FORMS_DIR)


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
    names = set()
    for f in spec["fields"]:
        if "name" not in f or "type" not in f:
            raise ValueError(f"{path}: field spec lacks name/type: {f!r}")
        if f["type"] not in FIELD_TYPES:
            raise ValueError(f"{path}: field {f['name']!r} has unknown type {f['type']!r}")
        if f["type"] in ("radio", "choice") and not f.get("options"):
            raise ValueError(f"{path}: field {f['name']!r} ({f['type']}) needs options")
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


def list_forms(jurisdiction: str | None = None) -> list[dict]:
    out = []
    for spec in sorted(_library().values(), key=lambda s: s["id"]):
        if jurisdiction and not _jurisdiction_matches(spec["jurisdiction"], jurisdiction):
            continue
        summary = {
            "id": spec["id"],
            "title": spec["title"],
            "jurisdiction": spec["jurisdiction"],
            "description": spec.get("description", ""),
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


# --------------------------------------------------------------------------------------------
# Values: context resolution and validation
# --------------------------------------------------------------------------------------------

_MISSING = object()


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return _MISSING
    if isinstance(obj, Mapping):
        return obj.get(key, _MISSING)
    if isinstance(obj, (list, tuple)) and key.isdigit():
        idx = int(key)
        return obj[idx] if idx < len(obj) else _MISSING
    return getattr(obj, key, _MISSING)


def _role_of(party: Any) -> str:
    role = _get(party, "role")
    if role is _MISSING or role is None:
        return ""
    role = getattr(role, "value", role)  # enums
    return str(role).upper()


def _resolve(path: str, context: Mapping[str, Any]) -> Any:
    """Resolve a dotted source path; returns None when anything along the way is missing."""
    if path == "today":
        today = _get(context, "today")
        return date.today() if today is _MISSING or today is None else today
    parts = path.split(".")
    if parts[0] == "party" and len(parts) >= 3:
        role = parts[1].upper()
        attr = ".".join(parts[2:])
        all_parties = _get(context, "parties")
        all_parties = [] if all_parties is _MISSING or all_parties is None else all_parties
        parties = [p for p in all_parties if _role_of(p) == role]
        if attr == "names":  # every party with that role, comma separated
            names = [str(_get(p, "name")) for p in parties if _get(p, "name") not in (_MISSING, None, "")]
            return ", ".join(names) if names else None
        if not parties:
            return None
        return _walk(parties[0], parts[2:])
    return _walk(context, parts)


def _walk(obj: Any, parts: list[str]) -> Any:
    for part in parts:
        obj = _get(obj, part)
        if obj is _MISSING or obj is None:
            return None
    return obj


def _normalize(f: dict, value: Any) -> tuple[Any, str | None]:
    """Return (normalised value, error message or None). ``value`` is never None here."""
    ftype = f["type"]
    if ftype in ("text", "multiline"):
        if isinstance(value, bool):
            return None, "expected text, got a boolean"
        if isinstance(value, (int, float, Decimal)):
            if isinstance(value, float) and not math.isfinite(value):
                return None, "expected text, got a non-finite number"
            return str(value), None
        if isinstance(value, str):
            return value, None
        return None, f"expected text, got {type(value).__name__}"
    if ftype == "date":
        fmt = f.get("format") or DEFAULT_DATE_FORMAT
        if isinstance(value, datetime):
            return value.date().strftime(fmt), None
        if isinstance(value, date):
            return value.strftime(fmt), None
        if isinstance(value, str):
            s = value.strip()
            try:
                return date.fromisoformat(s).strftime(fmt), None
            except ValueError:
                pass
            try:  # already formatted the way the form wants it
                return datetime.strptime(s, fmt).date().strftime(fmt), None
            except ValueError:
                pass
            return None, f"invalid date {value!r}: expected a date or 'YYYY-MM-DD'"
        return None, f"invalid date: expected a date or 'YYYY-MM-DD', got {type(value).__name__}"
    if ftype == "checkbox":
        export = f.get("export_value") or "Yes"
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str):
            s = value[1:] if value.startswith("/") else value
            if s == export:
                return True, None
            if s == "Off":
                return False, None
        return None, f"invalid checkbox value {value!r}: expected true/false or {export!r}"
    if ftype in ("radio", "choice"):
        options = [str(o) for o in f.get("options", [])]
        labels = f.get("option_labels") or {}
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            s = value[1:] if (ftype == "radio" and value.startswith("/")) else value
            if s in options:
                return s, None
            for opt, label in labels.items():
                if s == label and opt in options:
                    return opt, None
        return None, f"invalid option {value!r}: expected one of {options}"
    return None, f"unsupported field type {ftype!r}"  # pragma: no cover - guarded at load


def _validate(spec: dict, raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = {f["name"]: f for f in spec["fields"]}
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name, value in raw.items():
        f = fields.get(name)
        if f is None:
            errors.setdefault(name, []).append(f"unknown field {name!r} for form {spec['id']!r}")
            continue
        if value is None:
            continue
        norm, err = _normalize(f, value)
        if err:
            errors.setdefault(name, []).append(err)
        else:
            out[name] = norm
    if errors:
        raise FormValueInvalid(errors)
    return out


def build_values(form_id: str, context: Mapping[str, Any] | None, overrides: Mapping[str, Any] | None = None) -> dict:
    spec = _spec(form_id)
    context = context or {}
    raw: dict[str, Any] = {}
    for f in spec["fields"]:
        sources = f.get("source")
        if not sources:
            continue
        for src in [sources] if isinstance(sources, str) else list(sources):
            value = _resolve(src, context)
            if value is not None and value != "":
                raw[f["name"]] = value
                break
    errors: dict[str, list[str]] = {}
    known = {f["name"] for f in spec["fields"]}
    for name, value in (overrides or {}).items():
        if name not in known:
            errors.setdefault(name, []).append(f"unknown field {name!r} for form {spec['id']!r}")
            continue
        if value is None:
            raw.pop(name, None)
        else:
            raw[name] = value
    try:
        values = _validate(spec, raw)
    except FormValueInvalid as exc:
        for k, msgs in exc.errors.items():
            errors.setdefault(k, []).extend(msgs)
        values = {}
    if errors:
        raise FormValueInvalid(errors)
    # keep the spec's field order
    order = [f["name"] for f in spec["fields"]]
    return {name: values[name] for name in order if name in values}


# --------------------------------------------------------------------------------------------
# PDF field introspection
# --------------------------------------------------------------------------------------------

@dataclass
class _PdfField:
    name: str
    node: DictionaryObject           # terminal field dictionary (holds /V)
    ft: str | None
    flags: int
    widgets: list[DictionaryObject]
    da: str | None
    maxlen: int | None
    extra_nodes: list = dc_field(default_factory=list)  # same name defined twice (malformed PDFs)

    def set_value(self, value: Any) -> None:
        for node in [self.node, *self.extra_nodes]:
            node[NameObject("/V")] = value

    def on_states(self) -> list[str]:
        states: list[str] = []
        for w in self.widgets:
            ap = w.get("/AP")
            n = ap.get_object().get("/N") if ap is not None else None
            if isinstance(n, DictionaryObject) and not hasattr(n, "get_data"):
                for k in n.keys():
                    if k != "/Off" and k[1:] not in states:
                        states.append(k[1:])
        return states


def _inherited(node: DictionaryObject, key: str) -> Any:
    seen = 0
    while node is not None and seen < 64:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
        seen += 1
    return None


def _collect_fields(root: DictionaryObject) -> dict[str, _PdfField]:
    acro = root.get("/AcroForm")
    if acro is None:
        return {}
    acro = acro.get_object()
    acro_da = acro.get("/DA")
    out: dict[str, _PdfField] = {}

    def visit(node: DictionaryObject, prefix: str, depth: int) -> None:
        if depth > 32:
            return
        t = node.get("/T")
        name = prefix if t is None else (f"{prefix}.{t}" if prefix else str(t))
        kids = node.get("/Kids")
        field_kids = []
        widget_kids = []
        if kids is not None:
            for k in kids.get_object():
                k = k.get_object()
                (field_kids if "/T" in k else widget_kids).append(k)
        for k in field_kids:
            visit(k, name, depth + 1)
        if field_kids and not widget_kids:
            return
        widgets = widget_kids if kids is not None else [node]
        if not widgets or not name:
            return
        ft = _inherited(node, "/FT")
        da = node.get("/DA") or _inherited(node, "/DA") or acro_da
        maxlen = _inherited(node, "/MaxLen")
        if name in out:  # same name appearing twice: merge widgets
            known = out[name]
            known.widgets.extend(w for w in widgets if all(w is not k for k in known.widgets))
            if node is not known.node:
                known.extra_nodes.append(node)
            return
        out[name] = _PdfField(
            name=name,
            node=node,
            ft=str(ft) if ft is not None else None,
            flags=int(_inherited(node, "/Ff") or 0),
            widgets=list(widgets),
            da=str(da) if da is not None else None,
            maxlen=int(maxlen) if maxlen is not None else None,
        )

    for f in acro.get("/Fields", []) or []:
        visit(f.get_object(), "", 0)
    return out


def pdf_field_info(pdf: str | Path | bytes) -> dict[str, dict]:
    """Describe the AcroForm fields of a PDF (used to write and check library specs)."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf))
    info = {}
    for name, f in _collect_fields(reader.trailer["/Root"]).items():
        rects = [[float(x) for x in w["/Rect"]] for w in f.widgets if "/Rect" in w]
        item = {
            "ft": f.ft,
            "flags": f.flags,
            "da": f.da,
            "maxlen": f.maxlen,
            "widgets": len(f.widgets),
            "sizes": [(round(abs(r[2] - r[0]), 1), round(abs(r[3] - r[1]), 1)) for r in rects],
        }
        if f.ft == "/Btn":
            item["states"] = f.on_states()
        if f.ft == "/Ch":
            item["options"] = [o if isinstance(o, str) else str(o[0]) for o in (_inherited(f.node, "/Opt") or [])]
        info[name] = item
    return info


# --------------------------------------------------------------------------------------------
# Text layout estimation (decides what overflows into the addendum)
# --------------------------------------------------------------------------------------------

_DA_TF = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+([-+]?\d*\.?\d+)\s+Tf")


def _parse_da(da: str | None) -> tuple[str, float]:
    if not da:
        return "Helv", 0.0
    raw = da.encode("latin-1", "replace")
    found = _DA_TF.findall(raw)
    if not found:
        return "Helv", 0.0
    font, size = found[-1]
    return font.decode("latin-1"), float(size)


class _Metrics:
    """String widths in points, from fpdf2's core-font metrics (Helvetica / Times / Courier)."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self._pdf = FPDF(unit="pt")
        self._current: tuple[str, float] | None = None

    @staticmethod
    def family(font_name: str) -> str:
        n = font_name.lower()
        if "cour" in n:
            return "courier"
        if "tim" in n or "tiro" in n or "serif" in n:
            return "times"
        return "helvetica"

    def width(self, text: str, family: str, size: float) -> float:
        if self._current != (family, size):
            self._pdf.set_font(family, size=size)
            self._current = (family, size)
        safe = "".join(c if ord(c) < 256 else "m" for c in text)
        try:
            return float(self._pdf.get_string_width(safe))
        except Exception:  # pragma: no cover - defensive
            return len(text) * size * 0.55


@dataclass
class _Box:
    width: float      # usable text width
    height: float     # usable text height
    multiline: bool
    font: str         # fpdf family used for measuring
    size: float       # DA size; 0 = auto
    maxlen: int | None


def _box_for(f: _PdfField) -> _Box:
    widths, heights = [], []
    for w in f.widgets:
        if "/Rect" not in w:
            continue
        r = [float(x) for x in w["/Rect"]]
        bw = 1.0
        bs = w.get("/BS") or f.node.get("/BS")
        if bs is not None:
            bs = bs.get_object()
            try:
                bw = float(bs.get("/W", 1))
            except (TypeError, ValueError):
                bw = 1.0
            if bs.get("/S") in ("/B", "/I"):
                bw *= 2
        pad = max(bw, 1.0)
        widths.append(abs(r[2] - r[0]) - 6 * pad)
        heights.append(abs(r[3] - r[1]) - 2 * bw)
    font, size = _parse_da(f.da)
    return _Box(
        width=max(min(widths) if widths else 0.0, 1.0),
        height=max(min(heights) if heights else 0.0, 1.0),
        multiline=bool(f.flags & _FF_MULTILINE),
        font=_Metrics.family(font),
        size=size,
        maxlen=f.maxlen,
    )


def _wrap(text: str, box: _Box, size: float, m: _Metrics) -> list[str]:
    lines: list[str] = []
    for para in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        words = para.split(" ")
        line = ""
        for word in words:
            candidate = word if not line else f"{line} {word}"
            if m.width(candidate, box.font, size) <= box.width:
                line = candidate
                continue
            if line:
                lines.append(line)
                line = ""
            # the word alone is too long: hard-break it (binary search for the longest prefix that fits)
            while word and m.width(word, box.font, size) > box.width:
                lo, hi = 1, len(word)
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if m.width(word[:mid], box.font, size) <= box.width:
                        lo = mid
                    else:
                        hi = mid - 1
                lines.append(word[:lo])
                word = word[lo:]
            line = word
        lines.append(line)
    return lines


def _candidate_sizes(box: _Box) -> list[float]:
    if box.size > 0:
        return [box.size]
    if box.multiline:
        top, low = 10.0, 7.0
    else:
        top = min(11.0, max(6.0, box.height / _LEADING))
        low = min(top, 7.0)
    sizes, s = [], top
    while s >= low - 1e-9:
        sizes.append(round(s, 1))
        s -= 0.5
    return sizes or [top]


def _layout(text: str, box: _Box, m: _Metrics) -> tuple[str, float] | None:
    """Return (text to draw, font size) if ``text`` fits the box, else None."""
    if box.maxlen is not None and len(text) > box.maxlen:
        return None
    for size in _candidate_sizes(box):
        if box.multiline:
            lines = _wrap(text, box, size, m)
            max_lines = max(1, int((box.height + 0.5) // (_LEADING * size)))
            if len(lines) <= max_lines:
                return "\n".join(lines), size
        else:
            if "\n" in text or "\r" in text:
                return None
            if m.width(text, box.font, size) <= box.width:
                return text, size
    return None


def estimate_max_chars(sizes: Iterable[tuple[float, float]], da: str | None, flags: int,
                       maxlen: int | None) -> int:
    """Rough capacity (characters) of a text field: width / (size * 0.5) per line, lines by height."""
    _, size = _parse_da(da)
    multiline = bool(flags & _FF_MULTILINE)
    size = size or 10.0  # auto-sized fields: assume 10 pt
    best = None
    for w, h in sizes:
        per_line = max(1, int((w - 6) // (size * 0.5)))
        lines = max(1, int((h - 2) // (_LEADING * size))) if multiline else 1
        cap = per_line * lines
        best = cap if best is None else min(best, cap)
    best = best or 0
    if maxlen is not None:
        best = min(best, maxlen) if best else maxlen
    return best


# --------------------------------------------------------------------------------------------
# Filling
# --------------------------------------------------------------------------------------------

def _is_empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _set_button(f: _PdfField, state: str) -> None:
    """Set /V on the field and /AS on each widget (widgets lacking that state show /Off)."""
    on = NameObject("/" + state) if state != "Off" else NameObject("/Off")
    f.set_value(on)
    for w in f.widgets:
        ap = w.get("/AP")
        n = ap.get_object().get("/N") if ap is not None else None
        has = isinstance(n, DictionaryObject) and on in n
        w[NameObject("/AS")] = on if has else NameObject("/Off")


def _reference_text(n: int, box: _Box, m: _Metrics) -> tuple[str, float]:
    candidates = [ADDENDUM_REFERENCE.format(n=n), f"See addendum {n}", f"See add. {n}", f"Add. {n}", f"A{n}"]
    for text in candidates:
        laid = _layout(text, box, m)
        if laid:
            return text, laid[1]
    text = candidates[-1]
    if box.maxlen is not None:
        text = text[: box.maxlen]
    return text, (box.size or _candidate_sizes(box)[-1])


def fill(form_id: str, values: Mapping[str, Any], *, flatten: bool = False) -> FilledForm:
    spec = _spec(form_id)
    values = _validate(spec, values or {})
    specs = {f["name"]: f for f in spec["fields"]}

    writer = PdfWriter(clone_from=str(_pdf_path(spec)))
    pdf_fields = _collect_fields(writer.root_object)
    missing_in_pdf = [n for n in values if n not in pdf_fields]
    if missing_in_pdf:  # library bug, not user error
        raise ValueError(f"form {form_id!r}: spec fields not found in PDF: {missing_in_pdf}")

    metrics = _Metrics()
    filled: dict[str, Any] = {}
    overflow: list[str] = []
    addendum_items: list[tuple[int, str, str]] = []
    text_updates: dict[str, tuple[str, str, float] | str] = {}
    final_v: dict[str, str] = {}

    for name, value in values.items():
        fs = specs[name]
        pf = pdf_fields[name]
        ftype = fs["type"]
        if ftype in TEXT_TYPES:
            text = str(value)
            box = _box_for(pf)
            laid = _layout(text, box, metrics)
            if laid is None:
                n = len(addendum_items) + 1
                addendum_items.append((n, fs.get("label") or name, text))
                overflow.append(name)
                text, size = _reference_text(n, box, metrics)
                drawn = text
            else:
                drawn, size = laid
            text_updates[name] = (drawn, "", size)
            final_v[name] = text
            filled[name] = text
        elif ftype == "choice":
            text_updates[name] = str(value)
            filled[name] = str(value)
        elif ftype == "checkbox":
            export = fs.get("export_value") or (pf.on_states() or ["Yes"])[0]
            state = export if value else "Off"
            _set_button(pf, state)
            filled[name] = state
        elif ftype == "radio":
            _set_button(pf, str(value))
            filled[name] = str(value)

    flag_field = spec.get("addendum_field")
    if addendum_items and flag_field and flag_field in pdf_fields and flag_field not in values:
        fs = specs.get(flag_field, {})
        export = fs.get("export_value") or (pdf_fields[flag_field].on_states() or ["Yes"])[0]
        _set_button(pdf_fields[flag_field], export)
        filled[flag_field] = export

    writer.set_need_appearances_writer(True)
    if text_updates:
        writer.update_page_form_field_values(None, text_updates, auto_regenerate=True)
        # pypdf wrote the laid-out (pre-wrapped) text into /V; keep the caller's text as the value
        for name, text in final_v.items():
            pdf_fields[name].set_value(TextStringObject(text))

    if addendum_items:
        first = writer.pages[0].mediabox
        page_size = (float(first.width), float(first.height))
        addendum = _render_addendum(addendum_items, spec, values, page_size)
        for page in PdfReader(io.BytesIO(addendum)).pages:
            writer.add_page(page)

    if flatten:
        _flatten(writer)

    buf = io.BytesIO()
    writer.write(buf)
    missing_required = [
        f["name"] for f in spec["fields"] if f.get("required") and _is_empty(values.get(f["name"]))
    ]
    order = [f["name"] for f in spec["fields"]]
    if flag_field and flag_field not in order:
        order.append(flag_field)
    filled = {k: filled[k] for k in order if k in filled}
    return FilledForm(pdf_bytes=buf.getvalue(), filled=filled, missing_required=missing_required,
                      overflow=overflow)


# --------------------------------------------------------------------------------------------
# Addendum rendering (fpdf2)
# --------------------------------------------------------------------------------------------

_UNICODE_FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)


def _unicode_font() -> tuple[str, str] | None:
    env = os.environ.get("CASEOS_ADDENDUM_FONT")
    if env and Path(env).is_file():
        bold = os.environ.get("CASEOS_ADDENDUM_FONT_BOLD", env)
        return env, bold if Path(bold).is_file() else env
    for regular, bold in _UNICODE_FONT_CANDIDATES:
        if Path(regular).is_file():
            return regular, bold if Path(bold).is_file() else regular
    return None


_LATIN1_FALLBACKS = str.maketrans({
    "\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2026": "...", "\u00a0": " ", "\u2022": "*",
})


def _render_addendum(items: list[tuple[int, str, str]], spec: dict, values: Mapping[str, Any],
                     page_size: tuple[float, float]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=page_size)
    pdf.set_margins(54, 54, 54)
    pdf.set_auto_page_break(True, margin=54)
    pdf.set_title(f"Addendum to {spec['title']}")
    ttf = _unicode_font()
    if ttf:
        pdf.add_font("addendum", "", ttf[0])
        pdf.add_font("addendum", "B", ttf[1])
        family = "addendum"

        def clean(s: str) -> str:
            return s
    else:
        family = "helvetica"

        def clean(s: str) -> str:
            return s.translate(_LATIN1_FALLBACKS).encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    pdf.set_font(family, "B", 14)
    pdf.multi_cell(0, 18, clean("ADDENDUM"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    subtitle = f"to {spec['title']}"
    docket = next((str(values[n]) for n in ("docket_number", "case_number") if values.get(n)), None)
    if docket:
        subtitle += f" - Docket/Case No. {docket}"
    pdf.multi_cell(0, 13, clean(subtitle), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for n, label, text in items:
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(0, 15, clean(f"Item {n}. ADDENDUM \u2014 continued from field {label}"), align="L",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 11)
        pdf.multi_cell(0, 14, clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)
    return bytes(pdf.output())


# --------------------------------------------------------------------------------------------
# Flattening
# --------------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def _flatten(writer: PdfWriter) -> None:
    """Paint every widget's normal appearance into its page, then drop widgets and the AcroForm."""
    counter = 0
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        annots = annots.get_object()
        keep = ArrayObject()
        ops: list[str] = []
        xobjects: dict[str, Any] = {}
        for ref in annots:
            a = ref.get_object()
            if a.get("/Subtype") != "/Widget":
                keep.append(ref)
                continue
            flags = int(a.get("/F", 0))
            if flags & (_F_HIDDEN | _F_NOVIEW):
                continue
            if _inherited(a, "/FT") == "/Btn" and int(_inherited(a, "/Ff") or 0) & _FF_PUSHBUTTON:
                continue  # print/reset buttons are screen-only
            ap = a.get("/AP")
            if ap is None:
                continue
            ap = ap.get_object()
            n_raw = ap.raw_get("/N") if "/N" in ap else None
            if n_raw is None:
                continue
            n_obj = n_raw.get_object()
            if not hasattr(n_obj, "get_data"):  # state dictionary (buttons)
                state = a.get("/AS")
                if state is None or state not in n_obj:
                    continue
                n_raw = n_obj.raw_get(state)
                n_obj = n_raw.get_object()
            if not hasattr(n_obj, "get_data") or "/BBox" not in n_obj:
                continue
            if not isinstance(n_raw, IndirectObject):
                n_raw = writer._add_object(n_obj)  # noqa: SLF001 - streams must be indirect
            if "/Subtype" not in n_obj:
                n_obj[NameObject("/Type")] = NameObject("/XObject")
                n_obj[NameObject("/Subtype")] = NameObject("/Form")
            bbox = [float(x) for x in n_obj["/BBox"]]
            mat = [float(x) for x in n_obj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
            corners = [(bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[3])]
            tx = [mat[0] * x + mat[2] * y + mat[4] for x, y in corners]
            ty = [mat[1] * x + mat[3] * y + mat[5] for x, y in corners]
            bx0, bx1, by0, by1 = min(tx), max(tx), min(ty), max(ty)
            r = [float(x) for x in a["/Rect"]]
            rx0, rx1, ry0, ry1 = min(r[0], r[2]), max(r[0], r[2]), min(r[1], r[3]), max(r[1], r[3])
            sx = (rx1 - rx0) / (bx1 - bx0) if bx1 > bx0 else 1.0
            sy = (ry1 - ry0) / (by1 - by0) if by1 > by0 else 1.0
            counter += 1
            xname = f"/CaseOSFlat{counter}"
            xobjects[xname] = n_raw
            ops.append(f"q {_fmt(sx)} 0 0 {_fmt(sy)} {_fmt(rx0 - bx0 * sx)} {_fmt(ry0 - by0 * sy)} cm {xname} Do Q")
        if xobjects:
            if "/Resources" not in page:
                inherited = page.get_inherited("/Resources", DictionaryObject()) if hasattr(page, "get_inherited") else DictionaryObject()
                page[NameObject("/Resources")] = copy.copy(inherited.get_object()) if inherited else DictionaryObject()
            res = page["/Resources"].get_object()
            if "/XObject" not in res:
                res[NameObject("/XObject")] = DictionaryObject()
            xres = res["/XObject"].get_object()
            for k, v in xobjects.items():
                xres[NameObject(k)] = v
            existing = page.get_contents()
            data = existing.get_data() if existing is not None else b""
            stream = ContentStream(None, None)
            stream.set_data(b"q\n" + data + b"\nQ\n" + "\n".join(ops).encode("latin-1") + b"\n")
            page.replace_contents(stream)
        if len(keep):
            page[NameObject("/Annots")] = keep
        else:
            del page["/Annots"]
    if "/AcroForm" in writer.root_object:
        del writer.root_object["/AcroForm"]
