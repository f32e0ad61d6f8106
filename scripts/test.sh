#!/usr/bin/env bash
# The test command: installs what the tests need, checks formatting and lints,
# then runs every test: the Rust unit and integration tests, then the
# Playwright suite in Debian's chromium against the release build (and its
# hydration check against the debug build too), each with a throwaway Redis
# and database.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

echo "==> formatting and lints (server and WASM builds)"
cargo fmt --check
cargo clippy --locked --all-targets --features ssr -- -D warnings
cargo clippy --locked --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

echo "==> Rust unit and integration tests"
cargo test --features ssr --locked

# The browser suite runs against what users get: the release build, made by
# the README's own command and served as production serves it. The check
# that every page hydrates runs against the debug build too, so a flag that
# reaches one half of one profile only cannot pass. Both builds write
# target/site, so each suite runs right after its build.
echo "==> debug build, and every page hydrating in it"
cargo leptos build
scripts/browser-tests.sh debug hydration.spec.ts recovery.spec.ts

echo "==> release build (the README's command), and the whole browser suite against it"
cargo leptos build --release
scripts/browser-tests.sh release
echo "==> all tests passed"
