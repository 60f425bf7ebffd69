#!/usr/bin/env bash
# Installs json-server 0.17.4 (npm) into .json-server/ (git-ignored), once: the
# tests compare foreign tables over it with local tables (tests/test_json_server.py).
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.17.4
target=.json-server
if [ -x "$target/node_modules/.bin/json-server" ] \
   && grep -q "\"version\": \"$version\"" "$target/node_modules/json-server/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is missing: install Node.js and npm (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi
mkdir -p "$target"
npm install --prefix "$target" --no-save --no-audit --no-fund --loglevel=error \
  "json-server@$version"
