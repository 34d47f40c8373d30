#!/usr/bin/env bash
# The tests that need PostgreSQL, against a throwaway server: starts one
# (tests/postgres/server.sh, installing Debian's postgresql package if
# initdb is missing), exports TARJUMAN_TEST_PG, runs the test files that
# use it (each also runs its SQLite half), and stops the server at the end,
# also when a test fails or the run is interrupted.
#
#   tests/postgres/run.sh            the PostgreSQL test files
#   tests/postgres/run.sh --test X   cargo test arguments of your own
set -euo pipefail
cd "$(dirname "$0")/../.."

state=$(mktemp "${TMPDIR:-/tmp}/tarjuman-pg-run.XXXXXX")
trap 'bash tests/postgres/server.sh stop "$state"; rm -f "$state"' EXIT INT TERM
url=$(bash tests/postgres/server.sh start "$state")
export TARJUMAN_TEST_PG="$url"
echo "PostgreSQL test server: $TARJUMAN_TEST_PG" >&2

if [ $# -gt 0 ]; then
    cargo test "$@"
else
    # Every test file that asks for the server (tests/common/pg.rs), and
    # the library's own PostgreSQL tests.
    files=$(grep -l 'common::pg::scratch' tests/*.rs | xargs -n1 basename | sed 's/\.rs$//')
    args=()
    for f in $files; do
        args+=(--test "$f")
    done
    cargo test --lib "${args[@]}"
fi
