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
source bench/lib.sh
bin_a=$1 bin_b=$2

work=$(mktemp -d)
cleanup() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  kill $(jobs -p) 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
start_redis "$work"

measure() {
  local label=$1 bin=$2 round=$3
  local port
  port=$(free_port)
  start_app "$bin" "$port" "$work/$label-$round.db"
  wait_for_port "$port"
  local app="http://127.0.0.1:$port" cookie
  cookie=$(signup_cookie "$app" "ab$round@example.com")
  add_workouts "$app" "$cookie" 50
  local before after
  before=$(cpu_ticks "$app_pid")
  COOKIE=$cookie wrk -t2 -c32 -d"${DURATION:-10}s" -s bench/get.lua "$app/dashboard" >"$work/wrk.txt"
  after=$(cpu_ticks "$app_pid")
  local rps requests
  rps=$(sed -n 's/^Requests\/sec: *//p' "$work/wrk.txt")
  requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
  printf '%s, round %s: %s renders/s, %s µs of server CPU per render\n' "$label" "$round" "$rps" \
    "$(echo "($after - $before) / $(getconf CLK_TCK) / $requests * 1000000" | bc -l | cut -d. -f1)"
  kill "$app_pid"
  wait "$app_pid" 2>/dev/null || true
}

for round in $(seq "${ROUNDS:-3}"); do
  measure A "$bin_a" "$round"
  measure B "$bin_b" "$round"
done
