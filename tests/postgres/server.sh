#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `initdb` into a fresh
# temporary directory, listening only on a Unix socket in that directory
# (no TCP port, so several can run side by side), trust authentication for
# its one role `tarjuman`, one database `tarjuman`.
#
#   tests/postgres/server.sh start [STATE_FILE]  prints the URL, e.g.
#       postgresql:///tarjuman?host=/tmp/tarjuman-pg.Ab12&user=tarjuman
#   tests/postgres/server.sh stop [STATE_FILE]   stops it and removes the directory
#
# STATE_FILE (default $TMPDIR/tarjuman-pg.state) remembers the directory
# between the two calls; `stop` without a running server does nothing.
# Needs PostgreSQL's server binaries (Debian: apt-get install postgresql);
# `install` installs them when initdb is missing. initdb refuses to run as
# root, so as root the server runs as the `postgres` system user.
set -euo pipefail

state=${2:-${TMPDIR:-/tmp}/tarjuman-pg.state}

bindir() {
    local d
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ]; then
            echo "$d"
            return
        fi
    done
    return 1
}

install() {
    if bindir >/dev/null; then
        return
    fi
    echo "PostgreSQL's server binaries are missing: installing Debian's postgresql package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bindir >/dev/null || { echo "initdb still not found after installing postgresql" >&2; exit 1; }
}

# Run a server binary as the unprivileged user that owns the data.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    install
    local bin dir
    bin=$(bindir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tarjuman-pg.XXXXXX")
    # The socket path must stay under ~100 bytes: keep the directory short.
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    echo "$dir" >"$state"
    as_owner "$bin/initdb" -D "$dir/data" -U tarjuman --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; stop; exit 1; }
    # A test server: no fsync (its data is thrown away), a socket only.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null ||
        { cat "$dir/server.log" >&2; stop; exit 1; }
    as_owner "$bin/createdb" -h "$dir" -U tarjuman tarjuman
    # Root (the tests) reaches the socket in a folder only postgres may enter.
    chmod 755 "$dir"
    echo "postgresql:///tarjuman?host=$dir&user=tarjuman"
}

stop() {
    [ -f "$state" ] || return 0
    local bin dir
    dir=$(cat "$state")
    if [ -d "$dir/data" ] && bin=$(bindir); then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in
        */tarjuman-pg.*) rm -rf "$dir" ;;
    esac
    rm -f "$state"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    install) install ;;
    *) echo "usage: $0 start|stop|install [STATE_FILE]" >&2; exit 2 ;;
esac
