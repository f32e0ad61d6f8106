#!/usr/bin/env bash
# Installs whatever is missing to build and run the app (and, with --test, to
# run every test) on a Debian machine that has Rust, Node and apt. Safe to run
# again: each step checks first and does nothing when the tool is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
want_test_tools=false
[[ "${1:-}" == "--test" ]] && want_test_tools=true

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

apt_updated=false
apt_install() {
  if ! $apt_updated; then
    as_root apt-get update -qq
    apt_updated=true
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if $want_test_tools; then
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      say "adding the $component component"
      rustup component add "$component"
    fi
  done
fi

if [[ "$(cargo leptos --version 2>/dev/null)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (a few minutes, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

wb_version=$(locked_wasm_bindgen_version)
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]]; then
  say "installing wasm-bindgen-cli $wb_version (matches Cargo.lock)"
  # Not --locked: the CLI's own lock file pins crates that need a newer rustc.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# cargo-leptos runs wasm-opt on release builds and, when it is not on PATH,
# tries to download it from GitHub: install it from npm (binaryen) instead.
BINARYEN_VERSION=132.0.0
if ! command -v wasm-opt >/dev/null; then
  say "installing wasm-opt (npm package binaryen $BINARYEN_VERSION) for release builds"
  if [[ -w "$(npm prefix -g)/lib" ]]; then
    npm install -g --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION"
  else
    as_root npm install -g --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION"
  fi
fi

missing_packages=()
command -v redis-server >/dev/null || missing_packages+=(redis-server)
command -v redis-cli >/dev/null || missing_packages+=(redis-tools)
if $want_test_tools; then
  [[ -x /usr/bin/chromium ]] || missing_packages+=(chromium)
  # The tests start their own PostgreSQL servers with Debian's initdb and
  # pg_ctl (they never use a server that is already running).
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing_packages+=(postgresql)
  # The tests' SMTP server (tests/smtp_server.py), run by Debian's own
  # Python: mail sent by the app is caught there and read back.
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing_packages+=(python3-aiosmtpd)
fi
if ((${#missing_packages[@]})); then
  say "installing Debian packages: ${missing_packages[*]}"
  apt_install "${missing_packages[@]}"
fi

if $want_test_tools; then
  if [[ ! -d end2end/node_modules/@playwright/test ]] || [[ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]]; then
    say "installing the end2end npm packages"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
