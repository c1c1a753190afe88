"""A Streamlit client without a browser: a WebSocket session speaking Streamlit's own protobuf messages.

What the browser does, reduced to what the server sees: ``GET /_stcore/health`` (the XSRF cookie and, behind
nginx, the ``ffe_backend`` routing cookie), then ``/_stcore/stream`` opened with the subprotocols
``streamlit, <xsrf token>[, <session id to resume>]``; ``BackMsg.rerun_script`` with the page's query string
and the widget states the user changed; ``ForwardMsg``s back (``new_session``, deltas, ``script_finished``).
Like the browser it tells the server which cacheable messages it already holds (``cached_message_hashes``),
so a rerun is sent what changed, not the whole page again. Widget ids are learnt from the deltas (the slider
labelled "Total zone width (km)" has an id derived from its key).

    async with Session(url) as s:
        first = await s.run()                          # the page as a new reader opens it
        moved = await s.set_widget("Total zone width (km)", 12.0)
        moved.seconds, moved.metrics["Pull-back (km)"]  # send -> script finished; "6 + 6"

Used by deploy.start (a backend is ready once a page has run: the warm-up also caps its uploads) and by
``benchmarks.load --protocol`` (capacity without browsers).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

XSRF_COOKIE = "_streamlit_xsrf"
WIDTH_LABEL = "Total zone width (km)"


@dataclass
class Widget:
    """A widget as the deltas describe it: its id, kind (``slider``, ``selectbox``, ...) and proto."""

    id: str
    kind: str
    proto: object


@dataclass
class Run:
    """One script run as the client saw it."""

    seconds: float  # rerun sent -> script_finished received
    status: str  # ForwardMsg.ScriptFinishedStatus name, or "timeout" / "disconnected"
    messages: int = 0
    bytes: int = 0
    metrics: dict[str, str] = field(default_factory=dict)  # metric label -> value shown
    exceptions: list[str] = field(default_factory=list)  # st.exception elements (script errors)
    errors: list[str] = field(default_factory=list)  # st.error boxes
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (ERROR/WARNING/INFO/SUCCESS, text) of every box
    toasts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "FINISHED_SUCCESSFULLY" and not self.exceptions


def _http_put_file(
    base: str, session_id: str, file_id: str, cookies: dict[str, str], name: str, data: bytes, timeout_s: float = 120
) -> int:
    """PUT ``data`` as the file ``name`` to the session's upload URL, as the browser's uploader does; the status."""
    u = urllib.parse.urlsplit(base)
    boundary = "----ffe" + uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout_s)
    try:
        conn.request(
            "PUT",
            f"/_stcore/upload_file/{session_id}/{file_id}",
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Xsrftoken": cookies.get(XSRF_COOKIE, ""),
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            },
        )
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _http_get(base: str, path: str, cookies: dict[str, str], timeout_s: float = 30) -> tuple[int, dict[str, str]]:
    """GET ``path``; returns (status, cookies set by the response)."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout_s)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        jar = SimpleCookie()
        for value in resp.headers.get_all("Set-Cookie") or []:
            jar.load(value)
        return resp.status, {k: m.value for k, m in jar.items()}
    finally:
        conn.close()


class Session:
    """One reader's Streamlit session over a WebSocket (see the module docstring)."""

    def __init__(self, url: str, query: str = "", timeout_s: float = 120.0):
        self.url, self.query, self.timeout_s = url.rstrip("/"), query, timeout_s
        self.cookies: dict[str, str] = {}
        self.session_id: str | None = None
        self.page_script_hash = ""
        self.widgets: dict[str, Widget] = {}  # label -> widget, from the deltas
        self.widget_states: dict[str, object] = {}  # widget id -> WidgetState sent with every rerun
        self.cached_hashes: set[str] = set()
        self.pages: dict[str, str] = {}  # page name (and URL path) -> page script hash, from the navigation
        self.ws = None
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        self.connections = 0

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def connect(self, resume: bool = False) -> None:
        """Fetch the cookies and open the WebSocket (``resume``: ask for the same session id back)."""
        status, set_cookies = await asyncio.to_thread(_http_get, self.url, "/_stcore/health", self.cookies)
        if status != 200:
            raise ConnectionError(f"/_stcore/health answered {status}")
        self.cookies.update(set_cookies)
        protocols = ["streamlit", self.cookies.get(XSRF_COOKIE, "")]
        if resume and self.session_id:
            protocols.append(self.session_id)
        ws_url = "ws" + self.url[len("http") :] + "/_stcore/stream"
        self.ws = await connect(
            ws_url,
            subprotocols=protocols,
            additional_headers={
                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                "Origin": self.url,
            },
            max_size=None,
            compression=None,
            open_timeout=self.timeout_s,
            ping_interval=None,
        )
        self.connections += 1
        self._inbox = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                await self._inbox.put(data)
        except Exception as e:  # the connection dropped: the waiting run reports it
            await self._inbox.put(e)
        else:
            await self._inbox.put(ConnectionError("the server closed the WebSocket"))

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader

    async def run(self, widget_states: dict[str, object] | None = None) -> Run:
        """Send a rerun (with every widget state changed so far, plus ``widget_states``) and read the
        messages until the script has finished. Raises ConnectionError if the WebSocket drops."""
        self.widget_states.update(widget_states or {})
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_script_hash
        for state in self.widget_states.values():
            cs.widget_states.widgets.append(state)
        cs.cached_message_hashes.extend(sorted(self.cached_hashes))
        t0 = time.perf_counter()
        try:
            await self.ws.send(msg.SerializeToString())
        except ConnectionClosed as e:
            raise ConnectionError(f"WebSocket lost: {e}") from e
        out = Run(seconds=float("nan"), status="timeout")
        deadline = t0 + self.timeout_s
        while True:
            try:
                data = await asyncio.wait_for(self._inbox.get(), max(0.0, deadline - time.perf_counter()))
            except TimeoutError:
                out.seconds = time.perf_counter() - t0
                return out
            if isinstance(data, Exception):
                raise ConnectionError(f"WebSocket lost during a run: {data}") from data
            fm = ForwardMsg()
            fm.ParseFromString(data)
            out.messages += 1
            out.bytes += len(data)
            if fm.metadata.cacheable and fm.hash:
                self.cached_hashes.add(fm.hash)
            self._learn(fm, out)
            if fm.WhichOneof("type") == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fm.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # a rerun we asked for replaced it: keep reading
                out.seconds, out.status = time.perf_counter() - t0, status
                return out

    def _learn(self, fm: ForwardMsg, out: Run) -> None:
        kind = fm.WhichOneof("type")
        if kind == "navigation":  # the app's pages: name and URL path -> script hash
            for page in fm.navigation.app_pages:
                self.pages[page.page_name] = self.pages[page.url_pathname or "/"] = page.page_script_hash
        elif kind == "page_info_changed":  # the page rewrote its URL (the zone is in it), as the browser keeps it
            self.query = fm.page_info_changed.query_string
        elif kind == "new_session":
            self.session_id = fm.new_session.initialize.session_id
            self.page_script_hash = fm.new_session.page_script_hash
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            which = el.WhichOneof("type")
            if which == "metric":
                out.metrics[el.metric.label] = el.metric.body
            elif which == "exception":
                out.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
            elif which == "alert":
                out.alerts.append((el.alert.Format.Name(el.alert.format), el.alert.body))
                if el.alert.format == el.alert.ERROR:
                    out.errors.append(el.alert.body[:300])
            elif which == "toast":
                out.toasts.append(el.toast.body)
            elif which is not None:
                proto = getattr(el, which)
                wid, label = getattr(proto, "id", ""), getattr(proto, "label", "")
                if wid and label:
                    self.widgets[label] = Widget(wid, which, proto)
                    self._keep_value(wid, which, proto)

    async def upload(self, name: str, data: bytes) -> tuple[int, str]:
        """PUT a file to this session's upload URL (as the uploader widget does before its rerun);
        (HTTP status, 204 when stored; the file id to put in the widget's state)."""
        file_id = str(uuid.uuid4())
        status = await asyncio.to_thread(_http_put_file, self.url, self.session_id, file_id, self.cookies, name, data)
        return status, file_id

    def file_state(self, label: str, files: list[tuple[str, str, int]]):
        """The WidgetState of the file uploader ``label`` holding ``files`` [(file id, name, size)]."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        w = self.widgets[label]
        state = WidgetState(id=w.id)
        value = state.file_uploader_state_value
        for file_id, name, size in files:
            info = value.uploaded_file_info.add(name=name, size=size, file_id=file_id)
            url = f"/_stcore/upload_file/{self.session_id}/{file_id}"
            info.file_urls.file_id, info.file_urls.upload_url, info.file_urls.delete_url = file_id, url, url
        if not files:
            value.SetInParent()  # an empty uploader (the reader removed the file)
        return state

    def _keep_value(self, wid: str, kind: str, proto) -> None:
        """Hold the value a widget shows, as the browser does, and send it with every rerun: the value the
        server set (``set_value``), else the one held already, else the widget's default."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if kind not in ("slider", "selectbox", "radio"):
            return  # buttons, uploaders, ...: nothing to hold until the reader uses them
        if wid in self.widget_states and not proto.set_value:
            return
        state = WidgetState(id=wid)
        if kind == "slider" and proto.options:  # st.select_slider: the option(s) shown, as text
            if proto.set_value and proto.raw_value:
                return  # (a value the server set from session state: it knows it)
            state.string_array_value.data.extend(proto.options[int(i)] for i in proto.default)
        elif kind == "slider":
            state.double_array_value.data.extend(proto.value if proto.set_value and len(proto.value) else proto.default)
        elif kind in ("selectbox", "radio"):
            if proto.set_value:
                state.string_value = proto.raw_value
            elif 0 <= proto.default < len(proto.options):
                state.string_value = proto.options[proto.default]
            else:
                return
        self.widget_states[wid] = state

    def slider_state(self, label: str, value: float | str):
        """The WidgetState of the slider ``label`` set to ``value`` (learnt from a run before); for a
        select_slider, ``value`` is one of its options."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        w = self.widgets[label]
        state = WidgetState(id=w.id)
        if w.proto.options:  # st.select_slider
            if value not in w.proto.options:
                raise ValueError(f"{value!r} is not an option of {label!r}")
            state.string_array_value.data.append(str(value))
        else:
            state.double_array_value.data.append(float(value))
        return state

    def selectbox_state(self, label: str, option: str):
        """The WidgetState of the selectbox (or radio) ``label`` set to ``option`` (as shown)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        w = self.widgets[label]
        if option not in w.proto.options:
            raise ValueError(f"{option!r} is not an option of {label!r}")
        return WidgetState(id=w.id, string_value=option)

    async def select(self, label: str, option: str) -> Run:
        """Pick ``option`` in the selectbox ``label`` and rerun."""
        state = self.selectbox_state(label, option)
        return await self.run({state.id: state})

    async def switch_page(self, name: str) -> Run:
        """Open another page of the app (by its name, e.g. "History", or URL path), as its link does."""
        self.page_script_hash = self.pages[name]
        self.widgets.clear()
        self.widget_states.clear()  # the browser forgets the widgets of the page it leaves
        return await self.run()

    def date_state(self, label: str, day: str):
        """The WidgetState of the date input ``label`` set to ``day`` (YYYY-MM-DD), as the browser sends it."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        state = WidgetState(id=self.widgets[label].id)
        state.string_array_value.data.append(day)
        return state

    async def set_widget(self, label: str, value: float | str) -> Run:
        """Move the slider ``label`` to ``value`` (or type the day ``value`` into the date input ``label``)
        and rerun, as the browser does on a key press."""
        is_date = self.widgets[label].kind == "date_input"
        state = self.date_state(label, str(value)) if is_date else self.slider_state(label, value)
        return await self.run({state.id: state})


class BlockingSession:
    """A ``Session`` for synchronous code (e.g. next to Playwright's sync API, which owns the thread's event
    loop): it runs on its own event loop in a thread. Attributes are the session's."""

    def __init__(self, url: str, **kwargs):
        import threading

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ffe-protocol-session", daemon=True)
        self._thread.start()
        self.session = Session(url, **kwargs)

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __getattr__(self, name):
        return getattr(self.session, name)

    def connect(self, resume: bool = False) -> None:
        self._call(self.session.connect(resume))

    def run(self, widget_states: dict | None = None) -> Run:
        return self._call(self.session.run(widget_states))

    def set_widget(self, label: str, value: float) -> Run:
        return self._call(self.session.set_widget(label, value))

    def close(self) -> None:
        try:
            self._call(self.session.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
