"""Filling a form's PDF: values written, appearances generated, overflow to an addendum, optional flattening.

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
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any, Mapping
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

from app.forms.layout import _Box, _Metrics, _box_for, _candidate_sizes, _layout
from app.forms import library
from app.forms.library import ADDENDUM_REFERENCE, FilledForm, TEXT_TYPES, _FF_PUSHBUTTON, _F_HIDDEN, _F_NOVIEW, _pdf_path, _spec
from app.forms.pdf_fields import _PdfField, _collect_fields, _inherited
from app.forms.field_values import _validate

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


@dataclass
class _Written:
    """What filling wrote so far: shown values, overflowed fields, addendum items, text updates."""
    filled: dict = dc_field(default_factory=dict)
    overflow: list = dc_field(default_factory=list)
    addendum: list = dc_field(default_factory=list)       # (n, label, text)
    text_updates: dict = dc_field(default_factory=dict)   # name -> (drawn, "", size) or choice string
    final_v: dict = dc_field(default_factory=dict)        # name -> the caller's text, kept as /V


def fill(form_id: str, values: Mapping[str, Any], *, flatten: bool = False) -> FilledForm:
    spec = _spec(form_id)
    values = _validate(spec, values or {})
    specs = {f["name"]: f for f in spec["fields"]}
    writer = PdfWriter(clone_from=str(_pdf_path(spec)))
    pdf_fields = _collect_fields(writer.root_object)
    missing_in_pdf = [n for n in values if n not in pdf_fields]
    if missing_in_pdf:  # library bug, not user error
        raise ValueError(f"form {form_id!r}: spec fields not found in PDF: {missing_in_pdf}")

    out, metrics = _Written(), _Metrics()
    for name, value in values.items():
        _write_value(name, specs[name], pdf_fields[name], value, out, metrics)
    flag_field = spec.get("addendum_field")
    if out.addendum and flag_field and flag_field in pdf_fields and flag_field not in values:
        fs = specs.get(flag_field, {})
        export = fs.get("export_value") or (pdf_fields[flag_field].on_states() or ["Yes"])[0]
        _set_button(pdf_fields[flag_field], export)
        out.filled[flag_field] = export

    acro = writer.root_object["/AcroForm"].get_object()
    if "/XFA" in acro:  # an XFA-aware viewer would show the (empty) XFA data instead of our values
        del acro["/XFA"]
    writer.set_need_appearances_writer(True)
    if out.text_updates:
        writer.update_page_form_field_values(None, out.text_updates, auto_regenerate=True)
        # pypdf wrote the laid-out (pre-wrapped) text into /V; keep the caller's text as the value
        for name, text in out.final_v.items():
            pdf_fields[name].set_value(TextStringObject(text))
    if out.addendum:
        first = writer.pages[0].mediabox
        addendum = _render_addendum(out.addendum, spec, values, (float(first.width), float(first.height)))
        for page in PdfReader(io.BytesIO(addendum)).pages:
            writer.add_page(page)
    if flatten:
        _flatten(writer)

    buf = io.BytesIO()
    writer.write(buf)
    missing_required = [f["name"] for f in spec["fields"] if f.get("required") and _is_empty(values.get(f["name"]))]
    order = [f["name"] for f in spec["fields"]]
    if flag_field and flag_field not in order:
        order.append(flag_field)
    filled = {k: out.filled[k] for k in order if k in out.filled}
    unfilled = [f["name"] for f in spec["fields"] if _is_empty(values.get(f["name"]))]
    return FilledForm(pdf_bytes=buf.getvalue(), filled=filled, missing_required=missing_required,
                      overflow=out.overflow, unfilled=unfilled)


def _write_value(name: str, fs: dict, pf: _PdfField, value: Any, out: _Written, metrics: _Metrics) -> None:
    """One field's value into the PDF (text laid out, or moved to the addendum when it does not fit)."""
    ftype = fs["type"]
    if ftype in TEXT_TYPES:
        text = str(value)
        box = _box_for(pf)
        laid = _layout(text, box, metrics)
        if laid is None:
            n = len(out.addendum) + 1
            out.addendum.append((n, fs.get("label") or name, text))
            out.overflow.append(name)
            text, size = _reference_text(n, box, metrics)
            drawn = text
        else:
            drawn, size = laid
        out.text_updates[name] = (drawn, "", size)
        out.final_v[name] = text
        out.filled[name] = text
    elif ftype == "choice":
        out.text_updates[name] = str(value)
        out.filled[name] = str(value)
    elif ftype == "checkbox":
        export = fs.get("export_value") or (pf.on_states() or ["Yes"])[0]
        state = export if value else "Off"
        _set_button(pf, state)
        out.filled[name] = state
    elif ftype == "radio":
        _set_button(pf, str(value))
        out.filled[name] = str(value)


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
    chosen = library._settings["addendum_font"]
    if chosen and Path(chosen).is_file():
        bold = library._settings["addendum_font_bold"] or chosen
        return chosen, bold if Path(bold).is_file() else chosen
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
        keep = ArrayObject()
        ops: list[str] = []
        xobjects: dict[str, Any] = {}
        for ref in annots.get_object():
            a = ref.get_object()
            if a.get("/Subtype") != "/Widget":
                keep.append(ref)
                continue
            appearance = _visible_appearance(writer, a)
            if appearance is None:
                continue
            counter += 1
            xname = f"/CaseOSFlat{counter}"
            xobjects[xname] = appearance
            ops.append(f"{_placement(appearance.get_object(), a['/Rect'])} cm {xname} Do Q")
        if xobjects:
            _paint(page, xobjects, ops)
        if len(keep):
            page[NameObject("/Annots")] = keep
        else:
            del page["/Annots"]
    if "/AcroForm" in writer.root_object:
        del writer.root_object["/AcroForm"]


def _visible_appearance(writer: PdfWriter, a) -> IndirectObject | None:
    """The widget's normal appearance stream (the /AS state for buttons), or None when nothing is shown."""
    flags = int(a.get("/F", 0))
    if flags & (_F_HIDDEN | _F_NOVIEW):
        return None
    if _inherited(a, "/FT") == "/Btn" and int(_inherited(a, "/Ff") or 0) & _FF_PUSHBUTTON:
        return None  # print/reset buttons are screen-only
    ap = a.get("/AP")
    if ap is None:
        return None
    ap = ap.get_object()
    n_raw = ap.raw_get("/N") if "/N" in ap else None
    if n_raw is None:
        return None
    n_obj = n_raw.get_object()
    if not hasattr(n_obj, "get_data"):  # state dictionary (buttons)
        state = a.get("/AS")
        if state is None or state not in n_obj:
            return None
        n_raw = n_obj.raw_get(state)
        n_obj = n_raw.get_object()
    if not hasattr(n_obj, "get_data") or "/BBox" not in n_obj:
        return None
    if not isinstance(n_raw, IndirectObject):
        n_raw = writer._add_object(n_obj)  # noqa: SLF001 - streams must be indirect
    if "/Subtype" not in n_obj:
        n_obj[NameObject("/Type")] = NameObject("/XObject")
        n_obj[NameObject("/Subtype")] = NameObject("/Form")
    return n_raw


def _placement(n_obj, rect) -> str:
    """"q sx 0 0 sy tx ty": maps the appearance's /BBox x /Matrix onto the widget's /Rect."""
    bbox = [float(x) for x in n_obj["/BBox"]]
    mat = [float(x) for x in n_obj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
    corners = [(bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[3])]
    tx = [mat[0] * x + mat[2] * y + mat[4] for x, y in corners]
    ty = [mat[1] * x + mat[3] * y + mat[5] for x, y in corners]
    bx0, bx1, by0, by1 = min(tx), max(tx), min(ty), max(ty)
    r = [float(x) for x in rect]
    rx0, rx1, ry0, ry1 = min(r[0], r[2]), max(r[0], r[2]), min(r[1], r[3]), max(r[1], r[3])
    sx = (rx1 - rx0) / (bx1 - bx0) if bx1 > bx0 else 1.0
    sy = (ry1 - ry0) / (by1 - by0) if by1 > by0 else 1.0
    return f"q {_fmt(sx)} 0 0 {_fmt(sy)} {_fmt(rx0 - bx0 * sx)} {_fmt(ry0 - by0 * sy)}"


def _paint(page, xobjects: dict[str, Any], ops: list[str]) -> None:
    """Add the appearances to the page's resources and draw them after its own content."""
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
