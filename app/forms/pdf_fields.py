"""The AcroForm fields of a PDF: names (with inheritance), types, flags, widgets and their boxes."""
from __future__ import annotations

import io
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any
from pypdf import PdfReader
from pypdf.generic import (
    DictionaryObject,
    NameObject,
)


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
