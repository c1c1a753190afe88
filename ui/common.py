"""Shared Streamlit wiring: cached calls into ``gis``, URL state, the map widget.

No geometry logic here: everything is computed by ``gis``; this module only
caches it per date/width/split and turns errors into ``st.error``. Every
message that may hold text from a user (URL, file name, file content) goes
through ``message``, which shows it as plain text, never as Markdown.
"""

from __future__ import annotations

import hashlib
import math
import re
import string
from pathlib import Path

import altair as alt
import pandas as pd
import shapely
import streamlit as st

from gis import GisError, export, layers, maps, monitoring, stats, zones
from gis.frontline import custom_front
from gis.uploads import read_geojson_bytes
from ui import mapview, reconnect, upload_limits

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
WIDTH_MIN_KM, WIDTH_MAX_KM = 1.0, 50.0
NEGOTIATED_RANGE_KM = (5, 25)
PRE_WAR_LABEL = "pre-war residents (2022 statistics), not people there today"
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
PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.4rem 2rem 3rem 2rem; }
h1 { font-size: 2.1rem !important; padding-top: 0.2rem !important; }
[data-testid="stMetricValue"] { font-size: 1.85rem; }
[data-testid="stElementContainer"][data-stale="true"] { transition: opacity 0s linear 0.5s !important; }
[data-testid="stStatusWidgetRunningIcon"] { display: none !important; }
</style>"""


def page_setup(title: str) -> None:
    """Per page: wide layout, title, navigation links, offline map assets."""
    st.set_page_config(page_title=f"{title} · Frontline Freeze Explorer", layout="wide")
    upload_limits.install()  # caps on the process's uploaded files (ui/upload_limits.py); once per process
    st.html(PAGE_CSS)
    with st.sidebar:
        st.markdown("**Frontline Freeze Explorer**")
        for script, label in PAGES:
            st.page_link(script, label=label)
        st.divider()
        for n in layers.user_snapshot_notices():
            message("warning", n)
    setup_offline_map()


@st.cache_resource(show_spinner=False)
def setup_offline_map() -> None:
    """Copy Leaflet into static/ once per process and point folium at it."""
    maps.install_leaflet_assets(STATIC_DIR)
    maps.use_local_leaflet()


@st.cache_resource(show_spinner="Loading the frontline…", max_entries=8)  # ~1 MB a date; 0.5-3 s to derive
def get_front(date: str):
    return layers.front(date)


@st.cache_resource(show_spinner="Preparing population lookups…", max_entries=6)  # ~34 MB a date
def get_population_index(date: str):
    return stats.population_index(date)


@st.cache_resource(show_spinner=False, max_entries=512)
def get_zone(date: str, width_km: float, split: float) -> zones.Zone:
    return zones.make_zone(get_front(date), width_km, split)


@st.cache_resource(show_spinner=False, max_entries=512)
def get_analysis(date: str, width_km: float, split: float) -> stats.ZoneAnalysis:
    """Population, towns and infrastructure of a width/split zone (cached per combination)."""
    return stats.analyse(get_front(date), get_zone(date, width_km, split), get_population_index(date))


@st.cache_resource(show_spinner=False, max_entries=256)
def get_coverage(
    date: str,
    width_km: float,
    split: float,
    sensor_key: str,
    range_km: float,
    crew: int,
    spacing_km: float,
    offset_km: float,
    sides: str,
    uav_orbits: int,
    user_posts: tuple = (),
):
    """Coverage for automatic posts (or user posts as a tuple of (lon, lat)), cached."""
    front, zone = get_front(date), get_zone(date, width_km, split)
    sensor = monitoring.get_sensor(sensor_key, range_km, crew)
    if user_posts:
        posts = monitoring.user_posts_m([shapely.Point(p) for p in user_posts])
    else:
        posts = monitoring.auto_posts(front, spacing_km, offset_km, sides)
    return monitoring.coverage(front, zone, sensor, posts, offset_km, monitoring.UavPlan(orbits=uav_orbits))


@st.cache_data(show_spinner=False, max_entries=64)
def population_curve(date: str, split: float) -> pd.DataFrame:
    return get_population_index(date).curve(split)


@st.cache_resource(show_spinner=False, max_entries=64)
def population_chart(date: str, split: float) -> dict:
    """People vs zone width (estimate line, range band, the range under negotiation shaded) as a Vega-Lite
    spec, built once per date and split. It does not depend on the width, so a slider move sends the
    browser the same chart and the browser does not draw it again (the page states the current width)."""
    curve = population_curve(date, split)
    lo, hi = NEGOTIATED_RANGE_KM
    x = alt.X("width_km:Q", title="total zone width (km)")
    shade = (
        alt.Chart(pd.DataFrame({"from": [lo], "to": [hi]}))
        .mark_rect(color="#999999", opacity=0.15)
        .encode(x="from:Q", x2="to:Q")
    )
    band = (
        alt.Chart(curve)
        .mark_area(opacity=0.25)
        .encode(x=x, y=alt.Y("low:Q", title="people (pre-war 2022 residents)"), y2="high:Q")
    )
    line = (
        alt.Chart(curve)
        .mark_line()
        .encode(
            x=x,
            y="estimate:Q",
            tooltip=[
                alt.Tooltip("width_km", title="width (km)"),
                alt.Tooltip("estimate", format=",.0f"),
                alt.Tooltip("low", format=",.0f"),
                alt.Tooltip("high", format=",.0f"),
            ],
        )
    )
    return (shade + band + line).properties(height=260).to_dict()


@st.cache_data(show_spinner=False)
def history_table() -> pd.DataFrame:
    return layers.history()


@st.cache_data(show_spinner=False, max_entries=64)
def occupied_summary(date: str) -> dict:
    return stats.occupied_summary(date)


@st.cache_resource(show_spinner=False)
def oblast_names() -> dict[str, str]:
    """Oblast ISO code -> English name."""
    return dict(zip(layers.oblasts()["iso"], layers.oblasts()["name_en"], strict=True))


@st.cache_data(show_spinner=False, max_entries=64)
def occupied_by_oblast(date: str) -> pd.DataFrame:
    return stats.occupied_by_oblast(date)


def side_label(side: str) -> str:
    """'ukraine_controlled' -> 'Ukrainian-controlled' (readers never see internal identifiers)."""
    return zones.SIDE_LABELS.get(side, side)


# Every column has a pixel width: a column without one is sized by measuring all its cells, which
# formats every number again in each reader's browser on every slider move.
TOWNS_COLUMNS = {
    "settlement": st.column_config.TextColumn("settlement", width=190),
    "people (2022)": st.column_config.NumberColumn(
        "people (2022)",
        format="localized",
        width=110,
        help="The whole settlement's population: 2022 official (State Statistics) for "
        "hromada centres, GeoNames otherwise.",
    ),
    "% inside": st.column_config.ProgressColumn(
        "% inside",
        format="%.0f%%",
        min_value=0,
        max_value=100,
        width=150,
        help="Share of the settlement's extent (and people) inside the zone.",
    ),
    "side": st.column_config.TextColumn("side", width=170),
    "km from line": st.column_config.TextColumn(
        "km from line", width=110, help="Nearest and farthest part of the settlement."
    ),
    "oblast": st.column_config.TextColumn("oblast", width=180),
}
# Pixel widths: the oblast and airport tables sit in 3/5 of the page beside a chart and must fit
# uncut at 1280 px (about 500 px for each table).
OBLAST_COLUMNS = {
    "oblast": st.column_config.TextColumn("oblast", width=190),
    "occupied_pct": st.column_config.NumberColumn("% occupied", format="%.1f", width=85),
    "occupied_km2": st.column_config.NumberColumn("occupied km²", format="localized", width=100),
    "people_in_zone": st.column_config.NumberColumn(
        "people in zone",
        format="localized",
        width=115,
        help="Estimate (mean of the two methods), pre-war 2022 residents.",
    ),
}
INFRA_COLUMNS = {
    "name": st.column_config.TextColumn("name", width=190),
    "kind": st.column_config.TextColumn("kind", width=70),
    "side": st.column_config.TextColumn("side", width=140),
    "km from line": st.column_config.NumberColumn("km from line", format="%.1f", width=95),
}


def towns_table(towns: pd.DataFrame) -> pd.DataFrame:
    """The towns table as readers see it: name, people, % inside, side, distance range, oblast."""
    from gis.population import distance_range_text

    oblast = towns["iso"].map(oblast_names())
    return pd.DataFrame(
        {
            "settlement": towns["name"],
            "people (2022)": towns["population"],
            "% inside": (100 * towns["share_inside"]).round(0),
            "side": towns["side"].map(side_label),
            "km from line": [distance_range_text(a, b) for a, b in zip(towns["km_min"], towns["km_max"], strict=True)],
            "oblast": oblast,
        }
    )


def infrastructure_table(infra: pd.DataFrame) -> pd.DataFrame:
    """Infrastructure inside a zone as readers see it."""
    return pd.DataFrame(
        {
            "name": infra["name"],
            "kind": infra["kind"],
            "side": infra["side"].map(side_label),
            "km from line": infra["km_to_line"],
        }
    )


def fmt_people(n: float) -> str:
    """1,234,567 -> '1.23 M'; 12,345 -> '12,300'."""
    return stats.people_text(n, million=" M")


def fmt_people_range(low: float, high: float) -> str:
    """The range between the two population methods, or that they agree at the shown precision."""
    lo, hi = fmt_people(low), fmt_people(high)
    return f"range {lo} – {hi}" if lo != hi else f"both methods give {lo}"


# ----------------------------------------------------------------------- URL state


def _float_param(name: str, lo: float, hi: float, default: float, notices: list[str]) -> float:
    raw = st.query_params.get(name)
    if raw is None:
        return default
    try:
        v = float(raw)
    except ValueError:
        v = math.nan
    if not math.isfinite(v) or not lo <= v <= hi:
        notices.append(
            f"URL parameter {name}={raw[:30]!r} is not a number between {lo:g} and {hi:g}; using {default:g}."
        )
        return default
    return v


ZONE_KEYS = ("width", "split", "date", "proposal")


def init_state_from_url(defaults: dict) -> list[str]:
    """Seed session_state (width, split %, date, proposal) from the URL once; return notices.

    Later runs (and other pages) restore the zone widgets from a non-widget copy,
    because Streamlit forgets a widget's state on pages that do not draw it.
    """
    if st.session_state.get("_url_loaded"):
        for k in ZONE_KEYS:
            if k not in st.session_state and f"_keep_{k}" in st.session_state:
                st.session_state[k] = st.session_state[f"_keep_{k}"]
        if st.session_state.get("date") not in layers.dates():  # e.g. a user snapshot skipped since
            st.session_state["date"] = st.session_state["_keep_date"] = layers.latest_date()
        return st.session_state.get("_url_notices", [])
    if reconnect.arrived_with_state():  # moved here from a process that died: the browser's widgets hold the zone
        st.session_state.update(_url_loaded=True, _url_notices=[])
        return []
    notices: list[str] = []
    dates = layers.dates()
    width = _float_param("width", WIDTH_MIN_KM, WIDTH_MAX_KM, defaults["width"], notices)
    split = _float_param("split", 0, 100, defaults["split"], notices)
    default_date = layers.latest_date()  # the newest shipped or checked date (an unchecked user snapshot never)
    date = st.query_params.get("date", default_date)
    if date not in dates:
        notices.append(f"URL parameter date={date[:30]!r} is not an available snapshot; using {default_date}.")
        date = default_date
    proposal = st.query_params.get("proposal", "custom")
    if proposal != "custom" and proposal not in zones.PROPOSALS:
        notices.append(f"URL parameter proposal={proposal[:30]!r} is unknown; using custom width and split.")
        proposal = "custom"
    if proposal != "custom":
        p = zones.PROPOSALS[proposal]
        width, split = p.width_km, p.split * 100
    st.session_state.update(
        width=float(round(width * 2) / 2),
        split=int(round(split / 5) * 5),
        date=date,
        proposal=proposal,
        _url_loaded=True,
        _url_notices=notices,
    )
    return notices


def write_state_to_url() -> None:
    """Mirror the zone widgets into the URL (shareable) and into the non-widget copy."""
    for k in ZONE_KEYS:
        st.session_state[f"_keep_{k}"] = st.session_state[k]
    st.query_params.update(
        width=f"{st.session_state.width:g}",
        split=str(st.session_state.split),
        date=st.session_state.date,
        proposal=st.session_state.proposal,
    )


def apply_proposal() -> None:
    """on_change of the preset picker: a preset sets width and split."""
    key = st.session_state.proposal
    if key in zones.PROPOSALS:
        p = zones.PROPOSALS[key]
        st.session_state.width = float(min(max(p.width_km, WIDTH_MIN_KM), WIDTH_MAX_KM))
        st.session_state.split = round(p.split * 100)


def mark_custom() -> None:
    """on_change of width/split: the zone no longer matches a preset unless it still does."""
    key = st.session_state.get("proposal", "custom")
    p = zones.PROPOSALS.get(key)
    if p and (p.width_km != st.session_state.width or round(p.split * 100) != st.session_state.split):
        st.session_state.proposal = "custom"


def zone_controls(container=st.sidebar) -> tuple[str, float, float, str]:
    """Preset, width, split and date widgets; returns (date, width_km, split, proposal)."""
    options = ["custom", *zones.PROPOSALS]
    container.selectbox(
        "Proposal preset",
        options,
        key="proposal",
        on_change=apply_proposal,
        format_func=lambda k: "Custom width and split" if k == "custom" else zones.PROPOSALS[k].label,
        help=zones.MODELLED_NOTE,
    )
    container.slider(
        "Total zone width (km)",
        WIDTH_MIN_KM,
        WIDTH_MAX_KM,
        step=0.5,
        key="width",
        on_change=mark_custom,
        help="5–25 km is the range under negotiation (Russia's reported preference 5 km, Ukraine's 25 km).",
    )
    lo, hi = NEGOTIATED_RANGE_KM
    w = st.session_state.width
    container.caption(("Inside" if lo <= w <= hi else "Outside") + f" the {lo}–{hi} km range under negotiation.")
    container.slider(
        "Share of the width on the occupied side (%)",
        0,
        100,
        step=5,
        key="split",
        on_change=mark_custom,
        help="50 % = equal withdrawal. 100 % = the whole zone lies on the occupied side (only Russian "
        "forces pull back).",
    )
    dates = layers.dates()
    container.selectbox(
        "Frontline date",
        dates[::-1],
        key="date",
        help=f"Monthly DeepStateMap snapshots; the shipped data ends on {layers.DATA_DATE}.",
    )
    return st.session_state.date, float(st.session_state.width), st.session_state.split / 100, st.session_state.proposal


# ----------------------------------------------------------------------- uploads


@st.cache_data(show_spinner="Checking the uploaded file…", max_entries=32)
def parse_upload(data: bytes, kinds: tuple[str, ...]) -> dict:
    """An upload parsed once per content, failures included (a refused file is not re-parsed on every rerun).

    {"wkbs": lon/lat features (WKB), "metric": the combined METRIC_CRS geometry (WKB), "notices": [...]}
    or {"error": message}.
    """
    try:
        up = read_geojson_bytes(data, kinds=kinds)
        return {
            "wkbs": [shapely.to_wkb(g) for g in up.geometries],
            "metric": shapely.to_wkb(up.metric()),
            "notices": up.notices,
        }
    except Exception as e:  # the error boundary of uploads: every failure becomes a message
        return {"error": error_text(e)}


def parsed_upload(data: bytes, kinds: tuple[str, ...]) -> dict:
    """``parse_upload``, raising GisError(message) for a refused file."""
    parsed = parse_upload(data, kinds)
    if "error" in parsed:
        raise GisError(parsed["error"])
    return parsed


def upload_geometry_m(data: bytes, kinds: tuple[str, ...]):
    """(metric geometry, notices) of an upload; raises GisError."""
    parsed = parsed_upload(data, kinds)
    return shapely.from_wkb(parsed["metric"]), parsed["notices"]


@st.cache_resource(show_spinner="Analysing the uploaded line…", max_entries=8)
def _custom_front(date: str, data_hash: str, _line_m):
    try:
        front = custom_front(get_front(date), _line_m, label="uploaded line")
        return front, stats.population_index_for(front)
    except Exception as e:  # kept, so a refused line is not re-analysed on every rerun
        return GisError(error_text(e)), None


def custom_front_for(date: str, data_hash: str, line_m):
    """(Front, population index) along an uploaded metric line, cached per date and file; raises GisError."""
    front, index = _custom_front(date, data_hash, line_m)
    if isinstance(front, GisError):
        raise front
    return front, index


@st.cache_resource(show_spinner="Analysing the uploaded zone…", max_entries=8)
def _custom_zone(date: str, data_hash: str, _polygon_m):
    try:
        front = get_front(date)
        zone = zones.custom_zone(front, _polygon_m)
        return zone, stats.analyse(front, zone, get_population_index(date))
    except Exception as e:  # kept, so a refused zone is not re-analysed on every rerun
        return GisError(error_text(e)), None


def custom_zone_for(date: str, data_hash: str, polygon_m):
    """(Zone, analysis) of an uploaded metric polygon, cached per date and file (a slider move does not
    change it); raises GisError."""
    zone, analysis = _custom_zone(date, data_hash, polygon_m)
    if isinstance(zone, GisError):
        raise zone
    return zone, analysis


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------- messages

_MARKDOWN_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_ZWSP = "\u200b"  # zero-width space: breaks what Markdown renderers turn into links or icons after parsing


def plain(text: object) -> str:
    """Text shown exactly as written by st.error/warning/info/success/markdown: no link, image, emoji,
    colour, LaTeX or formatting, whatever it holds (it may come from a URL, a file name or a file).

    Every ASCII punctuation mark is backslash-escaped (CommonMark), and a zero-width space after
    ':', '@' and 'www' stops the autolinks, emoji and icon shortcodes applied to the parsed text.
    """
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))
    escaped = re.sub(r"(?i)(www)(\\\.)", rf"\1{_ZWSP}\2", escaped)
    return escaped.replace(":", ":" + _ZWSP).replace("@", "@" + _ZWSP)


def message(kind: str, text: object, container=st) -> None:
    """Show ``text`` as plain text in a box of ``kind`` ("error", "warning", "info" or "success")."""
    getattr(container, kind)(plain(text))


def error_text(e: BaseException) -> str:
    """The user-facing text of an exception: its message for GisError, a short generic one otherwise."""
    if isinstance(e, GisError):
        return str(e)
    return f"It could not be analysed (unexpected {type(e).__name__})."


# ----------------------------------------------------------------------- map


@st.cache_resource(show_spinner=False, max_entries=32)
def base_map_for(date: str, legend: tuple | None = None, fill_height: bool = False) -> mapview.RenderedMap:
    """The base map of a date (with a page's legend), built and rendered for the browser once per process."""
    return mapview.render_base(maps.base_map(date, legend=list(legend) if legend else None, fill_height=fill_height))


@st.cache_resource(show_spinner=False, max_entries=256)
def zone_map_layer(
    date: str, width_km: float, split: float, label: str, with_towns: bool = True, colors: tuple[str, str] | None = None
) -> mapview.MapLayer:
    """A standard zone (and the settlements inside) as a browser layer, rendered once per combination."""
    towns = get_analysis(date, width_km, split).towns if with_towns else None
    fg = maps.zone_layer(get_zone(date, width_km, split), towns, label, **({"colors": colors} if colors else {}))
    return mapview.render_layer(fg)


@st.cache_resource(show_spinner=False, max_entries=64)
def coverage_map_layer(
    date: str,
    width_km: float,
    split: float,
    sensor_key: str,
    range_km: float,
    crew: int,
    spacing_km: float,
    offset_km: float,
    sides: str,
    uav_orbits: int,
    user_posts: tuple = (),
) -> mapview.MapLayer:
    """``get_coverage`` (same arguments) as a browser layer, rendered once per combination."""
    cov = get_coverage(
        date, width_km, split, sensor_key, range_km, crew, spacing_km, offset_km, sides, uav_orbits, user_posts
    )
    return mapview.render_layer(maps.coverage_layer(cov))


def map_layer(fg) -> mapview.MapLayer:
    """An uncached browser layer (e.g. an uploaded zone)."""
    return mapview.render_layer(fg)


def show_map(
    date: str,
    layers: list[mapview.MapLayer],
    key: str,
    legend: list | None = None,
    height: int = 620,
    returned_objects: list[str] | None = None,
    fill_height: bool = False,
):
    """The date's base map (rendered once) with ``layers`` on top; a rerun swaps only the layers
    (the map keeps the user's zoom). Returns the map events named in ``returned_objects``.
    ``fill_height``: the map fills the screen below the page's top (gis.maps.FILL_FRAME_CSS) instead of
    ``height`` px."""
    base = base_map_for(date, tuple(map(tuple, legend)) if legend else None, fill_height)
    return mapview.show(base, layers, key=key, height=height, returned_objects=returned_objects)


def error_box(e: Exception, prefix: str = "", suffix: str = " The rest of the page still works.") -> None:
    """An error box for any exception, as plain text."""
    message("error", f"{prefix}{error_text(e)}{suffix}")


def geojson_download(label: str, make_fc, file_name: str, key: str) -> None:
    """A GeoJSON download built only when clicked (``make_fc`` returns a FeatureCollection)."""
    st.download_button(
        label,
        lambda: export.dumps(make_fc()).encode("utf-8"),
        file_name=file_name,
        mime="application/geo+json",
        key=key,
        on_click="ignore",
    )


def csv_download(label: str, make_df, file_name: str, key: str) -> None:
    """A CSV download built only when clicked (``make_df`` returns a DataFrame)."""
    st.download_button(
        label,
        lambda: make_df().to_csv(index=False).encode("utf-8"),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
    )


def brief_downloads(front, shown: list[tuple[str, zones.Zone, stats.ZoneAnalysis]], file_stem: str, key: str) -> None:
    """'Download brief (PDF)' and 'Map for slides (PNG)' for the zone(s) on the page: (label, zone, analysis)
    each, two for a comparison. The files are drawn (about 1-2 s) only when clicked, on Streamlit's download
    thread; ``gis.brief`` (matplotlib) is imported then too, so pages do not pay for it."""

    def render(kind: str) -> bytes:
        from gis import brief

        items = [brief.BriefZone(*s) for s in shown]
        return brief.brief_pdf(front, items) if kind == "pdf" else brief.map_png(front, items)

    left, right, _ = st.columns(3)  # aligned with the pages' other download rows
    left.download_button(
        "⬇️ Download brief (PDF)",
        lambda: render("pdf"),
        file_name=f"{file_stem}_brief.pdf",
        mime="application/pdf",
        key=f"{key}_pdf",
        on_click="ignore",
        help="Two pages: the map with place names, the figures with their ranges, the towns and "
        "infrastructure inside, method and sources.",
    )
    right.download_button(
        "⬇️ Map for slides (PNG)",
        lambda: render("png"),
        file_name=f"{file_stem}_map.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
        help="The map alone, 1920 × 1080 px.",
    )
