"""A reader whose app process died keeps their page: the browser reconnects to another process.

Streamlit's browser code reconnects by itself when its WebSocket drops; behind
deploy/start.py's nginx the reconnect reaches a live process, where it starts a
new session and re-runs the page with the widget values the browser still shows.
``arrived_with_state`` tells that first run apart from a new reader's first visit
(which brings no widget values), so the page keeps the reader's zone instead of
seeding it again from the URL, and tells the reader what did not survive.
"""

from __future__ import annotations

import streamlit as st

MOVED_NOTICE = (
    "The server process you were on stopped; you are now on another one. Your zone settings are kept. "
    "Posts you placed and files you uploaded are not: add them again."
)


def _client_widget_states() -> int:
    """How many widget values the browser sent with this run (0 for a new reader's first visit)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx()
        return len(ctx.session_state._state._new_widget_state.states) if ctx is not None else 0
    except Exception:  # Streamlit internals changed: treat it as a first visit
        return 0


def arrived_with_state() -> bool:
    """True if this run is a new session's first run that brought the browser's widget values: the
    reader's page was open on a process that is gone. Shows them a notice (once) when so."""
    moved = _client_widget_states() > 0
    if moved:
        st.toast(MOVED_NOTICE, icon="🔄", duration="long")
    return moved
