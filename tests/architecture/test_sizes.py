"""Every module does one job that a reader can hold in mind: no source file over 800 lines and no
function over 60 lines, except data tables (module-level constants are not functions) and the files
listed below, each with the reason it cannot meet the rule yet."""
import ast
from pathlib import Path

from tests.conftest import ROOT

MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 60
SOURCES = ("app", "workers", "config.py", "celeryconfig.py", "wsgi.py")

# Being rewritten right now on another branch (the rules engine and its validator; the analyzer is
# improved next): split them there, not in a move, so their history and the concurrent edits merge.
ALLOWED_FILES: set[str] = set()
ALLOWED_FUNCTIONS: set[str] = set()


def _sources():
    for source in SOURCES:
        path = ROOT / source
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def _long_functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield node.name, length


def test_no_source_file_is_over_800_lines():
    too_long = {}
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        lines = path.read_text().count("\n")
        if lines > MAX_FILE_LINES and rel not in ALLOWED_FILES:
            too_long[rel] = lines
    assert too_long == {}


def test_no_function_is_over_60_lines():
    too_long = {}
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED_FUNCTIONS:
            continue
        for name, length in _long_functions(path):
            too_long[f"{rel}:{name}"] = length
    assert too_long == {}


def test_the_allowlists_name_only_files_that_need_them():
    """An entry that a file no longer needs is removed, so the list only ever shrinks."""
    for rel in ALLOWED_FILES:
        assert (ROOT / rel).read_text().count("\n") > MAX_FILE_LINES, rel
    for rel in ALLOWED_FUNCTIONS:
        assert list(_long_functions(ROOT / rel)), rel
