#!/usr/bin/env bash
# Opens the built workbench: the desktop app where an Electron binary exists, otherwise web mode (prints a URL).
set -euo pipefail
cd "$(dirname "$0")/.."

# `require('electron')` returns the binary's path, and throws when the binary was never downloaded.
if electron_bin=$(node -e "process.stdout.write(require('electron'))" 2>/dev/null) && [ -x "$electron_bin" ]; then
  echo "[holdcell] starting the desktop app ($electron_bin)"
  exec "$electron_bin" .
fi
echo "[holdcell] no Electron binary here (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1): starting web mode instead"
exec node bin/holdcell.js serve "$@"
