#!/usr/bin/env bash
# Fuzzes every Jazzer target in oauth-core for a set time each (default 2m) and prints a summary
# line per target: executions, and whether it found a crash. Logs go to benchmarks/target/fuzz/.
set -uo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-2m}"
LOGS=benchmarks/target/fuzz
mkdir -p "$LOGS"
TARGETS=(
  TokenResponseFuzzTest#parseSuccess
  TokenResponseFuzzTest#tokenEndpointAnswer
  ConsentCallbackFuzzTest#complete
  ConsentCallbackFuzzTest#exchangePastedCode
  SealedEntryFuzzTest#openArbitrary
  SealedEntryFuzzTest#openDamaged
  SealedEntryFuzzTest#decodeArbitrary
  SealedEntryFuzzTest#roundTrip
)
for target in "${TARGETS[@]}"; do
  log="$LOGS/${target//#/-}.log"
  JAZZER_FUZZ=1 ./mvnw -B -q -pl oauth-core test -Dtest="$target" -Djazzer.max_duration="$DURATION" \
    -Dsurefire.failIfNoSpecifiedTests=false > "$log" 2>&1
  status=$?
  report=oauth-core/target/surefire-reports/io.tokenbroker.oauth.${target%%#*}-output.txt
  [[ -f "$report" ]] && cp "$report" "$LOGS/${target//#/-}.jazzer.txt"
  execs=$(grep -ho 'Done [0-9]* runs' "$log" "$LOGS/${target//#/-}.jazzer.txt" 2>/dev/null | tail -1)
  echo "$target: ${execs:-no 'Done N runs' line} in $DURATION, maven exit $status"
done
