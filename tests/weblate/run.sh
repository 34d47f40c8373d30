#!/usr/bin/env bash
# tarjuman queried by a real client: Weblate's tmserver machinery
# (weblate.machinery.tmserver.TMServerTranslation, from PyPI) against
# `tarjuman serve` on loopback with a throwaway TM of samples/sample.tmx.
# Installs Weblate into a venv under cargo's target directory (kept between
# runs; about 7 minutes cold on this machine, 2 warm from pip's cache), and
# the Debian headers its dependencies build against: borgbackup (lz4, zstd,
# xxhash, acl, openssl), pycairo (cairo) and PyGObject (gobject-introspection).
# PyGObject is held below 3.51: later releases need girepository-2.0
# (GLib 2.80), newer than Debian 12's.
#
# The binary: $TARJUMAN_BIN, else cargo's target directory (from `cargo
# metadata`, so CARGO_TARGET_DIR is honoured)/debug/tarjuman, built if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WEBLATE_VERSION=5.14.3
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN=${TARJUMAN_BIN:-$TARGET/debug/tarjuman}
if [ -z "${TARJUMAN_BIN:-}" ]; then cargo build --quiet; fi
[ -x "$BIN" ] || { echo "weblate/run.sh: no tarjuman binary at $BIN" >&2; exit 1; }

WORK=$TARGET/weblate
VENV=$WORK/venv
mkdir -p "$WORK"
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('weblate') != '$WEBLATE_VERSION')" 2>/dev/null; then
    start=$(date +%s)
    if ! dpkg -s liblz4-dev libzstd-dev libxxhash-dev libacl1-dev libssl-dev pkg-config \
            libcairo2-dev libgirepository1.0-dev >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblz4-dev libzstd-dev \
            libxxhash-dev libacl1-dev libssl-dev pkg-config libcairo2-dev libgirepository1.0-dev >/dev/null
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    echo 'pygobject<3.51' > "$WORK/constraints.txt"
    "$VENV/bin/pip" install --quiet -c "$WORK/constraints.txt" "weblate==$WEBLATE_VERSION"
    echo "weblate/run.sh: Weblate $WEBLATE_VERSION installed in $(( $(date +%s) - start )) s"
fi

RUN=$(mktemp -d "$WORK/run.XXXXXX")
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$RUN"
}
trap cleanup EXIT

DB=$RUN/tm.db
"$BIN" --db "$DB" --quiet import samples/sample.tmx
"$BIN" --db "$DB" --quiet export --src-lang ar --tgt-lang en --to tmx -o "$RUN/pairs.tmx"
# Weblate's tmserver machinery sends no token: reads are public, as
# docs/serving.md says to run it for Weblate.
"$BIN" --db "$DB" serve --bind 127.0.0.1:0 --public-read 2> "$RUN/tarjuman.log" &
PID=$!
for _ in $(seq 1 100); do grep -q 'on http://' "$RUN/tarjuman.log" && break; sleep 0.1; done
TJ=$(grep -o 'http://127.0.0.1:[0-9]*' "$RUN/tarjuman.log" | head -1)
[ -n "$TJ" ] || { echo "weblate/run.sh: tarjuman did not start:" >&2; cat "$RUN/tarjuman.log" >&2; exit 1; }

# Django's settings, and Weblate's data directory, in the run's folder.
(cd "$RUN" && DATA_DIR="$RUN/data" PYTHONPATH="$ROOT/tests/weblate" DJANGO_SETTINGS_MODULE=settings \
    "$VENV/bin/python" "$ROOT/tests/weblate/check.py" "$TJ" "$RUN/pairs.tmx")
echo "weblate/run.sh: all checks passed"
