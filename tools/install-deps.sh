#!/usr/bin/env bash
# Installs the Debian packages restcorn builds and runs with, when missing.
# PostgreSQL 15 (server, contrib, headers, pg_cron, PL/Python), the Python the server can
# embed (python3-dev, python3-venv), the word list of the mock service, and Node.js with
# npm for the json-server the tests run (tools/install-json-server.sh).
set -euo pipefail
packages=(postgresql-15 postgresql-contrib postgresql-server-dev-15 postgresql-15-cron postgresql-plpython3-15
          python3-dev python3-venv wamerican gcc make)
# Node.js may come from elsewhere (NodeSource bundles npm): Debian's only when there is no npm.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
