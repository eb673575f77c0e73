"""The API's operations as the OpenAPI document lists them, and minimal valid requests for each.

The attack tests are generated from /api/v1/openapi.json, so an operation added tomorrow is
attacked tomorrow without anyone remembering to add it here.
"""
from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"{([^}]+)}")


def load_spec(app) -> dict:
    r = app.test_client().get("/api/v1/openapi.json")
    assert r.status_code == 200, r.status_code
    return r.get_json()


def resolve(spec: dict, schema: dict | None) -> dict:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        node = spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        schema = node
        seen += 1
        assert seen < 50, ref
    return schema or {}


@dataclass
class Operation:
    method: str
    path: str
    op: dict
    params: list
    endpoint: str | None
    spec: dict = field(repr=False)

    def __str__(self):
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> list[str]:
        return _PARAM.findall(self.path)

    def param_schema(self, name: str) -> dict:
        for p in self.params:
            if p.get("name") == name:
                return resolve(self.spec, p.get("schema"))
        return {}

    @property
    def query_params(self) -> list[dict]:
        return [p for p in self.params if p.get("in") == "query"]

    @property
    def unsafe(self) -> bool:
        return self.method in UNSAFE

    @property
    def body(self) -> tuple[str, dict] | None:
        rb = self.op.get("requestBody")
        if not rb:
            return None
        content = rb.get("content", {})
        for ctype in ("application/json", "multipart/form-data", "application/x-www-form-urlencoded"):
            if ctype in content:
                return ctype, resolve(self.spec, content[ctype].get("schema"))
        ctype, media = next(iter(content.items()))
        return ctype, resolve(self.spec, media.get("schema"))

    @property
    def streams(self) -> bool:
        for resp in self.op.get("responses", {}).values():
            resp = resolve(self.spec, resp)
            if "text/event-stream" in (resp.get("content") or {}):
                return True
        return False

    def url(self, values: dict) -> str:
        return _PARAM.sub(lambda m: str(values[m.group(1)]), self.path)


def load_operations(app, spec: dict | None = None) -> list[Operation]:
    spec = spec or load_spec(app)
    adapter = app.url_map.bind("localhost")
    out = []
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = list(shared) + list(op.get("parameters", []))
            sample = _PARAM.sub(lambda m: str(uuid.uuid4()) if "id" in m.group(1) else "x", path)
            try:
                endpoint, _ = adapter.match(sample, method=method.upper())
            except Exception:  # a string path param that the sample does not satisfy
                endpoint = None
            out.append(Operation(method.upper(), path, op, params, endpoint, spec))
    return out


# ------------------------------------------------------------------------------- example values

def example(spec: dict, schema: dict, name: str | None = None, known: dict | None = None):
    """A value the schema accepts (required properties only), preferring `known[name]`."""
    known = known or {}
    if name is not None and name in known:
        return known[name]
    schema = resolve(spec, schema)
    for combo in ("allOf", "oneOf", "anyOf"):
        if combo in schema and schema[combo]:
            return example(spec, schema[combo][0], name, known)
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        return values[0] if values else None
    if "default" in schema and schema.get("default") is not None:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example(spec, props.get(k, {}), k, known) for k in schema.get("required", [])}
    if kind == "array":
        n = schema.get("minItems", 0)
        return [example(spec, schema.get("items", {}), None, known) for _ in range(n)]
    if kind == "integer":
        lo = schema.get("minimum", 1)
        return int(max(lo, min(schema.get("maximum", 10), 1)))
    if kind == "number":
        return float(max(schema.get("minimum", 1), min(schema.get("maximum", 10), 1)))
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "date":
        return "2031-03-17"
    if fmt == "date-time":
        return "2031-03-17T10:00:00+00:00"
    if fmt == "time":
        return "10:00:00"
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "email":
        return "nobody@example.test"
    if fmt == "binary":
        return "binary"
    pattern = schema.get("pattern")
    if pattern:
        return _from_pattern(pattern)
    lo, hi = schema.get("minLength", 1), schema.get("maxLength", 40)
    return ("attack " * 10)[: max(lo, min(hi, 12))].ljust(lo, "x")


def _from_pattern(pattern: str) -> str:
    from hypothesis import strategies as st
    from hypothesis.errors import NonInteractiveExampleWarning
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        return st.from_regex(pattern, fullmatch=True).example()


def request_kwargs(op: Operation, ids: dict, known: dict | None = None, *, extra_body: dict | None = None) -> dict:
    """Test-client keyword arguments for a minimal valid call of `op` (path ids from `ids`)."""
    known = dict(known or {})
    url = op.url({**known, **ids})
    query = {}
    for p in op.query_params:
        if p.get("required") or p["name"] in known:
            query[p["name"]] = example(op.spec, p.get("schema", {}), p["name"], known)
    kw: dict = {"query_string": query}
    body = op.body
    if body:
        ctype, schema = body
        value = example(op.spec, schema, None, known)
        if isinstance(value, dict) and extra_body:
            value.update(extra_body)
        if ctype == "application/json":
            kw["json"] = value if value is not None else {}
        else:
            data = {}
            props = schema.get("properties", {})
            for k, v in (value or {}).items():
                if resolve(op.spec, props.get(k, {})).get("format") == "binary":
                    data[k] = (io.BytesIO(b"Attack suite upload: a plain text notice.\n" + uuid.uuid4().bytes.hex().encode()),
                               "notice.txt")
                else:
                    data[k] = str(v).lower() if isinstance(v, bool) else str(v)
            kw["data"] = data
            kw["content_type"] = ctype
    return {"url": url, **kw}
