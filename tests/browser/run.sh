#!/usr/bin/env bash
# Render check of the alignment review page in headless Chromium (Debian
# package `chromium`): the page really lays the Arabic column out right to
# left and shows every link, and a screenshot goes to docs/align-review.png.
#
#   tests/browser/run.sh            # builds tarjuman, runs it wherever cargo put it
#   tests/browser/run.sh --update-screenshot   # also refreshes docs/align-review.png
#   TARJUMAN_BIN=path tests/browser/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "chromium is not installed: apt-get install -y chromium" >&2
    exit 1
fi
# shellcheck source=tests/tarjuman-bin.sh
source tests/tarjuman-bin.sh
BIN=$(tarjuman_bin)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

AR=samples/alaraby-2021-11-06-ar.txt
EN=samples/alaraby-2021-11-06-en.txt
export TARJUMAN_DB="$WORK/tm.db"
"$BIN" -q align --no-freedict --format html -o "$WORK/review.html" "$AR" "$EN"
"$BIN" -q align --no-freedict --format tsv -o "$WORK/links.tsv" "$AR" "$EN"
LINKS=$(wc -l < "$WORK/links.tsv")

# A copy of the page that writes what the browser computed into the DOM.
sed 's|</body>|<script>\
const ar = document.querySelectorAll("td.ar");\
const dirs = new Set([...ar].map(td => getComputedStyle(td).direction));\
const m = document.createElement("meta"); m.name = "computed-ar-direction"; m.content = [...dirs].join(",");\
document.head.appendChild(m);\
const r = document.createElement("meta"); r.name = "rendered-rows"; r.content = document.querySelectorAll("tbody tr").length;\
document.head.appendChild(r);\
</script></body>|' "$WORK/review.html" > "$WORK/probe.html"

chrome() {
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run \
        --user-data-dir="$(mktemp -d -p "$WORK")" "$@" 2>/dev/null
}

DOM=$(chrome --dump-dom "file://$WORK/probe.html")
fail() { echo "FAIL: $*" >&2; exit 1; }
grep -q 'name="computed-ar-direction" content="rtl"' <<<"$DOM" || fail "the Arabic column is not laid out rtl"
grep -q "name=\"rendered-rows\" content=\"$LINKS\"" <<<"$DOM" || fail "the page does not show all $LINKS links"
for ((k = 0; k < LINKS; k++)); do
    grep -q "id=\"link-$k\"" <<<"$DOM" || fail "link-$k is missing"
done
grep -q 'lang="ar"' <<<"$DOM" || fail "no lang=ar"

chrome --hide-scrollbars --window-size=1280,1500 --screenshot="$WORK/shot.png" "file://$WORK/review.html"
[ -s "$WORK/shot.png" ] || fail "no screenshot"
if [ "${1:-}" = "--update-screenshot" ]; then cp "$WORK/shot.png" docs/align-review.png; fi
echo "ok: rtl Arabic column, $LINKS links rendered; screenshot taken (--update-screenshot writes docs/align-review.png)"
