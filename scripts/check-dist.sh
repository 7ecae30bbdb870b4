#!/usr/bin/env bash
# Rebuilds every dist from scratch and fails when it differs from what is committed. `git status --porcelain`
# also catches new untracked files, which `git diff` misses.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pnpm exec tsx scripts/build.ts >/dev/null
changes=$(git status --porcelain -- bundle/dist 'actions/*/dist' bundle/src/actions.generated.ts)
if [ -n "$changes" ]; then
  echo "The committed dist differs from a fresh build; run 'pnpm build' and commit:" >&2
  echo "$changes" >&2
  git --no-pager diff --stat -- bundle/dist 'actions/*/dist' >&2 || true
  exit 1
fi
echo "dist matches a fresh build"
