"""Where a slider move's time goes in the BROWSER: `python -m benchmarks.browser_profile [--moves 8] [--url URL]`.

Opens the Explorer in headless Chromium (one page, 1200x900 as in the load
test), then moves the width slider ``--moves`` times, alternating between
widths seen (the server answers from its caches, so what is measured is the
page). Per move it reports the CPU seconds of each Chromium process type and of
the Playwright driver (from /proc), and, from a Chrome performance trace of the
same moves, the renderer main threads' time by kind of work (script, style,
layout, paint, ...) and the script time by source (Streamlit's bundle, the map
iframe's Leaflet and component code, Vega, the test's own polling).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.browser import launch, running_app, wait_idle, wait_map_drawn

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
METRIC_SHOWS = "(v) => [...document.querySelectorAll('[data-testid=stMetricValue]')].some(e => e.innerText.includes(v))"
CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "v8.execute",
    "blink.user_timing",
    "toplevel",
]


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, short name, CPU seconds incl. reaped children) for every process."""
    out, tick = {}, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
            cmd = (
                (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").split()
            )  # children rewrite it space-separated
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        kind = next((a.decode().split("=", 1)[1] for a in cmd if a.startswith(b"--type=")), None)
        exe = os.path.basename(cmd[0].decode()) if cmd and cmd[0] else "?"
        name = f"chromium {kind}" if kind else ("chromium browser" if "chrom" in exe else exe)
        out[int(stat.parent.name)] = (int(fields[1]), name, sum(int(f) for f in fields[11:15]) / tick)
    return out


def client_cpu_by_kind(exclude: set[int]) -> dict[str, float]:
    """CPU seconds so far of this process's descendants (Playwright driver, Chromium) by process kind."""
    table = _processes()
    children: dict[int, list[int]] = collections.defaultdict(list)
    for pid, (ppid, _, _) in table.items():
        children[ppid].append(pid)
    totals: dict[str, float] = collections.Counter()
    stack = [p for p in children[os.getpid()] if p not in exclude]
    while stack:
        pid = stack.pop()
        _, name, cpu = table[pid]
        totals["playwright driver (node)" if name == "node" else name] += cpu
        stack += [c for c in children[pid] if c not in exclude]
    return dict(totals)


def _source(url: str) -> str:
    """A short name for the script a trace event ran."""
    if not url:
        return "(no url: eval'd map layer / inline)"
    if "__playwright" in url or url.startswith("<anonymous>"):
        return "the test's own Playwright calls"
    if "/component/streamlit_folium" in url:
        return "map iframe: st_folium component"
    if "/static/vendor/leaflet" in url:
        return "map iframe: Leaflet"
    m = re.search(r"/static/js/([A-Za-z_-]+)", url)
    return f"Streamlit bundle: {m.group(1)}" if m else url[:80]


def summarise_trace(path: Path, moves: int) -> str:
    """Renderer main-thread busy time, self time by event name and script time by source, per move (ms).
    Tasks that handle DevTools messages (the test driver's and the profiler's own traffic) are left out."""
    events = json.loads(path.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    names = {
        (e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"
    }
    by_thread: dict[tuple, list] = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e and names.get((e["pid"], e["tid"])) == "CrRendererMain":
            by_thread[(e["pid"], e["tid"])].append(e)
    self_ms: dict[str, float] = collections.Counter()
    script_ms: dict[str, float] = collections.Counter()
    busy = 0.0
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        devtools = [
            (e["ts"], e["ts"] + e["dur"])
            for e in evs
            if "DevTools" in e.get("args", {}).get("chrome_mojo_event_info", {}).get("mojo_interface_tag", "")
        ]
        evs = [e for e in evs if not any(a <= e["ts"] < b for a, b in devtools)]
        stack: list[list] = []  # [event, child time]
        for e in [*evs, None]:
            while stack and (e is None or e["ts"] >= stack[-1][0]["ts"] + stack[-1][0]["dur"]):
                top, child = stack.pop()
                self_ms[top["name"]] += (top["dur"] - child) / 1000
                if stack:
                    stack[-1][1] += top["dur"]
                else:
                    busy += top["dur"] / 1000
            if e is None:
                break
            if e["name"] in ("FunctionCall", "EvaluateScript") and not any(
                s[0]["name"] in ("FunctionCall", "EvaluateScript") for s in stack
            ):
                script_ms[_source(e.get("args", {}).get("data", {}).get("url", ""))] += e["dur"] / 1000
            stack.append([e, 0])
    lines = [f"renderer main threads busy: {busy / moves:.0f} ms per move", "self time per move (ms), top 14:"]
    lines += [f"  {v / moves:7.1f}  {k}" for k, v in sorted(self_ms.items(), key=lambda kv: -kv[1])[:14]]
    lines += ["script (FunctionCall/EvaluateScript, inclusive) per move (ms) by source:"]
    lines += [f"  {v / moves:7.1f}  {k}" for k, v in sorted(script_ms.items(), key=lambda kv: -kv[1])[:10]]
    return "\n".join(lines)


class _Recorder:
    """Records a page's work while active: ``mode`` 'cpu' (nothing but /proc), 'trace' (a Chrome trace)
    or 'js' (a Chrome trace and a V8 sampling profile; the most detail and the most overhead)."""

    def __init__(self, browser, page, mode: str):
        self.browser, self.page, self.mode = browser, page, mode
        self.path = Path(tempfile.mkdtemp()) / "trace.json"

    def __enter__(self):
        if self.mode != "cpu":
            self.browser.start_tracing(page=self.page, path=str(self.path), categories=CATEGORIES)
        if self.mode == "js":
            self.cdp = self.page.context.new_cdp_session(self.page)
            self.cdp.send("Profiler.enable")
            self.cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            self.cdp.send("Profiler.start")
        return self

    def __exit__(self, *exc):
        self.js = self.cdp.send("Profiler.stop")["profile"] if self.mode == "js" else None
        if self.mode != "cpu":
            self.browser.stop_tracing()

    def summary(self, n: int) -> str:
        out = [summarise_trace(self.path, n)] if self.mode != "cpu" else []
        return "\n".join(out + ([summarise_js(self.js, n)] if self.js else []))


def light_wait(page, metric: str, polling_ms: float = 50) -> None:
    """Wait for a metric to show ``metric``, then for the page to be idle, cheaply: textContent (no layout)
    every ``polling_ms``, and the idle marker only attached (a visibility check is a layout per animation frame)."""
    page.wait_for_function(METRIC_SHOWS.replace("innerText", "textContent"), arg=metric, polling=polling_ms)
    page.wait_for_selector(IDLE, state="attached")


def profile(
    url: str,
    server_pid: int | None,
    moves: int,
    mode: str = "js",
    what: str = "moves",
    viewport=(1200, 900),
    polling: str = "light",
) -> str:
    """Open the Explorer at ``url`` and record (``mode``) either its load (``what`` = 'load', server warm)
    or ``moves`` slider moves between two widths seen (the server answers from its caches)."""
    exclude = {server_pid} if server_pid else set()
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        if what == "load":  # a first page warms the server; the second is recorded
            page.goto(url + "/?width=20&split=50")
            wait_map_drawn(page)
            wait_idle(page)
            page.close()
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        cpu0, t0 = client_cpu_by_kind(exclude), time.perf_counter()
        with _Recorder(browser, page, mode if what == "load" else "cpu") as rec:
            page.goto(url + "/?width=20&split=50")
            wait_map_drawn(page)
            wait_idle(page)
            load_s = time.perf_counter() - t0
            time.sleep(2)
        cpu1 = client_cpu_by_kind(exclude)
        if what == "load":
            browser.close()
            return (
                f"page load (server warm): {load_s:.1f} s to the map drawn; CPU "
                f"{sum(cpu1.values()) - sum(cpu0.values()):.2f} s "
                f"(renderer {cpu1.get('chromium renderer', 0) - cpu0.get('chromium renderer', 0):.2f} s), mode {mode}\n"
                + rec.summary(1)
            )
        slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
        widths = [20.5, 20.0]
        for w in widths:  # warm the server's caches for both widths
            slider.focus()
            page.keyboard.press("ArrowRight" if w > 20 else "ArrowLeft")
            light_wait(page, f"{w / 2:g} + {w / 2:g}")
        time.sleep(1)
        cpu2 = client_cpu_by_kind(exclude)
        srv0 = _processes()[server_pid][2] if server_pid else 0.0
        lat = []
        with _Recorder(browser, page, mode) as rec:
            for i in range(moves):
                w = widths[i % 2]
                slider.focus()
                t = time.perf_counter()
                page.keyboard.press("ArrowRight" if w > 20 else "ArrowLeft")
                if (
                    polling == "raf"
                ):  # the old load test: innerText (a layout) every animation frame, visible idle marker
                    page.wait_for_function(METRIC_SHOWS, arg=f"{w / 2:g} + {w / 2:g}", polling="raf")
                    page.wait_for_selector(IDLE)
                else:
                    light_wait(page, f"{w / 2:g} + {w / 2:g}")
                lat.append(time.perf_counter() - t)
                time.sleep(1.0)  # let the map and charts finish drawing: their CPU belongs to this move
        cpu3 = client_cpu_by_kind(exclude)
        srv = (_processes()[server_pid][2] - srv0) if server_pid else float("nan")
        browser.close()
    kinds = sorted(set(cpu3) | set(cpu0))
    lines = [
        f"page load: {load_s:.1f} s; move -> page idle median {sorted(lat)[len(lat) // 2]:.2f} s; mode {mode}",
        f"{'CPU seconds':32} {'page load':>10} {'per move':>9}",
    ]
    for k in kinds:
        lines.append(f"{k:32} {cpu1.get(k, 0) - cpu0.get(k, 0):10.2f} {(cpu3.get(k, 0) - cpu2.get(k, 0)) / moves:9.3f}")
    lines.append(
        f"{'total (test browser + driver)':32} {sum(cpu1.values()) - sum(cpu0.values()):10.2f} "
        f"{(sum(cpu3.values()) - sum(cpu2.values())) / moves:9.3f}"
    )
    lines.append(f"{'app server':32} {'':>10} {srv / moves:9.3f}")
    lines.append(
        "(per move: 1 s of idle after each move included"
        + ("" if mode == "cpu" else f"; {mode} recording adds CPU")
        + ")"
    )
    return "\n".join([*lines, rec.summary(moves)])


def summarise_js(prof: dict, moves: int) -> str:
    """Self time of the page's JavaScript per move (ms): by script and by function (V8 sampling profile)."""
    nodes = {n["id"]: n for n in prof["nodes"]}
    self_us: dict[int, float] = collections.Counter()
    for node_id, delta in zip(prof["samples"], prof["timeDeltas"], strict=True):
        self_us[node_id] += delta
    by_src, by_fn = collections.Counter(), collections.Counter()
    for node_id, us in self_us.items():
        cf = nodes[node_id]["callFrame"]
        if cf["functionName"] in ("(idle)", "(program)", "(root)"):
            continue
        src = _source(cf["url"]) if cf["url"] else cf["functionName"]
        by_src[src] += us
        by_fn[f"{cf['functionName'] or '(anonymous)'} @ {src}:{cf['lineNumber']}"] += us
    lines = ["JS self time per move (ms) by script (V8 profiler):"]
    lines += [f"  {v / 1000 / moves:7.1f}  {k}" for k, v in by_src.most_common(12)]
    lines += ["by function, top 20:"] + [f"  {v / 1000 / moves:7.1f}  {k}" for k, v in by_fn.most_common(20)]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=8)
    ap.add_argument("--url", default=None, help="an app already running (default: start one)")
    ap.add_argument(
        "--mode",
        choices=["cpu", "trace", "js"],
        default="js",
        help="cpu: /proc only (least overhead); trace: + Chrome trace; js: + V8 sampling profile",
    )
    ap.add_argument("--load", action="store_true", help="record the page load (server warm) instead of slider moves")
    ap.add_argument(
        "--polling",
        choices=["light", "raf"],
        default="light",
        help="how the test waits for a move: light (as benchmarks.load now) or raf (as it did before)",
    )
    args = ap.parse_args(argv)
    with contextlib.nullcontext(None) if args.url else running_app() as app:
        print(
            profile(
                args.url or app,
                getattr(app, "pid", None),
                args.moves,
                args.mode,
                "load" if args.load else "moves",
                polling=args.polling,
            )
        )


if __name__ == "__main__":
    main()
