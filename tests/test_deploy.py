"""deploy/: two app processes behind nginx. First visits spread over the processes; each browser
session keeps its process for the page, its assets and its WebSocket, also after the WebSocket
drops and reconnects; the app works through the proxy (slider -> numbers and map)."""

import time
import urllib.request

from playwright.sync_api import sync_playwright

from benchmarks.browser import free_port, launch, move_slider, wait_idle, wait_map_drawn
from deploy.start import running

SESSIONS = 3


def _wait_reconnected(pages: list, sockets: dict, before: dict, timeout_s: float = 60) -> None:
    deadline = time.time() + timeout_s
    while any(len(sockets[i]) <= before[i] for i in range(len(pages))) and time.time() < deadline:
        pages[0].wait_for_timeout(200)
    assert all(len(sockets[i]) > before[i] for i in range(len(pages))), "a session did not reconnect"


def test_sessions_stick_to_their_process_through_the_proxy():
    with running(2, free_port(), backend_port=free_port()) as dep, sync_playwright() as p:
        for _ in range(16):  # first visits (no cookie yet) are spread over both processes
            urllib.request.urlopen(dep.url + "/", timeout=10).read()
        assert len({r["upstream"] for r in dep.requests()}) == 2

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
        for i, page in enumerate(pages):  # and the sessions go on working
            wait_idle(page)
            w = 10 + 2 * i + 1.0
            move_slider(page, ["ArrowRight"], f"{w / 2:g} + {w / 2:g}")
            wait_idle(page)
            assert page.locator("[data-testid=stException]").count() == 0

        keys = [next(c["value"] for c in ctx.cookies() if c["name"] == "ffe_backend") for ctx in contexts]
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
