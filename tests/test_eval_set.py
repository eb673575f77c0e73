"""The evaluation set of real court papers stays sound: labels follow schema 2, every document is
present and in the half its group's seeded split assigns, and the manifest matches the files."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.understanding.labels import label_problems, split_of

EVAL = Path(__file__).resolve().parent / "fixtures" / "eval"
LABELS = sorted(EVAL.glob("*/*.labels.json"))


@pytest.mark.parametrize("path", LABELS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_labels_follow_schema_and_split(path):
    labels = json.loads(path.read_text())
    assert label_problems(labels) == []
    assert (path.parent / labels["file"]).is_file()
    assert split_of(labels["group"]) == path.parent.name


def test_manifest_lists_every_document_with_its_hash():
    manifest = EVAL / "MANIFEST.tsv"
    if not LABELS:
        pytest.skip("no labelled documents yet")
    rows = [line.split("\t") for line in manifest.read_text().splitlines()[1:]]
    listed = {(r[1], r[0]): r[-1] for r in rows}
    for path in LABELS:
        labels = json.loads(path.read_text())
        name = path.name[: -len(".labels.json")]
        digest = hashlib.sha256((path.parent / labels["file"]).read_bytes()).hexdigest()
        assert listed.get((path.parent.name, name)) == digest, f"{name} missing from or stale in MANIFEST.tsv"


def test_split_rule_is_seeded_and_balanced():
    groups = [f"group-{i}" for i in range(400)]
    blind = sum(split_of(g) == "blind" for g in groups)
    assert 150 < blind < 250
    assert split_of("group-1") == split_of("group-1")


def test_a_label_with_two_primary_case_numbers_is_refused():
    labels = {"schema": 2, "file": "x.pdf", "group": "g", "kind": "born_digital", "language": "en",
              "source": {"repo": "o/r", "commit": "0" * 40, "path": "p", "licence": "MIT", "derived": None},
              "jurisdiction": "US-FED", "document_type": "order", "document_date": None,
              "reference_date": "2020-01-01", "parties": [], "judges": [], "courts": [], "dates": [],
              "deadlines": [], "amounts": [], "citations": [],
              "case_numbers": [{"number": "1", "primary": True}, {"number": "2", "primary": True}]}
    assert label_problems(labels) == ["case_numbers: more than one primary"]
