#!/usr/bin/env python
"""Score the local analyzer on the labelled evaluation set of real court papers.

    python scripts/eval_analyzer.py [--dev | --blind | --dir DIR | --readme] [--details] [--json] [--cache DIR]

--dev (the default) scores tests/fixtures/eval/dev, the half the analyzer may be tuned on;
--blind scores tests/fixtures/eval/blind: run it and report it, never change code because of
one of its items (so --details is refused with --blind). --dir scores another labelled folder
(tests/fixtures/analysis, for instance). Each original file is read like an upload (text layer,
OCR where needed); the text is cached in --cache (default var/eval-text) under the
file's hash and a fingerprint of the reading code, so a second run takes seconds.
--details lists, per document, what was missed and what was found in excess; --json prints
the whole report.
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

EVAL = ROOT / "tests" / "fixtures" / "eval"


def _details(report: dict) -> None:
    for name, doc in report["per_document"].items():
        problems = {f: v for f, v in doc.items() if isinstance(v, dict) and (v["missed"] or v["extra"])}
        expected_type, found_type = doc["document_type"]
        primary = doc.get("primary_case_number")
        court = doc.get("primary_court")
        past = doc.get("past_next_steps", []) + doc.get("past_next_steps_today", [])
        if (problems or expected_type != found_type or past or (primary and primary[0] != primary[1])
                or (court and court[0] != court[1])):
            print(f"\n## {name} (type expected {expected_type}, found {found_type})")
            if primary and primary[0] != primary[1]:
                print(f"  primary case number: expected {primary[0]}, found {primary[1]}")
            if court and court[0] != court[1]:
                print(f"  primary court: expected {court[0]}, found {court[1]}")
            for f, pv in problems.items():
                print(f"  {f}: missed {pv['missed']} extra {pv['extra']}")
            for step in past:
                print(f"  past next step: {step}")


def readme_table(dev: dict, blind: dict) -> str:
    """Both halves side by side, as the README shows them."""
    rows = ["| field | dev P | dev R | dev F1 | blind P | blind R | blind F1 |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for f, d in dev["fields"].items():
        b = blind["fields"][f]
        rows.append(f"| {f.replace('_', ' ')} | {d['precision']:.2f} | {d['recall']:.2f} | {d['f1']:.2f} "
                    f"| {b['precision']:.2f} | {b['recall']:.2f} | {b['f1']:.2f} |")
    for key, label in (("document_type_accuracy", "document type accuracy"),
                       ("primary_case_number_accuracy", "primary case number accuracy"),
                       ("primary_court_accuracy", "primary court accuracy"),
                       ("past_next_steps", "past events offered as next steps (reference date)"),
                       ("past_next_steps_today", "past events offered as next steps (today)")):
        fmt = (lambda v: str(v)) if key.startswith("past") else (lambda v: f"{v:.2f}")
        rows.append(f"| {label} | | | {fmt(dev[key])} | | | {fmt(blind[key])} |")
    rows.append(f"| documents (read by the upload path / refused) | | | "
                f"{dev['documents']} ({dev['readers'].get('product', 0)}/{dev['readers'].get('refused', 0)}) | | | "
                f"{blind['documents']} ({blind['readers'].get('product', 0)}/{blind['readers'].get('refused', 0)}) |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    half = parser.add_mutually_exclusive_group()
    half.add_argument("--dev", action="store_true", help="score the dev half (the default)")
    half.add_argument("--blind", action="store_true", help="score the blind half (report only)")
    half.add_argument("--dir", help="score another labelled folder")
    half.add_argument("--readme", action="store_true", help="both halves side by side, for the README")
    parser.add_argument("--details", action="store_true", help="show misses and extras per document")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--cache", default=str(ROOT / "var" / "eval-text"),
                        help="where the text read from each file is kept")
    args = parser.parse_args(argv)
    if args.blind and args.details:
        parser.error("--details is for the dev half: nobody tunes on the blind half's items")
    if args.readme:
        warm_up()
        dev, blind = (evaluate(EVAL / h, cache_dir=Path(args.cache)) for h in ("dev", "blind"))
        print(readme_table(dev, blind))
        return 0
    directory = Path(args.dir) if args.dir else EVAL / ("blind" if args.blind else "dev")
    warm_up()
    report = evaluate(directory, cache_dir=Path(args.cache))
    if args.blind:  # figures only: which items or types went wrong is for the dev half
        report.pop("per_document")
        report.pop("document_type_errors", None)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(format_table(report))
    if args.details:
        _details(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
