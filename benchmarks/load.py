"""Load test: `python -m benchmarks.load [--sessions 1 5 20] [--moves 6]`.

Starts the app, opens N concurrent browser sessions (headless Chromium pages,
each its own context, i.e. its own Streamlit session), and has each move the
width slider several times, waiting for the numbers to follow. Reports errors,
per-move latency (median, p95) and the server's memory for each N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import numpy as np
from playwright.async_api import async_playwright

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, MAP_IFRAME, cpu_seconds, rss_mb, running_app

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


async def _session(browser, url: str, idx: int, moves: int) -> dict:
    """One user: open the Explorer, wait for the map, move the slider ``moves`` times."""
    ctx = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await ctx.new_page()
    page.set_default_timeout(180_000)  # 20 sessions share 2 cores with the server: be patient, then report
    latencies, errors = [], []
    try:
        start_w = 10 + idx % 10  # sessions start at different widths so they don't all share one cache entry
        await page.goto(f"{url}/?width={start_w}&split=50", timeout=120_000)
        await page.wait_for_selector(MAP_IFRAME, state="attached", timeout=120_000)
        await page.wait_for_selector(IDLE, timeout=120_000)
        slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
        for i in range(moves):
            key = "ArrowRight" if i % 3 != 2 else "ArrowLeft"
            await slider.focus()
            t0 = time.perf_counter()
            await page.keyboard.press(key)
            width = float(await slider.input_value())  # what the user now sees on the slider
            expect = f"{width / 2:g} + {width / 2:g}"
            await page.wait_for_function(
                "(v) => [...document.querySelectorAll('[data-testid=stMetricValue]')].some(e => e.innerText.includes(v))",
                arg=expect, timeout=120_000)
            latencies.append(time.perf_counter() - t0)
            await page.wait_for_selector(IDLE, timeout=120_000)
        if await page.locator("[data-testid=stException]").count():
            errors.append("exception shown on the page")
    except Exception as e:  # a timeout or a crash is an error of this session, reported, not raised
        errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    finally:
        await ctx.close()
    return {"latencies": latencies, "errors": errors}


async def _run(url: str, pid: int, n: int, moves: int) -> dict:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        before, cpu0 = rss_mb(pid), cpu_seconds(pid)
        t0 = time.perf_counter()
        results = await asyncio.gather(*[_session(browser, url, i, moves) for i in range(n)])
        wall = time.perf_counter() - t0
        after, cpu = rss_mb(pid), cpu_seconds(pid) - cpu0
        await browser.close()
    lat = [x for r in results for x in r["latencies"]]
    return {"sessions": n, "moves": len(lat), "errors": [e for r in results for e in r["errors"]],
            "move_median_s": round(statistics.median(lat), 3) if lat else None,
            "move_p95_s": round(float(np.percentile(lat, 95)), 3) if lat else None,
            "wall_s": round(wall, 1), "server_cpu_s": round(cpu, 1),
            "server_cpu_per_move_s": round(cpu / max(1, len(lat)), 3), "server_rss_before_mb": round(before), "server_rss_after_mb": round(after)}


def run(sessions: list[int], moves: int) -> list[dict]:
    """Run each N against one fresh server; returns one report per N."""
    reports = []
    with running_app() as url:
        for n in sessions:
            reports.append(asyncio.run(_run(url, url.pid, n, moves)))
    return reports


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--moves", type=int, default=6)
    args = ap.parse_args(argv)
    reports = run(args.sessions, args.moves)
    print(json.dumps(reports, indent=2))
    print(f"{'N':>3} {'moves':>6} {'errors':>6} {'median s':>9} {'p95 s':>7} {'server CPU/move s':>17} {'RSS MB':>12}")
    for r in reports:
        print(f"{r['sessions']:>3} {r['moves']:>6} {len(r['errors']):>6} {r['move_median_s']!s:>9} {r['move_p95_s']!s:>7} "
              f"{r['server_cpu_per_move_s']:>17} {r['server_rss_before_mb']:>5}->{r['server_rss_after_mb']:<5}")


if __name__ == "__main__":
    main()
