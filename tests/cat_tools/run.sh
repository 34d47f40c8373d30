#!/usr/bin/env bash
# Checks tarjuman against real CAT tools (installed by install.sh):
#   - tarjuman's TMX export is valid against the TMX 1.4 DTD (xmllint --valid),
#     Translate Toolkit reads it with the right unit count and texts, and OmegaT
#     fills the matching sentences of a document from it (tm/auto);
#   - TMX written by OmegaT (project_save.tmx, -level1.tmx, -level2.tmx with
#     bpt/ept) and by Translate Toolkit's po2tmx imports into tarjuman with the
#     same units, texts and inline tags on re-export.
# Prints `PASS name` or `FAIL name: why` per check, then `N passed, M failed`;
# exits 1 on any failure.
#
#   bash tests/cat_tools/run.sh                    # the checks
#   bash tests/cat_tools/run.sh --update-fixtures  # also copy the TMX the tools
#                                                  # made to tests/fixtures/tmx/from-tools/
#   TARJUMAN_BIN=path bash tests/cat_tools/run.sh  # that binary instead of building
# The check functions run through `check NAME FUNCTION`, which shellcheck cannot
# follow (SC2317); the test data has typographic quotes on purpose (SC1111).
# shellcheck disable=SC2317,SC1111
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
here=$root/tests/cat_tools
py=$root/target/cat-venv/bin/python
fixtures=$root/tests/fixtures/tmx/from-tools

update_fixtures=0
case "${1:-}" in
    "") ;;
    --update-fixtures) update_fixtures=1 ;;
    *) echo "usage: $0 [--update-fixtures]" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/tarjuman-cat.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
# check NAME COMMAND...: runs COMMAND, PASS if it succeeds, else FAIL with the
# last lines it printed.
check() {
    local name=$1
    shift
    local out
    if out=$("$@" 2>&1); then
        echo "PASS $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name: $(printf '%s' "$out" | tail -n 6 | tr '\n' ' ' | cut -c1-600)"
        failed=$((failed + 1))
    fi
}

finish() {
    echo "$passed passed, $failed failed"
    exit $((failed > 0 ? 1 : 0))
}

# --- the tools --------------------------------------------------------------
for tool in omegat xmllint java; do
    command -v "$tool" >/dev/null || { echo "FAIL tools: $tool not found (run tests/cat_tools/install.sh)"; failed=$((failed + 1)); finish; }
done
[[ -x $py ]] || { echo "FAIL tools: $py missing (run tests/cat_tools/install.sh)"; failed=$((failed + 1)); finish; }

# OmegaT's jar carries the TMX 1.4 DTD; take it from there at run time.
jar=$(sed -n 's/.*-jar \([^ ]*OmegaT\.jar\).*/\1/p' "$(command -v omegat)" | head -n 1)
[[ -f ${jar:-} ]] || jar=/usr/share/omegat/OmegaT.jar
if ! unzip -p "$jar" schemas/tmx14.dtd >"$work/tmx14.dtd" || [[ ! -s $work/tmx14.dtd ]]; then
    echo "FAIL tools: no schemas/tmx14.dtd in $jar"
    failed=$((failed + 1))
    finish
fi

# --- tarjuman ---------------------------------------------------------------
# Built, and found wherever cargo put it (CARGO_TARGET_DIR…), or $TARJUMAN_BIN.
# shellcheck source=tests/tarjuman-bin.sh
source "$root/tests/tarjuman-bin.sh"
if ! bin=$(tarjuman_bin); then
    echo "FAIL build: no tarjuman binary (see above)"
    failed=$((failed + 1))
    finish
fi
tarjuman() { "$bin" --quiet "$@"; }

# tm_roundtrip NAME TMX: import TMX into a fresh TM, export it to $work/NAME.export.tmx
tm_roundtrip() {
    local db=$work/$1.db
    rm -f "$db"
    tarjuman --db "$db" import "$2" && tarjuman --db "$db" export -o "$work/$1.export.tmx"
}

# valid TMX: xmllint --valid checks the file against the DTD its DOCTYPE names
# (tmx14.dtd), which must sit beside it.
valid_tmx() {
    local dir
    dir=$(mktemp -d "$work/valid.XXXXXX")
    cp "$1" "$dir/file.tmx" && cp "$work/tmx14.dtd" "$dir/tmx14.dtd" &&
        grep -q '<!DOCTYPE tmx SYSTEM "tmx14.dtd">' "$dir/file.tmx" &&
        xmllint --valid --noout --nonet "$dir/file.tmx"
}

# --- tarjuman's export, read by xmllint, Translate Toolkit and OmegaT -------
seed=$here/seed.tmx
check "tarjuman-import-export-seed" tm_roundtrip seed "$seed"
check "tarjuman-export-same-units" "$py" "$here/tmxcheck.py" same "$seed" "$work/seed.export.tmx"
check "xmllint-valid-tarjuman-export" valid_tmx "$work/seed.export.tmx"
check "translate-toolkit-reads-tarjuman-export" "$py" "$here/tmxcheck.py" tt-read "$work/seed.export.tmx" 6 \
    "وفد من المعارضة السورية يلتقي لافروف في موسكو" "Syrian opposition delegation meets Lavrov in Moscow" \
    "وفي يوليو/تموز ٢٠٢٠ شكّلت أربعُ كيانات سورية معارضة تحالفاً سياسياً تحت اسم «جبهة السلام والحرية»." \
    "In July 2020, four Syrian opposition groups formed a political alliance under the name “Peace and Freedom Front”."

# The project's sample memory: 31 units, props, notes, usage counts, en-GB and fr.
sample=$root/samples/sample.tmx
check "tarjuman-import-export-sample" tm_roundtrip sample "$sample"
check "tarjuman-export-same-units-sample" "$py" "$here/tmxcheck.py" same "$sample" "$work/sample.export.tmx"
check "xmllint-valid-tarjuman-export-sample" valid_tmx "$work/sample.export.tmx"
check "translate-toolkit-reads-tarjuman-export-sample" "$py" "$here/tmxcheck.py" tt-read "$work/sample.export.tmx" 31 \
    "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية" \
    "Iranian militias evacuate their largest military base in eastern Syria"

# omegat_project SRC DEST: a runnable copy of a committed project (OmegaT wants
# every project folder to exist).
omegat_project() {
    rm -rf "$2" && cp -r "$1" "$2" && mkdir -p "$2"/{omegat,glossary,dictionary,target,tm/auto}
}

# omegat_translate PROJECT: console-translate, which auto-inserts the 100%
# matches from tm/auto and writes target/ and the three TMX exports; the script
# also writes omegat/project_save.tmx, which console mode otherwise never saves.
omegat_translate() {
    omegat "$1" --mode=console-translate --quiet --no-team --disable-project-locking \
        --config-dir="$work/omegat-config" --script="$here/omegat-save-project.groovy" \
        >"$1.log" 2>&1 || { tail -n 20 "$1.log"; return 1; }
}

# The txt project: five of its eight sentences are in the seed TM.
omegat_fills_from_export() {
    local p=$work/omegat-txt
    omegat_project "$here/omegat-txt" "$p" &&
        cp "$work/seed.export.tmx" "$p/tm/auto/tarjuman.tmx" &&
        omegat_translate "$p" || return 1
    local out=$p/target/article.txt line ok=0
    [[ -f $out ]] || { echo "OmegaT wrote no $out"; return 1; }
    while IFS= read -r line; do # the English of every sentence in the TM
        grep -qxF -- "$line" "$out" || { echo "target lacks: $line"; ok=1; }
    done <<'EOF'
Iranian militias evacuate their largest military base in eastern Syria
The withdrawing fighters and officers left the area in convoys and in intermittent batches through the unofficial al-Sikak crossing towards Iraq.
The militias have recently been hit by dozens of US and Israeli air strikes in eastern Syria that killed or wounded dozens of their members.
Syrian opposition delegation meets Lavrov in Moscow
In July 2020, four Syrian opposition groups formed a political alliance under the name “Peace and Freedom Front”.
EOF
    while IFS= read -r line; do # sentences in no unit stay in Arabic
        grep -qxF -- "$line" "$out" || { echo "target lost the untranslated: $line"; ok=1; }
    done <<'EOF'
06 نوفمبر 2021
بدأت مليشيات تابعة لإيران، يوم الجمعة، بإخلاء عدد من مواقعها جنوب شرقي مدينة البوكمال.
وأشار الطرفان بحسب إبراهيم إلى أهمية الحوار للإسراع بالوصول إلى الحل السياسي.
EOF
    return "$ok"
}
check "omegat-fills-document-from-tarjuman-export" omegat_fills_from_export

# The draft: pretranslate --tmx of a new article against the sample memory, alone
# in tm/auto. OmegaT inserts what is there as translations, so the draft must hold
# only exact matches (101, 100, numbers replaced): every other sentence stays in
# Arabic, however close its fuzzy match (a 99 differing in harakat included).
omegat_fills_only_exact_from_draft() {
    local p=$work/omegat-draft db=$work/draft.db
    rm -f "$db"
    tarjuman --db "$db" import "$root/samples/sample.tmx" &&
        tarjuman --db "$db" pretranslate "$root/samples/new-article-ar.txt" --format json \
            -o "$work/draft.json" --tmx "$work/draft.tmx" || return 1
    omegat_project "$here/omegat-txt" "$p" && rm -f "$p"/source/* &&
        cp "$root/samples/new-article-ar.txt" "$p/source/" &&
        cp "$work/draft.tmx" "$p/tm/auto/tarjuman-draft.tmx" &&
        omegat_translate "$p" || return 1
    "$py" "$here/tmxcheck.py" draft-filled "$work/draft.json" "$p/target/new-article-ar.txt"
}
check "omegat-fills-only-exact-sentences-from-pretranslate-draft" omegat_fills_only_exact_from_draft

# --- TMX made by the tools, imported into tarjuman --------------------------
mkdir -p "$work/from-tools"

# The html project: formatting tags, so OmegaT's level2 export has bpt/ept.
omegat_html() {
    local p=$work/omegat-html
    omegat_project "$here/omegat-html" "$p" && omegat_translate "$p" || return 1
    cp "$p/omegat/project_save.tmx" "$work/from-tools/omegat-project_save.tmx" &&
        cp "$p/omegat-html-level1.tmx" "$work/from-tools/omegat-level1.tmx" &&
        cp "$p/omegat-html-level2.tmx" "$work/from-tools/omegat-level2.tmx" &&
        grep -qF '<p>The <b>Imam Ali base</b> is the largest base' "$p/target/article.html" &&
        grep -qF "<h1>Iran's militias leave their biggest base in eastern Syria</h1>" "$p/target/article.html"
}
check "omegat-writes-tmx" omegat_html
check "omegat-level2-has-bpt-ept" "$py" "$here/tmxcheck.py" has-tags "$work/from-tools/omegat-level2.tmx"

po2tmx() {
    "$root/target/cat-venv/bin/po2tmx" --progress=none --source-language=ar -l en --comments=others \
        -i "$here/po/ar-en.po" -o "$work/from-tools/po2tmx.tmx"
}
check "po2tmx-writes-tmx" po2tmx

# Each tool-made TMX, as the tool wrote it now and as committed for cargo test.
for name in omegat-project_save omegat-level1 omegat-level2 po2tmx; do
    for source in fresh committed; do
        file=$work/from-tools/$name.tmx
        [[ $source == committed ]] && file=$fixtures/$name.tmx
        check "tarjuman-imports-$name-$source" tm_roundtrip "$name-$source" "$file"
        check "tarjuman-keeps-units-of-$name-$source" "$py" "$here/tmxcheck.py" same "$file" "$work/$name-$source.export.tmx"
    done
    check "xmllint-valid-tarjuman-export-of-$name" valid_tmx "$work/$name-fresh.export.tmx"
done
check "tarjuman-export-of-omegat-level2-has-bpt-ept" "$py" "$here/tmxcheck.py" has-tags "$work/omegat-level2-fresh.export.tmx"

# Back into OmegaT: tarjuman's export of OmegaT's own TMX, alone in tm/auto of a
# fresh copy of the html project. reuse NAME TMX [PREFS]: runs it, the page is
# in $work/omegat-reuse-NAME/target/article.html.
reuse() {
    local p=$work/omegat-reuse-$1
    omegat_project "$here/omegat-html" "$p" && rm -f "$p"/tm/auto/*.tmx &&
        cp "$2" "$p/tm/auto/tarjuman.tmx" || return 1
    if [[ -n ${3:-} ]]; then # OmegaT preferences for this run only
        mkdir -p "$p.config" && printf '%s\n' '<?xml version="1.0" encoding="UTF-8" ?>' \
            '<omegat><preference version="1.0">' "$3" '</preference></omegat>' >"$p.config/omegat.prefs"
    fi
    omegat "$p" --mode=console-translate --quiet --no-team --disable-project-locking \
        --config-dir="$p.config" >"$p.log" 2>&1 || { tail -n 20 "$p.log"; return 1; }
}
page_has() { # page_has NAME LINE...: the reused project's page has each line
    local page=$work/omegat-reuse-$1/target/article.html line ok=0
    shift
    for line in "$@"; do
        grep -qxF -- "$line" "$page" || { echo "$page lacks: $line"; ok=1; }
    done
    return "$ok"
}
P_BOLD='<p>The <b>Imam Ali base</b> is the largest base of the Iran-backed militias.</p>'
P_LINK='<p>The <a href="sharq.html">Al-Sharq News</a> website reported that the militias had moved around <i>100</i> of their officers to Iraqi territory.</p>'
P_LAVROV='<p>Syrian opposition delegation meets Lavrov in Moscow</p>'
TITLE='<title>Iranian militias evacuate their largest military base in eastern Syria</title>'
H1_ALT="<h1>Iran's militias leave their biggest base in eastern Syria</h1>"

# project_save.tmx keeps OmegaT's tags as text: every default translation comes back.
reuse_project_save() {
    reuse project_save "$work/omegat-project_save-fresh.export.tmx" &&
        page_has project_save "$TITLE" "$P_BOLD" "$P_LINK" "$P_LAVROV"
}
check "omegat-translates-from-tarjuman-export-of-omegat-project_save" reuse_project_save

# The alternative translation of the <h1> comes back through its file/prev/next
# props. OmegaT 3.6 drops an alternative whose <tu> has any other prop (it looks
# each prop type up as a field of its EntryKey), so tarjuman's export leaves its
# own x-tarjuman-* props off units that carry a `file` prop: the export is used as is.
reuse_alternative() {
    reuse alternative "$work/omegat-project_save-fresh.export.tmx" &&
        page_has alternative "$H1_ALT" "$P_BOLD"
}
check "omegat-alternative-translation-from-tarjuman-export" reuse_alternative

# Level 2: OmegaT reads a TMX not made by OmegaT as "external": with
# ext_tmx_show_level2 it turns bpt/ept back into its own tags, and the bold
# paragraph is translated with its <b> (its conversion misses the <a>/<i> one,
# with OmegaT's own level-2 file too).
reuse_level2() {
    reuse level2 "$work/omegat-level2-fresh.export.tmx" '<ext_tmx_show_level2>true</ext_tmx_show_level2>' &&
        page_has level2 "$TITLE" "$P_BOLD" "$P_LAVROV"
}
check "omegat-translates-with-tags-from-tarjuman-export-of-omegat-level2" reuse_level2

if [[ $update_fixtures -eq 1 ]]; then
    mkdir -p "$fixtures" && cp "$work"/from-tools/*.tmx "$fixtures/" && echo "updated $fixtures"
fi
finish
