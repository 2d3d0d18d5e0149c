#!/usr/bin/env bash
# Wall time of `tokenbroker token NAME` (JVM start included) side by side with a hello-world JVM
# start, in one run: the runs of every case are interleaved, so load from other jobs hits them
# alike. Cases: hello world; `token` on a warm file store with a valid token through the launcher
# (examples/tokenbroker, which keeps a class-data archive) and through `java -jar`; and a `token`
# call that needs a refresh from the testkit's fake authorization server on 127.0.0.1.
# Also counts the classes the `token` path loads. Writes the raw times to
# benchmarks/results/cli-token-walltime.txt and the medians and ratios into benchmarks/README.md.
#
# Needs both jars: ./mvnw -B -pl examples,benchmarks -am -DskipTests package
# RUNS (default 15) runs per case; JAVA25=/path/to/jdk-25/bin/java adds the launcher and hello
# world on that JDK (AOT cache); JAR_WITHOUT_FAST_PATH=/path/to/an/older/tokenbroker.jar adds it.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=examples/target/tokenbroker.jar
LAUNCHER=examples/tokenbroker
BENCH=benchmarks/target/benchmarks.jar
RUNS="${RUNS:-15}"
for f in "$JAR" "$BENCH"; do
  [[ -f "$f" ]] || { echo "missing $f: ./mvnw -B -pl examples,benchmarks -am -DskipTests package" >&2; exit 1; }
done
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  [[ -n "$SERVER_PID" ]] && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
RESULTS=benchmarks/results/cli-token-walltime.txt
mkdir -p benchmarks/results
export TOKENBROKER_HOME="$WORK/home"
unset TOKENBROKER_STORE TOKENBROKER_KEYSET TOKENBROKER_JAVA_OPTS TOKENBROKER_CDS

cat > "$WORK/Hello.java" <<'EOF'
public class Hello {
  public static void main(String[] args) {
    System.out.println("hello");
  }
}
EOF
javac -d "$WORK" "$WORK/Hello.java"

# The fake server: its token endpoint on the first line; it stops when fd 3 closes.
mkfifo "$WORK/server-in"
java -cp "$BENCH" io.tokenbroker.benchmarks.LoopbackTokenServer bench-secret \
  < "$WORK/server-in" > "$WORK/server-out" 2> "$WORK/server-err" &
SERVER_PID=$!
exec 3> "$WORK/server-in"
for _ in $(seq 100); do [[ -s "$WORK/server-out" ]] && break; sleep 0.1; done
TOKEN_URL=$(head -1 "$WORK/server-out")
BENCH_SECRET=bench-secret java -jar "$JAR" login bench --provider generic --grant client-credentials \
  --token-url "$TOKEN_URL" --client-id bench-client --client-secret-env BENCH_SECRET 2> "$WORK/login.err"

# Warm-up: the launcher's first runs make its archive (JDK 25: assembled in the background).
for _ in 1 2 3; do "$LAUNCHER" token bench > /dev/null; done
if [[ -n "${JAVA25:-}" ]]; then
  JAVA="$JAVA25" "$LAUNCHER" token bench > /dev/null
  for _ in $(seq 300); do ls "$TOKENBROKER_HOME"/cache/*.aot > /dev/null 2>&1 && break; sleep 0.1; done
  for _ in 1 2; do JAVA="$JAVA25" "$LAUNCHER" token bench > /dev/null; done
fi

declare -A CMD
ORDER=(hello launcher jar refresh)
CMD[hello]="java -cp $WORK Hello"
CMD[launcher]="$LAUNCHER token bench"
CMD[jar]="java -jar $JAR token bench"
# --min-valid just under the 1-hour lifetime: every run finds the token too short and refreshes.
CMD[refresh]="$LAUNCHER token bench --min-valid 3599999ms"
if [[ -n "${JAVA25:-}" ]]; then
  ORDER+=(hello25 launcher25)
  CMD[hello25]="$JAVA25 -cp $WORK Hello"
  CMD[launcher25]="env JAVA=$JAVA25 $LAUNCHER token bench"
fi
if [[ -n "${JAR_WITHOUT_FAST_PATH:-}" ]]; then
  ORDER+=(before)
  CMD[before]="java -jar $JAR_WITHOUT_FAST_PATH token bench"
fi

declare -A TIMES
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$RUNS"); do
  for c in "${ORDER[@]}"; do
    start=$(date +%s%N)
    ${CMD[$c]} > /dev/null 2>> "$WORK/stderr-$c"
    end=$(date +%s%N)
    TIMES[$c]+="$(( (end - start) / 1000000 )) "
  done
done
exec 3>&-
wait "$SERVER_PID"
SERVER_PID=""
REQUESTS=$(sed -n 's/^tokenRequests=//p' "$WORK/server-out")

median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
classes() { "$@" -verbose:class -jar "$JAR" token bench | grep -c 'class,load'; }

JDK="$(java -version 2>&1 | head -1)"
{
  echo "# benchmarks/cli-token-walltime.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); load average before: $LOAD"
  echo "# $JDK${JAVA25:+; JDK 25: $("$JAVA25" -version 2>&1 | head -1)}"
  echo "# runs per case: $RUNS, interleaved; times in ms"
  echo "# token requests at the fake server: $REQUESTS (1 login + $RUNS refreshes expected)"
  for c in "${ORDER[@]}"; do
    echo "$c: ${CMD[$c]//$WORK/.}"
    echo "  times: ${TIMES[$c]}"
    echo "  median: $(median "${TIMES[$c]}")"
  done
  echo "classes loaded by 'java -jar tokenbroker.jar token bench': $(classes java)"
  echo "classes loaded by a hello world: $(java -verbose:class -cp "$WORK" Hello | grep -c 'class,load')"
} > "$RESULTS"
cat "$RESULTS"

H=$(median "${TIMES[hello]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
SECTION="$WORK/section.md"
{
  echo "Measured by \`benchmarks/cli-token-walltime.sh\` (RUNS=$RUNS, the cases interleaved; load average $LOAD before the run; $JDK); raw times in \`results/cli-token-walltime.txt\`. \`tokenbroker token NAME\` on a warm file store (a client-credentials grant with a valid 1-hour token), JVM start included; baseline: a hello world (\`java -cp . Hello\`)."
  echo
  echo "- hello world: median $H ms"
  echo "- \`examples/tokenbroker token bench\` (launcher, class-data archive): median $(median "${TIMES[launcher]}") ms, $(ratio "$(median "${TIMES[launcher]}")" "$H")× hello world"
  echo "- \`java -jar tokenbroker.jar token bench\`: median $(median "${TIMES[jar]}") ms, $(ratio "$(median "${TIMES[jar]}")" "$H")× hello world"
  echo "- a \`token\` call that refreshes at the fake server on 127.0.0.1 (launcher, \`--min-valid 3599999ms\`): median $(median "${TIMES[refresh]}") ms, $(ratio "$(median "${TIMES[refresh]}")" "$H")× hello world ($REQUESTS token requests for $RUNS calls and the login)"
  if [[ -n "${JAVA25:-}" ]]; then
    H25=$(median "${TIMES[hello25]}")
    echo "- JDK 25 ($("$JAVA25" -version 2>&1 | head -1)): hello world median $H25 ms; launcher with its AOT cache median $(median "${TIMES[launcher25]}") ms, $(ratio "$(median "${TIMES[launcher25]}")" "$H25")× that hello world"
  fi
  if [[ -n "${JAR_WITHOUT_FAST_PATH:-}" ]]; then
    echo "- for comparison, the jar before the fast path (\`java -jar\`): median $(median "${TIMES[before]}") ms, $(ratio "$(median "${TIMES[before]}")" "$H")× hello world"
  fi
  echo "- classes loaded: $(sed -n "s/^classes loaded by 'java -jar tokenbroker.jar token bench': //p" "$RESULTS") by \`java -jar tokenbroker.jar token bench\`, $(sed -n 's/^classes loaded by a hello world: //p' "$RESULTS") by the hello world"
} > "$SECTION"
awk -v section="$SECTION" '
  /<!-- cli-token:start -->/ { print; while ((getline line < section) > 0) print line; skip = 1; next }
  /<!-- cli-token:end -->/ { skip = 0 }
  !skip { print }
' benchmarks/README.md > "$WORK/README.md"
cp "$WORK/README.md" benchmarks/README.md
echo "benchmarks/README.md updated"
