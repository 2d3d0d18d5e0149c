#!/usr/bin/env bash
# Measures paged reads of many grants (PagedScan: TokenStore.loadPage against list() + load each)
# and rewrites the "paged reads" section of benchmarks/README.md from the result, through Report.
# Writes benchmarks/results/pages.json; the raw files stay in results/raw/pages/ (not kept in git).
# The defaults (100,000 grants in memory, PostgreSQL and H2; 1,000,000 in PostgreSQL by bulk insert;
# 20,000 in the file store, whose forced writes are slow to populate) take about 10 minutes on 2
# cores. Arguments: runs as COUNT:STORE,STORE (stores: memory, file, h2, postgres, postgres-bulk;
# /noListLoad skips list + load). Needs the jar: ./mvnw -B -pl benchmarks -am -DskipTests package
set -euo pipefail
cd "$(dirname "$0")"
JAR="${JAR:-target/benchmarks.jar}"
if [[ ! -f "$JAR" ]]; then
  echo "build the jar first: ./mvnw -B -pl benchmarks -am -DskipTests package" >&2
  exit 1
fi
if [[ $# -eq 0 ]]; then
  set -- 100000:memory,postgres,h2 1000000:postgres-bulk/noListLoad 20000:memory,file
fi
TMP=results/raw/pages
rm -rf "$TMP"
mkdir -p "$TMP"
started=$(date +%s)
./environment.sh > "$TMP/environment.txt"
java -Xmx4g -cp "$JAR" io.tokenbroker.benchmarks.PagedScan "$TMP/pages.json" "$@"
echo "wall time $(( $(date +%s) - started )) s" >> "$TMP/environment.txt"
java -cp "$JAR" io.tokenbroker.benchmarks.Report "$TMP" results/pages.json README.md \
  "benchmarks/run-pages.sh $*" pages
