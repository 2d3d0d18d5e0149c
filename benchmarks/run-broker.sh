#!/usr/bin/env bash
# Measures one broker capped at 50,000 cached grants over many template grants (BrokerAtScale: cold
# accessToken p50/p99, heap used at the cap and after more grants were touched, grants() scan time,
# hot path against the floor) and rewrites the "broker at scale" section of benchmarks/README.md
# from the result, through Report. Writes benchmarks/results/broker.json; the raw files stay in
# results/raw/broker/ (not kept in git). Arguments: runs as COUNT:STORE,STORE (stores: memory,
# file, h2, postgres); default 1,000,000 grants in memory and PostgreSQL, 100,000 in memory,
# PostgreSQL, file and H2. Needs the jar: ./mvnw -B -pl benchmarks -am -DskipTests package
set -euo pipefail
cd "$(dirname "$0")"
JAR="${JAR:-target/benchmarks.jar}"
if [[ ! -f "$JAR" ]]; then
  echo "build the jar first: ./mvnw -B -pl benchmarks -am -DskipTests package" >&2
  exit 1
fi
if [[ $# -eq 0 ]]; then
  set -- 1000000:memory,postgres 100000:memory,postgres,file,h2
fi
TMP=results/raw/broker
rm -rf "$TMP"
mkdir -p "$TMP"
started=$(date +%s)
./environment.sh > "$TMP/environment.txt"
java -Xmx6g -cp "$JAR" io.tokenbroker.benchmarks.BrokerAtScale "$TMP/broker.json" "$@"
echo "wall time $(( $(date +%s) - started )) s, load average after the run $(cut -d' ' -f1-3 /proc/loadavg)" \
  >> "$TMP/environment.txt"
java -cp "$JAR" io.tokenbroker.benchmarks.Report "$TMP" results/broker.json README.md \
  "benchmarks/run-broker.sh $*" broker
