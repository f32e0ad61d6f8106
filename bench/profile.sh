#!/usr/bin/env bash
# Where the server's CPU time goes under load, sampled by `perf record` on the
# cpu-clock software event (it works where the hardware counters do not).
# Unlike bench/instructions.sh, it sees the real machine: SHA extensions,
# caches, the kernel's share of each request.
#
#   bench/profile.sh BIN [-- dashboard|list|home|me]
#
# Signs up (and, for the dashboard, adds 50 workouts), warms up, then samples
# the server for DURATION seconds (default 10) under wrk, and prints the
# share of time by library (the crate or shared object a symbol comes from)
# and the hottest symbols. The raw profile is left in target/bench/profile-*.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

bin=${1:?usage: bench/profile.sh BIN [-- dashboard|list|home|me]}
shift
[[ ${1:-} == -- ]] && shift
target=${1:-me}
request_for "$target"
command -v perf >/dev/null || { echo "needs perf (apt-get install linux-perf)" >&2; exit 1; }

start_workspace

start_logged_in_app "$bin" "$work/app.db" profile@example.com
COOKIE=$cookie wrk -t1 -c32 -d3s -s "$script" "$app$path" >/dev/null

out=target/bench/profile-$target
mkdir -p target/bench
COOKIE=$cookie wrk -t1 -c32 -d"$((${DURATION:-10} + 2))s" -s "$script" "$app$path" >"$out.wrk.txt" &
wrk_pid=$!
sleep 1
perf record -q -e cpu-clock -F 1999 -g -p "$app_pid" -o "$out.data" -- sleep "${DURATION:-10}" 2>/dev/null
wait "$wrk_pid"
grep -q 'RESULT errors 0' "$out.wrk.txt" || { echo "requests failed" >&2; cat "$out.wrk.txt" >&2; exit 1; }

echo "== $bin, $target: share of the server's CPU time by library (self time)"
# A symbol's library: the crate its path starts with (for `<T as Trait>`,
# T's crate), mimalloc and SQLite by their C prefixes, else perf's object.
perf report -i "$out.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null \
  | awk '/^ +[0-9.]+%/ {
      pct = $1; sub("%", "", pct)
      dso = $2; name = $0; sub(/.*\] /, "", name)
      sub(/^(_?<)+/, "", name); sub(/^(&mut |&|dyn |\[)+/, "", name)
      if (name ~ /^[a-z_][a-z0-9_]*::/) { split(name, parts, "::"); lib = parts[1] }
      else if (name ~ /^_?mi_/) { lib = "mimalloc" }
      else if (name ~ /^sqlite3/) { lib = "sqlite" }
      else if (dso == "[kernel.kallsyms]") { lib = "kernel" }
      else { lib = dso }
      share[lib] += pct
    }
    END { for (lib in share) printf "%6.1f%%  %s\n", share[lib], lib }' \
  | sort -rn | head -25
echo
echo "== hottest symbols (self time)"
perf report -i "$out.data" --no-children --sort sym --stdio -g none 2>/dev/null \
  | awk '/^ +[0-9.]+%/' | head -30 | cut -c1-160
