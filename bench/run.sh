#!/usr/bin/env bash
# The benchmark command: builds the app as the README says (release), checks
# that every page of that build hydrates in Chromium, starts it on loopback
# beside its references (the express + express-session + connect-redis server
# of the seed tutorials, and a bare axum handler doing one Redis GET), all on
# one throwaway Redis, drives each with wrk, and writes docs/PERFORMANCE.md.
#
#   bench/run.sh              # full run (a few minutes after the builds)
#   DURATION=5 bench/run.sh   # seconds per measurement (default 10)
#   DEVLOOP=0 bench/run.sh    # without the dev-loop timing (a debug build)
#   ROUNDS=5 bench/run.sh     # rounds of the /api/me comparison (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
duration=${DURATION:-10}
results=$root/target/bench
mkdir -p "$results"
rm -f "$results"/*.txt

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
source bench/lib.sh

say "installing what the benchmarks need"
# --test: chromium and the end2end packages, for the hydration check below.
scripts/setup.sh --test
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v bc >/dev/null || missing+=(bc)
if ((${#missing[@]})); then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
(cd bench/express && npm ci --no-audit --no-fund --loglevel=error)

# The README's build command, nothing added: what operators deploy is what is
# measured (the server compresses the bundle itself at start-up).
say "building the app (cargo leptos build --release) and the ceiling server"
cargo leptos build --release 2>&1 | tail -n 3
cargo build --release --quiet --manifest-path bench/ceiling/Cargo.toml --target-dir target/bench-ceiling

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

start_redis "$work"
# The app sends each signup's confirmation link: a throwaway SMTP server
# takes them.
start_smtp "$work"
pids+=($!)
export REDIS_URL="redis://127.0.0.1:$redis_port"

app_port=$(free_port); express_port=$(free_port); ceiling_port=$(free_port)
start_app target/release/workout_log "$app_port" "$work/bench.db"
pids+=("$app_pid")
PORT=$express_port node bench/express/server.js >/dev/null &
express_pid=$!
pids+=($!)
PORT=$ceiling_port target/bench-ceiling/release/session-ceiling &
ceiling_pid=$!
pids+=($!)
for port in "$app_port" "$express_port" "$ceiling_port"; do wait_for_port "$port"; done

# No figure comes from a build that does not work in a browser: every page
# must hydrate in Chromium with an empty console first (the release build
# once panicked on every page while its sizes were being reported).
say "checking that this build hydrates every page in Chromium"
if ! (cd end2end && LEPTOS_SITE_ADDR="127.0.0.1:$app_port" npx playwright test hydration.spec.ts --reporter=line); then
  echo "the release build does not hydrate: no figures reported" >&2
  exit 1
fi
printf 'BUILD cargo leptos build --release, hydrated in Chromium at %s\n' "$(git describe --always --dirty)" >"$results/build.txt"

say "making a logged-in session on each server"
app="http://127.0.0.1:$app_port"
app_cookie=$(signup_cookie "$app" bench@example.com)
add_workouts "$app" "$app_cookie" 50
express_cookie=$(curl -s -D - -o /dev/null -X POST "http://127.0.0.1:$express_port/bench/login" \
  | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)
redis-cli -p "$redis_port" set ceiling:bench '{"id":1,"email":"bench@example.com"}' >/dev/null
ceiling_cookie="sid=bench"

# measure NAME URL SCRIPT COOKIE CONNECTIONS [SERVER_PID]
# With SERVER_PID, also records the server's CPU time over the run.
measure() {
  local name=$1 url=$2 script=$3 cookie=$4 connections=$5 pid=${6:-}
  local before=
  [[ -n $pid ]] && before=$(cpu_ticks "$pid")
  local threads=$((connections < 2 ? connections : 2))
  local out=$results/$name-c$connections${round:+-r$round}.txt
  COOKIE=$cookie wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "bench/$script" "$url" >"$out"
  if [[ -n $pid ]]; then
    printf 'RESULT server_cpu_s %s\n' "$(echo "($(cpu_ticks "$pid") - $before) / $(getconf CLK_TCK)" | bc -l)" \
      >>"$out"
  fi
  printf '  %-28s %4s conns %5s  %s req/s\n' "$name" "$connections" "${round:+round $round}" \
    "$(sed -n 's/^Requests\/sec: *//p' "$out")"
}

say "authenticated read: POST /api/me"
# A few seconds of the same load first, unrecorded: each server's first
# seconds (worker threads starting, allocator caches, V8 compiling express's
# hot paths) would otherwise count against whichever is measured first.
for target in "$app/api/me $app_cookie" "http://127.0.0.1:$express_port/api/me $express_cookie" \
  "http://127.0.0.1:$ceiling_port/api/me $ceiling_cookie"; do
  read -r url cookie <<<"$target"
  COOKIE=$cookie wrk -t2 -c32 -d3s -s bench/post.lua "$url" >/dev/null
done
# Rounds in which the three servers take turns (ROUNDS, default 3): the
# report takes each server's median round, and the median of the per-round
# ratios, so a drift of the shared machine between rounds cancels out.
for round in $(seq "${ROUNDS:-3}"); do
  for c in 32 256; do
    measure me-app "$app/api/me" post.lua "$app_cookie" "$c" "$app_pid"
    measure me-express "http://127.0.0.1:$express_port/api/me" post.lua "$express_cookie" "$c" "$express_pid"
    measure me-ceiling "http://127.0.0.1:$ceiling_port/api/me" post.lua "$ceiling_cookie" "$c" "$ceiling_pid"
  done
done
round=

# anatomy NAME URL COOKIE SERVER_PID: one more 32-connection run of
# /api/me that records where its time went instead of how fast it was: the
# server's user and system CPU, the whole machine's (the kernel does a
# loopback packet's delivery, and wakes its receiver, on whichever CPU sends
# it, and interrupt work is charged to whatever runs), the loopback packets,
# and, where perf may count tracepoints, the server's system calls and
# context switches. Per request, in the report.
perf_counts=false
perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1 && perf_counts=true
anatomy() {
  local name=$1 url=$2 cookie=$3 pid=$4 out=$results/anatomy-$1.txt stat=$work/anatomy-$1.csv
  local perf_pid= before after
  if $perf_counts; then
    perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "$pid" -o "$stat" -- sleep "$duration" &
    perf_pid=$!
  fi
  before="$(cpu_ticks_split "$pid") $(machine_ticks) $(loopback_packets)"
  COOKIE=$cookie wrk -t2 -c32 -d"${duration}s" -s bench/post.lua "$url" >"$out"
  after="$(cpu_ticks_split "$pid") $(machine_ticks) $(loopback_packets)"
  {
    # The differences: clock ticks in seconds, the packets as counted.
    awk -v before="$before" -v after="$after" -v tick="$(getconf CLK_TCK)" 'BEGIN {
      split("server_user_s server_sys_s machine_user_s machine_sys_s machine_irq_s machine_idle_s loopback_packets", names)
      split(before, b); split(after, a)
      for (i = 1; i <= 7; i++) printf "RESULT %s %.6f\n", names[i], (a[i] - b[i]) / (i < 7 ? tick : 1)
    }'
    if [[ -n $perf_pid ]]; then
      wait "$perf_pid"
      # perf counted for `duration` seconds too, started just before wrk.
      awk -F, '$3 ~ /raw_syscalls/ { print "RESULT server_syscalls", $1 }
               $3 ~ /context-switches/ { print "RESULT server_context_switches", $1 }' "$stat"
    fi
  } >>"$out"
  printf '  %-28s %s req/s\n' "anatomy $name" "$(sed -n 's/^Requests\/sec: *//p' "$out")"
}

say "where the time of /api/me goes (32 connections, one run each)"
anatomy app "$app/api/me" "$app_cookie" "$app_pid"
anatomy express "http://127.0.0.1:$express_port/api/me" "$express_cookie" "$express_pid"
anatomy ceiling "http://127.0.0.1:$ceiling_port/api/me" "$ceiling_cookie" "$ceiling_pid"

say "login storm: /api/me at 32 connections while logins run at full speed"
for n in $(seq 0 15); do signup_cookie "$app" "storm$n@example.com" >/dev/null; done
STORM_ACCOUNTS=16 wrk -t1 -c8 -d"$((duration + 2))s" --latency -s bench/login.lua "$app/api/login" \
  >"$results/storm-logins-c8.txt" &
storm=$!
sleep 1
COOKIE=$app_cookie wrk -t1 -c32 -d"${duration}s" --latency -s bench/post.lua "$app/api/me" \
  >"$results/storm-me-c32.txt"
wait "$storm"
printf '  /api/me during the storm: %s req/s; logins: %s req/s\n' \
  "$(sed -n 's/^Requests\/sec: *//p' "$results/storm-me-c32.txt")" \
  "$(sed -n 's/^Requests\/sec: *//p' "$results/storm-logins-c8.txt")"

say "gated dashboard, server-side rendered (50 workouts x 4 exercises x 4 sets), and the streamed home page"
measure dashboard "$app/dashboard" get.lua "$app_cookie" 32 "$app_pid"
measure dashboard "$app/dashboard" get.lua "$app_cookie" 1
measure home "$app/" get.lua "" 32 "$app_pid"
measure home "$app/" get.lua "" 1

say "import: a 100,000-row Strong export stored in one request, beside Python's csv module reading it"
python3 bench/import_file.py "$work/strong.csv" 100000
import_cookie=$(signup_cookie "$app" importer@example.com)
started=$(date +%s.%N)
import_status=$(curl -s -o "$work/import.json" -w '%{http_code}' -H "cookie: $import_cookie" \
  -F "file=@$work/strong.csv;type=text/csv" -F unit=lb -F confirm=true "$app/api/import")
finished=$(date +%s.%N)
[[ $import_status == 200 ]] || { echo "the import answered $import_status: $(cat "$work/import.json")" >&2; exit 1; }
{
  printf 'IMPORT_ROWS 100000\n'
  printf 'IMPORT_BYTES %s\n' "$(stat -c %s "$work/strong.csv")"
  printf 'IMPORT_SECONDS %s\n' "$(echo "$finished - $started" | bc)"
  printf 'PYCSV_SECONDS %s\n' "$(python3 bench/import_file.py "$work/strong.csv" --read)"
  printf 'IMPORT_STORED %s\n' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stored"])' "$work/import.json")"
} >"$results/import.txt"
cat "$results/import.txt"

say "static assets: the JS glue and the WASM under their content-hashed URLs"
home=$(curl -s "$app/")
pkg_dir=$(grep -o '/pkg/[0-9a-f]\{16\}/workout_log.js' <<<"$home" | sed -n '1s|/workout_log.js||p')
[[ -n $pkg_dir ]] || { echo "the home page links no hashed bundle" >&2; exit 1; }
curl -s -o /dev/null -D - -H 'accept-encoding: br' "$app$pkg_dir/workout_log.wasm" | tr -d '\r' \
  | grep -iE '^(cache-control|content-encoding|content-length):' | sed 's/^/  /'
measure pkg-js "$app$pkg_dir/workout_log.js" get.lua "" 32
measure pkg-wasm "$app$pkg_dir/workout_log.wasm" get.lua "" 32

say "sizes: the first visit's WASM + JS + CSS as the server sends them, and a session in Redis"
# served NAME ENCODING: the bytes the server answers for NAME with that
# Accept-Encoding (what crosses the network, whatever the build left on disk).
served() { curl -s -H "accept-encoding: $2" "$app$pkg_dir/$1" | wc -c; }
{
  cat "$results/build.txt"
  for f in target/site/pkg/*.wasm target/site/pkg/*.js target/site/pkg/*.css; do
    [[ -f $f ]] || continue
    name=$(basename "$f")
    printf 'SIZE %s %s %s %s\n' "$name" "$(stat -c %s "$f")" "$(served "$name" gzip)" "$(served "$name" br)"
  done
  # awk reads to the end: a reader that stopped early would fail the pipeline.
  key=$(redis-cli -p "$redis_port" --scan | awk '!/^(user-sessions:|login-throttle:|express-sess:|ceiling:)/ && !found { print; found = 1 }')
  printf 'SESSION_BYTES %s\n' "$(redis-cli -p "$redis_port" memory usage "$key")"
  # 100,000 copies of that record, with its expiry, in Redis's own accounting.
  before=$(redis-cli -p "$redis_port" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
  redis-cli -p "$redis_port" eval "
    local value = redis.call('GET', KEYS[1])
    local ttl = redis.call('PTTL', KEYS[1])
    for i = 1, 100000 do redis.call('SET', 'bench-copy:' .. i, value, 'PX', ttl) end
    return 100000" 1 "$key" >/dev/null
  after=$(redis-cli -p "$redis_port" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
  printf 'SESSIONS_100K_BYTES %s\n' "$((after - before))"
  redis-cli -p "$redis_port" eval "for i = 1, 100000 do redis.call('DEL', 'bench-copy:' .. i) end" 0 >/dev/null
} >"$results/sizes.txt"
cat "$results/sizes.txt"

if [[ ${DEVLOOP:-1} == 0 ]]; then
  say "dev loop: skipped (DEVLOOP=0)"
  say "writing docs/PERFORMANCE.md"
  python3 bench/report.py "$results" docs
  exit 0
fi

say "dev loop: seconds from editing a component to the rebuilt page (cargo leptos watch)"
watch_port=$(free_port)
watch_log=$work/watch.log
LEPTOS_SITE_ADDR="127.0.0.1:$watch_port" LEPTOS_RELOAD_PORT=$(free_port) \
  DATABASE_URL="sqlite://$work/watch.db" COOKIE_SECURE=false RUST_LOG=warn \
  cargo leptos watch >"$watch_log" 2>&1 &
watch_pid=$!
pids+=("$watch_pid")
page_has() { local page; page=$(curl -s "http://127.0.0.1:$watch_port/" 2>/dev/null); grep -qF "$1" <<<"$page"; }
for _ in $(seq 900); do page_has "Your training, logged" && break; sleep 1; done
# The first build is done when the watcher has printed nothing for 5 s.
for _ in $(seq 300); do
  size=$(stat -c %s "$watch_log"); sleep 5
  [[ $(stat -c %s "$watch_log") == "$size" ]] && break
done
original=$(cat src/app.rs)
restore() { printf '%s\n' "$original" >src/app.rs; }
trap 'restore; cleanup' EXIT
# time_edit FROM TO: seconds from replacing FROM with TO in src/app.rs until the page shows TO.
time_edit() {
  sed -i "s/$1/$2/" src/app.rs
  local started finished
  started=$(date +%s.%N)
  for _ in $(seq 1200); do page_has "$2" && break; sleep 0.25; done
  finished=$(date +%s.%N)
  echo "$finished - $started" | bc
}
# One edit: a second edit saved while the watcher was still finishing the
# first rebuild's WASM was not picked up (seen with cargo-leptos 0.3.10).
edit=$(time_edit "Your training, logged\." "Your training, logged (edited).")
restore
printf 'DEVLOOP_SECONDS %.1f\n' "$edit" | tee -a "$results/sizes.txt"
kill "$watch_pid" 2>/dev/null || true

say "writing docs/PERFORMANCE.md"
python3 bench/report.py "$results" docs
