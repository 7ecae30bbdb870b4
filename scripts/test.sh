#!/usr/bin/env bash
# The one command that runs every check: `npm test` (or `bash scripts/test.sh`). On a fresh machine it installs
# what is missing first: Node 24 and pnpm (scripts/toolchain.sh), the workspace, and the test bed's binaries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eval "$(bash scripts/toolchain.sh --env)"
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
step "install"
pnpm install --frozen-lockfile --reporter=append-only
step "test bed binaries"
bash .ci/testbed-deps.sh
step "typecheck"
pnpm exec tsc -p tsconfig.json
step "lint"
pnpm exec eslint --max-warnings=0 .
step "format"
pnpm exec prettier --check . --log-level warn
step "dist is reproducible"
bash scripts/check-dist.sh
step "action manifests load on the runner"
pnpm exec tsx scripts/action-manifests.ts
step "README is generated from action.yml"
pnpm exec tsx scripts/generate-readme.ts --check
step "tests"
pnpm exec vitest run --reporter=default
