#!/usr/bin/env bash
# Fetches Apache Kafka's broker jars (KRaft mode, no ZooKeeper) from Maven Central with Maven's own client, once
# per version, into ${GAUNTLET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet}/testbed/kafka-<version>/libs.
# The test bed runs `java -cp 'libs/*' kafka.Kafka server.properties` on the machine's Java 17 (there is no
# Kafka tarball on Maven Central; the jars are the same ones the tarball ships).
# The directory appears only once complete (built in a temp dir, then renamed), so an interrupted fetch is redone.
#
# Usage: fetch-kafka.sh [--print-dir]   (KAFKA_VERSION=4.1.1 by default)
set -euo pipefail
version=${KAFKA_VERSION:-4.1.1}
cache_root=${GAUNTLET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet}/testbed
dest=$cache_root/kafka-$version
if [ "${1:-}" = "--print-dir" ]; then echo "$dest"; exit 0; fi
log() { printf '[testbed-kafka %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
if [ -f "$dest/.complete" ]; then log "kafka $version: cached at $dest"; exit 0; fi
command -v java >/dev/null || { echo "fetch-kafka: java (17+) is required" >&2; exit 1; }
command -v mvn >/dev/null || { echo "fetch-kafka: mvn is required" >&2; exit 1; }

tmp=$dest.tmp.$$
rm -rf "$tmp"; mkdir -p "$tmp/libs"
trap 'rm -rf "$tmp"' EXIT
# A throw-away pom: the broker (kafka_2.13 pulls the server, raft, metadata, storage and client jars) plus a
# log4j2 binding for SLF4J 2, so the broker's log goes to the console at WARN instead of nowhere.
cat > "$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.gauntlet.testbed</groupId><artifactId>kafka-broker</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.17</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
POM
cat > "$tmp/log4j2.properties" <<'PROPS'
status = warn
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
PROPS
log "kafka $version: fetching jars from Maven Central (mvn dependency:copy-dependencies)"
started=$SECONDS
( while sleep 10; do log "still fetching ($((SECONDS - started)) s)"; done ) & ticker=$!
if ! mvn -B -q -f "$tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1; then
  kill "$ticker" 2>/dev/null || true
  tail -20 "$tmp/mvn.log" >&2; exit 1
fi
kill "$ticker" 2>/dev/null || true
ls "$tmp/libs/kafka_2.13-$version.jar" >/dev/null
date -u +%FT%TZ > "$tmp/.complete"
rm -rf "$dest"; mv "$tmp" "$dest"; trap - EXIT
log "kafka $version: done in $((SECONDS - started)) s ($(ls "$dest/libs" | wc -l) jars)"
