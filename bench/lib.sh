# Shared by bench/run.sh and bench/fault.sh (sourced, not run): release builds, servers on
# loopback, fresh PostgreSQL databases. Expects OUT (the results directory) to be set.

PASSWORD=demo-password-1
SECRET_KEY=$(printf 'ab%.0s' $(seq 32))
PG=postgres://postgres@127.0.0.1:5432
SEED=${SEED:-42}

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tandem-target}
BIN=$CARGO_TARGET_DIR/release
PIDS=()

build_release() {
  cargo build --release -p tandem-server -p tandem-loadgen
}

stop_servers() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

# seconds_of 10s: the seconds of a duration written as seconds (`10s` or `10`).
seconds_of() {
  local value=${1%s}
  case $value in
    '' | *[!0-9.]*) echo "durations here are seconds, such as 10s (got $1)" >&2; return 2 ;;
  esac
  echo "$value"
}

# wait_ready PORT TRIES: polls /readyz every 50 ms.
wait_ready() {
  local port=$1 tries=${2:-400}
  for _ in $(seq "$tries"); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# launch_node NAME PORT DATA_DIR LOG [DATABASE_URL]: a release server in the background (its pid
# in PIDS and LAUNCHED_PID) with the demo seeded, its WhatsApp sends going to the generator's
# fake Graph API on loopback, which the outbound allow-list must name.
launch_node() {
  local name=$1 port=$2 data=$3 log=$4 url=${5:-}
  mkdir -p "$data"
  env TANDEM_LISTEN=127.0.0.1:$port TANDEM_DATA_DIR=$data TANDEM_DEMO_PASSWORD=$PASSWORD \
    TANDEM_SECRET_KEY=$SECRET_KEY TANDEM_META_GRAPH_URL=http://127.0.0.1:8099/v21.0 \
    TANDEM_OUTBOUND_ALLOW=127.0.0.1:8099 \
    TANDEM_LOG_LEVEL=${LOG_LEVEL:-warn} ${url:+TANDEM_DATABASE_URL=$url} \
    TANDEM_WIDGET_NEW_VISITORS_PER_MINUTE=0 TANDEM_WIDGET_MESSAGES_PER_MINUTE=0 \
    "$BIN/tandem" serve >>"$log" 2>&1 &
  LAUNCHED_PID=$!
  PIDS+=("$LAUNCHED_PID")
}

# start_node NAME PORT [DATABASE_URL]: launch_node with data in $OUT/NAME-data, then wait until
# it is ready.
start_node() {
  local name=$1 port=$2 url=${3:-}
  launch_node "$name" "$port" "$OUT/$name-data" "$OUT/$name.log" "$url"
  if ! wait_ready "$port"; then
    echo "$name did not start; see $OUT/$name.log" >&2
    return 1
  fi
}

fresh_postgres() {
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
}
