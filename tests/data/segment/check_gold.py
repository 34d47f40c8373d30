#!/usr/bin/env python3
"""Check that each *-eval.gold.txt is a faithful segmentation of its raw
*-eval.txt: same paragraphs in the same order, and inside each paragraph the
gold sentences are exactly the raw text cut at sentence boundaries (only
whitespace may lie between two sentences, none is lost or added).
Usage: python3 check_gold.py  (from anywhere). Exits 1 on any mismatch."""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
failed = False
for lang in ("ar", "en"):
    raw_path = os.path.join(here, f"{lang}-eval.txt")
    gold_path = os.path.join(here, f"{lang}-eval.gold.txt")
    raw = [l.strip() for l in open(raw_path, encoding="utf-8") if l.strip()]
    gold = [p.split("\n") for p in open(gold_path, encoding="utf-8").read().strip("\n").split("\n\n")]
    errors = []
    if len(raw) != len(gold):
        errors.append(f"{len(raw)} raw paragraphs but {len(gold)} gold paragraphs")
    for n, (line, sents) in enumerate(zip(raw, gold), 1):
        pos = 0
        for s in sents:
            if s != s.strip() or not s:
                errors.append(f"paragraph {n}: untrimmed or empty gold line {s!r}")
            while pos < len(line) and line[pos].isspace():
                pos += 1
            if not line.startswith(s, pos):
                errors.append(f"paragraph {n}: gold sentence not found at offset {pos}: {s[:40]!r}")
                break
            pos += len(s)
        else:
            if line[pos:].strip():
                errors.append(f"paragraph {n}: raw text left over: {line[pos:][:40]!r}")
    count = sum(len(p) for p in gold)
    print(f"{lang}: {len(gold)} paragraphs, {count} sentences: " + ("OK" if not errors else "FAILED"))
    for e in errors:
        print("  " + e)
    failed |= bool(errors)
sys.exit(1 if failed else 0)
