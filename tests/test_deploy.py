"""deploy/: two supervised app processes behind nginx.

- A killed (kill -9) or hung process is taken out of nginx at once, restarted and routed to again once
  ready; its readers reconnect to the live process with their zone, and are told what was lost.
- Each browser session keeps its process for the page, its assets and its WebSocket, also after the
  WebSocket drops and reconnects, and after its old process is back.
- nginx shows no version, keeps Streamlit's metrics and agent API to itself, limits connections per client,
  and listens on loopback unless told otherwise.
(Upload limits through nginx: test_upload_limits.py.)"""

import asyncio
import os
import signal
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from benchmarks.browser import free_port, launch, move_slider, wait_idle, wait_map_drawn
from deploy.protocol import WIDTH_LABEL, BlockingSession, Session
from deploy.start import Limits, Supervise, listen_host, parser, running
from ui.reconnect import MOVED_NOTICE

SESSIONS = 3


@pytest.fixture(scope="module")
def dep():
    with running(2, free_port(), backend_port=free_port()) as d:
        yield d


def _status(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


def _cookie(ctx, name: str) -> str | None:
    return next((c["value"] for c in ctx.cookies() if c["name"] == name), None)


def test_nginx_hides_its_version_and_streamlits_internals(dep):
    status, headers = _status(dep.url + "/")
    assert status == 200 and headers["Server"] == "nginx"  # no "nginx/1.22.1"
    assert _status(dep.url + "/_stcore/health")[0] == 200
    for path in ("/_stcore/metrics", "/_stcore/agent/openapi.json", "/_stcore/script-health-check"):
        assert _status(dep.url + path)[0] == 404, path
    backend = next(iter(dep.nodes.values())).url
    assert _status(backend + "/_stcore/metrics")[0] == 200  # (it is there, on the loopback-only app port)
    assert "listen 127.0.0.1:" in (dep.run_dir / "nginx.conf").read_text()


def test_loopback_unless_public():
    assert listen_host(parser().parse_args([])) == "127.0.0.1"
    assert listen_host(parser().parse_args(["--public"])) == "0.0.0.0"
    assert listen_host(parser().parse_args(["--host", "10.0.0.5"])) == "10.0.0.5"
    with pytest.raises(SystemExit):
        parser().parse_args(["--public", "--host", "10.0.0.5"])


def test_killed_process_is_restarted_while_nginx_and_the_other_serve(dep):
    with sync_playwright() as p:
        browser = launch(p)
        ctx = browser.new_context(viewport={"width": 1300, "height": 950})
        page = ctx.new_page()
        sockets = []
        page.on("websocket", lambda ws: sockets.append(ws))
        page.goto(f"{dep.url}/?width=20&split=50")
        wait_map_drawn(page)
        wait_idle(page)
        victim = int(_cookie(ctx, "ffe_backend")[1:])
        (other,) = set(dep.nodes) - {victim}
        old_pid = dep.pids[victim]

        b = BlockingSession(dep.url, query="width=30&split=50")  # (Playwright owns this thread's event loop)
        b.connect()
        assert b.run().ok
        assert b.cookies["ffe_backend"] == f"b{other}"  # least_conn: the process without the browser's WebSocket

        t0 = time.time()
        os.kill(old_pid, signal.SIGKILL)
        moved = b.set_widget(WIDTH_LABEL, 30.5)  # the other process's reader goes on
        assert moved.ok and moved.metrics["Pull-back (km)"] == "15.25 + 15.25"
        assert _status(dep.url + "/")[0] == 200  # the page answers
        while len(sockets) < 2 and time.time() - t0 < 10:  # the browser reconnects by itself ...
            page.wait_for_timeout(100)
        assert len(sockets) == 2, "the page did not reconnect"  # (silently: the page is still there)
        move_slider(page, ["ArrowRight"], "10.25 + 10.25")  # ... moves the slider, zone kept (20 -> 20.5) ...
        assert time.time() - t0 < 10, f"{time.time() - t0:.1f} s"
        assert page.get_by_text(MOVED_NOTICE[:40]).count() >= 1  # ... and is told what was lost
        assert _cookie(ctx, "ffe_backend") == f"b{other}"
        assert page.locator("[data-testid=stException]").count() == 0

        assert dep.wait_until(lambda: dep.states()[victim] == "up", 30 - (time.time() - t0)), dep.events
        assert dep.pids[victim] != old_pid and _status(dep.nodes[victim].url + "/_stcore/health")[0] == 200
        # the browser stays with the process that took it (its session is there), though its old one is back
        move_slider(page, ["ArrowRight"], "10.5 + 10.5")
        assert _cookie(ctx, "ffe_backend") == f"b{other}" and len(sockets) == 2
        b.close()
        ctx.close()
        browser.close()
    served = {r["upstream"] for r in dep.requests() if r["backend"] == f"b{other}"}
    assert served == {f"127.0.0.1:{other}"}, served  # nothing pinned to it went elsewhere


def test_hung_process_is_taken_out_then_replaced(dep):
    """A process that stops answering (SIGSTOP) is marked down in nginx, new readers go to the other one,
    and it is killed and restarted."""
    dep.supervise = Supervise(down_after_s=3.0, hung_s=8.0)
    victim = max(dep.nodes)
    old_pid = dep.pids[victim]
    os.kill(old_pid, signal.SIGSTOP)
    try:
        assert dep.wait_until(lambda: dep.states()[victim] == "down", 15), dep.events
        assert f"server 127.0.0.1:{victim} down" in (dep.run_dir / "nginx.conf").read_text()

        async def new_readers() -> set[str]:
            pins = set()
            for _ in range(4):
                async with Session(dep.url, timeout_s=30) as s:
                    assert (await s.run()).ok
                    pins.add(s.cookies["ffe_backend"])
            return pins

        assert asyncio.run(new_readers()) == {f"b{min(dep.nodes)}"}
        assert dep.wait_until(lambda: dep.pids[victim] != old_pid, 20), dep.events  # killed and restarted
        assert dep.wait_until(lambda: dep.states()[victim] == "up", 60), dep.events
    finally:
        dep.supervise = Supervise()
        if dep.pids.get(victim) == old_pid:
            os.kill(old_pid, signal.SIGCONT)


def test_connections_per_client_are_limited(dep):
    async def connect_many(n: int) -> list[str]:
        sessions, outcomes = [], []
        for _ in range(n):
            s = Session(dep.url, timeout_s=30)
            try:
                await s.connect()  # a health check, then the WebSocket (held open)
                sessions.append(s)
                outcomes.append("open")
            except Exception as e:
                outcomes.append(f"{type(e).__name__}: {e}")
        for s in sessions:
            await s.close()
        return outcomes

    assert asyncio.run(connect_many(5)) == ["open"] * 5  # the default limit (64) leaves room
    dep.limits = Limits(conn_per_client=3)
    dep._reload()
    try:
        deadline = time.time() + 10  # until nginx's new worker (the new limit) takes the connections
        while (outcomes := asyncio.run(connect_many(5))).count("open") > 3 and time.time() < deadline:
            pass
        assert outcomes[:3] == ["open"] * 3, outcomes
        assert all("429" in o for o in outcomes[3:]), outcomes  # a fourth connection from the same client: 429
    finally:
        dep.limits = Limits()
        dep._reload()


def _wait_reconnected(pages: list, sockets: dict, before: dict, timeout_s: float = 60) -> None:
    deadline = time.time() + timeout_s
    while any(len(sockets[i]) <= before[i] for i in range(len(pages))) and time.time() < deadline:
        pages[0].wait_for_timeout(200)
    assert all(len(sockets[i]) > before[i] for i in range(len(pages))), "a session did not reconnect"


def test_sessions_stick_to_their_process_through_the_proxy(dep):
    for _ in range(16):  # first visits (no cookie yet) are spread over both processes
        urllib.request.urlopen(dep.url + "/", timeout=10).read()
    assert len({r["upstream"] for r in dep.requests()[-16:]}) == 2

    with sync_playwright() as p:
        browser = launch(p)
        contexts, pages, sockets = [], [], {}
        for i in range(SESSIONS):
            ctx = browser.new_context(viewport={"width": 1300, "height": 950})
            page = ctx.new_page()
            sockets[i] = []
            page.on("websocket", lambda ws, i=i: sockets[i].append(ws))
            page.goto(f"{dep.url}/?width={10 + 2 * i}&split=50")
            wait_map_drawn(page)
            wait_idle(page)
            contexts.append(ctx)
            pages.append(page)
        for i, page in enumerate(pages):  # the WebSocket works through the proxy
            w = 10 + 2 * i + 0.5
            move_slider(page, ["ArrowRight"], f"{w / 2:g} + {w / 2:g}")
            wait_idle(page)

        before = {i: len(s) for i, s in sockets.items()}
        dep.restart_proxy()  # every WebSocket drops; the browsers reconnect by themselves
        _wait_reconnected(pages, sockets, before)
        for i, page in enumerate(pages):  # and the sessions go on working, on their own process
            wait_idle(page)
            w = 10 + 2 * i + 1.0
            move_slider(page, ["ArrowRight"], f"{w / 2:g} + {w / 2:g}")
            wait_idle(page)
            assert page.locator("[data-testid=stException]").count() == 0
            assert page.get_by_text(MOVED_NOTICE[:40]).count() == 0  # same process: nothing was lost

        keys = [_cookie(ctx, "ffe_id") for ctx in contexts]
        for ctx in contexts:
            ctx.close()  # closing the WebSockets writes their access-log lines
        browser.close()
        dep.stop_proxy()
        log = dep.requests()
        for key in keys:
            mine = [r for r in log if r["key"] == key]
            assert len({r["upstream"] for r in mine}) == 1, {r["upstream"] for r in mine}  # one process for all of it
            # each (re)connection starts with a host-config request; a WebSocket is logged when it closes
            # (the ones nginx's restart cut are not logged, the reconnected ones are)
            assert sum("/_stcore/host-config" in r["request"] for r in mine) >= 2
            assert any(r["status"] == "101" and "/_stcore/stream" in r["request"] for r in mine)
        dep.start_proxy()
