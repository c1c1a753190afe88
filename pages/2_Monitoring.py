"""Monitoring: could the zone actually be watched? Posts, coverage, gaps, staff."""

from __future__ import annotations

import pandas as pd
import shapely
import streamlit as st

from gis import GisError, crs, export, layers, maps, monitoring
from gis.uploads import check_in_ukraine
from ui import common as c
from ui import mapview

c.page_setup("Monitoring")
notices = c.init_state_from_url({"width": 25.0, "split": 50})
st.sidebar.header("Zone")
date, width_km, split, proposal = c.zone_controls()
c.write_state_to_url()

st.sidebar.header("Sensors and posts")
sensor_key = st.sidebar.selectbox(
    "Sensor type", list(monitoring.SENSORS), key="sensor", format_func=lambda k: monitoring.SENSORS[k].label
)
preset = monitoring.SENSORS[sensor_key]
range_km = st.sidebar.slider(
    "Range of one post (km)", 0.5, 50.0, float(preset.range_km), 0.5, key=f"range_{sensor_key}", help=preset.note
)
crew = int(st.sidebar.number_input("Crew per post (people, 24/7)", 0, 200, preset.crew, key=f"crew_{sensor_key}"))
mode = st.sidebar.radio(
    "Posts", ["automatic along the line", "my own posts (click the map or upload)"], key="post_mode"
)
spacing_km = st.sidebar.slider("Spacing between posts (km)", 1.0, 60.0, 8.0, 0.5, key="spacing")
offset_km = st.sidebar.slider(
    "Distance of posts from the line (km)",
    0.0,
    25.0,
    0.0,
    0.5,
    key="offset",
    help="0 = on the line; the zone edge is at the pull-back depth of each side.",
)
sides = st.sidebar.radio(
    "Posts on",
    list(monitoring.SIDE_CHOICES),
    key="post_sides",
    horizontal=True,
    format_func=lambda s: {"both": "both sides", "occupied": "occupied side", "ukraine_controlled": "Ukrainian side"}[
        s
    ],
    disabled=offset_km == 0,
)
uav_orbits = int(
    st.sidebar.number_input(
        "Long-endurance UAV orbits (24/7)",
        0,
        40,
        0,
        key="uav_orbits",
        help="S-100 class: ~200 km radius, 6–8 h endurance; each orbit watches ~80 km of line, 5 km each side.",
    )
)

st.title("Monitoring: can the zone be watched?")
st.caption(
    "A ceasefire line holds only if violations are observed, attributed and answered: Minsk I and II "
    "failed with the OSCE "
    "recording hundreds of thousands of violations. Sensor ranges are public order-of-magnitude "
    "figures; edit them in the sidebar."
)
for n in notices:
    c.message("warning", n)

user_posts: list[tuple[float, float]] = st.session_state.setdefault("user_posts", [])
if mode.startswith("my own"):
    up = st.file_uploader(
        "Upload posts (GeoJSON Points, WGS84 lon/lat)", type=["geojson", "json", "zip"], key="posts_upload"
    )
    if up is not None:
        try:
            parsed = c.parsed_upload(up.getvalue(), ("Point",))
            pts = [(p.x, p.y) for g in shapely.from_wkb(parsed["wkbs"]) for p in shapely.get_parts(g)]
            digest = c.file_hash(up.getvalue())  # a new file is told by its content, not its name and count
            if st.session_state.get("_posts_file") != digest:
                monitoring.check_posts_count(len(user_posts) + len(pts))
                user_posts.extend(pts)
                st.session_state["_posts_file"] = digest
            for n in parsed["notices"]:
                c.message("info", n)
        except Exception as e:  # the upload's error boundary
            c.error_box(e, f"Could not use {up.name!r}: ", " Your other posts are kept.")
    if st.button("Clear my posts", key="clear_posts"):
        user_posts.clear()
    st.caption(f"{len(user_posts)} post(s) placed. Click on the map to add one.")

coverage_args = (
    date,
    width_km,
    split,
    sensor_key,
    range_km,
    crew,
    spacing_km,
    offset_km,
    sides,
    uav_orbits,
    tuple(user_posts) if mode.startswith("my own") else (),
)
try:
    cov = c.get_coverage(*coverage_args)
except GisError as e:
    cov = None
    c.message("info", f"{e} Place posts to see their coverage." if mode.startswith("my own") else e)
except Exception as e:  # never lose the page (or the user's posts) to an unexpected error
    cov = None
    c.error_box(e)

zone = c.get_zone(date, width_km, split)
if cov is not None:
    m = st.columns(6)
    m[0].metric("Zone watched", f"{cov.zone_covered_pct:.1f} %")
    m[1].metric("Line watched", f"{cov.line_covered_pct:.1f} %")
    m[2].metric("Posts", f"{cov.posts.size:,}")
    m[3].metric(
        "Posts for the whole line",
        "impossible" if cov.posts_for_full_line is None else f"{cov.posts_for_full_line:,}",
        help="At this range and distance from the line: each post watches a chord of 2·√(R² − d²) of "
        "line. Impossible when d ≥ R.",
    )
    m[4].metric("Staff (posts × crew)", f"{cov.staff:,}")
    m[5].metric("UAV airframes", f"{cov.airframes:,}", help="Per 24/7 orbit: ⌈24 h / 6 h endurance⌉ + 1 spare.")

left, right = st.columns([5, 3])
with left:
    groups = [c.zone_map_layer(date, width_km, split, f"Zone {width_km:g} km", with_towns=False)]
    if cov is not None:
        groups.append(c.coverage_map_layer(*coverage_args))
    clicked = c.show_map(
        date,
        groups,
        key=f"monitor_map_{date}",
        legend=maps.MONITORING_LEGEND,
        returned_objects=["last_clicked"] if mode.startswith("my own") else [],
    )
    click = mapview.clicked_point(clicked)  # (lon, lat), or None (also for a malformed value from the browser)
    if mode.startswith("my own") and click and st.session_state.get("_last_click") != click:
        st.session_state["_last_click"] = click
        try:
            check_in_ukraine([shapely.Point(*click)])
            monitoring.check_posts_count(len(user_posts) + 1)
            user_posts.append((round(click[0], 5), round(click[1], 5)))
            st.rerun()  # (a BaseException: not caught below)
        except Exception as e:  # a refused or malformed click
            c.error_box(e, "Post not added: ", "")
with right:
    if cov is not None:
        st.subheader(f"Unwatched stretches of line: {len(cov.gaps):,}")
        mids = crs.to_wgs84(shapely.line_interpolate_point(cov.gaps, 0.5, normalized=True)) if cov.gaps else []
        gaps = pd.DataFrame(
            {"km": cov.gaps_km(), "lon": [round(p.x, 3) for p in mids], "lat": [round(p.y, 3) for p in mids]}
        )
        if len(gaps):
            st.dataframe(gaps.head(200), hide_index=True, height=min(320, 38 + 35 * len(gaps.head(200))))
        else:
            st.success("Every kilometre of the line is within range of a post.")
        st.caption(
            f"Total {sum(cov.gaps_km()):,.1f} km of {c.occupied_summary(date)['frontline_km']:,.0f} km of line. "
            + monitoring.SATELLITE_NOTE
        )
        c.geojson_download(
            "⬇️ Posts, coverage and gaps (GeoJSON)",
            lambda: export.feature_collection(export.coverage_features(cov), attribution=layers.ATTRIBUTION),
            f"monitoring_{width_km:g}km_{sensor_key}_{date}.geojson",
            key="dl_cov",
        )
        c.csv_download("⬇️ Gaps (CSV)", lambda: gaps, f"gaps_{width_km:g}km_{date}.csv", key="dl_gaps")
