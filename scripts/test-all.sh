#!/usr/bin/env bash
# THE test command (`npm run test:all`, also what CI runs): machine setup, install, build, lint, format, all tests.
#
# Fails fast: the first failing step stops the run, and the summary names it, so a red CI log answers "what
# broke" in its last lines. Safe to rerun: every step is idempotent (setup.sh only acts on what is missing).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Electron's binary download needs a network we do not have; tests never launch the real Electron binary.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
# Playwright uses Debian's Chromium (playwright.config.ts reads this); there are no browser downloads.
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

summary=()
run_started=${SECONDS}

print_summary() {
  local line
  printf '\n[test-all] ===== summary =====\n'
  for line in "${summary[@]}"; do printf '[test-all] %s\n' "${line}"; done
  printf '[test-all] total %d s\n' "$((SECONDS - run_started))"
}

# step <label> <command...>: runs one stage, records PASS/FAIL with its duration, stops the run on failure.
step() {
  local label="$1" started status
  shift
  printf '\n[test-all] ===== %s: %s =====\n' "${label}" "$*"
  started=${SECONDS}
  set +e
  "$@"
  status=$?
  set -e
  if ((status == 0)); then
    summary+=("PASS  ${label} ($((SECONDS - started)) s)")
  else
    summary+=("FAIL  ${label} ($((SECONDS - started)) s, exit ${status})")
    print_summary
    printf '[test-all] FAILED at step "%s" — later steps were not run.\n' "${label}" >&2
    exit "${status}"
  fi
}

install_deps() {
  # npm ci reproduces package-lock.json exactly; without a lockfile there is nothing to reproduce yet.
  if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
}

step "machine setup" bash test/setup/setup.sh
step "install" install_deps
step "build" npm run build
step "lint" npm run lint
step "format" npm run format:check
# Electron security lint of the built app (SARIF in test-results/); fails on MEDIUM+ findings of FIRM+ confidence.
step "electronegativity" node scripts/electronegativity.mjs
# All vitest projects in one run: unit, contract, arch, integration (real dockerd).
step "vitest" npx --no-install vitest run
step "e2e" npx --no-install playwright test

print_summary
printf '[test-all] ALL PASSED\n'
