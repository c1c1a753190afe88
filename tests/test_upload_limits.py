"""Uploads cannot flood a server (ui/upload_limits.py, deploy/nginx.conf.in): one real app process behind nginx,
driven by a protocol-level client that PUTs files as the browser's uploader does.

The full measurement (40 PUTs of 19 MB, the default 2-minute reconnect window) is `python -m benchmarks.uploads`;
here the reconnect window is 5 s so a session's end is quick to see."""

import asyncio
import os
import re
from pathlib import Path

import pytest

from benchmarks.browser import free_port, rss_mb
from deploy.protocol import Session
from deploy.start import running
from ui import upload_limits

ROOT = Path(__file__).resolve().parents[1]
UPLOADER = "GeoJSON file (WGS84 lon/lat, ≤ 20 MB)"
LINE = (ROOT / "tests" / "bad_inputs" / "valid_line.geojson").read_bytes()


@pytest.fixture(scope="module")
def dep():
    with running(1, free_port(), backend_port=free_port(), app_args=("--server.disconnectedSessionTTL", "5")) as d:
        yield d


def _direct(dep) -> str:
    return next(iter(dep.nodes.values())).url


def _pid(dep) -> int:
    return next(iter(dep.pids.values()))


def _uploaded_names(run) -> list[str]:
    """The file names the Explorer's messages quote ('Analysing the uploaded file ...' or 'Could not use ...')."""
    shown = [re.sub(r"\\(.)", r"\1", body).replace("\u200b", "") for _, body in run.alerts]  # as displayed
    return [m for m in shown if "uploaded file" in m or "Could not use" in m]


def test_forty_big_puts_through_nginx_stay_bounded_and_are_freed_when_the_session_ends(dep):
    pid = _pid(dep)
    data = os.urandom(19 * 2**20)

    async def flood() -> tuple[float, float, list[int]]:
        async with Session(dep.url) as s:
            await s.run()
            start = rss_mb(pid)
            statuses = [(await s.upload(f"flood_{i}.geojson", data))[0] for i in range(40)]
            return start, rss_mb(pid), statuses

    start, peak, statuses = asyncio.run(flood())
    assert statuses.count(204) <= 10 and statuses.count(429) >= 30, statuses  # nginx: a burst of 8, then 12/min
    assert peak - start < 300, (start, peak)
    # the session has ended (WebSocket closed; reconnect window 5 s): its files go, and the memory with them
    assert dep.wait_until(lambda: rss_mb(pid) - start < 100, 60, 1.0), (start, rss_mb(pid))


def test_the_app_caps_a_session_even_without_nginx(dep):
    """Straight to the app's port (nginx's rate limit bypassed): every PUT pushes out the oldest file no widget
    holds, so 40 PUTs of 19 MB keep at most 3 files."""
    pid = _pid(dep)
    data = os.urandom(19 * 2**20)

    async def flood():
        async with Session(_direct(dep)) as s:
            await s.run()
            start = rss_mb(pid)
            statuses = [(await s.upload(f"direct_{i}.geojson", data))[0] for i in range(40)]
            refused = [(await s.upload(name, b"{}"))[0] for name in ("page.html", "tool.exe", "noext")]
            return start, rss_mb(pid), statuses, refused

    start, after, statuses, refused = asyncio.run(flood())
    assert statuses == [204] * 40
    assert after - start < 300, (start, after)
    assert refused == [415, 415, 415]  # only the uploaders' .geojson, .json, .zip


def test_files_a_widget_holds_are_kept_and_replaced_ones_dropped(dep):
    async def scenario() -> dict:
        out = {}
        async with Session(_direct(dep)) as s:
            await s.run()
            status, a = await s.upload("a.geojson", LINE)
            assert status == 204
            state = lambda files: {s.widgets[UPLOADER].id: s.file_state(UPLOADER, files)}  # noqa: E731
            out["holding_a"] = await s.run(state([(a, "a.geojson", len(LINE))]))
            for name in ("b.geojson", "c.geojson", "d.geojson"):  # PUT, never shown to a widget
                assert (await s.upload(name, b"{}"))[0] == 204
            out["still_a"] = await s.run(state([(a, "a.geojson", len(LINE))]))
            status, e = await s.upload("e.geojson", LINE)  # the reader picks another file: the widget replaces a
            out["holding_e"] = await s.run(state([(e, "e.geojson", len(LINE))]))
            assert (await s.upload("f.geojson", b"{}"))[0] == 204  # a no longer held: the oldest, pushed out
            out["a_again"] = await s.run(state([(a, "a.geojson", len(LINE))]))
        return out

    out = asyncio.run(scenario())
    assert any("a.geojson" in m for m in _uploaded_names(out["holding_a"])), out["holding_a"].alerts
    assert any("a.geojson" in m for m in _uploaded_names(out["still_a"]))  # held: kept while b, c, d came and went
    assert any("e.geojson" in m for m in _uploaded_names(out["holding_e"]))
    assert _uploaded_names(out["a_again"]) == []  # dropped once the widget let go of it
    assert upload_limits.LOST_FILE_NOTICE in out["a_again"].toasts  # and the reader is told to upload it again


def test_a_long_file_name_is_analysed_and_quoted_short(dep):
    async def scenario():
        async with Session(_direct(dep)) as s:
            await s.run()
            results = []
            for name in ("z" * 4_000 + ".geojson", "я" * 4_000 + ".geojson"):  # 4 KB and 8 KB part headers
                status, fid = await s.upload(name, LINE)
                run = await s.run({s.widgets[UPLOADER].id: s.file_state(UPLOADER, [(fid, name, len(LINE))])})
                results.append((status, _uploaded_names(run)))
            return results

    for status, messages in asyncio.run(scenario()):
        assert status == 204  # it used to be 400, shown in the browser as a raw "AxiosError ... 400"
        assert len(messages) == 1 and "…" in messages[0] and len(messages[0]) < 400, messages


def test_reader_of_a_restarted_process_is_told_their_file_is_gone(dep):
    """A widget holding a file id the process does not have (as after a move to another process)."""

    async def scenario():
        async with Session(_direct(dep)) as s:
            await s.run()
            run = await s.run(
                {s.widgets[UPLOADER].id: s.file_state(UPLOADER, [("0" * 8 + "-gone", "gone.geojson", 10)])}
            )
            return run

    run = asyncio.run(scenario())
    assert run.ok and upload_limits.LOST_FILE_NOTICE in run.toasts


def test_short_name_keeps_the_extension():
    assert upload_limits.short_name("a" * 500 + ".geojson", 40) == "a" * 31 + "….geojson"
    assert upload_limits.short_name("plain.json") == "plain.json"
    assert len(upload_limits.short_name("x" * 500)) == upload_limits.MAX_NAME_CHARS


def test_sessions_leaving_the_reconnect_store_are_shut_down(monkeypatch):
    """Streamlit's own reconnect store (MemorySessionStorage, a TTLCache) with a fake clock: a session that
    expires, or is pushed out by newer ones, is shut down; one that is resumed (made active first) is not."""
    import threading
    from types import SimpleNamespace

    from streamlit import runtime
    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.session_manager import SessionInfo

    storage = MemorySessionStorage(maxsize=2, ttl_seconds=60)
    now = [0.0]
    storage._cache._timer = lambda: now[0]
    mgr = SimpleNamespace(_session_storage=storage, _active_session_info_by_id={}, _storage_lock=threading.Lock())
    monkeypatch.setattr(runtime, "get_instance", lambda: SimpleNamespace(_session_mgr=mgr))
    shut = []

    def session(sid):
        return SimpleNamespace(id=sid, shutdown=lambda: shut.append(sid))

    reap = upload_limits.session_reaper()
    for sid in ("expires", "resumed"):
        storage.save(SessionInfo(client=None, session=session(sid)))
    mgr._active_session_info_by_id["resumed"] = object()  # how Streamlit resumes: made active, then deleted
    storage.delete("resumed")
    assert reap() == 0 and shut == []
    now[0] = 61.0  # past the reconnect window
    assert reap() == 1 and shut == ["expires"]
    for sid in ("a", "b", "c"):  # more than the store holds: the oldest is pushed out
        storage.save(SessionInfo(client=None, session=session(sid)))
    assert reap() == 1 and shut == ["expires", "a"]
