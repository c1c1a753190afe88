"""Load test: `python -m benchmarks.load [--sessions 1 5 20 50] [--moves 6] [--proxy 1 2] [--think S] [--no-barrier]`.

(With --protocol: N protocol-level readers, no browsers, for 1 and 2 processes behind nginx, and the capacity
search; see benchmarks/protocol_load.py. `python -m benchmarks.load --protocol --clients N --processes 1 2`.)

Browser mode (the end-to-end check):

Starts the app (or, with --proxy P, P app processes behind nginx: deploy/start.py),
opens N concurrent browser sessions (headless Chromium pages, each its own
context, i.e. its own Streamlit session); once all N pages have loaded, each
session moves the width slider several times, at once or --think S seconds
apart (--no-barrier: each moves as soon as its own page is ready, overlapping
the other sessions' page loads). Reports per N: errors, sessions lost (error,
reconnect or slider state lost), page load time, per-move latency from key
press to the numbers updated and to the page idle again (median, p95),
slider-move throughput, CPU per move (and per page load) of the app processes
and of the test's own browsers, server memory (summed over the app processes)
and, through the proxy, sessions that changed process (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import time

import numpy as np
from playwright.async_api import async_playwright

from benchmarks.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_IFRAME,
    client_cpu_seconds,
    cpu_seconds,
    free_port,
    rss_mb,
    running_app,
)

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
METRIC_SHOWS = (
    "(v) => [...document.querySelectorAll('[data-testid=stMetricValue]')].some(e => e.textContent.includes(v))"
)


class _Phases:
    """All sessions load the page first; the moves start together once every session has loaded (or failed),
    so the slider moves are measured with 20 readers moving, not while the others are still opening the page
    (``barrier=False``: each session moves as soon as its own page is ready, as before)."""

    def __init__(self, n: int, barrier: bool = True):
        self.n, self.barrier, self.loaded = n, barrier, 0
        self.all_loaded, self.go = asyncio.Event(), asyncio.Event()
        if not barrier:
            self.go.set()

    def arrived(self) -> None:
        self.loaded += 1
        if self.loaded == self.n:
            self.all_loaded.set()


async def _wait_move(page, metric: str, timeout_ms: int) -> None:
    """Wait for the numbers (``metric`` in a metric), cheaply: textContent (no layout) every 50 ms; the test's
    old innerText check every animation frame cost each of its busy pages a layout per frame."""
    await page.wait_for_function(METRIC_SHOWS, arg=metric, polling=50, timeout=timeout_ms)


async def _session(browser, url: str, idx: int, moves: int, phases: _Phases, think_s: float = 0.0) -> dict:
    """One user: open the Explorer, wait for the map, then (once every session has loaded) move the slider
    ``moves`` times, pausing ``think_s`` seconds after each move (reading the numbers)."""
    ctx = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await ctx.new_page()
    page.set_default_timeout(180_000)  # many sessions share 2 cores with the server: be patient, then report
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    out = {
        "numbers_s": [],
        "idle_s": [],
        "errors": [],
        "lost": "",
        "key": None,
        "t_first": None,
        "t_last": None,
        "load_s": None,
    }
    arrived = False
    try:
        start_w = 10 + idx % 20  # sessions start at different widths so they don't all share one cache entry
        t0 = time.perf_counter()
        await page.goto(f"{url}/?width={start_w}&split=50", timeout=180_000)
        await page.wait_for_selector(MAP_IFRAME, state="attached", timeout=180_000)
        await page.wait_for_selector(IDLE, state="attached", timeout=180_000)
        await (
            page.frame_locator(MAP_IFRAME)
            .locator("path.leaflet-interactive")
            .first.wait_for(state="attached", timeout=180_000)
        )  # the map drawn
        out["load_s"] = time.perf_counter() - t0
        phases.arrived()
        arrived = True
        await phases.go.wait()
        slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
        for i in range(moves):
            key = "ArrowRight" if i % 3 != 2 else "ArrowLeft"
            await slider.focus()
            t0 = time.perf_counter()
            out["t_first"] = out["t_first"] or t0
            await page.keyboard.press(key)
            width = float(await slider.input_value())  # what the user now sees on the slider
            await _wait_move(page, f"{width / 2:g} + {width / 2:g}", 180_000)
            out["numbers_s"].append(time.perf_counter() - t0)
            await page.wait_for_selector(IDLE, state="attached", timeout=180_000)
            out["idle_s"].append(time.perf_counter() - t0)
            out["t_last"] = time.perf_counter()
            if think_s and i < moves - 1:
                await asyncio.sleep(think_s * (0.5 + random.random()))  # 0.5-1.5 x think_s: users are not in step
        if await page.locator("[data-testid=stException]").count():
            out["errors"].append("exception shown on the page")
        expected = start_w + 0.5 * sum(1 if i % 3 != 2 else -1 for i in range(moves))
        if float(await slider.input_value()) != expected:
            out["lost"] = (
                f"slider at {await slider.input_value()}, expected {expected:g}"  # the session's state was lost
            )
        elif len(sockets) != 1:
            out["lost"] = f"{len(sockets)} WebSockets opened (reconnected)"
        out["key"] = next((c["value"] for c in await ctx.cookies() if c["name"] == "ffe_id"), None)
    except Exception as e:  # a timeout or a crash is an error of this session, reported, not raised
        out["errors"].append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    finally:
        if not arrived:
            phases.arrived()
        await ctx.close()
    return out


async def _run(
    url: str, pids: list[int], n: int, moves: int, servers: set[int], think_s: float, barrier: bool = True
) -> tuple[dict, list[dict]]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        before, cpu0, client0 = sum(map(rss_mb, pids)), sum(map(cpu_seconds, pids)), client_cpu_seconds(servers)
        phases = _Phases(n, barrier)
        t0 = time.perf_counter()
        tasks = [asyncio.ensure_future(_session(browser, url, i, moves, phases, think_s)) for i in range(n)]
        await phases.all_loaded.wait()
        load_wall = time.perf_counter() - t0
        cpu_l, client_l = sum(map(cpu_seconds, pids)) - cpu0, client_cpu_seconds(servers) - client0
        phases.go.set()
        results = await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
        after, cpu = sum(map(rss_mb, pids)), sum(map(cpu_seconds, pids)) - cpu0
        client = client_cpu_seconds(servers) - client0  # the browsers' pages are closed (reaped) by now
        await browser.close()
    idle = [x for r in results for x in r["idle_s"]]
    numbers = [x for r in results for x in r["numbers_s"]]
    loads = [r["load_s"] for r in results if r["load_s"] is not None]
    starts, ends = [r["t_first"] for r in results if r["t_first"]], [r["t_last"] for r in results if r["t_last"]]
    span = max(ends) - min(starts) if starts and ends else float("nan")
    q = lambda xs, p: round(float(np.percentile(xs, p)), 3) if xs else None  # noqa: E731
    moved = max(1, len(idle))
    # with the barrier the moves' CPU is what was used after every page had loaded; without it, loads and
    # moves overlap and only the total per move is meaningful (as reported before)
    move_client, move_server = (client - client_l, cpu - cpu_l) if barrier else (client, cpu)
    return {
        "sessions": n,
        "moves": len(idle),
        "errors": [e for r in results for e in r["errors"]],
        "barrier": barrier,
        "sessions_lost": sum(bool(r["lost"] or r["errors"]) for r in results),
        "lost_reasons": sorted({r["lost"] for r in results if r["lost"]}),
        "load_median_s": q(loads, 50),
        "load_p95_s": q(loads, 95),
        "load_wall_s": round(load_wall, 1),
        "move_median_s": q(idle, 50),
        "move_p95_s": q(idle, 95),
        "numbers_median_s": q(numbers, 50),
        "numbers_p95_s": q(numbers, 95),
        "moves_per_s": round(len(idle) / span, 2) if span == span and span > 0 else None,
        "wall_s": round(wall, 1),
        "server_cpu_s": round(cpu, 1),
        "server_cpu_per_move_s": round(move_server / moved, 3),
        "server_cpu_per_load_s": round(cpu_l / max(1, len(loads)), 3) if barrier else None,
        "browsers_cpu_s": round(client, 1),
        "browsers_cpu_per_move_s": round(move_client / moved, 3),
        "browsers_cpu_per_load_s": round(client_l / max(1, len(loads)), 3) if barrier else None,
        "server_rss_before_mb": round(before),
        "server_rss_after_mb": round(after),
    }, results


@contextlib.contextmanager
def _server(processes: int | None):
    """(url, app process ids, deployment or None, server process ids): one app process, or "
    "``processes`` behind nginx."""
    if processes is None:
        with running_app() as url:
            yield url, [url.pid], None, {url.pid}
    else:
        from deploy.start import Limits, running

        # every test browser comes from 127.0.0.1: lift nginx's per-client connection limit
        with running(processes, free_port(), backend_port=free_port(), limits=Limits(conn_per_client=10_000)) as dep:
            yield dep.url, list(dep.pids.values()), dep, {*dep.pids.values(), dep.nginx.pid}


def run(
    sessions: list[int], moves: int, processes: int | None = None, think_s: float = 0.0, barrier: bool = True
) -> list[dict]:
    """Run each N against one fresh server (or ``processes`` behind nginx); returns one report per N."""
    reports = []
    with _server(processes) as (url, pids, dep, servers):
        for n in sessions:
            report, results = asyncio.run(_run(url, pids, n, moves, servers, think_s, barrier))
            report["processes"] = processes or 1
            report["via"] = "nginx" if dep else "direct"
            report["think_s"] = think_s
            if dep:  # which process served each session's requests (access log)
                log = dep.requests()
                ups = [{r["upstream"] for r in log if r["key"] == s["key"]} for s in results if s["key"]]
                report["sessions_changed_process"] = sum(len(u) > 1 for u in ups)
                report["sessions_per_process"] = sorted(
                    sum(u == {a} for u in ups) for a in {r["upstream"] for r in log if r["upstream"] != "-"}
                )
            reports.append(report)
    return reports


def table(reports: list[dict]) -> str:
    lines = [
        f"{'via':>8} {'proc':>4} {'N':>3} {'moves':>5} {'err':>3} {'lost':>4} {'load med/p95 s':>15} "
        f"{'idle med/p95 s':>15} "
        f"{'numbers med/p95 s':>18} {'moves/s':>7} {'CPU/move s':>10} {'browsers':>8} {'br./load':>8} "
        f"{'RSS MB':>12} {'switched':>8}"
    ]
    for r in reports:
        lines.append(
            f"{r['via']:>8} {r['processes']:>4} {r['sessions']:>3} {r['moves']:>5} {len(r['errors']):>3} "
            f"{r['sessions_lost']:>4} {str(r['load_median_s']) + ' / ' + str(r['load_p95_s']):>15} "
            f"{str(r['move_median_s']) + ' / ' + str(r['move_p95_s']):>15} "
            f"{str(r['numbers_median_s']) + ' / ' + str(r['numbers_p95_s']):>18} {r['moves_per_s']!s:>7} "
            f"{r['server_cpu_per_move_s']:>10} {r['browsers_cpu_per_move_s']:>8} {r['browsers_cpu_per_load_s']!s:>8} "
            f"{r['server_rss_before_mb']:>5}->{r['server_rss_after_mb']:<6} "
            f"{r.get('sessions_changed_process', '-')!s:>8}"
        )
    return "\n".join(lines)


def targets(reports: list[dict]) -> str:
    """The issue-14 targets: 20 sessions median <= 1.5 s, p95 <= 3 s to page idle, no errors; 50 sessions no
    errors and none lost; through nginx no errors and no session changing process."""
    lines = []
    for r in reports:
        name = f"{r['via']}, {r['processes']} process(es), {r['sessions']} sessions"
        checks = {"no errors": not r["errors"], "none lost": r["sessions_lost"] == 0}
        if r["sessions"] == 20 and r["via"] == "direct" and not r.get("think_s") and r.get("barrier", True):
            checks.update(
                {"median <= 1.5 s": (r["move_median_s"] or 99) <= 1.5, "p95 <= 3 s": (r["move_p95_s"] or 99) <= 3}
            )
        if r["via"] == "nginx":
            checks["each session on one process"] = r.get("sessions_changed_process") == 0
        lines.append(f"{name}: " + ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in checks.items()))
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 20, 50])
    ap.add_argument("--moves", type=int, default=6)
    ap.add_argument(
        "--proxy",
        type=int,
        nargs="+",
        default=None,
        metavar="P",
        help="run through nginx with P app processes (each P in turn, e.g. --proxy 1 2)",
    )
    ap.add_argument(
        "--think",
        type=float,
        default=0.0,
        metavar="S",
        help="each session pauses 0.5-1.5 x S seconds between moves (default 0: move again at once)",
    )
    ap.add_argument(
        "--no-barrier",
        action="store_true",
        help="each session moves as soon as its own page has loaded (the protocol before 2026-11-25), "
        "so moves overlap the other sessions' page loads",
    )
    ap.add_argument("--json", default=None, help="write the reports here too")
    proto = ap.add_argument_group("protocol-level readers (no browsers): benchmarks/protocol_load.py")
    proto.add_argument("--protocol", action="store_true", help="WebSocket readers speaking Streamlit's protobuf")
    proto.add_argument("--clients", type=int, nargs="+", default=[20], metavar="N", help="readers (default 20)")
    proto.add_argument(
        "--processes", type=int, nargs="+", default=[1, 2], metavar="P", help="app processes behind nginx (1 2)"
    )
    proto.add_argument("--interval", type=float, default=5.0, help="seconds between a reader's moves (default 5)")
    proto.add_argument("--duration", type=float, default=60.0, help="seconds measured per trial (default 60)")
    proto.add_argument("--ramp", type=float, default=20.0, help="seconds over which readers connect (default 20)")
    proto.add_argument("--capacity", action="store_true", help="find the most readers held at p95 <= --target")
    proto.add_argument("--target", type=float, default=1.5, help="p95 move latency target, s (default 1.5)")
    proto.add_argument("--resolution", type=int, default=5, help="capacity search resolution, readers (default 5)")
    args = ap.parse_args(argv)
    if args.protocol:
        from benchmarks import protocol_load

        protocol_load.main(args)
        return
    reports = []
    for processes in args.proxy or [None]:
        reports += run(args.sessions, args.moves, processes, args.think, barrier=not args.no_barrier)
    print(json.dumps(reports, indent=2))
    print(table(reports))
    print(targets(reports))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(reports, f, indent=2)


if __name__ == "__main__":
    main()
