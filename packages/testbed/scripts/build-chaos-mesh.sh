#!/usr/bin/env bash
# Builds Chaos Mesh's chaos-controller-manager from its Go module, once per version, for the test bed's
# Chaos Mesh tests (PodChaos pod-kill and pod-failure act through the API, so they work on kwok). Lazy: run
# by ensureChaosMesh() the first time a test needs it, not by build-binaries.sh (about 5 CPU-minutes and
# 1 GB of modules cold; cached afterwards).
#
# Output: $GAUNTLET_CACHE/testbed/chaos-mesh-<version>/{chaos-controller-manager,crd.yaml,VERSION,.complete}
# The CRDs are the module's own manifests/crd.yaml, so binary and CRDs always match.
#
# Chaos Mesh tags no module versions (its tags are not semver for the module path), so the pin is the
# pseudo-version of its master the proxy serves; its api/ submodule is a separate module whose newest
# pseudo-version is used (the main module's go.mod replaces it with ./api, which a dependency cannot do).
set -euo pipefail
cache_root=${GAUNTLET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet}/testbed
cm_version=${CHAOS_MESH_VERSION:-v0.9.1-0.20260902003049-47411975a8cb}
api_version=${CHAOS_MESH_API_VERSION:-v0.0.0-20260906172039-d70b66ad97ac}
dest=$cache_root/chaos-mesh-$cm_version
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { printf '[testbed-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
if [ -f "$dest/.complete" ]; then log "chaos-mesh: cached at $dest"; echo "$dest"; exit 0; fi

started=$SECONDS
( while sleep 10; do log "chaos-mesh: still building ($((SECONDS - started)) s)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT

work=$cache_root/src/chaos-mesh-$cm_version
tmp=$dest.tmp.$$
rm -rf "$tmp"; mkdir -p "$work" "$tmp"
log "chaos-mesh: building chaos-controller-manager $cm_version into $dest"
cd "$work"
modcache=$(go env GOMODCACHE)
go mod download -json "github.com/chaos-mesh/chaos-mesh@$cm_version" >/dev/null
src=$modcache/github.com/chaos-mesh/chaos-mesh@$cm_version
{
  printf 'module gauntlet.dev/testbed/chaos-mesh-build\n\ngo 1.25.11\n\n'
  printf 'require (\n\tgithub.com/chaos-mesh/chaos-mesh %s\n\tgithub.com/chaos-mesh/chaos-mesh/api %s\n)\n\n' "$cm_version" "$api_version"
  # Chaos Mesh's own replace lines (they pin k8s.io/* to one release), minus the local ./api one.
  sed -n '/^replace (/,/^)/p' "$src/go.mod" | grep -v '=> ./api'
  grep '^replace [^(]' "$src/go.mod" || true
  printf 'replace github.com/chaos-mesh/chaos-mesh/api => github.com/chaos-mesh/chaos-mesh/api %s\n' "$api_version"
} > go.mod
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/chaos-mesh/chaos-mesh/cmd/chaos-controller-manager"\n' > tools.go
nice -n 10 go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$tmp/chaos-controller-manager" \
  github.com/chaos-mesh/chaos-mesh/cmd/chaos-controller-manager
cp "$src/manifests/crd.yaml" "$tmp/crd.yaml"
echo "$cm_version" > "$tmp/VERSION"
date -u +%FT%TZ > "$tmp/.complete"
rm -rf "$dest"; mv "$tmp" "$dest"
log "chaos-mesh: done in $((SECONDS - started)) s"
echo "$dest"
