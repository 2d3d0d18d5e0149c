#!/usr/bin/env bash
# Wall time of `tokenbroker token NAME` on a warm store (JVM start included), with a few standard
# JVM options. Uses the offline demo's kept store: no network, the token is still valid, so the
# command only starts, reads the store, opens the entry and prints the token.
# Needs examples/target/tokenbroker.jar: ./mvnw -q -pl examples -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=examples/target/tokenbroker.jar
RUNS="${RUNS:-10}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
java -jar "$JAR" demo --keep > "$WORK/demo.log" 2>&1
HOME_DIR=$(grep -o '/[^ ]*tokenbroker-demo-[0-9]*' "$WORK/demo.log" | head -1)
trap 'rm -rf "$WORK" "$HOME_DIR"' EXIT
export TOKENBROKER_HOME="$HOME_DIR"
# A class-data-sharing archive of the application classes, made by one run.
java -XX:ArchiveClassesAtExit="$WORK/app.jsa" -jar "$JAR" token cor/acme > /dev/null 2>&1

measure() {
  local label="$1"; shift
  local times=()
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s%N)
    java "$@" -jar "$JAR" token cor/acme > /dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  printf '%-48s median %5d ms, min %5d ms, max %5d ms (%d runs)\n' "$label" \
    "$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")" "$(echo "$sorted" | head -1)" \
    "$(echo "$sorted" | tail -1)" "$RUNS"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "default" -Dnone=1
measure "-XX:TieredStopAtLevel=1" -XX:TieredStopAtLevel=1
measure "-XX:+UseSerialGC -XX:TieredStopAtLevel=1" -XX:+UseSerialGC -XX:TieredStopAtLevel=1
measure "AppCDS archive (-XX:SharedArchiveFile)" -XX:SharedArchiveFile="$WORK/app.jsa"
measure "AppCDS + SerialGC + TieredStopAtLevel=1" -XX:SharedArchiveFile="$WORK/app.jsa" -XX:+UseSerialGC -XX:TieredStopAtLevel=1
