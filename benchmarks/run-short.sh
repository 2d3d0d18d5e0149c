#!/usr/bin/env bash
# Runs a short version of every benchmark (one fork, few iterations), writes one JSON file
# (benchmarks/results/short-run.json) and regenerates the results section of benchmarks/README.md.
# Takes about 10 minutes on 2 cores. Needs the jar: ./mvnw -pl benchmarks -am -DskipTests package
set -euo pipefail
cd "$(dirname "$0")"
JAR=target/benchmarks.jar
if [[ ! -f "$JAR" ]]; then
  echo "build the jar first: ./mvnw -B -pl benchmarks -am -DskipTests package" >&2
  exit 1
fi
GRANTS="${GRANTS:-10000}"
OUT=results
TMP="$OUT/raw"   # the per-benchmark files, kept next to the combined one
rm -rf "$TMP"
mkdir -p "$TMP"
./environment.sh > "$TMP/environment.txt"

SHORT=(-f 1 -wi 2 -w 1 -i 3 -r 1)
echo "== hot path, 1 and 2 threads"
java -jar "$JAR" AccessTokenBenchmark "${SHORT[@]}" -t 1 -prof gc -rf json -rff "$TMP/access-t1.json"
java -jar "$JAR" AccessTokenBenchmark "${SHORT[@]}" -t 2 -prof gc -rf json -rff "$TMP/access-t2.json"
echo "== stores"
java -jar "$JAR" StoreBenchmark -f 1 -wi 1 -w 1 -i 2 -r 1 -rf json -rff "$TMP/stores.json"
echo "== refresh storm"
java -cp "$JAR" io.tokenbroker.benchmarks.RefreshStorm 3 1,100,1000 "$TMP/storm.json"
echo "== $GRANTS grants"
java -Xmx4g -cp "$JAR" io.tokenbroker.benchmarks.GrantsAtScale "$GRANTS" memory,file,h2,postgres "$TMP/scale.json"

java -cp "$JAR" io.tokenbroker.benchmarks.Report "$TMP" "$OUT/short-run.json" README.md \
  "benchmarks/run-short.sh (GRANTS=$GRANTS)"
