"""Memory of one app process, measured with protocol-level sessions (deploy/protocol.py, no browsers).

    python -m benchmarks.memory dates [--visitors 20]        # every date opened in turn: Explorer, History,
                                                              # then N new visitors each opening /?date=D
    python -m benchmarks.memory soak [--minutes 10] [--sessions 3] [--think 2]
    python -m benchmarks.memory uploads [--puts 40] [--mb 19]  # PUTs from one client through nginx and direct
    ... [--url http://127.0.0.1:8501 --pid PID]               # measure a server already running (e.g. older code)

By default one app process is started behind nginx with deploy/start.py (its environment: MALLOC_ARENA_MAX=2)
and its resident memory (RSS, /proc) is sampled. Targets (issue 20): all 54 dates < 1.2 GB; a 10-minute soak
levels off (its last 3 minutes grow < 5 MB per minute); 40 upload PUTs of 19 MB grow memory < 300 MB and it
returns within 100 MB of the start once the session has ended (Streamlit keeps a disconnected session for
server.disconnectedSessionTTL, 2 minutes, for the reader to reconnect). Prints JSON and a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import time

from benchmarks.browser import free_port, rss_mb
from deploy.protocol import WIDTH_LABEL, Session

DATE_LABEL = "Frontline date"
HISTORY_DATE_LABEL = "Date (type or pick; the nearest monthly snapshot is shown)"  # pages/3_History.py


@contextlib.contextmanager
def server(url: str | None, pid: int | None, app_args: tuple[str, ...] = ()):
    """(proxy URL, direct URL, app pid): a given server, or one app process behind nginx."""
    if url:
        yield url, url, pid
        return
    from deploy.start import running

    with running(1, free_port(), backend_port=free_port(), app_args=app_args) as dep:
        node = next(iter(dep.nodes.values()))
        yield dep.url, node.url, node.proc.pid


def _rss(pid: int | None) -> float:
    return round(rss_mb(pid), 1) if pid else float("nan")


async def _dates(url: str, pid: int, visitors: int) -> dict:
    out: dict = {}
    async with Session(url) as s:
        await s.run()
        out["idle_mb"] = _rss(pid)  # after one page of the default date (a started process has loaded nothing)
        dates = list(s.widgets[DATE_LABEL].proto.options)[::-1]  # the selectbox lists the newest first
        out["dates"] = len(dates)
        explorer, seconds = [], []
        for d in dates:
            r = await s.select(DATE_LABEL, d)
            assert r.ok, (d, r.status, r.exceptions)
            explorer.append(_rss(pid))
            seconds.append(round(r.seconds, 2))
        out["explorer_mb"], out["explorer_s_per_date"] = explorer, seconds
        await s.switch_page("History")
        history = []
        for d in dates:
            r = await s.set_widget(HISTORY_DATE_LABEL, d)
            assert r.ok, (d, r.status, r.exceptions)
            history.append(_rss(pid))
        out["history_mb"] = history
    visits = []
    for d in random.Random(20).sample(dates, min(visitors, len(dates))):
        async with Session(url, query=f"date={d}") as v:
            r = await v.run()
            assert r.ok, (d, r.status)
        visits.append(_rss(pid))
    out["visitors_mb"] = visits
    out["peak_mb"] = max(explorer + history + visits)
    return out


async def _soak(url: str, pid: int, minutes: float, sessions: int, think_s: float) -> dict:
    rng = random.Random(7)
    widths = [1 + 0.5 * i for i in range(99)]
    stop = time.monotonic() + 60 * minutes
    moves, errors, latencies = [0], [], []

    async def reader(i: int) -> None:
        async with Session(url, query=f"width={10 + i}&split=50") as s:
            await s.run()
            while time.monotonic() < stop:
                try:
                    r = await s.set_widget(WIDTH_LABEL, rng.choice(widths))
                    latencies.append(r.seconds)
                    moves[0] += 1
                    if not r.ok:
                        errors.append(r.status)
                except Exception as e:  # reported, not raised
                    errors.append(f"{type(e).__name__}: {e}"[:200])
                    return
                await asyncio.sleep(think_s * (0.5 + rng.random()))

    samples = [(0.0, _rss(pid))]
    t0 = time.monotonic()

    async def sampler() -> None:
        while time.monotonic() < stop:
            await asyncio.sleep(min(60.0, max(0.1, stop - time.monotonic())))
            samples.append((round((time.monotonic() - t0) / 60, 2), _rss(pid)))

    await asyncio.gather(sampler(), *(reader(i) for i in range(sessions)))
    last = [mb for m, mb in samples if m >= minutes - 3 - 1e-6]
    span = [m for m, _ in samples if m >= minutes - 3 - 1e-6]
    return {
        "minutes": minutes,
        "sessions": sessions,
        "moves": moves[0],
        "errors": errors,
        "rss_mb_per_minute": samples,
        "last_3_min_growth_mb_per_min": round((last[-1] - last[0]) / max(1e-9, span[-1] - span[0]), 2)
        if len(last) > 1
        else None,
        "move_median_s": round(sorted(latencies)[len(latencies) // 2], 3) if latencies else None,
    }


async def _uploads(proxy_url: str, direct_url: str, pid: int, puts: int, mb: int, wait_s: float) -> dict:
    data = os.urandom(mb * 2**20)
    out = {}
    for via, url in (("nginx", proxy_url), ("direct", direct_url)):
        start = _rss(pid)
        async with Session(url) as s:
            await s.run()
            t0 = time.perf_counter()
            statuses, peak = [], start
            for i in range(puts):
                statuses.append((await s.upload(f"u{i}.geojson", data))[0])
                peak = max(peak, _rss(pid))
            took = time.perf_counter() - t0
        after = []
        t1 = time.monotonic()
        while time.monotonic() - t1 < wait_s:
            await asyncio.sleep(10)
            after.append((round(time.monotonic() - t1), _rss(pid)))
            if after[-1][1] - start < 100 and time.monotonic() - t1 > 150:
                break
        out[via] = {
            "start_mb": start,
            "peak_mb": peak,
            "growth_mb": round(peak - start, 1),
            "statuses": {k: statuses.count(k) for k in sorted(set(statuses))},
            "seconds": round(took, 1),
            "after_session_end_mb": after,
            "back_within_100_mb_after_s": next((t for t, m in after if m - start < 100), None),
        }
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("dates", "soak", "uploads"))
    ap.add_argument("--url", default=None, help="measure this running server instead of starting one")
    ap.add_argument("--pid", type=int, default=None, help="its process id (for RSS)")
    ap.add_argument("--visitors", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--sessions", type=int, default=3)
    ap.add_argument("--think", type=float, default=2.0, help="seconds between a reader's moves (0.5-1.5 x)")
    ap.add_argument("--puts", type=int, default=40)
    ap.add_argument("--mb", type=int, default=19)
    ap.add_argument("--wait", type=float, default=240.0, help="uploads: seconds to watch memory after the session")
    ap.add_argument("--json", default=None, help="write the report here too")
    args = ap.parse_args(argv)
    with server(args.url, args.pid) as (proxy_url, direct_url, pid):
        if args.mode == "dates":
            report = asyncio.run(_dates(proxy_url, pid, args.visitors))
            summary = (
                f"idle {report['idle_mb']:.0f} MB; all {report['dates']} dates in the Explorer "
                f"{report['explorer_mb'][-1]:.0f} MB (median {sorted(report['explorer_s_per_date'])[27]:.1f} s "
                f"per date), then History {report['history_mb'][-1]:.0f} MB, then {len(report['visitors_mb'])} "
                f"visitors {report['visitors_mb'][-1]:.0f} MB; peak {report['peak_mb']:.0f} MB "
                f"(target < 1,200 MB: {'yes' if report['peak_mb'] < 1200 else 'NO'})"
            )
        elif args.mode == "soak":
            report = asyncio.run(_soak(proxy_url, pid, args.minutes, args.sessions, args.think))
            g = report["last_3_min_growth_mb_per_min"]
            summary = (
                f"{report['sessions']} sessions, {report['moves']} moves, {len(report['errors'])} errors; RSS "
                f"{report['rss_mb_per_minute'][0][1]:.0f} -> {report['rss_mb_per_minute'][-1][1]:.0f} MB; last 3 "
                f"minutes {g} MB/min (target < 5: {'yes' if g is not None and g < 5 else 'NO'})"
            )
        else:
            report = asyncio.run(_uploads(proxy_url, direct_url, pid, args.puts, args.mb, args.wait))
            summary = "; ".join(
                f"{via}: {r['statuses']} in {r['seconds']} s, {r['start_mb']:.0f} -> peak {r['peak_mb']:.0f} MB "
                f"(+{r['growth_mb']:.0f}), back within 100 MB after {r['back_within_100_mb_after_s']} s"
                for via, r in report.items()
            )
    print(json.dumps(report, indent=1))
    print(summary)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
