#!/usr/bin/env bash
# The README's run command: installs dependencies, builds, and opens the workbench against the local Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD="${ELECTRON_SKIP_BINARY_DOWNLOAD:-1}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[holdcell] installing dependencies"
  npm ci --no-audit --no-fund
fi
echo "[holdcell] building"
npm run --silent build
exec bash scripts/start.sh "$@"
