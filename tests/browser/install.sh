#!/usr/bin/env bash
# Installs Debian's Chromium for tests/browser/run.sh; fails loudly if it cannot.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-core >/dev/null
command -v chromium >/dev/null 2>&1 || { echo "install.sh: chromium is still missing after apt-get install" >&2; exit 1; }
