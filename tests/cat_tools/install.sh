#!/usr/bin/env bash
# Installs the real CAT tools that tests/cat_tools/run.sh checks tarjuman against:
# OmegaT (Debian), xmllint (Debian libxml2-utils) and Translate Toolkit (PyPI, into a
# venv under target/cat-venv). Fails loudly: a check that cannot run must not pass.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)

die() { echo "install.sh: $*" >&2; exit 1; }

need_apt=()
command -v omegat >/dev/null 2>&1 || need_apt+=(omegat)
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
if ((${#need_apt[@]})); then
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${need_apt[*]} by hand"
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq -o DPkg::Lock::Timeout=600 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${need_apt[@]}" \
        || die "apt-get install ${need_apt[*]} failed"
fi
command -v omegat >/dev/null 2>&1 || die "omegat still missing after apt-get install"
command -v xmllint >/dev/null 2>&1 || die "xmllint still missing after apt-get install"
command -v java >/dev/null 2>&1 || die "java missing (OmegaT needs a JRE, e.g. openjdk-17-jre-headless)"

# Pinned: the committed po2tmx fixture names the version that wrote it.
tt_version=3.20.4
venv=target/cat-venv
if ! "$venv/bin/python" -c "import translate.__version__ as v; assert v.sver == '$tt_version'" 2>/dev/null; then
    python3 -m venv "$venv" || die "python3 -m venv $venv failed (Debian: apt-get install python3-venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check "translate-toolkit==$tt_version" \
        || die "pip install translate-toolkit==$tt_version failed"
fi
"$venv/bin/python" -c 'import translate.storage.tmx' || die "translate-toolkit does not import"

echo "install.sh: OmegaT, xmllint, Translate Toolkit $("$venv/bin/python" -c 'import translate.__version__ as v; print(v.sver)') ready in $(( $(date +%s) - start ))s"
