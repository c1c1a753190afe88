"""Bounded uploads: what Streamlit's uploaded-file store may hold, per session and per process.

Streamlit 1.67 keeps every uploaded file in memory (``MemoryUploadedFileManager``)
until the browser deletes it or the session shuts down. Nothing limits how many
files a session PUTs to ``/_stcore/upload_file/<session>/<any new id>``, and a
session that disconnects and then expires from the reconnect store
(``server.disconnectedSessionTTL``) is never shut down, so its files stay
forever. ``install()`` changes the running store's class (once per process, before
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
  (``_session_reaper``): Streamlit 1.67 drops it without ``shutdown()``, so its files
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
import threading
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

_LOG = logging.getLogger(__name__)
_INSTALL_LOCK = threading.Lock()


@dataclass
class _Entry:
    added: float  # time.monotonic() when stored
    size: int


def _http_error(status: int, detail: str):
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


def _session(session_id: str):
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


def _malloc_trim() -> None:
    """Give freed heap memory back to the system (glibc); a no-op elsewhere."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def _mixin():
    """The methods added to Streamlit's MemoryUploadedFileManager (its own state is reused as it is)."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    class LimitedUploadedFileManager(MemoryUploadedFileManager):
        """MemoryUploadedFileManager with the caps of ``ui.upload_limits``."""

        def _limits_state(self) -> dict:
            st = self.__dict__.get("_ffe_limits")
            if st is None:
                st = self.__dict__.setdefault("_ffe_limits", {"entries": {}, "warned": set()})
            return st

        def _entries(self) -> dict[tuple[str, str], _Entry]:
            return self._limits_state()["entries"]

        def _drop(self, session_id: str, file_id: str) -> int:
            """Remove one file (lock held); returns its size."""
            files = self.file_storage.get(session_id)
            rec = files.pop(file_id, None) if files is not None else None
            self._entries().pop((session_id, file_id), None)
            if rec is None:
                return 0
            self._total_bytes -= len(rec.data)
            self._file_count -= 1
            if not files:
                self.file_storage.pop(session_id, None)
            return len(rec.data)

        def _unheld(self, session_id: str, now: float, grace_s: float) -> list[str]:
            """The session's files no widget holds and older than ``grace_s``, oldest first (lock held)."""
            files = self.file_storage.get(session_id, {})
            session = _session(session_id)
            if session is None:
                held: set[str] = set()  # the session is gone: nothing holds its files
            elif session is ...:
                return []
            else:
                held = held_file_ids(session)
                if held is None:
                    return []
            entries = self._entries()
            unheld = [
                fid
                for fid in files
                if fid not in held and now - entries.get((session_id, fid), _Entry(0.0, 0)).added >= grace_s
            ]
            return sorted(unheld, key=lambda fid: entries.get((session_id, fid), _Entry(0.0, 0)).added)

        def _fits(self, session_id: str, file_id: str, size: int) -> bool:
            """Whether a file of ``size`` bytes stored as ``file_id`` keeps the session within its caps."""
            others = [r for fid, r in self.file_storage.get(session_id, {}).items() if fid != file_id]
            return len(others) + 1 <= MAX_FILES_PER_SESSION and sum(len(r.data) for r in others) + size <= (
                MAX_SESSION_BYTES
            )

        def add_file(self, session_id: str, file: UploadedFileRec) -> None:
            name = file.name or ""
            if not name.lower().endswith(ALLOWED_SUFFIXES):
                raise _http_error(415, f"Only {', '.join(ALLOWED_SUFFIXES)} files are accepted")
            file = file._replace(name=short_name(name))
            size, now = len(file.data), time.monotonic()
            if size > MAX_SESSION_BYTES:
                raise _http_error(413, "File too large")
            with self._lock:
                # this session: first push out the files no widget holds (oldest first), then refuse
                for fid in self._unheld(session_id, now, grace_s=0.0):
                    if self._fits(session_id, file.file_id, size):
                        break
                    if fid != file.file_id:
                        self._drop(session_id, fid)
                if not self._fits(session_id, file.file_id, size):
                    raise _http_error(429, "Too many uploaded files in this session: remove one first")
                # the process: files no widget holds in any session, then refuse
                if self._total_bytes + size > MAX_TOTAL_BYTES:
                    for sid in list(self.file_storage):
                        for fid in self._unheld(sid, now, grace_s=0.0):
                            if self._total_bytes + size <= MAX_TOTAL_BYTES:
                                break
                            self._drop(sid, fid)
                if self._total_bytes + size > MAX_TOTAL_BYTES:
                    raise _http_error(503, "The server holds too many uploads right now: try again in a minute")
                # as MemoryUploadedFileManager.add_file, whose lock is already held here (it is not reentrant)
                files = self.file_storage[session_id]
                old = files.get(file.file_id)
                if old is not None:
                    self._total_bytes -= len(old.data)
                else:
                    self._file_count += 1
                files[file.file_id] = file
                self._total_bytes += size
                self._entries()[(session_id, file.file_id)] = _Entry(now, size)

        def remove_file(self, session_id: str, file_id: str) -> None:
            super().remove_file(session_id, file_id)
            with self._lock:
                self._entries().pop((session_id, file_id), None)

        def remove_session_files(self, session_id: str) -> None:
            super().remove_session_files(session_id)
            with self._lock:
                for key in [k for k in self._entries() if k[0] == session_id]:
                    del self._entries()[key]

        def get_files(self, session_id, file_ids):
            found = super().get_files(session_id, file_ids)
            if len(found) < len(file_ids):
                self._tell_lost(session_id, {f.file_id for f in found}, file_ids)
            return found

        def _tell_lost(self, session_id: str, found: set[str], file_ids) -> None:
            """A widget holds a file this process does not have: say so once per file (in the script run)."""
            lost = [fid for fid in file_ids if fid not in found]
            warned = self._limits_state()["warned"]
            with self._lock:
                new = [fid for fid in lost if (session_id, fid) not in warned]
                warned.update((session_id, fid) for fid in new)
            if new:
                with contextlib.suppress(Exception):  # outside a script run (or in a callback): no message
                    import streamlit as st

                    st.toast(LOST_FILE_NOTICE, icon="⚠️", duration="long")

        def sweep(self, grace_s: float = GRACE_S) -> int:
            """Drop files no widget holds (older than ``grace_s``) and the files of sessions that no longer
            exist; returns the bytes freed."""
            freed = 0
            now = time.monotonic()
            with self._lock:
                for sid in list(self.file_storage):
                    for fid in self._unheld(sid, now, grace_s):
                        freed += self._drop(sid, fid)
                warned = self._limits_state()["warned"]
                live = set(self.file_storage)
                for key in [k for k in warned if k[0] not in live and _session(k[0]) is None]:
                    warned.discard(key)
            if freed:
                _LOG.info("upload limits: dropped %.1f MB of uploads no widget holds", freed / 2**20)
                _malloc_trim()
            return freed

    return LimitedUploadedFileManager


def _raise_part_header_limit() -> None:
    """Let the multipart parser read a part header of up to MAX_PART_HEADER_BYTES (a long file name)."""
    with contextlib.suppress(Exception):
        from python_multipart.multipart import MultipartParser

        defaults = MultipartParser.__init__.__kwdefaults__
        if defaults.get("max_header_size", 0) < MAX_PART_HEADER_BYTES:
            defaults["max_header_size"] = MAX_PART_HEADER_BYTES


_CLASS = None


def limited_class():
    """The capped uploaded-file manager class (made once)."""
    global _CLASS
    if _CLASS is None:
        _CLASS = _mixin()
    return _CLASS


def current_manager():
    """The running runtime's uploaded-file manager, or None (no runtime yet, e.g. under AppTest)."""
    from streamlit import runtime

    return runtime.get_instance().uploaded_file_mgr if runtime.exists() else None


def install() -> bool:
    """Cap this process's uploaded-file store (idempotent; a cheap check on every page run).

    The store is created by the server at start-up and shared by the upload route
    and every session, so its class is changed in place. Returns True if the
    running store is capped (False before a runtime exists, e.g. under AppTest).
    """
    mgr = current_manager()
    if mgr is None:
        return False
    cls = limited_class()
    if isinstance(mgr, cls):
        return True
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    with _INSTALL_LOCK:
        if type(mgr) is MemoryUploadedFileManager:  # Streamlit's own store (another kind is left alone)
            _raise_part_header_limit()
            mgr.__class__ = cls  # same object, same files, now capped
            reap = _session_reaper()
            threading.Thread(target=_sweep_forever, args=(mgr, reap), name="ffe-upload-sweep", daemon=True).start()
    return isinstance(mgr, cls)


def _session_reaper():
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


def _sweep_forever(mgr, reap) -> None:
    while True:
        time.sleep(SWEEP_S)
        try:
            if reap is not None and reap():
                _malloc_trim()
            mgr.sweep()
        except Exception:  # never let the sweeper die
            _LOG.exception("upload limits: sweep failed")
