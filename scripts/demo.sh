#!/usr/bin/env bash
# `npm run demo`: installs what is missing (Node 24, pnpm, the workspace, the test bed's binaries), then runs the
# example pipeline locally and writes the report it would post to demo-output/report.html.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eval "$(bash scripts/toolchain.sh --env)"
pnpm install --frozen-lockfile --reporter=silent
bash .ci/testbed-deps.sh
exec pnpm exec tsx scripts/demo/run-demo.ts "$@"
