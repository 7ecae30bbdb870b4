#!/usr/bin/env bash
# Test bed dependencies for a fresh machine (called by .ci/run). Idempotent; a warm machine returns in
# about a second. Cold: Debian's prometheus (+ openssl for the fault proxy's TLS mode), then the Go
# builds of kube-apiserver/controller-manager/scheduler/kubectl, etcd, kwok/kwokctl and toxiproxy into
# ${GAUNTLET_CACHE:-$HOME/.cache/gauntlet}/testbed (about 11 min on 2 cores, see packages/testbed/README.md).
# Brokers for the events tests: Debian's nats-server and rabbitmq-server (their system services are never used:
# the test bed runs its own processes on 127.0.0.1), and Kafka's jars from Maven Central for the machine's Java.
# python3-venv: the act harness (testing/act) gives the example workflows' jobs a Python of their own.
# ruby-rspec + ruby-rspec-junit-formatter: the shard-and-run RSpec adapter's tests run real RSpec.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

command -v go >/dev/null || { echo "testbed-deps: Go >= 1.26 is required (kwok v0.8.0 needs it)" >&2; exit 1; }

missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
command -v openssl >/dev/null || missing+=(openssl)
command -v nats-server >/dev/null || missing+=(nats-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v rspec >/dev/null || missing+=(ruby-rspec)
ruby -e 'require "rspec_junit_formatter"' >/dev/null 2>&1 || missing+=(ruby-rspec-junit-formatter)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "testbed-deps: apt-get install ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package may enable a system Prometheus on :9090 (all interfaces); the test bed runs its own on loopback.
  # The same for the brokers (rabbitmq-server would listen on all interfaces, and its epmd on 4369).
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now prometheus nats-server rabbitmq-server epmd.socket epmd >/dev/null 2>&1 || true
  fi
fi

bash "$root/packages/testbed/scripts/fetch-kafka.sh"

bash "$root/packages/testbed/scripts/build-binaries.sh"
