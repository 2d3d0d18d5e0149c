#!/usr/bin/env bash
# Measures many grants per store (GrantsAtScale: populate, scan, broker warm-up, heap per grant)
# and rewrites the "grants at scale" section of benchmarks/README.md from the result, through
# Report. Writes benchmarks/results/grants-<N>.json; the raw files stay in results/raw/grants/
# (not kept in git). 100,000 grants take about 6 minutes and 6 GB of heap on 2 cores.
# Needs the jar: ./mvnw -B -pl benchmarks -am -DskipTests package
set -euo pipefail
cd "$(dirname "$0")"
JAR=target/benchmarks.jar
if [[ ! -f "$JAR" ]]; then
  echo "build the jar first: ./mvnw -B -pl benchmarks -am -DskipTests package" >&2
  exit 1
fi
GRANTS="${1:-100000}"
STORES="${2:-memory,file,h2,postgres}"
TMP=results/raw/grants
rm -rf "$TMP"
mkdir -p "$TMP"
started=$(date +%s)
./environment.sh > "$TMP/environment.txt"
java -Xmx6g -cp "$JAR" io.tokenbroker.benchmarks.GrantsAtScale "$GRANTS" "$STORES" "$TMP/scale.json"
echo "wall time $(( $(date +%s) - started )) s" >> "$TMP/environment.txt"
java -cp "$JAR" io.tokenbroker.benchmarks.Report "$TMP" "results/grants-$GRANTS.json" README.md \
  "benchmarks/run-grants.sh $GRANTS $STORES" grants
