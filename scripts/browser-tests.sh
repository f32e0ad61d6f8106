#!/usr/bin/env bash
# Runs the Playwright suite (end2end/) in Debian's chromium against a server
# binary that is already built, served as that build is meant to be served:
#
#   scripts/browser-tests.sh release [playwright args]   # target/release/workout_log, LEPTOS_ENV=PROD
#   scripts/browser-tests.sh debug   [playwright args]   # target/debug/workout_log, LEPTOS_ENV=DEV
#
# Build first (`cargo leptos build --release`, or `cargo leptos build`): both
# write the client bundle to target/site, so the bundle there is whichever
# profile was built last. The server gets a throwaway Redis and SQLite
# database on free loopback ports, and stops with the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:?usage: scripts/browser-tests.sh release|debug [playwright args]}
shift
case $profile in
  release) leptos_env=PROD ;;
  debug) leptos_env=DEV ;;
  *) echo "unknown profile: $profile (release or debug)" >&2; exit 2 ;;
esac
binary=target/$profile/workout_log
[[ -x $binary ]] || { echo "$binary is missing: build it with cargo leptos build" >&2; exit 1; }

work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
smtp_port=$(free_port)
app_port=$(free_port)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  kill $(jobs -p) 2>/dev/null || true
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save "" --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# Production sends mail over SMTP: to a server of our own that writes each
# message to $work/mail.jsonl, where the tests read it (MAIL_CAPTURE). The
# debug build runs as development, with no SMTP_URL: mail goes to its
# /dev/mailbox page, where the tests read it instead.
mail_env=()
if [[ $leptos_env == PROD ]]; then
  /usr/bin/python3 tests/smtp_server.py --port "$smtp_port" --out "$work/mail.jsonl" >"$work/smtp.log" 2>&1 &
  for _ in $(seq 50); do grep -q ready "$work/smtp.log" 2>/dev/null && break; sleep 0.1; done
  mail_env=(SMTP_URL="smtp://127.0.0.1:$smtp_port?tls=none" MAIL_FROM="Workout log <no-reply@example.com>"
    PUBLIC_URL="http://127.0.0.1:$app_port" MAIL_RETRY_AFTER=200ms)
  export MAIL_CAPTURE="$work/mail.jsonl"
fi

# The environment beats .env, so a developer's own .env cannot leak in. The
# app is served over plain HTTP here, so COOKIE_SECURE is off: with it on,
# the app takes itself to be served over HTTPS and refuses the browser's
# `Origin: http://…` as another origin, as it should.
env LEPTOS_ENV=$leptos_env \
  "${mail_env[@]}" \
  COOKIE_SECURE=false \
  LEPTOS_SITE_ADDR="127.0.0.1:$app_port" \
  REDIS_URL="redis://127.0.0.1:$redis_port" \
  DATABASE_URL="sqlite://$work/e2e.db" \
  SESSION_SECRET="$(head -c 64 /dev/urandom | base64 -w0)" \
  RUST_LOG="${RUST_LOG:-warn}" \
  "$binary" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
  curl -fsS "http://127.0.0.1:$app_port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

echo "==> browser tests against the $profile build (LEPTOS_ENV=$leptos_env) on 127.0.0.1:$app_port"
status=0
(cd end2end && LEPTOS_SITE_ADDR="127.0.0.1:$app_port" npx playwright test "$@") || status=$?
if ((status != 0)); then
  echo "==> the server's log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
