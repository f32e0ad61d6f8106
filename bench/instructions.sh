#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: unlike requests
# per second, the count repeats to within a fraction of a percent whatever
# else the machine is doing, so two builds compare on a noisy shared machine.
# It counts user-space instructions only (not the kernel's share) and runs
# the server some fifty times slower, so it complements bench/ab.sh.
#
#   bench/instructions.sh BIN [BIN ...] [-- dashboard|list|home|me]
#
# Each binary signs up (and, for the dashboard, adds 50 workouts) while it
# runs normally, then restarts under callgrind on the same Redis and
# database: the session survives the restart, and argon2 never runs under
# valgrind. After a warm-up, wrk drives the request for DURATION seconds
# (default 10) and the count is divided by the requests it made.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

bins=()
while (($#)) && [[ $1 != -- ]]; do bins+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
target=${1:-me}
request_for "$target"
((${#bins[@]})) || { echo "usage: bench/instructions.sh BIN [BIN ...] [-- dashboard|list|home|me]" >&2; exit 2; }
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null \
  || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }

start_workspace
# One key for both runs of each binary, so the session outlives the restart.
export SESSION_SECRET
SESSION_SECRET=$(head -c 64 /dev/urandom | base64 -w0)

count() {
  local bin=$1 n=$2 port app cookie
  start_logged_in_app "$bin" "$work/$n.db" "count$n@example.com"
  kill "$app_pid"
  wait "$app_pid" 2>/dev/null || true

  printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s %s\n' \
    "$work/$n.callgrind" "$(realpath "$bin")" >"$work/under-valgrind.sh"
  chmod +x "$work/under-valgrind.sh"
  start_app "$work/under-valgrind.sh" "$port" "$work/$n.db" 2>/dev/null
  # Valgrind runs the start-up fifty times slower, and a bundle built
  # without --precompress is compressed then: allow five minutes.
  wait_for_port "$port" 3000
  COOKIE=$cookie wrk -t1 -c4 -d3s -s "$script" "$app$path" >/dev/null
  callgrind_control -z "$app_pid" >/dev/null 2>&1
  COOKIE=$cookie wrk -t1 -c4 -d"${DURATION:-10}s" -s "$script" "$app$path" >"$work/wrk.txt"
  callgrind_control -d "$app_pid" >/dev/null 2>&1
  kill "$app_pid"
  wait "$app_pid" 2>/dev/null || true
  grep -q 'RESULT errors 0' "$work/wrk.txt" || { echo "$bin: requests failed" >&2; cat "$work/wrk.txt" >&2; exit 1; }
  local requests instructions
  requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
  # The dump after the zeroing holds exactly the measured requests.
  instructions=$(awk '/^(summary|totals):/ { print $2 }' "$work/$n.callgrind".* | sort -n | tail -1)
  printf '%s, %s: %s instructions per request (%s requests)\n' "$bin" "$target" \
    "$((instructions / requests))" "$requests"
}

n=0
for bin in "${bins[@]}"; do
  n=$((n + 1))
  count "$bin" "$n"
done
