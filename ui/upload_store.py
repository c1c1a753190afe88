"""The capped uploaded-file store: Streamlit's MemoryUploadedFileManager with the caps of ``ui.upload_limits``,
installed in the running server once per process (``install``). What is capped, and why, is said there."""

from __future__ import annotations

import contextlib
import threading
import time

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from ui.upload_limits import (
    ALLOWED_SUFFIXES,
    GRACE_S,
    LOG,
    LOST_FILE_NOTICE,
    MAX_FILES_PER_SESSION,
    MAX_PART_HEADER_BYTES,
    MAX_SESSION_BYTES,
    MAX_TOTAL_BYTES,
    Entry,
    held_file_ids,
    http_error,
    malloc_trim,
    session_of,
    session_reaper,
    short_name,
    sweep_forever,
)

_INSTALL_LOCK = threading.Lock()


class LimitedUploadedFileManager(MemoryUploadedFileManager):
    """MemoryUploadedFileManager with the caps of ``ui.upload_limits``."""

    def _limits_state(self) -> dict:
        st = self.__dict__.get("_ffe_limits")
        if st is None:
            st = self.__dict__.setdefault("_ffe_limits", {"entries": {}, "warned": set()})
        return st

    def _entries(self) -> dict[tuple[str, str], Entry]:
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
        session = session_of(session_id)
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
            if fid not in held and now - entries.get((session_id, fid), Entry(0.0, 0)).added >= grace_s
        ]
        return sorted(unheld, key=lambda fid: entries.get((session_id, fid), Entry(0.0, 0)).added)

    def _fits(self, session_id: str, file_id: str, size: int) -> bool:
        """Whether a file of ``size`` bytes stored as ``file_id`` keeps the session within its caps."""
        others = [r for fid, r in self.file_storage.get(session_id, {}).items() if fid != file_id]
        return len(others) + 1 <= MAX_FILES_PER_SESSION and sum(len(r.data) for r in others) + size <= (
            MAX_SESSION_BYTES
        )

    def add_file(self, session_id: str, file: UploadedFileRec) -> None:
        name = file.name or ""
        if not name.lower().endswith(ALLOWED_SUFFIXES):
            raise http_error(415, f"Only {', '.join(ALLOWED_SUFFIXES)} files are accepted")
        file = file._replace(name=short_name(name))
        size, now = len(file.data), time.monotonic()
        if size > MAX_SESSION_BYTES:
            raise http_error(413, "File too large")
        with self._lock:
            # this session: first push out the files no widget holds (oldest first), then refuse
            for fid in self._unheld(session_id, now, grace_s=0.0):
                if self._fits(session_id, file.file_id, size):
                    break
                if fid != file.file_id:
                    self._drop(session_id, fid)
            if not self._fits(session_id, file.file_id, size):
                raise http_error(429, "Too many uploaded files in this session: remove one first")
            # the process: files no widget holds in any session, then refuse
            if self._total_bytes + size > MAX_TOTAL_BYTES:
                for sid in list(self.file_storage):
                    for fid in self._unheld(sid, now, grace_s=0.0):
                        if self._total_bytes + size <= MAX_TOTAL_BYTES:
                            break
                        self._drop(sid, fid)
            if self._total_bytes + size > MAX_TOTAL_BYTES:
                raise http_error(503, "The server holds too many uploads right now: try again in a minute")
            # as MemoryUploadedFileManager.add_file, whose lock is already held here (it is not reentrant)
            files = self.file_storage[session_id]
            old = files.get(file.file_id)
            if old is not None:
                self._total_bytes -= len(old.data)
            else:
                self._file_count += 1
            files[file.file_id] = file
            self._total_bytes += size
            self._entries()[(session_id, file.file_id)] = Entry(now, size)

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
            for key in [k for k in warned if k[0] not in live and session_of(k[0]) is None]:
                warned.discard(key)
        if freed:
            LOG.info("upload limits: dropped %.1f MB of uploads no widget holds", freed / 2**20)
            malloc_trim()
        return freed


def _raise_part_header_limit() -> None:
    """Let the multipart parser read a part header of up to MAX_PART_HEADER_BYTES (a long file name)."""
    with contextlib.suppress(Exception):
        from python_multipart.multipart import MultipartParser

        defaults = MultipartParser.__init__.__kwdefaults__
        if defaults.get("max_header_size", 0) < MAX_PART_HEADER_BYTES:
            defaults["max_header_size"] = MAX_PART_HEADER_BYTES


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
    if isinstance(mgr, LimitedUploadedFileManager):
        return True
    with _INSTALL_LOCK:
        if type(mgr) is MemoryUploadedFileManager:  # Streamlit's own store (another kind is left alone)
            _raise_part_header_limit()
            mgr.__class__ = LimitedUploadedFileManager  # same object, same files, now capped
            reap = session_reaper()
            threading.Thread(target=sweep_forever, args=(mgr, reap), name="ffe-upload-sweep", daemon=True).start()
    return isinstance(mgr, LimitedUploadedFileManager)
