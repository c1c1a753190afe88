"""Benchmark: `python -m benchmarks.run [--browser] [--json FILE]`.

Measures, on the 2026-08-22 data, what a user feels (see README "Performance"):
per-slider-move server time, population lookup, browser payload, the naive
GeoPandas baseline and, with --browser, cold start and slider-to-redraw in
headless Chromium. Prints a JSON report and a short table with the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from gis import crs, layers, maps, monitoring, stats, zones

DATE = "2026-08-22"
WIDTHS = [float(w) for w in range(1, 51)]
TARGETS = {
    "move_median_ms": 50,
    "move_p95_ms": 100,
    "pop_lookup_ms": 1,
    "pop_precompute_s": 3,
    "payload_bytes": 1_000_000,
    "payload_area_error_pct": 0.5,
    "cold_start_s": 8,
    "slider_redraw_s": 1.5,
    "server_cpu_per_move_ms": 60,
    "server_cpu_per_move_cached_ms": 60,
    "naive_ratio": 10,
}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _pctl(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_server(front, index) -> dict:
    """Zone by side + population + coverage for each width, uncached."""
    sensor = monitoring.get_sensor("camera")
    times, zone_t, pop_t, cov_t = [], [], [], []
    for w in WIDTHS:
        t0 = time.perf_counter()
        z = zones.make_zone(front, w, 0.5)
        t1 = time.perf_counter()
        index.estimate(z.ru_depth_km, z.ua_depth_km)
        t2 = time.perf_counter()
        monitoring.coverage(front, z, sensor, monitoring.auto_posts(front, 8.0), 0.0)
        t3 = time.perf_counter()
        times.append(t3 - t0)
        zone_t.append(t1 - t0)
        pop_t.append(t2 - t1)
        cov_t.append(t3 - t2)
    return {
        "move_median_ms": _ms(statistics.median(times)),
        "move_p95_ms": _ms(_pctl(times, 95)),
        "zone_median_ms": _ms(statistics.median(zone_t)),
        "population_median_ms": _ms(statistics.median(pop_t)),
        "coverage_median_ms": _ms(statistics.median(cov_t)),
    }


def bench_population() -> dict:
    """One-time precompute and the per-width lookup."""
    front = layers.front(DATE)
    units = layers.population_units()
    t0 = time.perf_counter()
    # the per-date precompute, with the date's other tracings of the line (read and reprojected)
    index = stats.population_index(front)
    pre = time.perf_counter() - t0
    lookups = []
    for w in WIDTHS:
        t = time.perf_counter()
        index.estimate(w / 2, w / 2, with_oblasts=False)
        lookups.append(time.perf_counter() - t)
    return {
        "pop_precompute_s": round(pre, 3),
        "pop_lookup_ms": _ms(statistics.median(lookups)),
        "units": len(units),
    }, index


def bench_payload(front, index) -> dict:
    """Bytes of map data per move (the zone layer) and the simplified zone's area error."""
    from ui import mapview

    maps.use_local_leaflet()
    worst_err, sizes = 0.0, []
    base_bytes = len(mapview.render_base(maps.base_map(front)).script)
    for w in (1.0, 5.0, 15.0, 25.0, 50.0):
        z = zones.make_zone(front, w, 0.5)
        towns = stats.towns_inside(front, z, index)
        sizes.append(len(mapview.render_layer(maps.zone_layer(z, towns)).js))
        shown = [crs.to_metric(maps._ll(g, maps.zone_simplify_m(d), keep_topology=False)) for _, d, g, _ in z.parts()]
        err = abs(float(np.sum(crs.area_km2(shown))) - z.area_km2) / z.area_km2
        worst_err = max(worst_err, err)
    return {
        "payload_bytes": max(sizes),
        "payload_zone_layer_bytes_by_width": sizes,
        "base_map_bytes": base_bytes,
        "payload_area_error_pct": round(100 * worst_err, 4),
    }


def bench_naive(front, index, widths=(5.0, 15.0, 25.0)) -> dict:
    """The way a user would write it: re-buffer the full-resolution line in GeoPandas and
    `gpd.sjoin` the population points on every move (UTM 36N, no precompute)."""
    units = layers.population_units()
    pts = gpd.GeoDataFrame(units, geometry=gpd.points_from_xy(units.lon, units.lat), crs=4326).to_crs(32636)
    line = gpd.GeoSeries([crs.to_wgs84(front.frontline)], crs=4326).to_crs(32636)
    occ = gpd.GeoSeries([crs.to_wgs84(front.sides.occupied_side)], crs=4326).to_crs(32636).make_valid()
    ctl = gpd.GeoSeries([crs.to_wgs84(front.sides.controlled)], crs=4326).to_crs(32636).make_valid()
    naive, ours = [], []
    for w in widths:
        t = time.perf_counter()
        buf = line.buffer(w * 500)
        zone = gpd.GeoDataFrame(
            geometry=[shapely.union(buf.intersection(occ).iloc[0], buf.intersection(ctl).iloc[0])], crs=32636
        )
        joined = gpd.sjoin(pts, zone, predicate="intersects")
        joined["pop"].sum()
        naive.append(time.perf_counter() - t)
        t = time.perf_counter()
        z = zones.make_zone(front, w, 0.5)
        index.estimate(z.ru_depth_km, z.ua_depth_km)
        ours.append(time.perf_counter() - t)
    return {
        "naive_move_ms": _ms(statistics.median(naive)),
        "ours_move_ms": _ms(statistics.median(ours)),
        "naive_ratio": round(statistics.median(naive) / statistics.median(ours), 1),
    }


def bench_browser(moves: int = 10) -> dict:
    """Cold start (process start -> first map drawn), then slider moves in headless Chromium, one session:
    key press -> map redrawn, and the server process's CPU time per move (user + system, from /proc;
    10 ms clock ticks, hence medians over ``moves``). Moves to new widths (25 -> 24.5 -> 24 ...: zone,
    population and map layer computed) and back and forth between two widths seen (all cached)."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser import cpu_seconds, launch, move_slider, running_app, wait_idle, wait_map_drawn

    def move(page, pid: int, key: str, width: float) -> tuple[float, float]:
        cpu0 = cpu_seconds(pid)
        seconds = move_slider(page, [key], f"{width / 2:g} + {width / 2:g}")
        wait_idle(page)
        return seconds, cpu_seconds(pid) - cpu0

    t0 = time.perf_counter()
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/?width=25&split=50")
        wait_map_drawn(page)
        cold = time.perf_counter() - t0
        wait_idle(page)
        new = [move(page, url.pid, "ArrowLeft", 25 - 0.5 * (i + 1)) for i in range(moves)]
        last = 25 - 0.5 * moves
        seen = [
            move(page, url.pid, *(("ArrowRight", last + 0.5) if i % 2 == 0 else ("ArrowLeft", last)))
            for i in range(moves)
        ]
        browser.close()
    redraws = [s for s, _ in new + seen]
    return {
        "cold_start_s": round(cold, 2),
        "slider_redraw_s": round(statistics.median(redraws), 2),
        "slider_redraw_all_s": [round(r, 2) for r in redraws],
        "server_cpu_per_move_ms": _ms(statistics.median(c for _, c in new)),
        "server_cpu_per_move_cached_ms": _ms(statistics.median(c for _, c in seen)),
        "server_cpu_per_move_all_ms": [_ms(c) for _, c in new + seen],
    }


def run(browser: bool) -> dict:
    t = time.perf_counter()
    front = layers.front(DATE)
    derive_s = time.perf_counter() - t
    pop, index = bench_population()
    report = {
        "date": DATE,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "frontline_derive_s": round(derive_s, 3),
        **pop,
        **bench_server(front, index),
        **bench_payload(front, index),
        **bench_naive(front, index),
    }
    if browser:
        report.update(bench_browser())
    return report


def table(report: dict) -> str:
    lines = [f"{'measure':28} {'value':>12} {'target':>10}  ok"]
    for key, target in TARGETS.items():
        if key not in report:
            continue
        value = report[key]
        ok = value >= target if key == "naive_ratio" else value <= target
        lines.append(
            f"{key:28} {value:>12} {('≥' if key == 'naive_ratio' else '≤') + str(target):>10}  {'yes' if ok else 'NO'}"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--browser", action="store_true", help="also time cold start and slider redraw in headless Chromium"
    )
    ap.add_argument("--json", type=Path, default=None, help="write the report here too")
    args = ap.parse_args(argv)
    report = run(args.browser)
    print(json.dumps(report, indent=2))
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
