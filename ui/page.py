"""Page setup shared by every page: layout, navigation, offline map assets."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gis import layers, maps
from ui import upload_store
from ui.messages import message

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# The app's pages, in navigation order: (script, label). The built-in sidebar
# navigation is hidden (.streamlit/config.toml) because it would label the
# Explorer "app"; these links replace it.
PAGES = [
    ("app.py", "Explorer"),
    ("pages/1_Compare_proposals.py", "Compare proposals"),
    ("pages/2_Monitoring.py", "Monitoring"),
    ("pages/3_History.py", "History"),
    ("pages/4_Data_and_method.py", "Data & method"),
]


# Less empty space around the page (Streamlit's default is 6rem above), so the map fits the screen.
# While a rerun is under way, Streamlit fades every element to 1/3 opacity over 1 s (after 0.5 s) and
# animates a running icon: each reader's browser then draws ~60 frames a second for as long as it waits,
# which under load was most of a waiting page's CPU (benchmarks.browser_profile). Elements still dim
# after 0.5 s, in one step; the running icon is hidden.
# Headline figures fit their box at every width: the value's size follows the metric's own width (container
# query units) and, at the very narrowest, it wraps rather than being cut with an ellipsis.
# Button labels and table cells wrap rather than end in an ellipsis.
# AA contrast (4.5:1 on white): captions, widget help and slider ticks in #595959 (7:1) instead of
# Streamlit's 60 %-opaque text (3.9:1).
PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.4rem 2rem 3rem 2rem; }
@media (max-width: 640px) { [data-testid="stMainBlockContainer"] { padding: 3.4rem 1rem 3rem 1rem; } }
h1 { font-size: 2.1rem !important; padding-top: 0.2rem !important; }
h2 { font-size: 1.45rem !important; }
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"] { font-size: clamp(1.05rem, 15cqi, 1.85rem); }
[data-testid="stMetricValue"] *, [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: break-word; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *,
[data-testid="stWidgetLabel"] small, [data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"] {
  color: #595959 !important; opacity: 1 !important; }
[data-testid="stDownloadButton"] button *, [data-testid="stTable"] td, [data-testid="stTable"] th {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
@media (max-width: 1279px) {  /* the Explorer's tables beside its chart: one under the other, each uncut */
  [data-testid="stHorizontalBlock"]:has([data-testid="stDataFrame"]):has([data-testid="stVegaLiteChart"]) {
    flex-wrap: wrap; }
  [data-testid="stHorizontalBlock"]:has([data-testid="stDataFrame"]):has([data-testid="stVegaLiteChart"])
    > [data-testid="stColumn"] { min-width: 100%; } }
[data-testid="stElementContainer"][data-stale="true"] { transition: opacity 0s linear 0.5s !important; }
[data-testid="stStatusWidgetRunningIcon"] { display: none !important; }
</style>"""
# The sidebar folds on a tablet (Streamlit folds it only below 768 px): once per page load, below 1024 px,
# the open sidebar is closed so the page gets the screen; the reader can open it again.
FOLD_SIDEBAR_PX = 1024
FOLD_SIDEBAR_JS = """<script>
(function () {
  if (window.ffeSidebarChecked) { return; }
  window.ffeSidebarChecked = true;
  if (window.innerWidth >= FOLD_BELOW_PX) { return; }
  var tries = 60;
  (function fold() {
    var bar = document.querySelector('[data-testid="stSidebar"]');
    var button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (bar && button && bar.getAttribute('data-collapsed') === 'false') { button.click(); return; }
    if (bar && bar.getAttribute('data-collapsed') === 'true') { return; }
    if (--tries > 0) { setTimeout(fold, 100); }
  })();
})();
</script>""".replace("FOLD_BELOW_PX", str(FOLD_SIDEBAR_PX))


def page_setup(title: str) -> None:
    """Per page: wide layout, title, navigation links, offline map assets."""
    st.set_page_config(page_title=f"{title} · Frontline Freeze Explorer", layout="wide")
    upload_store.install()  # caps on the process's uploaded files (ui/upload_limits.py); once per process
    st.html(PAGE_CSS)
    st.html(FOLD_SIDEBAR_JS, unsafe_allow_javascript=True)
    with st.sidebar:
        st.markdown("**Frontline Freeze Explorer**")
        for script, label in PAGES:
            st.page_link(script, label=label)
        st.divider()
        for n in layers.user_snapshot_notices():
            message("warning", n)
    setup_offline_map()


@st.cache_resource(show_spinner=False, max_entries=1)
def setup_offline_map() -> None:
    """Copy Leaflet into static/ once per process and point folium at it."""
    maps.install_leaflet_assets(STATIC_DIR)
    maps.use_local_leaflet()
