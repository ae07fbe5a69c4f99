#!/usr/bin/env bash
# The standard load scenario against release builds, on SQLite (one node), PostgreSQL (one node)
# and PostgreSQL (two nodes behind the generator's round-robin), plus idle widget sockets and the
# database's own insert ceiling. Results go to bench/results/<UTC time>/ (one JSON and one table
# per setup, and summary.md).
#
#   bash bench/run.sh                      # everything, standard scenario
#   RATE=100 DURATION=30s bash bench/run.sh sqlite
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) for the PostgreSQL setups.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-50}               # customer messages per second (open loop)
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
cargo build --release -p tandem-store --example insert_ceiling
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
# going to the generator's fake Graph API.
start_node() {
  local name=$1 port=$2 url=${3:-}
  local data=$OUT/$name-data
  mkdir -p "$data"
  env TANDEM_LISTEN=127.0.0.1:$port TANDEM_DATA_DIR=$data TANDEM_DEMO_PASSWORD=$PASSWORD \
    TANDEM_SECRET_KEY=$SECRET_KEY TANDEM_META_GRAPH_URL=http://127.0.0.1:8099/v21.0 \
    TANDEM_LOG_LEVEL=warn ${url:+TANDEM_DATABASE_URL=$url} \
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

# scenario NAME TARGET...: the standard run, then idle widget sockets on the same servers.
scenario() {
  local name=$1
  shift
  local targets=() pids=()
  for target in "$@"; do targets+=(--target "$target"); done
  for pid in "${PIDS[@]}"; do pids+=(--server-pid "$pid"); done
  "$BIN/tandem-loadgen" run "${targets[@]}" "${pids[@]}" --password $PASSWORD \
    --customers "$CUSTOMERS" --agents "$AGENTS" --mode open --rate "$RATE" \
    --warmup "$WARMUP" --duration "$DURATION" --seed "$SEED" \
    --json "$OUT/$name.json" | tee "$OUT/$name.txt"
  "$BIN/tandem-loadgen" idle-widgets "${targets[@]}" "${pids[@]}" --password $PASSWORD \
    --count "$IDLE_WIDGETS" --json "$OUT/$name-idle.json" | tee "$OUT/$name-idle.txt"
}

for setup in $SETUPS; do
  case $setup in
    sqlite)
      start_node sqlite 18080
      scenario sqlite http://127.0.0.1:18080
      ;;
    postgres)
      fresh_postgres tandem_bench
      start_node postgres 18080 "$PG/tandem_bench"
      scenario postgres http://127.0.0.1:18080
      ;;
    postgres-2-nodes)
      fresh_postgres tandem_bench
      start_node node-a 18080 "$PG/tandem_bench"
      start_node node-b 18081 "$PG/tandem_bench"
      scenario postgres-2-nodes http://127.0.0.1:18080 http://127.0.0.1:18081
      ;;
    *) echo "unknown setup $setup (sqlite, postgres, postgres-2-nodes)" >&2; exit 2 ;;
  esac
  stop_servers
done

TANDEM_TEST_DATABASE_URL=$PG/postgres "$BIN/examples/insert_ceiling" 5000 | tee "$OUT/ceiling.md"
{
  echo "# Load results $(basename "$OUT")"
  echo
  echo "Scenario: open loop at $RATE msg/s, $CUSTOMERS customers, $AGENTS agents, warm-up $WARMUP, measured $DURATION, seed $SEED."
  for setup in $SETUPS; do
    echo
    echo "## $setup"
    echo
    echo '```'
    cat "$OUT/$setup.txt" "$OUT/$setup-idle.txt"
    echo '```'
  done
  echo
  echo "## Database insert ceiling"
  echo
  cat "$OUT/ceiling.md"
} >"$OUT/summary.md"
echo "results in $OUT/summary.md"
