#!/usr/bin/env python3
"""Check the gold alignment files of the dev sets in this directory.

Usage: python3 check_gold.py [SET_DIR ...]   (default: every subdirectory)

For each set it checks: every line of gold.tsv is `SRC<TAB>TGT` with
comma-separated 0-based ids (or empty), ids are in range of the non-blank
lines of ar.txt / en.txt, every sentence on both sides is covered exactly
once, no link is empty on both sides, ids inside a link are consecutive,
and the Arabic side is in increasing order (the English side may go back
only where a set's README entry says paragraphs were swapped, so it is
reported as a note, not an error). Exits 1 on any error.
"""
import os
import sys


def sentences(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def ids(field, lineno, errors):
    if field == "":
        return []
    out = []
    for part in field.split(","):
        if not part.isdigit():
            errors.append(f"gold.tsv line {lineno}: {part!r} is not a 0-based id")
            continue
        out.append(int(part))
    return out


def check(set_dir):
    errors, notes = [], []
    ar = sentences(os.path.join(set_dir, "ar.txt"))
    en = sentences(os.path.join(set_dir, "en.txt"))
    seen_ar, seen_en = {}, {}
    last_ar, last_en = -1, -1
    links = {"types": {}}
    with open(os.path.join(set_dir, "gold.tsv"), encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.count("\t") != 1:
                errors.append(f"gold.tsv line {lineno}: expected exactly one TAB: {line!r}")
                continue
            src_f, tgt_f = line.split("\t")
            src, tgt = ids(src_f, lineno, errors), ids(tgt_f, lineno, errors)
            if not src and not tgt:
                errors.append(f"gold.tsv line {lineno}: empty on both sides")
            kind = f"{len(src)}-{len(tgt)}"
            links["types"][kind] = links["types"].get(kind, 0) + 1
            for side, got, n, seen in (("ar", src, len(ar), seen_ar), ("en", tgt, len(en), seen_en)):
                for i in got:
                    if i >= n:
                        errors.append(f"gold.tsv line {lineno}: {side} id {i} out of range (0..{n - 1})")
                    if i in seen:
                        errors.append(f"gold.tsv line {lineno}: {side} id {i} already used on line {seen[i]}")
                    seen[i] = lineno
                if got and got != list(range(got[0], got[0] + len(got))):
                    errors.append(f"gold.tsv line {lineno}: {side} ids {got} not consecutive")
            if src:
                if src[0] <= last_ar:
                    errors.append(f"gold.tsv line {lineno}: ar ids go backwards ({src[0]} after {last_ar})")
                last_ar = src[-1]
            if tgt:
                if tgt[0] <= last_en:
                    notes.append(f"gold.tsv line {lineno}: en ids go back ({tgt[0]} after {last_en}): swapped paragraphs?")
                last_en = max(last_en, tgt[-1])
    for side, n, seen in (("ar", len(ar), seen_ar), ("en", len(en), seen_en)):
        missing = [i for i in range(n) if i not in seen]
        if missing:
            errors.append(f"{side} sentences not covered: {missing}")
    return errors, notes, len(ar), len(en), links["types"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sets = sys.argv[1:] or sorted(
        os.path.join(here, d) for d in os.listdir(here) if os.path.isfile(os.path.join(here, d, "gold.tsv"))
    )
    failed = False
    for s in sets:
        errors, notes, n_ar, n_en, types = check(s)
        summary = " ".join(f"{k}:{v}" for k, v in sorted(types.items()))
        print(f"{os.path.basename(s.rstrip('/'))}: {n_ar} ar, {n_en} en sentences; links {summary}; "
              + ("OK" if not errors else f"{len(errors)} error(s)"))
        for n in notes:
            print(f"  note: {n}")
        for e in errors:
            print(f"  error: {e}")
        failed |= bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
