#!/usr/bin/env python3
"""Turns the wrk outputs of bench/run.sh into docs/PERFORMANCE.md and SVG plots.

Every headline figure is a ratio between two servers measured in the same run
on the same machine, because absolute numbers move between runs.
"""

import os
import platform
import re
import subprocess
import sys
from pathlib import Path


def parse_wrk(path: Path) -> dict:
    text = path.read_text()
    out = {}
    match = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(match.group(1)) if match else 0.0
    for line in text.splitlines():
        if line.startswith("RESULT "):
            _, key, value = line.split()
            out[key] = float(value)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non2xx"] = int(non2xx.group(1)) if non2xx else 0
    return out


def cpu_per_request(run: dict) -> str:
    """The server process's CPU time (user + system) per request served."""
    if not run.get("server_cpu_s") or not run.get("requests"):
        return ""
    return f"{run['server_cpu_s'] / run['requests'] * 1e6:.0f}"


def ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def bar_chart(title: str, groups: list, series: list, values: dict, unit: str) -> str:
    """Grouped horizontal-axis bar chart as a standalone SVG."""
    width, height, left, bottom, top = 640, 300, 70, 40, 40
    plot_w, plot_h = width - left - 20, height - top - bottom
    peak = max(values.values()) or 1.0
    colors = ["#2f6fb0", "#c0504d", "#9bbb59", "#8064a2"]
    group_w = plot_w / len(groups)
    bar_w = group_w * 0.8 / len(series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
    ]
    for i, group in enumerate(groups):
        gx = left + i * group_w + group_w * 0.1
        parts.append(
            f'<text x="{left + i * group_w + group_w / 2}" y="{top + plot_h + 18}" '
            f'text-anchor="middle">{group}</text>'
        )
        for j, name in enumerate(series):
            value = values.get((group, name), 0.0)
            h = plot_h * value / peak
            x = gx + j * bar_w
            y = top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{colors[j % len(colors)]}"/>'
            )
            parts.append(
                f'<text x="{x + bar_w / 2 - 1:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'font-size="10">{value:,.0f}</text>'
            )
    for j, name in enumerate(series):
        parts.append(
            f'<rect x="{left + j * 150}" y="{height - 14}" width="10" height="10" '
            f'fill="{colors[j % len(colors)]}"/>'
            f'<text x="{left + j * 150 + 14}" y="{height - 5}">{name}</text>'
        )
    parts.append(f'<text x="12" y="{top + plot_h / 2}" transform="rotate(-90 12 {top + plot_h / 2})" '
                 f'text-anchor="middle">{unit}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, {rustc}, Node.js {node}, "
        f"Redis {redis.removeprefix('v=')}; load generator (wrk, 2 threads) on the same machine"
    )


ROUND = re.compile(r"^(.*)-r(\d+)$")


def fold_rounds(runs: dict) -> dict:
    """Replaces the rounds of one measurement (`NAME-rN`) by its median round,
    under `NAME`; returns every measurement's rounds, by round number."""
    rounds = {}
    for key in list(runs):
        match = ROUND.match(key)
        if match:
            rounds.setdefault(match[1], {})[int(match[2])] = runs.pop(key)
    for name, by_round in rounds.items():
        runs[name] = lower_median(sorted(by_round.values(), key=lambda r: r["rps"]))
    return rounds


def lower_median(items: list):
    return items[(len(items) - 1) // 2] if items else None


def round_ratios(rounds: dict, a: str, b: str) -> list:
    """a's requests/s over b's, in each round that measured both: the servers
    of one round ran minutes apart at most, so a drift between rounds cancels."""
    ra, rb = rounds.get(a, {}), rounds.get(b, {})
    return sorted(ra[n]["rps"] / rb[n]["rps"] for n in ra if n in rb and rb[n]["rps"])


def anatomy_of(runs: dict, servers: list) -> tuple:
    """The table of where each server's time went per request of /api/me (the
    `anatomy-*` runs), and the app's and the ceiling's figures by name."""
    rows, figures = [], {}
    for key, label in servers:
        r = runs.get("anatomy-" + key.removeprefix("me-"))
        if not r or not r.get("requests"):
            continue
        n = r["requests"]
        per = {
            "user": r.get("server_user_s", 0) / n * 1e6,
            "sys": r.get("server_sys_s", 0) / n * 1e6,
            "m_user": r.get("machine_user_s", 0) / n * 1e6,
            "m_kernel": (r.get("machine_sys_s", 0) + r.get("machine_irq_s", 0)) / n * 1e6,
            "m_idle": r.get("machine_idle_s", 0) / n * 1e6,
            "packets": r.get("loopback_packets", 0) / n,
            "syscalls": r["server_syscalls"] / n if "server_syscalls" in r else None,
            "switches": r["server_context_switches"] / n if "server_context_switches" in r else None,
        }
        figures[key] = per
        counted = lambda v: "" if v is None else f"{v:.2f}"
        rows.append(f"| {label} | {r['rps']:,.0f} | {per['user']:.1f} | {per['sys']:.1f} | {per['m_user']:.1f} | "
                    f"{per['m_kernel']:.1f} | {per['m_idle']:.1f} | {per['packets']:.2f} | "
                    f"{counted(per['syscalls'])} | {counted(per['switches'])} |")
    if not rows:
        return "", figures
    table = "\n".join([
        "| Server | Requests/s | Server user µs | Server kernel µs | Machine user µs | Machine kernel µs "
        "| Machine idle µs | Loopback packets | Server system calls | Server context switches |",
        "|---|---|---|---|---|---|---|---|---|---|"] + rows)
    return table, figures


def anatomy_gap(figures: dict) -> str:
    """The app's and the ceiling's time per request side by side, from the
    anatomy runs; empty when they were not measured."""
    app, ceiling = figures.get("me-app"), figures.get("me-ceiling")
    if not app or not ceiling:
        return ""
    calls = ""
    if app["syscalls"] is not None and ceiling["syscalls"] is not None:
        calls = (f", {app['syscalls']:.1f} system calls against {ceiling['syscalls']:.1f} and "
                 f"{app['switches']:.2f} context switches against {ceiling['switches']:.2f}")
    return (
        f"Per request (the table after the plot), the app's process spent {app['user']:.0f} µs in user space "
        f"against the ceiling's {ceiling['user']:.0f}, and the whole machine {app['m_kernel']:.0f} µs in the "
        f"kernel against {ceiling['m_kernel']:.0f}, with {app['packets']:.1f} loopback packets against "
        f"{ceiling['packets']:.1f}{calls}. The extra packets are on the Redis connections, not the clients': "
        "captured once with tcpdump (stop 14, not by run.sh), each server got one packet per request and sent one back, "
        "and both sent one GET per request (Redis's command count agrees), but the ceiling, with more "
        "requests in flight at once, packed more GETs into each packet (0.4 packets each way per request, "
        "against the app's 0.7). That follows from the app's own time, not from extra work, and the pool's "
        "size (1, 2 or 4 connections) did not move the ceiling's throughput beyond noise. "
    )


def main() -> None:
    results, docs = Path(sys.argv[1]), Path(sys.argv[2])
    runs = {p.stem: parse_wrk(p) for p in results.glob("*.txt") if p.stem not in ("sizes", "import")}
    rounds = fold_rounds(runs)

    def figure(key, field="rps"):
        return runs.get(key, {}).get(field, 0.0)

    sizes = (results / "sizes.txt").read_text().splitlines()

    servers = [("me-app", "this app"), ("me-express", "express reference"), ("me-ceiling", "bare axum + GET")]
    conns = ["c32", "c256"]
    values = {(c.removeprefix("c") + " connections", label): runs[f"{key}-{c}"]["rps"]
              for key, label in servers for c in conns if f"{key}-{c}" in runs}
    (docs / "perf-me.svg").write_text(
        bar_chart("Authenticated read (POST /api/me): requests/s", [c.removeprefix("c") + " connections" for c in conns],
                  [label for _, label in servers], values, "requests/s"))

    lines = ["| Server | Connections | Requests/s | p50 ms | p99 ms | Server CPU µs/request | Errors | Every round, requests/s |",
             "|---|---|---|---|---|---|---|---|"]
    for key, label in servers:
        for c in conns:
            r = runs.get(f"{key}-{c}")
            if r:
                errors = int(r.get("errors", 0)) + r["non2xx"]
                every = " / ".join(f"{run['rps']:,.0f}" for _, run in sorted(rounds.get(f"{key}-{c}", {}).items()))
                lines.append(f"| {label} | {c[1:]} | {r['rps']:,.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | "
                             f"{cpu_per_request(r)} | {errors} | {every} |")
    me_table = "\n".join(lines)

    def ratio(c, other):
        """app ÷ other at c connections: the median of the rounds' ratios (and
        their range), or the one measurement's ratio."""
        per_round = round_ratios(rounds, f"me-app-{c}", f"{other}-{c}")
        if per_round:
            return lower_median(per_round), per_round[0], per_round[-1]
        app, ref = figure(f"me-app-{c}"), figure(f"{other}-{c}")
        return (app / ref, app / ref, app / ref) if ref else (0.0, 0.0, 0.0)

    ratios = []
    for c in conns:
        (vs_exp, exp_lo, exp_hi), (vs_ceil, ceil_lo, ceil_hi) = ratio(c, "me-express"), ratio(c, "me-ceiling")
        if vs_exp and vs_ceil:
            ratios.append(f"| {c[1:]} | {vs_exp:.1f}× ({exp_lo:.1f}–{exp_hi:.1f}) | "
                          f"{100 * vs_ceil:.0f} % ({100 * ceil_lo:.0f}–{100 * ceil_hi:.0f}) |")
    ratio_table = "\n".join(["| Connections | app ÷ express (range over rounds) | app ÷ bare ceiling (range) |",
                              "|---|---|---|"] + ratios)

    anatomy_table, anatomy = anatomy_of(runs, servers)

    storm = ""
    alone, during, logins = runs.get("me-app-c32"), runs.get("storm-me-c32"), runs.get("storm-logins-c8")
    if alone and during and logins:
        storm = "\n".join([
            "| `/api/me`, 32 connections | Requests/s | p50 ms | p99 ms | p99.9 ms |",
            "|---|---|---|---|---|",
            f"| alone | {alone['rps']:,.0f} | {ms(alone['p50_us'])} | {ms(alone['p99_us'])} | {ms(alone['p99.9_us'])} |",
            f"| during the login storm | {during['rps']:,.0f} | {ms(during['p50_us'])} | {ms(during['p99_us'])} | {ms(during['p99.9_us'])} |",
            "",
            f"The storm: {logins['rps']:,.0f} logins/s (8 connections, to 16 accounts from many addresses, "
            "each a full argon2id verification), "
            f"p99 {ms(logins['p99_us'])} ms.",
        ])

    brotli_sizes = {parts[1]: int(parts[4]) for parts in map(str.split, sizes) if parts[:1] == ["SIZE"]}
    other = []
    for key, label, file in [("dashboard-c32", "GET /dashboard (SSR, 50 workouts × 4 exercises × 4 sets), 32 connections", None),
                             ("dashboard-c1", "GET /dashboard, 1 connection (kept alive)", None),
                             ("home-c32", "GET / (anonymous, streamed SSR), 32 connections", None),
                             ("home-c1", "GET /, 1 connection (kept alive)", None),
                             ("pkg-js-c32", "GET /pkg/&lt;hash&gt;/workout_log.js (brotli), 32 connections", "workout_log.js"),
                             ("pkg-wasm-c32", "GET /pkg/&lt;hash&gt;/workout_log.wasm (brotli), 32 connections", "workout_log.wasm")]:
        r = runs.get(key)
        if r:
            rate = f"{r['rps'] * brotli_sizes[file] / 1e6:,.0f} MB/s" if file in brotli_sizes else ""
            other.append(f"| {label} | {r['rps']:,.0f} | {rate} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | "
                         f"{cpu_per_request(r)} | {int(r.get('errors', 0)) + r['non2xx']} |")
    other_table = "\n".join(["| Measurement | Requests/s | Body bytes/s | p50 ms | p99 ms | Server CPU µs/request | Errors |",
                              "|---|---|---|---|---|---|---|"] + other)

    size_rows, totals = [], [0, 0, 0]
    session_bytes = sessions_100k = None
    devloop = None
    build = "an unrecorded build"
    for line in sizes:
        parts = line.split()
        if parts[0] == "BUILD":
            build = line.split(" ", 1)[1].strip()
        elif parts[0] == "SIZE":
            name, raw, gz, br = parts[1], *map(int, parts[2:5])
            totals = [totals[0] + raw, totals[1] + gz, totals[2] + br]
            size_rows.append(f"| {name} | {raw:,} | {gz:,} | {br:,} |")
        elif parts[0] == "DEVLOOP_SECONDS":
            devloop = parts[1]
        elif parts[0] == "SESSION_BYTES":
            session_bytes = int(parts[1]) if parts[1].isdigit() else None
        elif parts[0] == "SESSIONS_100K_BYTES":
            sessions_100k = int(parts[1]) if parts[1].isdigit() else None
    size_rows.append(f"| **total** | **{totals[0]:,}** | **{totals[1]:,}** | **{totals[2]:,}** |")
    size_table = "\n".join(["| File | Raw bytes | Served gzip | Served brotli |", "|---|---|---|---|"] + size_rows)
    session_line = (f"One logged-in session record takes {session_bytes} bytes in Redis (`MEMORY USAGE`)."
                    if session_bytes else "Session size: not measured.")
    if sessions_100k:
        session_line += (f" 100,000 copies of it, each with its expiry, added "
                         f"{sessions_100k / 2**20:.1f} MiB to Redis's `used_memory` "
                         f"({sessions_100k / 100_000:.0f} bytes per session, keys and expiry included).")

    import_figures = {}
    if (results / "import.txt").exists():
        for line in (results / "import.txt").read_text().splitlines():
            key, value = line.split(" ", 1)
            import_figures[key] = value.strip()
    if "IMPORT_SECONDS" in import_figures:
        rows = int(import_figures["IMPORT_ROWS"])
        app_s, py_s = float(import_figures["IMPORT_SECONDS"]), float(import_figures["PYCSV_SECONDS"])
        import_line = (
            f"A {rows:,}-row Strong export ({int(import_figures['IMPORT_BYTES']) / 2**20:.1f} MiB) imported with "
            f"`confirm=true` in one request: {app_s:.2f} s, {rows / app_s:,.0f} rows/s, read, checked and stored "
            f"({import_figures['IMPORT_STORED']} workouts, one transaction, SQLite). Python's `csv` module only "
            f"reading the same file, the floor for parsing it: {py_s:.2f} s, {rows / py_s:,.0f} rows/s "
            f"({app_s / py_s:.1f}× the app's time).")
    else:
        import_line = "Not measured."

    def verdict(ok):
        return "met" if ok else "**not met**"

    app_vs_exp, app_vs_ceil = ratio("c32", "me-express")[0], ratio("c32", "me-ceiling")[0]
    exp_vs_ceil = app_vs_ceil / app_vs_exp if app_vs_exp else 0.0
    round_count = max((len(by_round) for by_round in rounds.values()), default=1)
    storm_p99 = figure("storm-me-c32", "p99_us") / 1000
    bundle_br = totals[2]
    targets = "\n".join([
        "| Target | Measured | |",
        "|---|---|---|",
        f"| `/api/me` ≥ 8× the express reference | {app_vs_exp:.1f}× (32 connections) | {verdict(app_vs_exp >= 8)} |",
        f"| `/api/me` ≥ 85 % of the bare ceiling | {100 * app_vs_ceil:.0f} % | {verdict(app_vs_ceil >= 0.85)} |",
        f"| dashboard SSR ≥ 10,000 requests/s | {figure('dashboard-c32'):,.0f} | {verdict(figure('dashboard-c32') >= 10_000)} |",
        f"| `/api/me` p99 < 20 ms during a login storm | {storm_p99:.1f} ms | {verdict(0 < storm_p99 < 20)} |",
        f"| `/pkg` file ≥ 20,000 requests/s | {figure('pkg-js-c32'):,.0f} (JS glue) | {verdict(figure('pkg-js-c32') >= 20_000)} |",
        f"| first visit < 200 KB brotli | {bundle_br / 1000:,.0f} KB | {verdict(0 < bundle_br < 200_000)} |",
    ])

    def cpu(key):
        r = runs.get(key, {})
        return r["server_cpu_s"] / r["requests"] * 1e6 if r.get("server_cpu_s") and r.get("requests") else 0.0

    app_cpu, ceil_cpu, dash_cpu = cpu("me-app-c32"), cpu("me-ceiling-c32"), cpu("dashboard-c32")
    gaps = "\n".join([
        f"- **`/api/me` against the bare ceiling.** The ceiling spends {ceil_cpu:.0f} µs of CPU per request, "
        f"the app {app_cpu:.0f} µs. The difference is what the app does and the ceiling does not. Counted by "
        "`bench/instructions.sh` (89,800 user-space instructions per request, 6,000 of them the compression "
        "layer; the ceiling 32,000): verifying "
        "the cookie's HMAC-SHA-256 and building tower-sessions' cookie jar about a fifth (valgrind runs "
        "SHA-256 in software; on a CPU with SHA extensions, like this session's, `perf` puts it under 1 % of "
        "the time), the "
        "Leptos server-function call (a copy of the request head, a reactive owner and its contexts, form "
        "decoding, JSON encoding) a seventh, loading the session record (the Redis GET, which the ceiling "
        "does too, and decoding MessagePack into a map of JSON values) an eighth, and the remaining layers "
        "(tracing, the edge middleware, the error statuses) and HTTP itself the rest. Each is a requirement "
        "of the product, and no one of them dominates. `bench/profile.sh` shows the real CPU time: the kernel "
        "(loopback TCP, waking the peer) about half of it for the app and two thirds for the ceiling, the "
        f"allocator a seventh of the app's user time. {anatomy_gap(anatomy)}"
        "The gap narrows with more connections, where one "
        "wake-up and one system call serve several requests. The database is not on this path. In this run express "
        f"reached {100 * exp_vs_ceil:.0f} % of the ceiling, so 8× express asks for "
        f"{800 * exp_vs_ceil:.0f} % of it; 85 % would leave the app "
        "barely more CPU per request than the bare handler.",
        f"- **Dashboard SSR.** One render (20 of the 50 workouts, each of 4 exercises × 4 sets shown as chips, "
        f"the summary, the chart, the logging form, the data the browser hydrates from, compressed for a "
        f"browser) costs {dash_cpu:.0f} µs of server CPU. 10,000 renders a "
        "second on two cores shared with the load generator would allow well under 100 µs. The training log "
        "made the page about 6× the bytes (131 KB before compression, 58 KB of it the JSON the browser "
        "hydrates from). Reading a page of workouts as a row per exercise entry, its sets folded into one "
        "text value, instead of a row per set, took `/api/workouts/list` from 3.4–4.4 ms of CPU to 1.3 ms and "
        "the render from 6.3–7.6 ms to 4.0–4.8 ms (the two builds side by side, by hand, 8 connections). "
        "Before the training log, of the "
        "4.77 M instructions a compressed render took, brotli was 1.4 M and the erased views 1.0 M (both "
        "above). In a `perf` profile of the build before those two (the previous report), the "
        "kernel is a third (connections, and the thread switches below), sqlx's SQLite worker threads a fifth "
        "(the list and the summary queries, each a hop from the async workers to the connection's own thread "
        "and back), allocation an eighth (every component, action, resource and suspense boundary allocates "
        "its reactive node and owner), and the rest is spread over Leptos's renderer, the JSON the browser "
        "hydrates from, and the session. Counted by `bench/instructions.sh` then (2.34 M instructions per render): "
        "Leptos writes that JSON into the page through `Debug` formatting, character by character, 6 %; "
        "dropping sqlx's SQLite rows (each value a separate SQLite allocation under a mutex) 5 %. "
        "The rows are already plain views, formatted once. Reaching the target would take "
        "caching rendered pages, which a per-user page under a session cannot share, and a database call "
        "that does not cross threads.",
        "- **Bundle.** The WASM is mostly Leptos's runtime, monomorphised for each signal, resource, action "
        "and view type. twiggy on the release WASM before wasm-bindgen and wasm-opt (1.5 MB of code and data): "
        "`reactive_graph` 21 %, `tachys` (the renderer) 18 %, `core` and `alloc` 17 %, `serde_json` 6 %, the "
        "browser bindings 7 %, `leptos_router` 3 %, the app's own code 3 %. Code that only one page reaches "
        "(twiggy's dominator tree) is 35 KB for the account page and 32 KB for the dashboard, so lazy routes "
        "(`cargo leptos build --split`) would take about 5 % out of a first visit, not the 30 % the target "
        "needs. Under 200 KB takes Leptos's islands mode, which ships WASM only for the components marked as "
        "islands, and then only if the islands stay small. Measured on a throwaway prototype of this app (not "
        "in the repository; the same release profile, wasm-bindgen and `wasm-opt -Oz`; WASM only, brotli): "
        "278 KB as now; 142 KB in islands mode with three form islands (login with its inline error and "
        "pending state, logout, and the add-workout form); 234 KB when the dashboard and the account page "
        "are islands as they stand, with their resources, suspense boundaries and actions. So the bundle "
        "target and the dashboard's in-place updates (a change redraws the list and summary without a page "
        "load, which the browser tests pin) exclude each other: the pages would have to be server-rendered "
        "and reloaded after each change, with small islands for the forms. That is a product decision, not "
        "an optimisation.",
    ])

    (docs / "PERFORMANCE.md").write_text(f"""# Performance

Measured by `bench/run.sh` (the benchmark command; `DURATION` sets the seconds per
measurement). It builds the app with the README's command, `cargo leptos build
--release` (no `--precompress`: the server compresses the bundle at start-up),
checks in Chromium that every page of that build hydrates with an empty console
(it reports nothing otherwise), starts it with `LEPTOS_ENV=PROD`, the references
and one throwaway Redis on loopback, and drives each with `wrk`. Absolute
figures move between runs on a shared machine; the ratios compare servers
measured in the same run.

Which build each figure comes from: every figure but the dev loop comes from
that release build ({build}); the bundle sizes are the bytes that server sends
for each file with `Accept-Encoding: gzip` or `br`. The dev loop is timed on
the debug build that `cargo leptos watch` makes.

Machine: {machine()}.

## Against the targets

{targets}

The first baseline of this harness (stop 9's report, same machine class): app
÷ express 2.8×, app ÷ ceiling 21 %, dashboard 934 requests/s, `/pkg` wasm 1,559
requests/s from `ServeDir`, first visit 333 KB. What the measurements led to,
measured together (see git history for each change):

- The session carries its user; a request queries the database for the user
  only when this process has not found it there within `SESSION_USER_RECHECK`
  (10 s). Before, every authenticated request handed an SQLite query to
  sqlx's worker thread and back, and the thread switches cost more CPU than
  the rest of the request.
- `AppState` is one `Arc`: server functions and pages put it in their context
  several times per request, and each copy used to clone every Leptos option.
- mimalloc is the server's allocator: a page render makes thousands of small
  allocations, and glibc's malloc was a fifth of the dashboard's CPU profile.
- SQLite connections are not pinged before each query (sqlx's default: one
  more hop to its worker thread per query), and the summary is one query
  instead of two. Neither moved the dashboard figure beyond run-to-run noise.
- The dashboard's rows are plain views under one reactive closure for the
  whole list, where each row had two `Show`s (a memo, an owner and boxed
  children each). Measured with `bench/ab.sh`, the two server
  builds alternating three times on one machine: 1,090–1,153 µs of CPU per render before, 883–1,041 µs after;
  1,568–1,673 against 1,636–2,062 renders a second.
- A request body over the limit is still read, up to 2 MiB or one second,
  before the 413: closing a socket with unread data resets the connection,
  and the reset could destroy the 413 before an uploading client read it.
- The WASM is compiled with Leptos's `erase_components`: 15 % smaller
  (brotli) than the fully generic views.
- `/pkg` is read once at start-up and served from memory under a hash of its
  contents, precompressed, `immutable` (before: tower-http's `ServeDir`, which
  reads the file through the blocking pool on every request).
- Password hashing runs on its own threads at a lower priority (the login
  storm figure), each reusing its argon2 memory.
- The layers every request passes are one stack. The steps before the
  session layer (size limits, client IP, cross-site refusal, the 503 for a
  failed session save, security headers) are one middleware, applied with
  the session layer in one `ServiceBuilder`. Axum's `Router::layer` boxes the
  service at each call, and a `from_fn` middleware clones everything inside
  it on every request: eight layers cost nested boxed clones and boxed
  futures per request. Server functions also read the request head by
  reference instead of copying it. `/api/me` counted by
  `bench/instructions.sh` (callgrind, user space): 113,000 instructions per
  request before, 92,000 after (the bare ceiling: 32,000). Alternating wrk
  rounds (`bench/ab.sh OLD NEW me`): 24–37 µs of server CPU per request
  before, 21–34 µs after.
- The edge is a hand-written tower layer and the error-status mapping a
  `ServiceBuilder::then`, instead of axum's `from_fn`, which on every request
  also clones its state, splits the request to extract it and boxes the inner
  service again; and a
  session's metadata is stored as an array instead of a map. tower-sessions
  hands out owned values, so every authenticated request decoded the map's
  seven key strings and its tree from MessagePack and then copied them once
  more: a quarter of the request's allocations. Sessions stored as maps
  still read. `/api/me` by `bench/instructions.sh`: 92,100 instructions per
  request before, 91,000 with the layers, 85,700 with the array, 86,300 with
  the owner guard in the architecture notes (a deadlock fix, two
  thread-local reads per poll).
- The dashboard list's reactive closure runs twice in a server render (once
  to find the resources inside its suspense boundary, once for the HTML), and
  each run formatted every row's date and facts again and read the page's
  cursor from its memo once per link. The rows' text is now formatted once
  per page of the list and the cursor read once per run: 2.60 M instructions
  per render before, 2.34 M after (`bench/instructions.sh … -- dashboard`,
  which until then had measured a fresh database's redirect to `/login`: its
  helper that adds the 50 workouts reused the loop variable that names the
  database file).
- Accepted connections have Nagle's algorithm off (`TCP_NODELAY`). A
  streamed page is written in parts, and on a kept-alive connection each
  later part waited for the client's delayed acknowledgement: the home page
  on one connection managed 74 requests/s with a 16 ms median before, the
  1-connection rows below show it now.
- Until 2026-11-30 the release build's WASM panicked on every page while it
  hydrated (`erase_components` reached the browser bundle only), and the
  figures of earlier reports came from that build: its pages worked as
  plain form posts only. The flag now reaches both halves, this harness
  reports nothing from a build it has not seen hydrate in Chromium, and it
  builds with the README's command, without `--precompress` (the server
  compresses the bundle at start-up: 1.9 s for the 1 MB WASM here).
- The server is built with `erase_components` too, since both halves must
  agree, and its type-erased views cost the server render:
  `bench/instructions.sh` (`ACCEPT_ENCODING=identity`), the dashboard 2.36 M
  instructions per render with generic views on the server, 3.37 M erased;
  the logged-in home page 0.32 M and 0.36 M. The other way to agree, generic
  views on both halves, grows the WASM from 997 KB to 1,155 KB raw. Kept
  erased for the first visit's sake; the next performance round weighs it
  against the render targets.
- Pages and JSON answers over 1 KiB are compressed (tower-http's layer, as
  the browser accepts). At tower-http's default, brotli quality 4, each
  streamed page paid about 2 M instructions for the encoder (the logged-in
  home page: 0.36 M to render, 2.5 M with brotli); at quality 1 the
  dashboard (50 workouts) goes from 21,059 bytes to 3,250 (2,747 at quality
  4; gzip level 1: 3,489) for 1.4 M instructions (3.37 M to 4.77 M), and the
  home page from 0.36 M to 0.69 M. The `wrk` page scripts send
  `Accept-Encoding: br, gzip` as a browser does, so the page rows below
  include it. The layer also costs a request it does not compress:
  `/api/me` (no `Accept-Encoding`, an answer under 1 KiB) 83,500
  instructions per request without the layer, 89,600 with it.
- The session holds one value under one key (user, email and metadata,
  `auth::server::AuthSession`) instead of three keys read one by one:
  `/api/me` 91,800 instructions per request before, 89,800 after
  (`bench/instructions.sh`, both builds with the compression layer).

The `/pkg` wasm row moves the whole brotli file with each response: it
measures bytes through loopback, so the target is judged on the JS glue.

## What is left, and why

{gaps}

## Authenticated read

`POST /api/me` with a valid session cookie. The references: the seed tutorials'
stack (Node.js, express 5, express-session and connect-redis on the same
Redis, `bench/express`), and a bare axum handler that does one Redis GET per
request (`bench/ceiling`), the practical ceiling of a server-side session. The
app does more than either: it verifies the cookie's signature, checks the
session's timeouts, and runs its security, size-limit and session layers and
the Leptos server-function machinery.

The three servers take turns in {round_count} round{"s" if round_count != 1 else ""}. Each row is the
server's median round; each ratio is the median of the rounds' own ratios,
with their range, so a drift of the shared machine between rounds cancels.

{me_table}

{ratio_table}

![requests per second](perf-me.svg)

Where the time of one request goes: one more run of each server at 32
connections, with the CPU time of the server and of the whole machine (the
server, wrk, Redis and the kernel together) divided by the requests served,
the packets through the loopback interface, and (where `perf` may count
tracepoints) the server's system calls and context switches. All figures
are per request. The machine's kernel time includes interrupts: on loopback
the kernel delivers each packet, and wakes its receiver, on the CPU that
sent it.

{anatomy_table}

## Login storm isolation

Logins at full speed (argon2id, 19 MiB and 2 passes each, on the app's own
hashing threads) while `/api/me` is measured.

{storm}

## Pages and static files

{other_table}

## Bundle and sessions

What a first visit downloads from `/pkg`, as the release build's server sends it:

{size_table}

{session_line}

## Import

{import_line}

## Dev loop

{f"Editing the text of a component under `cargo leptos watch` (debug build of the server and the WASM): the new page was served {devloop} s after the file was saved, once the watcher had finished its first build. An edit saved while the watcher was still finishing a rebuild's WASM was not picked up at all (seen with cargo-leptos 0.3.10): wait for its `Serving` line." if devloop else "Not measured."}
""")


if __name__ == "__main__":
    main()
