"""The architecture holds: import-linter's layer contracts (.importlinter), no import cycle between
any two modules of app/ and workers/, and no import of the project's own code inside a function body
(the old way of dodging a cycle), except where a comment says why."""
import ast
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import ROOT

SOURCES = ("app", "workers")
# Function-level imports of project code that stay, and why (the line must carry "# keep").
ALLOWED_LATE_IMPORTS: set[tuple[str, str]] = set()


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    p = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter")], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "0 broken" in p.stdout


def _cycles(adjacency: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(adjacency):
        if root in index:
            continue
        work = [(root, iter(sorted(adjacency[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(adjacency.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph(*SOURCES)
    adjacency = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(adjacency) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _late_imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and sub.level:
                    yield sub.module or "."
                elif isinstance(sub, ast.ImportFrom) and sub.module:
                    yield sub.module
                elif isinstance(sub, ast.Import):
                    yield from (alias.name for alias in sub.names)


def test_no_project_import_inside_a_function():
    found = []
    for source in SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for module in _late_imports(path):
                if module.split(".")[0] in SOURCES + ("celeryconfig", "config", "wsgi") or module == ".":
                    if (rel, module) not in ALLOWED_LATE_IMPORTS:
                        found.append((rel, module))
    assert found == []


# Reads of the environment that are not settings: what a subprocess needs to find its programs.
ALLOWED_ENVIRON = {
    "app/documents/extraction.py",  # the sandbox child gets PATH, LANG, TESSDATA_PREFIX and nothing else
    "app/documents/reader/forkserver.py",  # a forked sandbox child takes the environment extraction.py gives it
    "app/documents/reader/ocr.py",  # tesseract gets the process's environment (PATH, TESSDATA_PREFIX)
    "app/platform/backup.py",  # pg_dump/pg_restore get PATH and LANG, never the caller's PG* settings
}


def test_settings_are_read_only_by_the_configuration():
    """app/ and workers/ take settings from the Config object, never from the environment."""
    found = []
    for source in SOURCES + ("celeryconfig.py",):
        paths = [ROOT / source] if source.endswith(".py") else sorted((ROOT / source).rglob("*.py"))
        for path in paths:
            rel = path.relative_to(ROOT).as_posix()
            text = path.read_text()
            if ("os.environ" in text or "getenv(" in text) and rel not in ALLOWED_ENVIRON:
                found.append(rel)
    assert found == []


def test_importing_the_app_and_the_workers_writes_no_file(tmp_path):
    """Reading the configuration and importing every module creates nothing: ./var and the
    development secrets appear when a process starts (create_app, worker or beat start-up)."""
    var = tmp_path / "var"
    code = "import config, celeryconfig, app, workers, workers.tasks.pipelines, workers.tasks.reminders"
    env = {"PATH": "/usr/bin:/bin", "CASEOS_VAR_DIR": str(var), "HOME": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    assert not var.exists()
    p = subprocess.run([sys.executable, "-c", "from app import create_app; create_app()"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    assert (var / "dev-secrets.json").exists()
