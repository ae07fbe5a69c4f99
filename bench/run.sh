#!/usr/bin/env bash
# The standard load scenario against release builds, on SQLite (one node), PostgreSQL (one node)
# and PostgreSQL (two nodes behind the generator's round-robin), plus idle widget sockets and the
# database's own insert ceiling. Results go to bench/results/<UTC time>/ (one JSON and one table
# per setup, and summary.md).
#
#   bash bench/run.sh                      # everything, standard scenario
#   RATE=100 DURATION=30s bash bench/run.sh sqlite
#   RATES="50 75 100" IDLE_WIDGETS=0 bash bench/run.sh sqlite   # a sweep, fresh servers per rate
#   PROFILE=1 bash bench/run.sh sqlite     # also `perf record -g` the server during the run
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) for the PostgreSQL setups.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-50}               # customer messages per second (open loop)
RATES=${RATES:-$RATE}          # several rates: one run each, on fresh servers and databases
PROFILE=${PROFILE:-0}          # 1: sample the (first) server with perf while the load runs
CUSTOMERS=${CUSTOMERS:-2000}
AGENTS=${AGENTS:-20}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-60s}
IDLE_WIDGETS=${IDLE_WIDGETS:-10000}
SEED=${SEED:-42}
PASSWORD=demo-password-1
SECRET_KEY=$(printf 'ab%.0s' $(seq 32))
PG=postgres://postgres@127.0.0.1:5432
SETUPS=${*:-sqlite postgres postgres-2-nodes}

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tandem-target}
cargo build --release -p tandem-server -p tandem-loadgen
cargo build --release -p tandem-store --example insert_ceiling --features testing
BIN=$CARGO_TARGET_DIR/release
OUT=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"
PIDS=()

stop_servers() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap stop_servers EXIT

# start_node NAME PORT [DATABASE_URL]: a release server with the demo seeded, its WhatsApp sends
# and webhooks going to the generator's fake Graph API and receiver on loopback, which the
# outbound allow-list must name.
start_node() {
  local name=$1 port=$2 url=${3:-}
  local data=$OUT/$name-data
  mkdir -p "$data"
  env TANDEM_LISTEN=127.0.0.1:$port TANDEM_DATA_DIR=$data TANDEM_DEMO_PASSWORD=$PASSWORD \
    TANDEM_SECRET_KEY=$SECRET_KEY TANDEM_META_GRAPH_URL=http://127.0.0.1:8099/v21.0 \
    TANDEM_OUTBOUND_ALLOW=127.0.0.1:8099 \
    TANDEM_LOG_LEVEL=warn ${url:+TANDEM_DATABASE_URL=$url} \
    TANDEM_WIDGET_NEW_VISITORS_PER_MINUTE=0 TANDEM_WIDGET_MESSAGES_PER_MINUTE=0 \
    "$BIN/tandem" serve >"$OUT/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.2
  done
  echo "$name did not start; see $OUT/$name.log" >&2
  return 1
}

fresh_postgres() {
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
}

# perf_table DATA: where the server's CPU went, by thread, by binary and by function.
perf_table() {
  for sort in comm dso dso,symbol; do
    perf report -i "$1" --no-children -g none --percent-limit 0.7 --stdio --sort "$sort" 2>/dev/null |
      grep -v '^#' | grep -v '^$' | cut -c1-140 || true
    echo
  done
}

# scenario NAME RATE TARGET...: the standard run, then idle widget sockets on the same servers.
scenario() {
  local name=$1 rate=$2
  shift 2
  local targets=() pids=() perf_pid=
  for target in "$@"; do targets+=(--target "$target"); done
  for pid in "${PIDS[@]}"; do pids+=(--server-pid "$pid"); done
  if [ "$PROFILE" = 1 ]; then
    perf record -e cpu-clock -F 499 -g -p "${PIDS[0]}" -o "$OUT/$name.perf.data" 2>"$OUT/$name.perf.log" &
    perf_pid=$!
  fi
  "$BIN/tandem-loadgen" run "${targets[@]}" "${pids[@]}" --password $PASSWORD \
    --customers "$CUSTOMERS" --agents "$AGENTS" --mode open --rate "$rate" \
    --warmup "$WARMUP" --duration "$DURATION" --seed "$SEED" \
    --json "$OUT/$name.json" | tee "$OUT/$name.txt"
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    perf_table "$OUT/$name.perf.data" >"$OUT/$name.perf.txt"
  fi
  if [ "$IDLE_WIDGETS" -gt 0 ]; then
    "$BIN/tandem-loadgen" idle-widgets "${targets[@]}" "${pids[@]}" --password $PASSWORD \
      --count "$IDLE_WIDGETS" --json "$OUT/$name-idle.json" | tee "$OUT/$name-idle.txt"
  fi
}

# run_setup SETUP NAME RATE: fresh servers and database for one run.
run_setup() {
  local setup=$1 name=$2 rate=$3
  case $setup in
    sqlite)
      start_node "$name" 18080
      scenario "$name" "$rate" http://127.0.0.1:18080
      ;;
    postgres)
      fresh_postgres tandem_bench
      start_node "$name" 18080 "$PG/tandem_bench"
      scenario "$name" "$rate" http://127.0.0.1:18080
      ;;
    postgres-2-nodes)
      fresh_postgres tandem_bench
      start_node "$name-a" 18080 "$PG/tandem_bench"
      start_node "$name-b" 18081 "$PG/tandem_bench"
      scenario "$name" "$rate" http://127.0.0.1:18080 http://127.0.0.1:18081
      ;;
    *) echo "unknown setup $setup (sqlite, postgres, postgres-2-nodes)" >&2; exit 2 ;;
  esac
  stop_servers
}

RUNS=()
for setup in $SETUPS; do
  for rate in $RATES; do
    name=$setup
    [ "$RATES" = "$RATE" ] || name=$setup-rate-$rate
    run_setup "$setup" "$name" "$rate"
    RUNS+=("$name")
  done
done

TANDEM_TEST_DATABASE_URL=$PG/postgres "$BIN/examples/insert_ceiling" 5000 | tee "$OUT/ceiling.md"
{
  echo "# Load results $(basename "$OUT")"
  echo
  echo "Scenario: open loop at $RATES msg/s, $CUSTOMERS customers, $AGENTS agents, warm-up $WARMUP, measured $DURATION, seed $SEED."
  echo
  echo "| run | accepted/s | bot reply p50 | p99 | max | handover → agent p99 | errors | server CPU (cores) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for run in "${RUNS[@]}"; do
    python3 - "$OUT/$run.json" "$run" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
reply = d["latency"]["bot_reply"]
handover = d["latency"].get("handover_to_agent_notified") or {}
errors = sum(d["errors"].values()) if isinstance(d["errors"], dict) else d["errors"]
cpu = sum(s["cpu_cores"] for s in d["servers"])
print(f"| {sys.argv[2]} | {d['messages']['accepted_per_second']:.1f} | {reply['p50_ms']:.1f} ms | "
      f"{reply['p99_ms']:.1f} ms | {reply['max_ms']:.1f} ms | {handover.get('p99_ms', float('nan')):.1f} ms | "
      f"{errors} | {cpu:.2f} |")
PY
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
