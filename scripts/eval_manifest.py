#!/usr/bin/env python
"""Check the evaluation set's labels and write tests/fixtures/eval/MANIFEST.tsv from them.

    python scripts/eval_manifest.py          # check, then rewrite MANIFEST.tsv
    python scripts/eval_manifest.py --check  # check only; exit 1 on any problem

Problems reported: a label file that breaks schema 2, a missing document, a document in the
wrong half for its group (the split rule is in tests/fixtures/eval/README.md).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "fixtures" / "eval"
sys.path.insert(0, str(ROOT))

from app.understanding.labels import label_problems, split_of  # noqa: E402

COLUMNS = ("name", "split", "group", "kind", "document_type", "repo", "commit", "path", "licence",
           "derived", "sha256")


def rows() -> tuple[list[dict], list[str]]:
    out, problems = [], []
    for half in ("dev", "blind"):
        for labels_path in sorted((EVAL / half).glob("*.labels.json")):
            try:
                labels = json.loads(labels_path.read_text())
            except ValueError as exc:
                problems.append(f"{half}/{labels_path.name}: not JSON ({exc})")
                continue
            problems += [f"{half}/{labels_path.name}: {p}" for p in label_problems(labels)]
            doc = labels_path.parent / str(labels.get("file", ""))
            if not doc.is_file():
                problems.append(f"{half}/{labels_path.name}: document {labels.get('file')!r} is missing")
                continue
            if split_of(str(labels.get("group", ""))) != half:
                problems.append(f"{half}/{labels_path.name}: group {labels.get('group')!r} belongs in "
                                f"{split_of(str(labels.get('group', '')))}/")
            src = labels.get("source") or {}
            out.append({"name": labels_path.name[: -len(".labels.json")], "split": half,
                        "group": labels.get("group"), "kind": labels.get("kind"),
                        "document_type": labels.get("document_type"), "repo": src.get("repo"),
                        "commit": src.get("commit"), "path": src.get("path"), "licence": src.get("licence"),
                        "derived": src.get("derived") or "", "sha256": hashlib.sha256(doc.read_bytes()).hexdigest()})
    return out, problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check only, do not write MANIFEST.tsv")
    args = parser.parse_args(argv)
    found, problems = rows()
    for p in problems:
        print(p, file=sys.stderr)
    if not args.check:
        lines = ["\t".join(COLUMNS)] + ["\t".join(str(r[c] or "") for c in COLUMNS) for r in found]
        (EVAL / "MANIFEST.tsv").write_text("\n".join(lines) + "\n")
    halves = {h: sum(1 for r in found if r["split"] == h) for h in ("dev", "blind")}
    sources = len({r["repo"] for r in found})
    print(f"{len(found)} documents (dev {halves['dev']}, blind {halves['blind']}) from {sources} sources; "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
