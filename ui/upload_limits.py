"""Bounded uploads: what Streamlit's uploaded-file store may hold, per session and per process.

Streamlit 1.67 keeps every uploaded file in memory (``MemoryUploadedFileManager``)
until the browser deletes it or the session shuts down. Nothing limits how many
files a session PUTs to ``/_stcore/upload_file/<session>/<any new id>``, and a
session that disconnects and then expires from the reconnect store
(``server.disconnectedSessionTTL``) is never shut down, so its files stay
forever. ``ui.upload_store.install()`` changes the running store's class (once per process, before
or after the server starts; the upload route and every session already hold the
same instance), so that:

- a file whose name does not end in one of ``ALLOWED_SUFFIXES`` (the pages'
  uploaders take .geojson, .json and .zip) is refused with 415 before it is stored;
- a session holds at most ``MAX_FILES_PER_SESSION`` files and
  ``MAX_SESSION_BYTES``; the process at most ``MAX_TOTAL_BYTES``. A new file
  first pushes out files no widget of its session holds (oldest first), then,
  if it still does not fit, is refused (429 for the session, 503 for the process);
- files no widget holds (a replaced upload the browser did not delete, or files
  PUT by a script that never shows them to a widget) are dropped once they are
  ``GRACE_S`` old, and the files of sessions that no longer exist are dropped,
  by a sweep every ``SWEEP_S`` seconds that then returns the freed memory to the
  system (``malloc_trim``);
- file names are cut to ``MAX_NAME_CHARS`` (messages quote them), and the
  multipart parser accepts a part header of up to 64 KB, so a long file name is
  analysed instead of failing with a raw "AxiosError ... 400" in the browser;
- a reader whose widget still shows a file the server no longer has (its app
  process was restarted and the reader reconnected to another one) is told, once,
  to upload it again;
- a session that leaves the reconnect store without coming back is shut down
  (``session_reaper``): Streamlit 1.67 drops it without ``shutdown()``, so its files
  and its download buttons' callables (and the page data they refer to, ~35 MB
  for a date no one else has open) were kept until the process ended.

Which files a widget holds is read from the session's widget state (the
``st.file_uploader`` values); if that cannot be read, every file of the session
counts as held, so only the caps apply. nginx (deploy/nginx.conf.in) adds a
per-client rate limit on upload requests and caps the body at 21 MB.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import time
from dataclasses import dataclass

MAX_FILES_PER_SESSION = 3  # each page has one single-file uploader: the held file and one being replaced
MAX_SESSION_BYTES = 45 * 2**20  # two 20 MB files and some room
MAX_TOTAL_BYTES = 300 * 2**20  # all sessions of the process
ALLOWED_SUFFIXES = (".geojson", ".json", ".zip")
MAX_NAME_CHARS = 120
MAX_PART_HEADER_BYTES = 64 * 1024  # python-multipart's default is 4,224 bytes: a ~4,000-character name
GRACE_S = 30.0  # a file just PUT is not yet in a widget's state (the browser's rerun follows the upload)
SWEEP_S = 15.0
LOST_FILE_NOTICE = (
    "The file you uploaded is no longer on the server (the app was restarted, or you were away for a "
    "while): upload it again to analyse it."
)

LOG = logging.getLogger(__name__)


@dataclass
class Entry:
    added: float  # time.monotonic() when stored
    size: int


def http_error(status: int, detail: str):
    from starlette.exceptions import HTTPException

    return HTTPException(status_code=status, detail=detail)


def short_name(name: str, limit: int = MAX_NAME_CHARS) -> str:
    """``name`` cut to ``limit`` characters, keeping its extension: 'aaaa…aaa.geojson'."""
    if len(name) <= limit:
        return name
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 and len(name) - dot <= 12 else ""
    keep = limit - len(ext) - 1
    return name[:keep] + "…" + ext


def _runtime_sessions():
    """(active-session lookup, stored-session lookup) of the running Streamlit runtime, or None."""
    from streamlit import runtime

    if not runtime.exists():
        return None
    mgr = runtime.get_instance()._session_mgr
    storage = getattr(mgr, "_session_storage", None)
    return mgr.get_active_session_info, (storage.get if storage is not None else (lambda _sid: None))


def session_of(session_id: str):
    """The AppSession of ``session_id`` (active or stored for reconnection), None if it no longer exists,
    or ``...`` if that cannot be told."""
    try:
        lookups = _runtime_sessions()
        if lookups is None:
            return ...
        active, stored = lookups
        info = active(session_id) or stored(session_id)
        return None if info is None else info.session
    except Exception:  # internals changed: assume it exists
        return ...


def held_file_ids(session) -> set[str] | None:
    """The ids of the files the widgets of ``session`` (an AppSession) hold, or None if unknown."""
    try:
        state = session.session_state
        ids: set[str] = set()
        new = dict(state._new_widget_state.states)  # this run's values (from the browser) ...
        # ... replace the last run's (which stay in _old_state until the run has finished)
        values = [v for k, v in list(state._old_state.items()) if state._get_widget_id(k) not in new]
        for item in new.values():
            proto = getattr(item, "value", None)
            info = getattr(getattr(proto, "file_uploader_state_value", None), "uploaded_file_info", None)
            if info is not None and proto.HasField("file_uploader_state_value"):
                ids.update(f.file_id for f in info)
            else:
                values.append(getattr(item, "value", item))
        for v in values:
            for f in v if isinstance(v, (list, tuple)) else [v]:
                fid = getattr(f, "file_id", None)
                if isinstance(fid, str) and hasattr(f, "getvalue"):
                    ids.add(fid)
        return ids
    except Exception:  # internals changed (or mutated while read): unknown
        return None


def malloc_trim() -> None:
    """Give freed heap memory back to the system (glibc); a no-op elsewhere."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def session_reaper():
    """Shut down the sessions that leave Streamlit's reconnect store without coming back.

    A disconnected session waits in the store for ``server.disconnectedSessionTTL`` (2 minutes) for its
    reader to reconnect. When it expires (or is pushed out by newer ones), Streamlit 1.67 drops it
    without ``AppSession.shutdown()``: its uploaded files stay in the store and its download buttons'
    callables stay registered with the media file manager, which keeps everything they refer to (the
    page's data for its date) for as long as the process runs. Returns the function the sweep calls to
    reap expired sessions and shut them down, or None if Streamlit's internals are not as expected.
    """
    try:
        from streamlit import runtime

        sessions = runtime.get_instance()._session_mgr
        cache = sessions._session_storage._cache
        active = sessions._active_session_info_by_id
    except Exception:
        return None
    leaving: list = []
    chained = getattr(cache, "_on_remove", None)

    def on_remove(session_id, info) -> None:
        if chained is not None:
            chained(session_id, info)
        if session_id not in active:  # not resumed (a resumed session is made active before it leaves the store)
            leaving.append(info.session)

    cache._on_remove = on_remove

    def reap() -> int:
        lock = getattr(sessions, "_storage_lock", None) or contextlib.nullcontext()
        with lock:
            cache.expire()
        count = 0
        while leaving:
            session = leaving.pop()
            with contextlib.suppress(Exception):
                session.shutdown()  # idempotent: also for sessions Streamlit shuts down itself
                count += 1
        return count

    return reap


def sweep_forever(mgr, reap) -> None:
    while True:
        time.sleep(SWEEP_S)
        try:
            if reap is not None and reap():
                malloc_trim()
            mgr.sweep()
        except Exception:  # never let the sweeper die
            LOG.exception("upload limits: sweep failed")
