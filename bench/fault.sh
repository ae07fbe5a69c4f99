#!/usr/bin/env bash
# The fault run, bounded and on loopback only. WhatsApp customers only, at RATE msg/s, with
# DUPLICATES percent of the signed webhooks delivered twice (as Meta does); every delivery that
# gets no 2xx is delivered again with backoff until acknowledged, moving to the other node when
# one stops answering. Mid-run (after the warm-up and half the measured time) a server is killed
# with SIGKILL:
#   sqlite, postgres:   the only node, restarted at once on the same database;
#   postgres-2-nodes:   the second node, not restarted: the generator keeps going on the first.
# Then the database is checked: acknowledged messages lost, messages stored twice, and
# conversations with two owners; the generator's ledger says whether a reply was sent twice.
# Results go to bench/results/<UTC time>-fault/ (fault.md with the verdicts, and per setup the
# run's table, JSON, ledger and server logs).
#
#   bash bench/fault.sh                                  # all three setups (a few minutes)
#   RATE=100 WARMUP=2s DURATION=10s bash bench/fault.sh sqlite
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) for the PostgreSQL setups,
# and the sqlite3 and psql clients.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-1000}
DUPLICATES=${DUPLICATES:-10}
CUSTOMERS=${CUSTOMERS:-2000}
AGENTS=${AGENTS:-20}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-30s}
SETUPS=${*:-sqlite postgres postgres-2-nodes}
OUT=bench/results/$(date -u +%Y%m%dT%H%M%SZ)-fault
mkdir -p "$OUT"
source bench/lib.sh

build_release
ulimit -n "$(ulimit -Hn)"
trap stop_servers EXIT
KILL_AFTER=$(python3 -c "print($(seconds_of "$WARMUP") + $(seconds_of "$DURATION") / 2)")

now() { date +%s.%N; }

# sql SETUP NAME QUERY: one value from the setup's database.
sql() {
  case $1 in
    sqlite) sqlite3 "$OUT/$2-data/tandem.db" "$3" ;;
    *) psql "$PG/tandem_fault" -Atc "$3" ;;
  esac
}

# check_database SETUP NAME KILLED_AT_MS: the verdicts that need the database, as
# `key=value` lines.
check_database() {
  local setup=$1 name=$2 killed_at_ms=$3 ids=$OUT/$name-acknowledged.txt
  python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["acknowledged_ids"]))' \
    "$OUT/$name-ledger.json" >"$ids"
  # Acknowledged customer messages that are not stored.
  case $setup in
    sqlite)
      echo "lost=$(sqlite3 "$OUT/$name-data/tandem.db" \
        "CREATE TEMP TABLE acknowledged (external_id TEXT PRIMARY KEY);" \
        ".import $ids acknowledged" \
        "SELECT count(*) FROM acknowledged a WHERE NOT EXISTS (SELECT 1 FROM messages m
           WHERE m.external_id = a.external_id AND m.direction = 'inbound');")"
      ;;
    *)
      echo "lost=$(psql "$PG/tandem_fault" -Atq \
        -c "CREATE TEMP TABLE acknowledged (external_id TEXT PRIMARY KEY)" \
        -c "\\copy acknowledged FROM '$ids'" \
        -c "SELECT count(*) FROM acknowledged a WHERE NOT EXISTS (SELECT 1 FROM messages m
              WHERE m.external_id = a.external_id AND m.direction = 'inbound')")"
      ;;
  esac
  # The same WhatsApp message id stored more than once.
  echo "stored_twice=$(sql "$setup" "$name" "SELECT count(*) FROM (SELECT external_id FROM messages
    WHERE direction = 'inbound' AND external_id LIKE 'wamid.%'
    GROUP BY inbox_id, external_id HAVING count(*) > 1) AS repeated")"
  # A conversation assigned while already assigned (no unassignment, transfer, queueing,
  # hand-back or resolution in between), or marked assigned with nobody.
  echo "two_owners=$(sql "$setup" "$name" "WITH ownership AS (
      SELECT kind, LAG(kind) OVER (PARTITION BY conversation_id ORDER BY created_at, id) AS previous
      FROM events WHERE kind IN ('assigned', 'unassigned', 'transferred', 'queued',
                                 'handed_back_to_bot', 'resolved', 'reopened'))
    SELECT count(*) FROM ownership WHERE kind = 'assigned' AND previous = 'assigned'")"
  echo "assigned_to_nobody=$(sql "$setup" "$name" \
    "SELECT count(*) FROM conversations WHERE status = 'assigned' AND assignee_id IS NULL")"
  echo "assignments=$(sql "$setup" "$name" "SELECT count(*) FROM events WHERE kind = 'assigned'")"
  echo "stored_after_kill=$(sql "$setup" "$name" "SELECT count(*) FROM messages
    WHERE direction = 'inbound' AND external_id LIKE 'wamid.%' AND created_at > $killed_at_ms")"
}

# fault_setup SETUP: one fault run; appends its verdicts to $OUT/fault.md.
fault_setup() {
  local setup=$1 name=$1 url= targets=() victim_port victim_name victim_pid restart=1
  case $setup in
    sqlite) ;;
    postgres | postgres-2-nodes)
      fresh_postgres tandem_fault
      url=$PG/tandem_fault
      ;;
    *) echo "unknown setup $setup (sqlite, postgres, postgres-2-nodes)" >&2; exit 2 ;;
  esac
  if [ "$setup" = postgres-2-nodes ]; then
    start_node "$name-a" 18080 "$url"
    start_node "$name-b" 18081 "$url"
    targets=(--target http://127.0.0.1:18080 --target http://127.0.0.1:18081)
    victim_name=$name-b victim_port=18081 victim_pid=${PIDS[1]} restart=0
  else
    start_node "$name" 18080 "$url"
    targets=(--target http://127.0.0.1:18080)
    victim_name=$name victim_port=18080 victim_pid=${PIDS[0]}
  fi
  "$BIN/tandem-loadgen" run "${targets[@]}" --password $PASSWORD \
    --customers "$CUSTOMERS" --agents "$AGENTS" --mode open --rate "$RATE" \
    --mix api=0,whatsapp=100,widget=0 --duplicate-percent "$DUPLICATES" --redeliver \
    --warmup "$WARMUP" --duration "$DURATION" --seed "$SEED" \
    --json "$OUT/$name.json" --ledger "$OUT/$name-ledger.json" \
    >"$OUT/$name.txt" 2>"$OUT/$name.err" &
  local generator=$!
  until grep -qs '^load: ' "$OUT/$name.err"; do
    kill -0 "$generator" 2>/dev/null || { cat "$OUT/$name.err" >&2; return 1; }
    sleep 0.2
  done
  sleep "$KILL_AFTER"
  local killed_at killed_at_ms ready_at restart_seconds=
  killed_at=$(now)
  kill -9 "$victim_pid"
  wait "$victim_pid" 2>/dev/null || true
  killed_at_ms=$(python3 -c "print(int($killed_at * 1000))")
  echo "$(date -u +%T) killed $victim_name (pid $victim_pid)" >&2
  if [ "$restart" = 1 ]; then
    launch_node "$victim_name" "$victim_port" "$OUT/$victim_name-data" \
      "$OUT/$victim_name-restart.log" "$url"
    if wait_ready "$victim_port" 1200; then
      ready_at=$(now)
      restart_seconds=$(python3 -c "print(f'{$ready_at - $killed_at:.2f}')")
      echo "$(date -u +%T) $victim_name ready again after $restart_seconds s" >&2
    else
      restart_seconds="did not come back within a minute"
    fi
  fi
  wait "$generator"
  local survivor_ready=no
  wait_ready 18080 20 && survivor_ready=yes
  stop_servers
  local checks
  checks=$(check_database "$setup" "$name" "$killed_at_ms")
  value() { sed -n "s/^$1=//p" <<<"$checks"; }
  python3 - "$OUT/$name.json" "$setup" "$restart" "$restart_seconds" "$survivor_ready" \
    "$(value lost)" "$(value stored_twice)" "$(value two_owners)" "$(value assigned_to_nobody)" \
    "$(value assignments)" "$(value stored_after_kill)" >>"$OUT/fault.md" <<'PY'
import json, sys
(path, setup, restart, restart_seconds, survivor_ready, lost, stored_twice, two_owners,
 assigned_to_nobody, assignments, stored_after_kill) = sys.argv[1:]
report = json.load(open(path))
d = report["deliveries"]
def verdict(count):
    return "ok" if count == "0" else "**FAIL**"
print(f"## {setup}\n")
print("| check | result | |")
print("|---|---:|---|")
print(f"| WhatsApp messages delivered / acknowledged | {d['messages']} / {d['acknowledged']} | "
      f"never acknowledged: {d['never_acknowledged']} |")
print(f"| duplicate deliveries / re-deliveries | {d['duplicates_sent']} / {d['redeliveries']} | |")
print(f"| acknowledged messages lost (not in the database) | {lost} | {verdict(lost)} |")
print(f"| messages stored twice (same wamid) | {stored_twice} | {verdict(stored_twice)} |")
twice = str(d["replies_sent_twice"])
print(f"| bot replies sent twice (same text to one customer message) | {twice} | {verdict(twice)} |")
print(f"| conversations assigned twice without release / assigned to nobody | "
      f"{two_owners} / {assigned_to_nobody} (of {assignments} assignments) | "
      f"{verdict(str(int(two_owners) + int(assigned_to_nobody)))} |")
if restart == "1":
    print(f"| restart, kill -9 → /readyz OK | {restart_seconds} s | |")
else:
    drops = ", ".join(f"{x['target']} at {x['at_seconds']:.1f} s" for x in d["dropped_targets"]) or "none"
    survived = "ok" if survivor_ready == "yes" and int(stored_after_kill) > 0 else "**FAIL**"
    print(f"| targets dropped by the generator | {drops} | |")
    print(f"| survivor: messages stored after the kill / ready at the end | "
          f"{stored_after_kill} / {survivor_ready} | {survived} |")
errors = sum(report["errors"].values())
print(f"| errors in the measured window (see {setup}.txt) | {errors} | |")
print(f"| accepted/s in the measured window | {report['messages']['accepted_per_second']:.1f} | |")
print()
PY
}

{
  echo "# Fault run $(basename "$OUT")"
  echo
  echo "WhatsApp webhooks only at $RATE msg/s, $DUPLICATES% delivered twice, unacknowledged ones"
  echo "re-delivered until acknowledged; warm-up $WARMUP, measured $DURATION, kill -9 at $KILL_AFTER s"
  echo "into the load; $CUSTOMERS customers, $AGENTS agents, seed $SEED. Commit $(git rev-parse --short HEAD)."
  echo
} >"$OUT/fault.md"
for setup in $SETUPS; do
  fault_setup "$setup"
done
cat "$OUT/fault.md"
echo "results in $OUT/fault.md"
