#!/usr/bin/env bash
# Two server builds side by side on the dashboard render: each round starts
# build A, then build B, on a fresh SQLite database and one shared throwaway
# Redis, fills 50 workouts and drives GET /dashboard with wrk. Prints requests
# per second and the server's CPU per render. Alternating rounds keep a shared
# machine's drift out of the comparison.
#
#   git worktree add /tmp/before <rev>
#   (cd /tmp/before && cargo build --release --features ssr --bin workout_log)
#   bench/ab-dashboard.sh /tmp/before/target/release/workout_log target/release/workout_log
#
# Needs the site built (`cargo leptos build --release`, for target/site).
# ROUNDS (default 3) and DURATION (seconds, default 10) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_a=$1 bin_b=$2
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

work=$(mktemp -d)
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
  --dir "$work" --pidfile "$work/redis.pid" --logfile "$work/redis.log"
cleanup() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  kill $(jobs -p) 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

measure() {
  local label=$1 bin=$2 round=$3
  local port
  port=$(free_port)
  SESSION_SECRET=$(head -c 64 /dev/urandom | base64 -w0) COOKIE_SECURE=false \
    REDIS_URL="redis://127.0.0.1:$redis_port" DATABASE_URL="sqlite://$work/$label-$round.db" \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_OUTPUT_NAME=workout_log LEPTOS_SITE_ROOT=target/site \
    LEPTOS_ENV=PROD RUST_LOG=warn "$bin" &
  local pid=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  local app="http://127.0.0.1:$port" cookie
  cookie=$(curl -s -D - -o /dev/null -X POST -d "email=ab$round@example.com&password=correct+horse+battery" \
    "$app/api/signup" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)
  for n in $(seq 50); do
    curl -s -o /dev/null -X POST -H "cookie: $cookie" \
      -d "date=$(date -u -d "-$n days" +%F)&kind=Run&duration_minutes=30&distance_km=5.5&notes=steady" \
      "$app/api/workouts/create"
  done
  local before after
  before=$(cpu_ticks "$pid")
  COOKIE=$cookie wrk -t2 -c32 -d"${DURATION:-10}s" -s bench/get.lua "$app/dashboard" >"$work/wrk.txt"
  after=$(cpu_ticks "$pid")
  local rps requests
  rps=$(sed -n 's/^Requests\/sec: *//p' "$work/wrk.txt")
  requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
  printf '%s, round %s: %s renders/s, %s µs of server CPU per render\n' "$label" "$round" "$rps" \
    "$(echo "($after - $before) / $(getconf CLK_TCK) / $requests * 1000000" | bc -l | cut -d. -f1)"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

for round in $(seq "${ROUNDS:-3}"); do
  measure A "$bin_a" "$round"
  measure B "$bin_b" "$round"
done
