#!/usr/bin/env python
"""Print precision and recall of the local analyzer on a labelled set.

    python scripts/eval_analyzer.py [DIR] [--details] [--json]

DIR defaults to tests/fixtures/analysis. --details lists, per document, what was missed
and what was found in excess; --json prints the whole report.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.understanding.evaluate import evaluate, format_table  # noqa: E402
from app.understanding.local import warm_up  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(ROOT / "tests" / "fixtures" / "analysis"))
    parser.add_argument("--details", action="store_true", help="show misses and extras per document")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = parser.parse_args(argv)
    warm_up()
    report = evaluate(args.directory)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(format_table(report))
    if args.details:
        for name, doc in report["per_document"].items():
            problems = {f: {"missed": v["missed"], "extra": v["extra"]} for f, v in doc.items()
                        if isinstance(v, dict) and (v["missed"] or v["extra"])}
            expected_type, found_type = doc["document_type"]
            if problems or expected_type != found_type:
                print(f"\n## {name} (type expected {expected_type}, found {found_type})")
                for f, pv in problems.items():
                    print(f"  {f}: missed {pv['missed']} extra {pv['extra']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
