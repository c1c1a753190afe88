"""URL state and the zone widgets: width, split, date and preset, shared by every page and mirrored in
the URL (``?width=25&split=50&date=2026-08-22&proposal=ukrainian``) so a view can be shared."""

from __future__ import annotations

import math

import streamlit as st

from gis import layers, zones
from ui import reconnect

WIDTH_MIN_KM, WIDTH_MAX_KM = 1.0, 50.0
NEGOTIATED_RANGE_KM = (5, 25)


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


def zone_sidebar() -> tuple[str, float, float, str]:
    """The sidebar's 'Zone' section (``zone_controls``), mirrored into the URL; returns what it returns."""
    st.sidebar.header("Zone")
    chosen = zone_controls()
    write_state_to_url()
    return chosen


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
