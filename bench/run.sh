#!/usr/bin/env bash
# The rate sweep of the standard load scenario against release builds, on SQLite (one node),
# PostgreSQL (one node) and PostgreSQL (two nodes behind the generator's round-robin): one run
# per offered rate on fresh servers and databases, each with idle widget sockets held open
# during the run, then a sustain run at the top rate, the memory of idle widget sockets, and
# the database's own insert ceiling. Results go to bench/results/<UTC time>/: per setup a sweep
# table (<setup>-sweep.md) and chart (<setup>-sweep.svg), the sustain verdict, each run's JSON
# and table, and summary.md with everything.
#
#   bash bench/run.sh                                  # everything (about 30 minutes)
#   RATES="50 100" SUSTAIN=0 IDLE_WIDGETS=200 WARMUP=2s DURATION=5s bash bench/run.sh sqlite
#   PROFILE=1 RATES=500 bash bench/run.sh sqlite       # also `perf record -g` the server
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) for the PostgreSQL setups.
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-100 250 500 1000 2000 4000}  # offered customer messages per second (open loop)
SUSTAIN=${SUSTAIN:-60s}        # the top rate for this long (0: no sustain run)
PROFILE=${PROFILE:-0}          # 1: sample the (first) server with perf while the load runs
# LOG_LEVEL: the servers' log filter (default warn), e.g. "warn,sqlx::query=debug" to log every statement
CUSTOMERS=${CUSTOMERS:-2000}
AGENTS=${AGENTS:-20}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-60s}
IDLE_WIDGETS=${IDLE_WIDGETS:-10000}  # idle widget sockets held open during every run
IDLE_MEMORY=${IDLE_MEMORY:-10000}    # idle sockets opened after the last run to measure memory (0: none)
SETUPS=${*:-sqlite postgres postgres-2-nodes}
OUT=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
source bench/lib.sh

build_release
cargo build --release -p tandem-store --example insert_ceiling --features testing
ulimit -n "$(ulimit -Hn)"
trap stop_servers EXIT

# perf_table DATA: where the server's CPU went, by thread, by binary and by function.
perf_table() {
  for sort in comm dso dso,symbol; do
    perf report -i "$1" --no-children -g none --percent-limit 0.7 --stdio --sort "$sort" 2>/dev/null |
      grep -v '^#' | grep -v '^$' | cut -c1-140 || true
    echo
  done
}

# scenario NAME RATE DURATION TARGET...: the standard run with idle widgets held open.
scenario() {
  local name=$1 rate=$2 duration=$3
  shift 3
  local targets=() pids=() perf_pid=
  for target in "$@"; do targets+=(--target "$target"); done
  for pid in "${PIDS[@]}"; do pids+=(--server-pid "$pid"); done
  if [ "$PROFILE" = 1 ]; then
    perf record -e cpu-clock -F 499 -g -p "${PIDS[0]}" -o "$OUT/$name.perf.data" 2>"$OUT/$name.perf.log" &
    perf_pid=$!
  fi
  "$BIN/tandem-loadgen" run "${targets[@]}" "${pids[@]}" --password $PASSWORD \
    --customers "$CUSTOMERS" --agents "$AGENTS" --mode open --rate "$rate" \
    --warmup "$WARMUP" --duration "$duration" --seed "$SEED" --idle-widgets "$IDLE_WIDGETS" \
    --json "$OUT/$name.json" | tee "$OUT/$name.txt"
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    perf_table "$OUT/$name.perf.data" >"$OUT/$name.perf.txt"
  fi
}

# idle_memory NAME TARGET...: memory per idle widget socket on the servers just measured.
idle_memory() {
  local name=$1
  shift
  local targets=() pids=()
  for target in "$@"; do targets+=(--target "$target"); done
  for pid in "${PIDS[@]}"; do pids+=(--server-pid "$pid"); done
  "$BIN/tandem-loadgen" idle-widgets "${targets[@]}" "${pids[@]}" --password $PASSWORD \
    --count "$IDLE_MEMORY" --json "$OUT/$name-idle.json" | tee "$OUT/$name-idle.txt"
}

# run_setup SETUP NAME RATE DURATION MEASURE_IDLE: fresh servers and database for one run.
run_setup() {
  local setup=$1 name=$2 rate=$3 duration=$4 measure_idle=$5 targets=()
  case $setup in
    sqlite)
      start_node "$name" 18080
      targets=(http://127.0.0.1:18080)
      ;;
    postgres)
      fresh_postgres tandem_bench
      start_node "$name" 18080 "$PG/tandem_bench"
      targets=(http://127.0.0.1:18080)
      ;;
    postgres-2-nodes)
      fresh_postgres tandem_bench
      start_node "$name-a" 18080 "$PG/tandem_bench"
      start_node "$name-b" 18081 "$PG/tandem_bench"
      targets=(http://127.0.0.1:18080 http://127.0.0.1:18081)
      ;;
    *) echo "unknown setup $setup (sqlite, postgres, postgres-2-nodes)" >&2; exit 2 ;;
  esac
  scenario "$name" "$rate" "$duration" "${targets[@]}"
  if [ "$measure_idle" = 1 ] && [ "$IDLE_MEMORY" -gt 0 ]; then
    idle_memory "$name" "${targets[@]}"
  fi
  stop_servers
}

title_of() {
  case $1 in
    sqlite) echo "SQLite, one node" ;;
    postgres) echo "PostgreSQL, one node" ;;
    postgres-2-nodes) echo "PostgreSQL, two nodes" ;;
  esac
}

TOP_RATE=$(printf '%s\n' $RATES | sort -n | tail -1)
RUNS=()
for setup in $SETUPS; do
  sweep=()
  last_rate=$(printf '%s\n' $RATES | tail -1)
  for rate in $RATES; do
    measure_idle=0
    [ "$SUSTAIN" = 0 ] && [ "$rate" = "$last_rate" ] && measure_idle=1
    run_setup "$setup" "$setup-rate-$rate" "$rate" "$DURATION" "$measure_idle"
    sweep+=("$OUT/$setup-rate-$rate.json")
    RUNS+=("$setup-rate-$rate")
  done
  "$BIN/tandem-loadgen" sweep-report --title "$(title_of "$setup")" \
    --table "$OUT/$setup-sweep.md" --svg "$OUT/$setup-sweep.svg" "${sweep[@]}" >/dev/null
  if [ "$SUSTAIN" != 0 ]; then
    run_setup "$setup" "$setup-sustain" "$TOP_RATE" "$SUSTAIN" 1
    "$BIN/tandem-loadgen" sweep-report --title "$(title_of "$setup"): $TOP_RATE msg/s for $SUSTAIN" \
      --table "$OUT/$setup-sustain.md" "$OUT/$setup-sustain.json" >/dev/null
    RUNS+=("$setup-sustain")
  fi
done

TANDEM_TEST_DATABASE_URL=$PG/postgres "$BIN/examples/insert_ceiling" 5000 | tee "$OUT/ceiling.md"
{
  echo "# Load results $(basename "$OUT")"
  echo
  echo "Scenario: open loop at $RATES msg/s (fresh servers per rate), $CUSTOMERS customers, $AGENTS agents,"
  echo "$IDLE_WIDGETS idle widget sockets held open during each run, warm-up $WARMUP, measured $DURATION,"
  if [ "$SUSTAIN" = 0 ]; then
    echo "seed $SEED; no sustain run. Commit $(git rev-parse --short HEAD)."
  else
    echo "seed $SEED; sustain run: $TOP_RATE msg/s for $SUSTAIN. Commit $(git rev-parse --short HEAD)."
  fi
  for setup in $SETUPS; do
    echo
    cat "$OUT/$setup-sweep.md"
    echo
    echo "![$(title_of "$setup")]($setup-sweep.svg)"
    if [ -f "$OUT/$setup-sustain.md" ]; then
      echo
      sed 's/^## /### Sustain: /' "$OUT/$setup-sustain.md"
    fi
  done
  for run in "${RUNS[@]}"; do
    echo
    echo "## $run"
    echo
    echo '```'
    cat "$OUT/$run.txt"
    [ -f "$OUT/$run-idle.txt" ] && cat "$OUT/$run-idle.txt"
    [ -f "$OUT/$run.perf.txt" ] && cat "$OUT/$run.perf.txt"
    echo '```'
  done
  echo
  echo "## Database insert ceiling"
  echo
  cat "$OUT/ceiling.md"
} >"$OUT/summary.md"
echo "results in $OUT/summary.md"
