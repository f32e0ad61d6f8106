#!/usr/bin/env bash
# The run command: installs what is missing, starts a local Redis that keeps
# its data under .redis/ (unless REDIS_URL is set), and runs the app with
# `cargo leptos watch` on http://127.0.0.1:3000 (mail to /dev/mailbox without SMTP_URL).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# A signing key of this checkout's own, so sessions survive restarts of the
# app. Production sets SESSION_SECRET itself; .env is never committed.
if ! grep -qs '^SESSION_SECRET=' .env; then
  echo "SESSION_SECRET=$(head -c 64 /dev/urandom | base64 -w0)" >> .env
  echo "==> wrote a new SESSION_SECRET to .env"
fi

if [[ -z "${REDIS_URL:-}" ]] && ! grep -qs '^REDIS_URL=' .env; then
  port="${DEV_REDIS_PORT:-6390}"
  mkdir -p .redis
  if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    echo "==> starting Redis on 127.0.0.1:$port (data in .redis/)"
    # Append-only file on: sessions survive a Redis restart too.
    redis-server --bind 127.0.0.1 --port "$port" --dir "$PWD/.redis" \
      --appendonly yes --save "" --daemonize yes \
      --pidfile "$PWD/.redis/redis.pid" --logfile "$PWD/.redis/redis.log"
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  export REDIS_URL="redis://127.0.0.1:$port"
fi

if [[ -z "${SMTP_URL:-}" ]] && ! grep -qs '^SMTP_URL=' .env; then
  echo "==> no SMTP_URL: mail (reset links, confirmations) goes to the log and http://127.0.0.1:3000/dev/mailbox"
fi

exec cargo leptos watch "$@"
