"""Where a warm slider move's server time goes: `python -m benchmarks.profile [--page app.py] [--fresh]`.

Runs a page under streamlit.testing.v1.AppTest in a child process, warms it
up (layers loaded, caches filled), then attaches the py-spy sampling profiler
(`pip install py-spy`) and moves the page's width slider ``--reruns`` times,
alternating between two widths (cached zone: the cost of the page itself) or,
with ``--fresh``, through widths not seen before (the zone is computed too).
Prints the script time per rerun and the share of the script's samples by
part (st_folium / map rendering, Jinja compiling, json.dumps, zone layer,
chart, tables) and by line of the page.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (label, substring of a sampled stack frame): a sample counts for every part whose frame it contains.
PARTS = [
    ("map widget: st_folium (before) / ui.mapview.show (after)", ("st_folium (", "show (ui/mapview.py")),
    ("  of which: building the base map (folium objects)", ("base_map (",)),
    ("Jinja compiling templates (Environment.from_string)", ("from_string (",)),
    ("json.dumps", ("dumps (json/",)),
    ("zone layer: maps.zone_layer + rendering it", ("zone_layer (", "render_layer (")),
    ("population chart (Altair / Vega-Lite)", ("(altair/", "vega_charts.py")),
    ("tables (st.dataframe)", ("elements/arrow.py",)),
    ("zone + population + towns (gis)", ("make_zone (", "analyse (")),
    (
        "Streamlit widgets, metrics, text",
        ("slider (", "selectbox (", "metric (", "markdown (", "caption (", "warning ("),
    ),
]


def workload(page: str, reruns: int, fresh: bool) -> None:
    """Child process: warm up, say READY, wait for the profiler, then rerun the page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page), default_timeout=300).run()
    pair = [10.0, 10.5]
    for w in pair:
        at.slider(key="width").set_value(w).run()
    print("READY", flush=True)
    sys.stdin.readline()
    widths = [1.0 + 0.5 * i for i in range(99) if 1.0 + 0.5 * i not in pair] if fresh else pair
    times = []
    for i in range(reruns):
        t0 = time.perf_counter()
        at.slider(key="width").set_value(widths[i % len(widths)]).run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    print(f"RERUN_MEDIAN_MS {1000 * statistics.median(times):.1f}", flush=True)


def summarise(raw: Path, page: str) -> str:
    """Shares of the script thread's samples, by part and by page line (py-spy raw format)."""
    total, parts, lines = 0, collections.Counter(), collections.Counter()
    for row in raw.read_text(errors="replace").splitlines():
        stack, _, n = row.rpartition(" ")
        if not n.isdigit() or "code_to_exec (" not in stack:  # not the script thread (AppTest's own work, idle threads)
            continue
        if "get_page_script_byte_code (" in stack:  # AppTest compiles the page per run; a server caches it
            continue
        total += int(n)
        for label, pats in PARTS:
            if any(p in stack for p in pats):
                parts[label] += int(n)
        page_frames = [f for f in stack.split(";") if f"({page}:" in f]
        lines[page_frames[-1] if page_frames else "(outside the page)"] += int(n)
    out = [f"script samples: {total}", "share  part"]
    out += [f"{100 * parts[label] / total:4.0f}%  {label}" for label, _ in PARTS]
    out += ["share  page line (top 12)"] + [f"{100 * v / total:4.0f}%  {k}" for k, v in lines.most_common(12)]
    return "\n".join(out)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--page", default="app.py", help="a page with a slider keyed 'width' (app.py, pages/2_Monitoring.py)"
    )
    ap.add_argument("--reruns", type=int, default=100)
    ap.add_argument("--fresh", action="store_true", help="move to widths not seen before (zone computed too)")
    ap.add_argument("--raw", type=Path, default=None, help="keep py-spy's raw samples here")
    ap.add_argument("--workload", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.workload:
        return workload(args.page, args.reruns, args.fresh)
    raw = args.raw or Path(tempfile.mkdtemp()) / "profile.raw"
    cmd = [sys.executable, "-m", "benchmarks.profile", "--workload", "--page", args.page, "--reruns", str(args.reruns)]
    child = subprocess.Popen(
        cmd + (["--fresh"] if args.fresh else []),
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    while (line := child.stdout.readline()) and not line.startswith("READY"):
        pass
    spy = subprocess.Popen(
        ["py-spy", "record", "-r", "250", "--nonblocking", "-f", "raw", "-o", str(raw), "--pid", str(child.pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2)  # let py-spy attach before the measured reruns start
    child.stdin.write("go\n")
    child.stdin.flush()
    report = child.stdout.read()
    child.wait()
    spy.wait(60)
    print(report.strip())
    print(summarise(raw, args.page))


if __name__ == "__main__":
    main()
