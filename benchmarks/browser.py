"""Helpers to run the real app and drive it in headless Debian Chromium (Playwright)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App(str):
    """The running app's URL (a str), with the server's ``pid``."""

    pid: int


@contextlib.contextmanager
def running_app(timeout_s: float = 60.0):
    """Start `streamlit run app.py` on a free port; yield its URL (an ``App``); stop it."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--browser.serverAddress",
            "localhost",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.time() + timeout_s
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"streamlit did not start: {proc.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.3)
        app = App(url)
        app.pid = proc.pid
        yield app
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout_ms)


def wait_map_drawn(page, timeout_ms: int = 60_000):
    """Wait for exactly one map iframe with Leaflet vector paths; return its frame locator."""
    page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout_ms)
    deadline = time.time() + timeout_ms / 1000
    while page.locator(MAP_IFRAME).count() != 1 and time.time() < deadline:
        time.sleep(0.05)
    frame = page.frame_locator(MAP_IFRAME)
    # a visible one: markers outside the view are kept as empty paths ("M0 0")
    frame.locator("path.leaflet-interactive").locator("visible=true").first.wait_for(timeout=timeout_ms)
    return frame


def zone_path_d(frame, fill: str) -> str:
    """The SVG path data of the zone part drawn with ``fill`` colour."""
    return frame.locator(f'path.leaflet-interactive[fill="{fill}"]').first.get_attribute("d", timeout=30_000)


def move_slider(page, key_presses: list[str], expect_metric: str, timeout_ms: int = 30_000) -> float:
    """Press keys on the first slider; return seconds until a metric shows ``expect_metric``
    and the map's zone has been redrawn."""
    frame = page.frame_locator(MAP_IFRAME)
    before = frame.locator("path.leaflet-interactive").evaluate_all(
        "els => els.map(e => e.getAttribute('d')).join('|').length"
    )
    slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
    slider.focus()
    t0 = time.perf_counter()
    for k in key_presses:
        page.keyboard.press(k)
    page.wait_for_function(
        "(v) => [...document.querySelectorAll('[data-testid=stMetricValue]')].some(e => e.innerText.includes(v))",
        arg=expect_metric,
        timeout=timeout_ms,
    )
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        now = frame.locator("path.leaflet-interactive").evaluate_all(
            "els => els.map(e => e.getAttribute('d')).join('|').length"
        )
        if now != before:
            break
        time.sleep(0.02)
    return time.perf_counter() - t0


def rss_mb(pid: int) -> float:
    """Resident memory of a process (MB), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by a process (s), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of the process and of its exited, reaped children)."""
    table, tick = {}, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    return table


def client_cpu_seconds(exclude: set[int]) -> float:
    """CPU seconds used so far by this process's descendants (the Playwright driver and its Chromium)
    other than the processes in ``exclude`` and theirs (the app servers, nginx)."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0.0, [p for p in children.get(os.getpid(), []) if p not in exclude]
    while stack:
        pid = stack.pop()
        total += table[pid][1]
        stack += [c for c in children.get(pid, []) if c not in exclude]
    return total
