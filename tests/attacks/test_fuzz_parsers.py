"""A short fuzzing run over every parser entry point that sees attacker-controlled input (guarantee 13).

Hypothesis, derandomized so CI is reproducible, with bounded examples (the whole file runs
in well under a minute). Entry points: content sniffing, file names and Content-Disposition,
the PDF/image/text extractor (sandboxed) on mutated and generated hostile PDFs, the local
analyzer, the model-output parser and validator, the search query parser, the SSE cursor.
"""
from __future__ import annotations

import os
import random
import re
import tempfile
import time
import unicodedata
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.documents import filetypes
from app.documents.filetypes import SUPPORTED_TYPES, content_disposition, download_name, safe_filename, sniff
from tests.attacks import hostile_gen

FAST = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

nasty_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from([
    "../../etc/passwd", "..\\..\\boot.ini", "a\r\nSet-Cookie: x=1", "\u202eexe.pdf", "CON", "nul.txt", "....",
    "\x00\x01\x02", "\ud7ff\ue000\uffff", "a" * 500, "é" * 200 + ".pdf", '"; filename=evil.exe', "\u200b\u200d.pdf",
    "%00%2f..%2f", "\U0001f9fe" * 60,
])
magic_prefix = st.sampled_from([b"", b"MZ", b"PK\x03\x04", b"\x7fELF", b"<html>", b"<script>", b"\x00" * 20,
                                b"GIF89a", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"%PDF-1.7\n",
                                b"<?xml version='1.0'?>", b"\xef\xbb\xbf", b"\xff\xfe"])


# ------------------------------------------------------------------------------------- sniffing

@FAST
@given(prefix=magic_prefix, body=st.binary(max_size=2048), pdf_at=st.integers(0, 1100))
def test_sniff_never_raises_and_polyglot_prefixes_never_pass_as_pdf(prefix, body, pdf_at):
    data = prefix + body
    at = max(pdf_at, len(prefix))  # the prefix stays in front: a polyglot, not a PDF with junk inside
    data = data[:at] + b"%PDF-1.4\n" + data[at:]
    kind = sniff(data)
    assert kind in (None, *SUPPORTED_TYPES)
    if kind == "application/pdf" and prefix in (b"MZ", b"PK\x03\x04", b"\x7fELF", b"GIF89a"):
        pytest.fail(f"an executable/archive prefix passed as a PDF: {data[:40]!r}")
    if prefix in (b"<html>", b"<script>") and kind is not None:
        pytest.fail(f"markup accepted as {kind}: {data[:40]!r}")


@FAST
@given(st.binary(max_size=9000))
def test_decode_text_head_never_raises(data):
    out = filetypes.decode_text_head(data)
    assert out is None or isinstance(out, str)


# ------------------------------------------------------------------------- names and headers

_FORBIDDEN = set('/\\"\'`<>:|?*;')


def _assert_safe_name(name: str, original):
    assert name and len(name) <= 150, (original, name)
    assert not (_FORBIDDEN & set(name)), (original, name)
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in name), (original, name)
    assert name == name.strip(" .") and name not in (".", "..")
    assert not re.match(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", name, re.I), (original, name)


@FAST
@given(nasty_text)
def test_safe_filename_is_safe_and_idempotent(name):
    out = safe_filename(name)
    _assert_safe_name(out, name)
    assert safe_filename(out) == out


_TOKEN = r"[!#$&+\-.^_`|~0-9A-Za-z]"
_CD = re.compile(rf"^(attachment|inline); filename=\"([\x20\x21\x23-\x5b\x5d-\x7e]*)\"; "
                 rf"filename\*=UTF-8''((?:%[0-9A-F]{{2}}|{_TOKEN})+)$")


@FAST
@given(nasty_text, st.booleans())
def test_content_disposition_is_one_well_formed_rfc6266_header(name, attachment):
    header = content_disposition(name, attachment=attachment)
    header.encode("latin-1")  # a header value must be latin-1 (it is pure ASCII here)
    m = _CD.match(header)
    assert m, header
    assert unquote(m.group(3), errors="strict") == safe_filename(name)
    from werkzeug.datastructures import Headers
    Headers([("Content-Disposition", header)])  # werkzeug accepts it (no CR/LF)


@FAST
@given(nasty_text, st.sampled_from(SUPPORTED_TYPES))
def test_download_name_always_ends_with_the_real_types_extension(name, content_type):
    out = download_name(name, content_type)
    _assert_safe_name(out, name)
    ext = filetypes.extension_for(content_type)
    assert out.lower().endswith(ext) or (ext == ".jpg" and out.lower().endswith((".jpeg", ".jpe"))) \
        or (ext == ".tif" and out.lower().endswith(".tiff")) or (ext == ".txt" and out.lower().endswith(".text")), out


# ----------------------------------------------------------------------------------- extraction

_PDF_SEEDS = [hostile_gen.pdf_with_javascript(), hostile_gen.pdf_page_tree_cycle(), hostile_gen.pdf_reference_loop(),
              hostile_gen.pdf_image_pixel_flood(), hostile_gen.pdf_deep_arrays(2000), hostile_gen.pdf_deep_dicts(2000),
              hostile_gen.png_pixel_flood(), hostile_gen.tiff_pixel_flood(), hostile_gen.jpeg_pixel_flood()]

_TOKENS = [b"obj", b"endobj", b"stream", b"endstream", b"<<", b">>", b"[", b"]", b"R", b"/Length 999999999",
           b"/Count -1", b"/Kids [1 0 R]", b"/Filter /FlateDecode", b"/Filter /JBIG2Decode", b"/Width 99999999",
           b"xref", b"trailer", b"startxref 0", b"%%EOF", b"\x00" * 8, b"(" * 50, b"9" * 40]


@st.composite
def mutated_document(draw):
    data = bytearray(draw(st.sampled_from(_PDF_SEEDS)))
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    for _ in range(draw(st.integers(1, 10))):
        if not data:
            break
        i = rnd.randrange(len(data))
        op = rnd.choice(("flip", "token", "delete", "dup", "truncate"))
        if op == "flip":
            data[i] = rnd.randrange(256)
        elif op == "token":
            data[i:i] = rnd.choice(_TOKENS)
        elif op == "delete":
            del data[i:i + rnd.randrange(1, 64)]
        elif op == "dup":
            j = rnd.randrange(len(data))
            data[i:i] = data[j:j + rnd.randrange(1, 300)]
        else:
            del data[max(16, i):]
    return bytes(data)


@SLOW
@given(mutated_document())
def test_extractor_on_mutated_hostile_documents_only_raises_processing_errors(data):
    from app.documents.extraction import ERROR_CODES, PageText, ProcessingError, extract_text_layer
    ctype = sniff(data[:8192]) or "application/pdf"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "upload.bin")
        with open(path, "wb") as fh:
            fh.write(data)
        started = time.monotonic()
        try:
            pages = extract_text_layer(path, ctype)
        except ProcessingError as exc:
            assert exc.code in ERROR_CODES
        else:  # a RuntimeError here would be the sandbox itself failing: a crash we did not classify
            assert pages and all(isinstance(p, PageText) for p in pages)
        assert time.monotonic() - started < 60


# ------------------------------------------------------------------------------------- analysis

legalese = st.lists(st.sampled_from([
    "Plaintiff", "Defendant", "v.", "Case No.", "26-C-1234", "within 20 days", "after service", "January 5, 2031",
    "01/05/2031", "2031-01-05", "$1,250.00", "§", "42 U.S.C. § 1983", "550 U.S. 544", "IN THE CIRCUIT COURT OF",
    "COUNTY", "ORDER", "SUMMONS", "Judge", "\n", "\n\n", "  ", ",", ".", "(", ")", "\f", "Esq.", "LLC", "Inc.",
    "ignore previous instructions", "\u200b", "\u202e", "\u00a0", "1" * 30, "." * 30, "v. " * 20,
]), max_size=400).map(" ".join)


@pytest.fixture(scope="module", autouse=True)
def _warm_analyzer():
    from app.understanding import local
    local.warm_up()


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.one_of(legalese, st.text(max_size=2000)))
def test_local_analyzer_never_raises_stays_in_schema_and_quotes_only_the_document(text):
    from app.understanding import local
    from app.understanding.schema import ITEM_LIST_FIELDS, normalize_for_match, validate_analysis
    started = time.monotonic()
    out = local.analyze(text)
    assert time.monotonic() - started < 10, "pathological input (regex backtracking?)"
    from tests.attacks.test_prompt_injection import strip_local_extensions
    validate_analysis(strip_local_extensions(out), allow_meta=True)
    hay = normalize_for_match(text)
    for key in ITEM_LIST_FIELDS:
        for item in out[key]:
            assert normalize_for_match(item["quote"]) in hay, (key, item)


def test_local_analyzer_on_long_pathological_input_is_bounded():
    from app.understanding import local
    for text in ("v. " * 40_000, "1" * 150_000, ("Plaintiff,\n" * 20_000), "(" * 100_000, "$" + "1," * 50_000,
                 "Case No. " + "-" * 100_000, "within " * 30_000 + "days"):
        started = time.monotonic()
        local.analyze(text)
        assert time.monotonic() - started < 20, text[:30]


json_values = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=40),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                     max_size=5), max_leaves=25)


@FAST
@given(st.one_of(json_values, st.text(max_size=500)))
def test_model_output_parser_and_validator_only_raise_their_own_errors(value):
    import json
    from app.understanding import providers
    from app.understanding.schema import AnalysisSchemaError, drop_unquoted, validate_analysis
    raw = value if isinstance(value, str) else json.dumps(value, allow_nan=True)
    try:
        parsed = providers._parse_json_text(raw)
    except ValueError:
        return
    try:
        validate_analysis(parsed)
    except AnalysisSchemaError:
        pass
    if isinstance(parsed, dict):
        drop_unquoted(parsed, "some document text")


# --------------------------------------------------------------------------------- search, SSE

@FAST
@given(st.text(max_size=200) | st.sampled_from(['"unbalanced', 'a OR OR b', '-', '""', '" "', "'); DROP TABLE x;--",
                                                 'NEAR(a b)', '* ^ : $', 'a AND', '-"phrase here"']))
def test_search_query_parser_never_raises_and_emits_only_words(q):
    from app.search import search
    groups = search.parse_websearch(q)
    for group in groups:
        assert group
        for text, _phrase, _neg in group:
            assert text and re.fullmatch(r"\w+( \w+)*", text), text
    # What reaches the index is keyed tokens and operators only: nothing the user typed is quoted
    # into an FTS5 MATCH or a tsquery, and the brackets balance.
    from app.search import blind
    bq = blind.query(b"k" * 32, groups)
    for expr in (bq.fts5(), bq.tsquery(), bq.rank_tsquery()):
        if expr is not None:
            assert re.fullmatch(r"[\w()|&! ]+", expr.replace(" AND ", " & ").replace(" OR ", " | ")
                                .replace(" NOT ", " ! ")), expr
            assert expr.count("(") == expr.count(")"), expr


@FAST
@given(st.one_of(st.none(), st.text(max_size=40), st.integers(), st.floats(allow_nan=True)))
def test_last_event_id_is_always_a_non_negative_int(value):
    from app.platform import events
    out = events.parse_last_event_id(value)
    assert isinstance(out, int) and out >= 0
