#!/usr/bin/env bash
# Two server builds side by side on one request: each round starts build A,
# then build B, on a fresh SQLite database and one shared throwaway Redis,
# signs up, fills 50 workouts and drives the request with wrk. Prints requests
# per second and the server's CPU per request. Alternating rounds keep a
# shared machine's drift out of the comparison. The request is the dashboard
# render (`dashboard`, the default) or the authenticated read (`me`).
#
#   git worktree add /tmp/before <rev>
#   (cd /tmp/before && cargo build --release --features ssr --bin workout_log)
#   bench/ab.sh /tmp/before/target/release/workout_log target/release/workout_log [dashboard|list|home|me]
#
# Needs the site built (`cargo leptos build --release`, for target/site).
# ROUNDS (default 3) and DURATION (seconds, default 10) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bin_a=$1 bin_b=$2 target=${3:-dashboard}
request_for "$target"

start_workspace

measure() {
  local label=$1 bin=$2 round=$3
  local port app cookie
  start_logged_in_app "$bin" "$work/$label-$round.db" "ab$round@example.com"
  local before after
  before=$(cpu_ticks "$app_pid")
  COOKIE=$cookie wrk -t2 -c32 -d"${DURATION:-10}s" -s "$script" "$app$path" >"$work/wrk.txt"
  after=$(cpu_ticks "$app_pid")
  local rps requests
  rps=$(sed -n 's/^Requests\/sec: *//p' "$work/wrk.txt")
  requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
  printf '%s, round %s: %s requests/s, %s µs of server CPU per request\n' "$label" "$round" "$rps" \
    "$(echo "($after - $before) / $(getconf CLK_TCK) / $requests * 1000000" | bc -l | cut -d. -f1)"
  kill "$app_pid"
  wait "$app_pid" 2>/dev/null || true
}

for round in $(seq "${ROUNDS:-3}"); do
  measure A "$bin_a" "$round"
  measure B "$bin_b" "$round"
done
