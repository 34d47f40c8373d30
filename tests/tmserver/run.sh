#!/usr/bin/env bash
# tarjuman's amaGama/tmserver routes against the reference server: installs
# translate-toolkit 2.5.1 (the last release that ships `tmserver`) into a
# venv under cargo's target directory, serves the same pairs from both on
# loopback, asks both the same questions and compares the answers' shape
# (and, for exact matches, their content), and asks tarjuman the way
# Weblate's tmserver/amaGama machinery asks (its language-code mapping, its
# language list check, its URL form). Weblate's own code asks it in
# tests/weblate/run.sh.
#
# The binary: $TARJUMAN_BIN, else cargo's target directory (from `cargo
# metadata`, so CARGO_TARGET_DIR is honoured)/debug/tarjuman, built if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN=${TARJUMAN_BIN:-$TARGET/debug/tarjuman}
if [ -z "${TARJUMAN_BIN:-}" ]; then cargo build --quiet; fi
[ -x "$BIN" ] || { echo "tmserver/run.sh: no tarjuman binary at $BIN" >&2; exit 1; }

WORK=$TARGET/tmserver
VENV=$WORK/venv
mkdir -p "$WORK"
if ! "$VENV/bin/python" -c 'import translate.services.tmserver, cheroot, lxml' 2>/dev/null; then
    python3 -m venv "$VENV"
    # cheroot: tmserver's WSGI server (2.5.1 does not declare it); lxml: TMX.
    "$VENV/bin/pip" install --quiet translate-toolkit==2.5.1 cheroot lxml python-Levenshtein
fi

RUN=$(mktemp -d "$WORK/run.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT

# The same pairs for both: samples/sample.tmx's Arabic→English units.
DB=$RUN/tm.db
"$BIN" --db "$DB" --quiet import samples/sample.tmx
"$BIN" --db "$DB" --quiet export --src-lang ar --tgt-lang en --to tmx -o "$RUN/pairs.tmx"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TMS_PORT=$(free_port)
"$VENV/bin/python" tests/tmserver/load_tmdb.py "$RUN/tmdb.db" "$RUN/pairs.tmx"
"$VENV/bin/tmserver" -d "$RUN/tmdb.db" \
    -b 127.0.0.1 -p "$TMS_PORT" --max-candidates 5 --min-similarity 70 \
    > "$RUN/tmserver.log" 2>&1 &
PIDS+=($!)
"$BIN" --db "$DB" serve --bind 127.0.0.1:0 --public-read 2> "$RUN/tarjuman.log" &
PIDS+=($!)

wait_for() { # URL LOGFILE
    for _ in $(seq 1 300); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    echo "tmserver/run.sh: $1 did not answer; its log:" >&2; cat "$2" >&2; exit 1
}
for _ in $(seq 1 100); do grep -q 'on http://' "$RUN/tarjuman.log" && break; sleep 0.1; done
TJ=$(grep -o 'http://127.0.0.1:[0-9]*' "$RUN/tarjuman.log" | head -1)
[ -n "$TJ" ] || { echo "tmserver/run.sh: tarjuman did not start:" >&2; cat "$RUN/tarjuman.log" >&2; exit 1; }
wait_for "$TJ/health" "$RUN/tarjuman.log"
wait_for "http://127.0.0.1:$TMS_PORT/tmserver/ar/en/unit/x" "$RUN/tmserver.log"

python3 "$ROOT/tests/tmserver/compare.py" "http://127.0.0.1:$TMS_PORT/tmserver" "$TJ/tmserver" "$RUN/pairs.tmx"

echo "tmserver/run.sh: all checks passed"
