#!/usr/bin/env bash
# Test bed dependencies for a fresh machine (called by .ci/run). Idempotent; a warm machine returns in
# about a second. Cold: Debian's prometheus (+ openssl for the fault proxy's TLS mode), then the Go
# builds of kube-apiserver/controller-manager/scheduler/kubectl, etcd, kwok/kwokctl and toxiproxy into
# ${GAUNTLET_CACHE:-$HOME/.cache/gauntlet}/testbed (about 11 min on 2 cores, see packages/testbed/README.md).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

command -v go >/dev/null || { echo "testbed-deps: Go >= 1.26 is required (kwok v0.8.0 needs it)" >&2; exit 1; }

missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "testbed-deps: apt-get install ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package may enable a system Prometheus on :9090 (all interfaces); the test bed runs its own on loopback.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
fi

bash "$root/packages/testbed/scripts/build-binaries.sh"
