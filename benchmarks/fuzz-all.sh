#!/usr/bin/env bash
# Fuzzes Jazzer targets for a set time each (default 2m; all targets unless some are named, as
# Class#method) and prints a line per target: executions, and maven's exit status (non-zero: a
# finding, written into the target's Inputs directory). Logs go to benchmarks/target/fuzz/. With
# the benchmarks jar built, it then records the run in benchmarks/results/fuzz.json and rewrites
# the fuzzing table of benchmarks/README.md from it (through Report).
set -uo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-2m}"
LOGS=benchmarks/target/fuzz
RAW=benchmarks/results/raw/fuzz
mkdir -p "$LOGS"
rm -rf "$RAW"
mkdir -p "$RAW"
benchmarks/environment.sh > "$RAW/environment.txt"
ALL=(
  TokenResponseFuzzTest#parseSuccess
  TokenResponseFuzzTest#tokenEndpointAnswer
  ConsentCallbackFuzzTest#complete
  MetadataFuzzTest#metadata
  DeviceAuthorizationFuzzTest#deviceAuthorizationResponse
  DpopNonceFuzzTest#tokenEndpointNonce
  DpopNonceFuzzTest#resourceServerNonce
  PushedAuthorizationFuzzTest#pushedAuthorizationResponse
  ConsentCallbackFuzzTest#exchangePastedCode
  SealedEntryFuzzTest#openArbitrary
  SealedEntryFuzzTest#openDamaged
  SealedEntryFuzzTest#decodeArbitrary
  SealedEntryFuzzTest#roundTrip
  CorFuzzTest#tokenResponse
  CorFuzzTest#errorEnvelope
  CorFuzzTest#listEnvelope
  ProcoreFuzzTest#linkHeader
  ProcoreFuzzTest#rateLimitHeaders
  ProcoreFuzzTest#errorBody
  ProcoreFuzzTest#models
)
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL[@]}")
module_of() {
  case "$1" in
    Cor*) echo cor-adapter ;;
    Procore*) echo procore-adapter ;;
    *) echo oauth-core ;;
  esac
}
for target in "${TARGETS[@]}"; do
  module=$(module_of "$target")
  log="$LOGS/${target//#/-}.log"
  JAZZER_FUZZ=1 ./mvnw -B -q -pl "$module" -am test -Dtest="$target" \
    -Djazzer.max_duration="$DURATION" -Dsurefire.failIfNoSpecifiedTests=false > "$log" 2>&1
  status=$?
  report=$(ls "$module"/target/surefire-reports/*."${target%%#*}"-output.txt 2>/dev/null | head -1)
  [[ -n "$report" && -f "$report" ]] && cp "$report" "$LOGS/${target//#/-}.jazzer.txt"
  execs=$(grep -ho 'Done [0-9]* runs' "$log" "$LOGS/${target//#/-}.jazzer.txt" 2>/dev/null | tail -1)
  echo "$target: ${execs:-no 'Done N runs' line} in $DURATION, maven exit $status"
  count=$(echo "$execs" | grep -o '[0-9][0-9]*' | head -1)
  printf '{"target":"%s","duration":"%s","executions":%s,"exit":%d}\n' \
    "$target" "$DURATION" "${count:-null}" "$status" >> "$RAW/fuzz.jsonl"
done
JAR=benchmarks/target/benchmarks.jar
if [[ -f "$JAR" ]]; then
  (cd benchmarks && java -cp target/benchmarks.jar io.tokenbroker.benchmarks.Report \
    results/raw/fuzz results/fuzz.json README.md "benchmarks/fuzz-all.sh $DURATION" fuzz)
else
  echo "benchmarks jar missing: the README's fuzzing table was not rewritten" >&2
fi
