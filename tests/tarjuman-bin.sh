# Sourced by the scripts that run the real binary (tests/cat_tools/run.sh,
# tests/browser/run.sh): `tarjuman_bin` prints the path of the tarjuman
# binary to run.
#
#   TARJUMAN_BIN=path   that binary, as it is (not built);
#   otherwise           `cargo build --bin tarjuman`, then the executable path
#                       cargo itself reports, so the binary is found wherever
#                       cargo put it (CARGO_TARGET_DIR, build.target-dir in a
#                       .cargo/config.toml, --target triples), never a stale
#                       target/debug/tarjuman.
# Fails (status 1, the reason on stderr) when there is no binary to run.
# shellcheck shell=bash

tarjuman_bin() {
    if [[ -n ${TARJUMAN_BIN:-} ]]; then
        if [[ ! -x $TARJUMAN_BIN ]]; then
            echo "TARJUMAN_BIN=$TARJUMAN_BIN is not an executable file" >&2
            return 1
        fi
        printf '%s\n' "$TARJUMAN_BIN"
        return 0
    fi
    local json exe
    # JSON on stdout, compiler messages rendered on stderr as usual.
    if ! json=$(cargo build --quiet --bin tarjuman --message-format=json-render-diagnostics); then
        echo "cargo build --bin tarjuman failed" >&2
        return 1
    fi
    # The artifact line of the `tarjuman` bin target names its executable.
    exe=$(printf '%s\n' "$json" |
        grep -F '"reason":"compiler-artifact"' |
        grep -F '"kind":["bin"]' |
        grep -F '"name":"tarjuman"' |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' |
        tail -n 1)
    if [[ -z $exe || ! -x $exe ]]; then
        echo "cargo build did not report an executable for tarjuman (got: '${exe}')" >&2
        return 1
    fi
    printf '%s\n' "$exe"
}
