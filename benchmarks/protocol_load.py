"""Capacity without browsers: N protocol-level readers (deploy/protocol.py) behind nginx, 1 or 2 app processes.

    python -m benchmarks.load --protocol --clients 20 40 --processes 1 2 [--interval 5] [--duration 60]
    python -m benchmarks.load --protocol --capacity --processes 1 2          # the most readers held

Each reader is one WebSocket session speaking Streamlit's own protobuf messages: it opens the Explorer
(``/?width=W&split=50``), then moves the width slider to a random width (1-50 km) every ``--interval``
seconds (0.5-1.5 x, so readers are not in step), as a reader who reads the numbers between moves. The
browsers' own work (about 0.3-0.5 s of CPU per move each, benchmarks.browser_profile) is not on this machine,
so what is measured is the app: move latency from the rerun sent to ``script_finished`` received (median,
95th percentile), errors (script errors, timeouts, lost WebSockets), the server's CPU (app processes and
nginx) and memory, and the load generator's own CPU (it shares the machine's cores).

Readers connect over ``--ramp`` seconds; moves are counted from when all are connected, for ``--duration``
seconds. ``--capacity`` doubles N until the p95 exceeds ``--target`` (1.5 s) or a reader errs, then bisects
to within ``--resolution`` readers: the readers a configuration holds at p95 <= 1.5 s, one move every 5 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from pathlib import Path

import numpy as np

from benchmarks.browser import cpu_seconds, free_port, rss_mb
from deploy.protocol import WIDTH_LABEL, Session

WIDTHS = [1 + 0.5 * i for i in range(99)]


def _self_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


@contextlib.contextmanager
def deployment(processes: int):
    """``processes`` app processes behind nginx; every reader comes from 127.0.0.1, so nginx's per-client
    connection limit is lifted."""
    from deploy.start import Limits, running

    with running(processes, free_port(), backend_port=free_port(), limits=Limits(conn_per_client=60_000)) as dep:
        yield dep


async def _reader(
    url: str, i: int, interval_s: float, ramp_s: float, go: asyncio.Event, stop: list, out: dict, rng: random.Random
) -> None:
    await asyncio.sleep(ramp_s * rng.random())  # readers arrive over the ramp
    try:
        async with Session(url, query=f"width={rng.choice(WIDTHS):g}&split=50", timeout_s=60) as s:
            first = await s.run()
            out["loads"].append(first.seconds)
            if not first.ok:
                out["errors"].append(f"first run: {first.status} {first.exceptions[:1]}")
            out["connected"] += 1
            if out["connected"] == out["clients"]:
                go.set()
            await go.wait()
            await asyncio.sleep(interval_s * rng.random())  # not all at once
            while not stop:
                t_sent = time.monotonic()
                r = await s.set_widget(WIDTH_LABEL, rng.choice(WIDTHS))
                if out["t0"] is not None and t_sent >= out["t0"] and not stop:  # inside the measured window
                    out["moves"].append(r.seconds)
                    if not r.ok:
                        out["errors"].append(f"move: {r.status} {r.exceptions[:1]}")
                await asyncio.sleep(max(0.0, interval_s * (0.5 + rng.random()) - r.seconds))
    except Exception as e:  # a lost WebSocket or a timeout: an error of this reader
        out["errors"].append(f"{type(e).__name__}: {str(e)[:160]}")
        if out["connected"] < out["clients"]:
            out["connected"] += 1  # do not hold the others back
            if out["connected"] == out["clients"]:
                go.set()


async def _trial(dep, clients: int, interval_s: float, duration_s: float, ramp_s: float, seed: int) -> dict:
    pids = list(dep.pids.values())
    servers = [*pids, dep.nginx.pid]
    out = {"clients": clients, "connected": 0, "loads": [], "moves": [], "errors": [], "t0": None}
    go, stop = asyncio.Event(), []
    rng = random.Random(seed)
    tasks = [
        asyncio.ensure_future(_reader(dep.url, i, interval_s, ramp_s, go, stop, out, random.Random(rng.random())))
        for i in range(clients)
    ]
    await asyncio.wait_for(go.wait(), ramp_s + 180)
    await asyncio.sleep(interval_s)  # every reader has started moving
    cpu0, self0, t0 = sum(map(cpu_seconds, servers)), _self_cpu_s(), time.monotonic()
    out["t0"] = t0
    await asyncio.sleep(duration_s)
    wall = time.monotonic() - t0
    cpu, own = sum(map(cpu_seconds, servers)) - cpu0, _self_cpu_s() - self0
    stop.append(True)
    await asyncio.wait(tasks, timeout=90)
    for t in tasks:
        t.cancel()
    moves = out["moves"]
    q = lambda xs, p: round(float(np.percentile(xs, p)), 3) if xs else None  # noqa: E731
    return {
        "processes": len(pids),
        "clients": clients,
        "interval_s": interval_s,
        "duration_s": round(wall, 1),
        "moves": len(moves),
        "moves_per_s": round(len(moves) / wall, 2),
        "move_median_s": q(moves, 50),
        "move_p95_s": q(moves, 95),
        "move_max_s": q(moves, 100),
        "first_page_median_s": q(out["loads"], 50),
        "errors": len(out["errors"]),
        "error_kinds": sorted(set(e[:80] for e in out["errors"]))[:5],
        "server_cpu_cores": round(cpu / wall, 2),
        "server_cpu_per_move_s": round(cpu / max(1, len(moves)), 3),
        "generator_cpu_cores": round(own / wall, 2),
        "server_rss_mb": round(sum(map(rss_mb, pids))),
    }


def run_trial(dep, clients: int, interval_s: float, duration_s: float, ramp_s: float, seed: int = 1) -> dict:
    """One trial against the running deployment ``dep`` (readers connect, move, and leave)."""
    return asyncio.run(_trial(dep, clients, interval_s, duration_s, ramp_s, seed))


def held(report: dict, target_s: float) -> bool:
    """Whether a trial held its readers: p95 within the target and no reader erred."""
    return report["errors"] == 0 and report["move_p95_s"] is not None and report["move_p95_s"] <= target_s


def capacity(
    dep,
    interval_s: float,
    duration_s: float,
    ramp_s: float,
    target_s: float,
    start: int = 10,
    resolution: int = 5,
    limit: int = 1000,
    log=print,
) -> tuple[int, list[dict]]:
    """The most readers ``dep`` holds at p95 <= target (doubling, then bisecting); (readers, trials)."""
    trials, good, bad, n = [], 0, None, start
    while bad is None and n <= limit:
        r = run_trial(dep, n, interval_s, duration_s, ramp_s)
        trials.append(r)
        log(line(r, target_s), flush=True)
        if held(r, target_s):
            good, n = n, n * 2
        else:
            bad = n
    while bad is not None and bad - good > resolution:
        n = (good + bad) // 2
        r = run_trial(dep, n, interval_s, duration_s, ramp_s)
        trials.append(r)
        log(line(r, target_s), flush=True)
        good, bad = (n, bad) if held(r, target_s) else (good, n)
    return good, trials


def line(r: dict, target_s: float = 1.5) -> str:
    return (
        f"{r['processes']} process(es), {r['clients']:>4} readers: {r['moves']:>5} moves ({r['moves_per_s']}/s), "
        f"median {r['move_median_s']} s, p95 {r['move_p95_s']} s, max {r['move_max_s']} s, errors {r['errors']}, "
        f"server {r['server_cpu_cores']} cores ({r['server_cpu_per_move_s']} s/move), "
        f"generator {r['generator_cpu_cores']} cores, RSS {r['server_rss_mb']} MB"
        f" -> {'held' if held(r, target_s) else 'NOT held'} at p95 <= {target_s:g} s"
    )


def main(args) -> None:
    """Called by ``benchmarks.load`` with ``--protocol``."""
    import json

    reports, found = [], {}
    for p in args.processes:
        with deployment(p) as dep:
            if args.capacity:
                n, trials = capacity(
                    dep, args.interval, args.duration, args.ramp, args.target, resolution=args.resolution
                )
                found[p] = n
                reports += trials
            else:
                for n in args.clients:
                    r = run_trial(dep, n, args.interval, args.duration, args.ramp)
                    reports.append(r)
                    print(line(r, args.target), flush=True)
    print(json.dumps(reports, indent=1))
    for p, n in found.items():
        print(f"{p} process(es) hold {n} readers at p95 <= {args.target:g} s (one move every {args.interval:g} s each)")
    if args.json:
        Path(args.json).write_text(json.dumps({"trials": reports, "capacity": found}, indent=1))
