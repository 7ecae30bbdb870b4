#!/usr/bin/env bash
# Builds the test bed's binaries from the Go module proxy (and Prometheus from Debian), once per version.
#
# Output: ${GAUNTLET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet}/testbed/<component>-<version>/ plus
# testbed/manifest.env, which names the directories the TypeScript side (packages/testbed/src) should use.
# A component directory only appears once its build completed (built in a temp dir, then renamed), so an
# interrupted build is simply redone next time. Nothing is written inside the repository.
#
# Versions: the newest patch of each pinned minor line, asked from the module proxy. Override with
# K8S_VERSION=1.34.4 ETCD_VERSION=3.6.16 KWOK_VERSION=0.8.0 TOXIPROXY_VERSION=2.12.0 (no leading v).
# nektos/act (the workflow runner of testing/act) is pinned: ACT_VERSION=0.2.89, the version the module proxy serves.
# If the proxy cannot be reached, the newest already-built version of that line is reused, so a warm
# machine never needs the network.
#
# Usage: build-binaries.sh [--print-manifest]
set -euo pipefail

cache_root=${GAUNTLET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet}/testbed
mkdir -p "$cache_root"
# Go must not download another toolchain (GOTOOLCHAIN=local) and upstream builds these statically.
export GOTOOLCHAIN=local CGO_ENABLED=0
base_goflags="-buildvcs=false"

log() { printf '[testbed-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# One build at a time per cache: a second caller (a test run's global set-up while .ci/testbed-deps.sh builds)
# waits for the first and then finds its components cached, instead of compiling the same ones beside it.
if command -v flock >/dev/null; then
  exec 8>"$cache_root/.build.lock"
  if ! flock -n 8; then
    log "another build holds $cache_root/.build.lock; waiting for it to finish"
    flock 8
  fi
fi

# A background ticker so CI logs show life during multi-minute compiles (the Go toolchain is silent).
ticker_pid=
start_ticker() {
  local what=$1 started=$SECONDS
  ( while sleep 10; do log "$what: still working ($((SECONDS - started)) s)"; done ) &
  ticker_pid=$!
}
stop_ticker() { if [ -n "$ticker_pid" ]; then kill "$ticker_pid" 2>/dev/null || true; wait "$ticker_pid" 2>/dev/null || true; ticker_pid=; fi; }
trap stop_ticker EXIT

# newest_patch <component dir prefix> <module> <minor prefix, e.g. v1.34.> <fallback> -> version without the leading v
newest_patch() {
  local component=$1 module=$2 prefix=$3 fallback=$4 found
  found=$(cd "$cache_root" && timeout 60 go list -m -versions "$module" 2>/dev/null | tr ' ' '\n' | grep "^${prefix//./\\.}[0-9]*$" | sort -V | tail -1 || true)
  if [ -z "$found" ]; then
    # Offline, or the proxy's list is incomplete (toxiproxy's lists only up to v2.5.0): reuse the newest
    # completed build of that line, else the pinned fallback.
    found=$(for d in "$cache_root/$component-$prefix"*/.complete; do [ -f "$d" ] && basename "$(dirname "$d")"; done 2>/dev/null \
      | sed "s/^$component-//" | sort -V | tail -1 || true)
    found=${found:-v$fallback}
  fi
  echo "${found#v}"
}

# run_timed <component> <dest dir> <function>: runs the build function into a temp dir and publishes it.
run_timed() {
  local name=$1 dest=$2 fn=$3 tmp started
  if [ -f "$dest/.complete" ]; then log "$name: cached at $dest"; return 0; fi
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  started=$SECONDS
  log "$name: building into $dest"
  start_ticker "$name"
  # One retry: a cold build once failed here with no message at all; the second attempt reuses Go's build and
  # module caches, so it costs seconds. (The likely cause, `--version | grep -q` taking SIGPIPE under pipefail when
  # grep exits before the binary has written its last line, is also fixed: those greps read all their input.)
  local rc=0
  "$fn" "$tmp" || rc=$?
  if [ "$rc" != 0 ]; then
    log "$name: failed (exit $rc) after $((SECONDS - started)) s; retrying once"
    rm -rf "$tmp"; mkdir -p "$tmp"
    if ! "$fn" "$tmp"; then stop_ticker; rm -rf "$tmp"; log "$name: FAILED"; return 1; fi
  fi
  stop_ticker
  date -u +%FT%TZ > "$tmp/.complete"
  rm -rf "$dest"; mv "$tmp" "$dest"
  log "$name: done in $((SECONDS - started)) s"
}

k8s_version=${K8S_VERSION:-$(newest_patch kubernetes k8s.io/kubernetes v1.34. 1.34.4)}
etcd_version=${ETCD_VERSION:-$(newest_patch etcd go.etcd.io/etcd/server/v3 v3.6. 3.6.16)}
kwok_version=${KWOK_VERSION:-0.8.0}
toxiproxy_version=${TOXIPROXY_VERSION:-$(newest_patch toxiproxy github.com/Shopify/toxiproxy/v2 v2.12. 2.12.0)}
act_version=${ACT_VERSION:-0.2.89}

k8s_dir=$cache_root/kubernetes-v$k8s_version
etcd_dir=$cache_root/etcd-v$etcd_version
kwok_dir=$cache_root/kwok-v$kwok_version
toxiproxy_dir=$cache_root/toxiproxy-v$toxiproxy_version
act_dir=$cache_root/act-v$act_version
work=$cache_root/src   # throw-away wrapper modules; kept so a failed build can be inspected
mkdir -p "$work"

build_kubernetes() {
  local out=$1 w=$work/kubernetes-v$k8s_version gomod minor m
  minor=$(echo "$k8s_version" | cut -d. -f2)
  rm -rf "$w"; mkdir -p "$w"
  # The release go.mod maps every staging module to ./staging/src/...; read that list from the release itself
  # (it changes between minors) and point each one at its published v0.<minor>.<patch> tag instead.
  gomod=$(cd "$w" && go mod download -json "k8s.io/kubernetes@v$k8s_version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$gomod" ] || { log "cannot find go.mod of k8s.io/kubernetes@v$k8s_version"; return 1; }
  # Only the main module's godebug line applies; keep the release's Go 1.24 semantics under Go 1.26.
  printf 'module local.invalid/k8sbins\n\ngo 1.24.0\n\ngodebug default=go1.24\n' > "$w/go.mod"
  local n=0
  for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => \./staging/src/.*|\1|p' "$gomod"); do
    (cd "$w" && go mod edit -replace="$m=$m@v0.${k8s_version#1.}")
    n=$((n + 1))
  done
  log "kubernetes: $n staging replace lines derived from the v$k8s_version go.mod"
  (cd "$w" && GOFLAGS="$base_goflags -mod=mod" go get -tool \
    "k8s.io/kubernetes/cmd/kube-apiserver@v$k8s_version" "k8s.io/kubernetes/cmd/kube-controller-manager@v$k8s_version" \
    "k8s.io/kubernetes/cmd/kube-scheduler@v$k8s_version" "k8s.io/kubernetes/cmd/kubectl@v$k8s_version")
  # kwokctl runs `<binary> --version` and picks flags from it, so stamp the real version like hack/lib/version.sh.
  local ldf="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$w" && GOFLAGS="$base_goflags -mod=mod" go build -trimpath -ldflags "$ldf" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  "$out/kube-apiserver" --version | grep "v$k8s_version" >/dev/null || { log "kube-apiserver --version is not v$k8s_version"; return 1; }
}

build_etcd() {
  local out=$1 w=$work/etcd-v$etcd_version
  rm -rf "$w"; mkdir -p "$w"
  # server/go.mod has `replace ... => ../api` lines, so `go install` refuses it; a wrapper module does not.
  printf 'module local.invalid/etcdbin\n\ngo 1.24.0\n' > "$w/go.mod"
  (cd "$w" && GOFLAGS="$base_goflags -mod=mod" go get -tool "go.etcd.io/etcd/server/v3@v$etcd_version" \
    && GOFLAGS="$base_goflags -mod=mod" go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
  "$out/etcd" --version | grep "$etcd_version" >/dev/null
}

build_kwok() {
  local out=$1 src
  GOFLAGS="$base_goflags" GOBIN="$out" go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@v$kwok_version" "sigs.k8s.io/kwok/cmd/kwokctl@v$kwok_version"
  # Keep the stock stage definitions next to the binaries: a custom stages file replaces all defaults,
  # so the test bed re-lists them and must not depend on the Go module cache still being there.
  src=$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$kwok_version/kustomize/stage
  mkdir -p "$out/stage"; cp -r "$src"/. "$out/stage/"; chmod -R u+w "$out/stage"
  "$out/kwokctl" --version >/dev/null
}

build_toxiproxy() {
  local out=$1
  GOFLAGS="$base_goflags" GOBIN="$out" go install -trimpath -ldflags "-s -w" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@v$toxiproxy_version" "github.com/Shopify/toxiproxy/v2/cmd/cli@v$toxiproxy_version"
  mv "$out/server" "$out/toxiproxy-server"; mv "$out/cli" "$out/toxiproxy-cli"
}

build_act() {
  local out=$1
  GOFLAGS="$base_goflags" GOBIN="$out" go install -trimpath -ldflags "-s -w" "github.com/nektos/act@v$act_version"
  "$out/act" --version | grep "$act_version" >/dev/null
}

ensure_prometheus() {
  if command -v prometheus >/dev/null && command -v promtool >/dev/null; then log "prometheus: $(command -v prometheus) present"; return 0; fi
  if [ "$(id -u)" != 0 ]; then log "prometheus missing and not root: run 'apt-get install -y --no-install-recommends prometheus'"; return 1; fi
  local started=$SECONDS
  start_ticker prometheus
  # Try without a fresh index first (fast on a warm machine); update the index only when that fails.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null; }
  stop_ticker
  # The package enables a system service on :9090 (all interfaces). We run our own process on loopback only.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
  if [ -x /etc/init.d/prometheus ]; then /etc/init.d/prometheus stop >/dev/null 2>&1 || true; fi
  log "prometheus: installed in $((SECONDS - started)) s"
}

total_started=$SECONDS
# `time` on each step prints wall and CPU seconds (the figures recorded in packages/testbed/README.md).
TIMEFORMAT="[testbed-build] step took %R s wall, %U s user, %S s sys"
log "versions: kubernetes v$k8s_version, etcd v$etcd_version, kwok v$kwok_version, toxiproxy v$toxiproxy_version, act v$act_version; cache $cache_root"
time ensure_prometheus
time run_timed toxiproxy "$toxiproxy_dir" build_toxiproxy
time run_timed etcd "$etcd_dir" build_etcd
time run_timed kwok "$kwok_dir" build_kwok
time run_timed kubernetes "$k8s_dir" build_kubernetes
time run_timed act "$act_dir" build_act

manifest=$cache_root/manifest.env
cat > "$manifest.tmp" <<EOF
K8S_VERSION=$k8s_version
K8S_BIN=$k8s_dir
ETCD_VERSION=$etcd_version
ETCD_BIN=$etcd_dir
KWOK_VERSION=$kwok_version
KWOK_BIN=$kwok_dir
TOXIPROXY_VERSION=$toxiproxy_version
TOXIPROXY_BIN=$toxiproxy_dir
ACT_VERSION=$act_version
ACT_BIN=$act_dir
PROMETHEUS=$(command -v prometheus)
PROMTOOL=$(command -v promtool)
EOF
mv "$manifest.tmp" "$manifest"
log "all components ready in $((SECONDS - total_started)) s; manifest $manifest"
if [ "${1:-}" = "--print-manifest" ]; then cat "$manifest"; fi
