"""Monitoring: could the zone actually be watched? Posts, coverage, gaps, staff."""

from __future__ import annotations

import streamlit as st

from gis import GisError, export, layers, maps, monitoring, present
from ui import cached, downloads, mapglue, page, posts, state, tables
from ui.messages import error_box, message

page.page_setup("Monitoring")
notices = state.init_state_from_url({"width": 25.0, "split": 50})
date, width_km, split, proposal = state.zone_sidebar()


def follow_range() -> None:
    """A new sensor or range sets the spacing it suggests (the reader can move it after)."""
    key = st.session_state.sensor
    chosen = st.session_state.get(f"range_{key}", monitoring.SENSORS[key].range_km)
    st.session_state.spacing = monitoring.default_spacing_km(chosen)


st.sidebar.header("Sensors and posts")
sensor_key = st.sidebar.selectbox(
    "Sensor type",
    list(monitoring.SENSORS),
    key="sensor",
    format_func=lambda k: monitoring.SENSORS[k].label,
    on_change=follow_range,
)
preset = monitoring.SENSORS[sensor_key]


if "spacing" not in st.session_state:
    st.session_state.spacing = monitoring.default_spacing_km(preset.range_km)
range_km = st.sidebar.slider(
    "Range of one post (km)",
    0.5,
    50.0,
    float(preset.range_km),
    0.5,
    key=f"range_{sensor_key}",
    help=preset.note,
    on_change=follow_range,
)
crew = int(st.sidebar.number_input("Crew per post (people, 24/7)", 0, 200, preset.crew, key=f"crew_{sensor_key}"))
mode = st.sidebar.radio(
    "Posts", ["automatic along the line", "my own posts (click the map or upload)"], key="post_mode"
)
spacing_km = st.sidebar.slider(
    "Spacing between posts (km)",
    1.0,
    60.0,
    step=0.5,
    key="spacing",
    help="Set from the sensor's range: posts one range-diameter apart watch every km of a straight line.",
)
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
    message("warning", n)

own = mode.startswith("my own")
user_posts = posts.user_posts()
if own:
    posts.upload_posts(user_posts)
    if st.button("Clear my posts", key="clear_posts"):
        user_posts.clear()
    st.caption(f"{len(user_posts)} post(s) placed. Click on the map to add one.")

plan = monitoring.PostPlan(
    sensor_key, range_km, crew, spacing_km, offset_km, sides, uav_orbits, tuple(user_posts) if own else ()
)
try:
    if own and not user_posts:  # nothing automatic in this mode: the reader's posts only
        raise GisError("No post placed yet: click the map or upload posts to see what they watch.")
    cov = cached.get_coverage(date, width_km, split, plan)
except GisError as e:
    cov = None
    message("info", e)
except Exception as e:  # never lose the page (or the user's posts) to an unexpected error
    cov = None
    error_box(e)

if cov is not None:
    m = st.columns(6)
    m[0].metric("Zone watched", f"{cov.zone_covered_pct:.1f} %")
    m[1].metric("Line watched", f"{cov.line_covered_pct:.1f} %")
    m[2].metric("Posts", f"{cov.posts.size:,}")
    m[3].metric(
        "Posts for the whole line",
        "impossible" if cov.posts_for_full_line is None else f"{cov.posts_for_full_line:,}",
        help=present.whole_line_help(range_km, offset_km),
    )
    m[4].metric("Staff (posts × crew)", f"{cov.staff:,}")
    m[5].metric("UAV airframes", f"{cov.airframes:,}", help="Per 24/7 orbit: ⌈24 h / 6 h endurance⌉ + 1 spare.")
    st.caption(
        present.whole_line_sentence(cov.posts_for_full_line, cov.posts.size, range_km, offset_km, spacing_km, own)
    )

left, right = st.columns([5, 3])
with left:
    groups = [cached.zone_map_layer(date, width_km, split, f"Zone {width_km:g} km", with_towns=False)]
    if cov is not None:
        groups.append(cached.coverage_map_layer(date, width_km, split, plan))
    clicked = mapglue.show_map(
        date,
        groups,
        key=f"monitor_map_{date}",
        legend=maps.MONITORING_LEGEND,
        returned_objects=["last_clicked"] if own else [],
    )
    if own:
        posts.add_clicked_post(clicked, user_posts)
with right:
    if cov is not None:
        st.header(f"Unwatched stretches of line: {len(cov.gaps):,}")
        gaps = tables.gaps_table(cov)
        if len(gaps):
            st.dataframe(gaps.head(200), hide_index=True, height=min(320, 38 + 35 * len(gaps.head(200))))
        else:
            st.success("Every kilometre of the line is within range of a post.")
        st.caption(
            f"Total {sum(cov.gaps_km()):,.1f} km of {cached.occupied_summary(date)['frontline_km']:,.0f} km of line. "
            + monitoring.SATELLITE_NOTE
        )
        downloads.geojson_download(
            "⬇️ Posts, coverage and gaps (GeoJSON)",
            lambda: export.feature_collection(export.coverage_features(cov), attribution=layers.ATTRIBUTION),
            f"monitoring_{width_km:g}km_{sensor_key}_{date}.geojson",
            key="dl_cov",
        )
        downloads.csv_download("⬇️ Gaps (CSV)", lambda: gaps, f"gaps_{width_km:g}km_{date}.csv", key="dl_gaps")
