"""The README's "A first session" works as written: its shell block, run unchanged (but for the port)
against the embedded default, registers, signs in, opens a case, uploads the shipped sample notice,
follows the job and reads the analysis."""
import json
import re
import subprocess

import pytest

from tests.conftest import ROOT
from tests.e2e.test_embedded_smoke import embedded  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e


def first_session_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## A first session"):]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_readme_first_session_runs_as_written(embedded):  # noqa: F811
    base, _var, log = embedded
    script = first_session_block().replace("http://127.0.0.1:5000", base)
    assert "examples/eviction-notice.txt" in script and (ROOT / "examples/eviction-notice.txt").exists()
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr + log.read_text()[-3000:]
    assert "event: " in run.stdout or "data: " in run.stdout  # the job's live progress
    analysis = json.loads(run.stdout.strip().splitlines()[-1])
    assert analysis["document_type"], analysis
    assert any("Riverside Properties" in p["name"] for p in analysis["parties"]), analysis["parties"]
    assert "2027-01-15" in json.dumps(analysis["dates"])
