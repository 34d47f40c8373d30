#!/usr/bin/env bash
# Strict link F1 of tarjuman, Gale–Church and hunalign (with a dictionary)
# on every dev set in tests/data/align/, side by side.
#
# tarjuman's and Gale–Church's figures come from the align_eval test (run
# here, ALIGN_EVAL_TSV makes it write them); hunalign is run on the same
# sentences with a dictionary built from data/align/core-ar-en.tsv in its
# `english @ arabic` format, its ladder turned into links and scored with
# the same strict F1 (a link counts only when both id lists equal a gold
# link's). hunalign is Debian's package: installed with apt-get when
# missing; where the distribution has none (Debian 12 dropped it), set
# HUNALIGN_SRC to a hunalign source tree (its src/hunalign directory is
# built with make). Exits 1 when a set's tarjuman F1 is below hunalign's or
# Gale–Church's, 2 when hunalign cannot be had.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

find_hunalign() {
    if command -v hunalign >/dev/null 2>&1; then
        command -v hunalign
        return
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq >/dev/null 2>&1 || true
        if apt-get install -y -qq hunalign >/dev/null 2>&1; then
            command -v hunalign
            return
        fi
    fi
    if [ -n "${HUNALIGN_SRC:-}" ] && [ -f "$HUNALIGN_SRC/src/hunalign/Makefile" ]; then
        cp -r "$HUNALIGN_SRC" "$work/hunalign-src"
        make -s -C "$work/hunalign-src/src/hunalign" >&2
        echo "$work/hunalign-src/src/hunalign/hunalign"
        return
    fi
    return 1
}

if ! hunalign="$(find_hunalign)"; then
    echo "hunalign is not installed, apt-get has no package for it here, and HUNALIGN_SRC is not set to a hunalign source tree" >&2
    exit 2
fi

# tarjuman and Gale–Church, from the Rust evaluation.
ALIGN_EVAL_TSV="$work/eval.tsv" cargo test --release --quiet --manifest-path "$root/Cargo.toml" \
    --test align_eval -- strict_f1 >/dev/null

python3 - "$root" "$hunalign" "$work" <<'PY'
import os, re, subprocess, sys

root, hunalign, work = sys.argv[1:4]
sets_dir = os.path.join(root, "tests/data/align")

def fold_ar(w):
    w = re.sub("[\u064b-\u0652\u0640]", "", w)
    w = re.sub("[إأآ]", "ا", w).replace("ة", "ه").replace("ى", "ي")
    return w

def tokens(line, arabic):
    line = line.lower()
    words = re.findall(r"[\w']+", line)
    if arabic:
        words = [fold_ar(w) for w in words]
    return words

# The dictionary: every core pair, each Arabic word also with the article
# and the conjunction و, as hunalign matches whole tokens.
dic = []
for line in open(os.path.join(root, "data/align/core-ar-en.tsv"), encoding="utf-8"):
    if line.startswith("#") or "\t" not in line:
        continue
    ar, en = line.rstrip("\n").split("\t", 1)
    ar = fold_ar(ar.strip())
    for sense in en.split(","):
        sense = " ".join(tokens(sense, False))
        if not sense or not ar:
            continue
        for form in (ar, "ال" + ar, "و" + ar, "وال" + ar):
            dic.append(f"{sense} @ {form}")
dic_path = os.path.join(work, "core.dic")
open(dic_path, "w", encoding="utf-8").write("\n".join(dic) + "\n")

def sentences(path):
    return [l.strip() for l in open(path, encoding="utf-8") if l.strip()]

def ids(field):
    return tuple(int(x) for x in field.split(",") if x)

def strict_f1(gold, pred):
    g = set(gold)
    tp = sum(1 for l in pred if l in g)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0

def hunalign_links(ar, en):
    pa, pe = os.path.join(work, "ar.tok"), os.path.join(work, "en.tok")
    open(pa, "w", encoding="utf-8").write("\n".join(" ".join(tokens(s, True)) for s in ar) + "\n")
    open(pe, "w", encoding="utf-8").write("\n".join(" ".join(tokens(s, False)) for s in en) + "\n")
    # hunalign leaves a translate.txt in its working directory.
    out = subprocess.run([hunalign, dic_path, pa, pe], capture_output=True, text=True, check=True, cwd=work).stdout
    rungs = [tuple(int(x) for x in l.split("\t")[:2]) for l in out.splitlines() if l.strip()]
    links = []
    for (i0, j0), (i1, j1) in zip(rungs, rungs[1:]):
        if i1 > i0 or j1 > j0:
            links.append((tuple(range(i0, i1)), tuple(range(j0, j1))))
    return links

ours = {}
for line in open(os.path.join(work, "eval.tsv"), encoding="utf-8"):
    name, f1, gc = line.rstrip("\n").split("\t")
    ours[name] = (float(f1), float(gc))

print(f"{'set':<14} {'tarjuman':>9} {'Gale-Church':>12} {'hunalign+dict':>14}")
behind = []
for name in sorted(os.listdir(sets_dir)):
    d = os.path.join(sets_dir, name)
    if not os.path.exists(os.path.join(d, "gold.tsv")):
        continue
    ar, en = sentences(os.path.join(d, "ar.txt")), sentences(os.path.join(d, "en.txt"))
    gold = [tuple(ids(f) for f in l.rstrip("\n").split("\t")) for l in open(os.path.join(d, "gold.tsv"), encoding="utf-8")]
    hun = strict_f1(gold, hunalign_links(ar, en))
    f1, gc = ours[name]
    print(f"{name:<14} {f1:>9.3f} {gc:>12.3f} {hun:>14.3f}")
    if f1 < max(gc, hun):
        behind.append(name)
if behind:
    print("tarjuman behind on: " + ", ".join(behind))
    sys.exit(1)
PY
