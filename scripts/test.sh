#!/usr/bin/env bash
# The test command: installs what the tests need, checks formatting and lints,
# then runs every test — the Rust unit and integration tests, then the Playwright suite in Debian's
# chromium against the real app with a throwaway Redis and database.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

echo "==> formatting and lints (server and WASM builds)"
cargo fmt --check
cargo clippy --locked --all-targets --features ssr -- -D warnings
cargo clippy --locked --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

echo "==> Rust unit and integration tests"
cargo test --features ssr --locked

echo "==> browser tests (cargo leptos end-to-end)"
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save "" --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
cleanup() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# Environment beats .env for both cargo-leptos and the app, so a developer's
# own .env cannot leak into the test run.
export REDIS_URL="redis://127.0.0.1:$redis_port"
export DATABASE_URL="sqlite://$work/e2e.db"
export SESSION_SECRET="$(head -c 64 /dev/urandom | base64 -w0)"
export COOKIE_SECURE=false
export LEPTOS_SITE_ADDR="127.0.0.1:$(free_port)"
export LEPTOS_RELOAD_PORT="$(free_port)"
export RUST_LOG="${RUST_LOG:-warn}"
cargo leptos end-to-end
echo "==> all tests passed"
