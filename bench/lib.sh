# Shared by the benchmark scripts (sourced, not run).

# A free loopback port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The CPU time of a process so far, user and system apart, in clock ticks.
cpu_ticks_split() { awk '{ print $14, $15 }' "/proc/$1/stat"; }

# The whole machine's CPU time so far, in clock ticks: user (with nice),
# system, interrupts (hard and soft), idle.
machine_ticks() { awk '/^cpu / { print $2 + $3, $4, $7 + $8, $5 }' /proc/stat; }

# Packets through the loopback interface so far (each counted once).
loopback_packets() { awk '/^ *lo:/ { sub(/^ *lo:/, ""); print $2 }' /proc/net/dev; }

# wait_for_port PORT [TENTHS]: until something listens (at most TENTHS tenths
# of a second, default 100).
wait_for_port() {
  for _ in $(seq "${2:-100}"); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && break; sleep 0.1; done
}

# request_for NAME: sets path and script (the wrk script) for a request the
# comparison scripts drive: `dashboard` (GET /dashboard), `list` (the
# dashboard's list of workouts alone, POST /api/workouts/list), `home` (GET
# /, the streamed page, logged in) or `me` (POST /api/me).
request_for() {
  case $1 in
    dashboard) path=/dashboard script=bench/get.lua ;;
    list) path=/api/workouts/list script=bench/post.lua ;;
    home) path=/ script=bench/get.lua ;;
    me) path=/api/me script=bench/post.lua ;;
    *) echo "unknown request '$1' (dashboard, list, home or me)" >&2; exit 2 ;;
  esac
}

# start_workspace: a scratch directory ($work) and a throwaway Redis in it;
# on exit, the script's background jobs are stopped, Redis shut down and the
# directory removed.
start_workspace() {
  work=$(mktemp -d)
  trap stop_workspace EXIT
  start_redis "$work"
  start_smtp "$work"
}
stop_workspace() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}

# start_smtp DIR: a throwaway SMTP server (tests/smtp_server.py) that keeps
# what the app sends in DIR/mail.jsonl; sets smtp_port. Production needs one.
start_smtp() {
  smtp_port=$(free_port)
  /usr/bin/python3 tests/smtp_server.py --port "$smtp_port" --out "$1/mail.jsonl" >/dev/null &
  wait_for_port "$smtp_port"
}

# start_redis DIR: a throwaway Redis keeping nothing on disk; sets redis_port.
start_redis() {
  redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --daemonize yes --dir "$1" --pidfile "$1/redis.pid" --logfile "$1/redis.log"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

# start_app BINARY PORT SQLITE_FILE: the server as production runs it, on the
# Redis of start_redis, in the background; sets app_pid. Loopback is a
# trusted proxy, so the login storm (login.lua) can give each login an
# address of its own.
start_app() {
  SESSION_SECRET=${SESSION_SECRET:-$(head -c 64 /dev/urandom | base64 -w0)} COOKIE_SECURE=false \
    REDIS_URL="redis://127.0.0.1:$redis_port" DATABASE_URL="sqlite://$3" \
    LEPTOS_SITE_ADDR="127.0.0.1:$2" LEPTOS_OUTPUT_NAME=workout_log LEPTOS_SITE_ROOT=target/site \
    SMTP_URL="smtp://127.0.0.1:$smtp_port?tls=none" MAIL_FROM="Workout log <bench@localhost>" \
    PUBLIC_URL="http://127.0.0.1:$2" \
    LEPTOS_ENV=PROD RUST_LOG=warn TRUSTED_PROXIES=127.0.0.1 "$1" &
  app_pid=$!
}

# start_logged_in_app BINARY SQLITE_FILE EMAIL: the app (start_app) on a free
# port with EMAIL signed up, and, when $target is dashboard or list, the 50
# workouts its page lists; sets port, app, app_pid and cookie.
start_logged_in_app() {
  port=$(free_port)
  app="http://127.0.0.1:$port"
  start_app "$1" "$port" "$2"
  wait_for_port "$port"
  cookie=$(signup_cookie "$app" "$3")
  if [[ $target == dashboard || $target == list ]]; then add_workouts "$app" "$cookie" 50; fi
}

# signup_cookie APP_URL EMAIL: signs up and prints the session cookie.
signup_cookie() {
  curl -s -D - -o /dev/null -X POST -d "email=$2&password=correct+horse+battery" "$1/api/signup" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1
}

# add_workouts APP_URL COOKIE N: one workout a day over the last N days,
# each of 4 exercises with 4 sets (a warm-up and 3 working sets).
add_workouts() {
  local n e s # the caller's own n (instructions.sh numbers its binaries with it)
  local exercises=("Squat" "Bench Press" "Barbell Row" "Overhead Press")
  for n in $(seq "$3"); do
    local form="date=$(date -u -d "-$n days" +%F)&title=Session+$((n % 3))&duration_minutes=60&notes=steady"
    for e in 0 1 2 3; do
      form+="&entries%5B$e%5D%5Bexercise%5D=${exercises[$e]// /+}"
      for s in 0 1 2 3; do
        local kind=normal; ((s == 0)) && kind=warmup
        form+="&entries%5B$e%5D%5Bsets%5D%5B$s%5D%5Breps%5D=5"
        form+="&entries%5B$e%5D%5Bsets%5D%5B$s%5D%5Bweight%5D=$((40 + 10 * s + n % 7))"
        form+="&entries%5B$e%5D%5Bsets%5D%5B$s%5D%5Bkind%5D=$kind"
      done
    done
    curl -s -o /dev/null -X POST -H "cookie: $2" -d "$form" "$1/api/workouts/save"
  done
}
