"""Explorer: slide the zone width and watch the zone, its people and towns follow."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gis import export, layers, maps, present, zones
from ui import cached, cached_reach, downloads, mapglue, page, state, tables, uploads
from ui import reach as reach_ui
from ui.messages import message

page.page_setup("Explorer")
notices = state.init_state_from_url({"width": 25.0, "split": 50})

date, width_km, split, proposal = state.zone_sidebar()
with st.sidebar.expander("Analyse your own line or zone (GeoJSON)"):
    upload_kind = st.radio(
        "The file holds", ["a custom frontline (LineString)", "a custom zone (Polygon)"], key="upload_kind"
    )
    upload = st.file_uploader(
        "GeoJSON file (WGS84 lon/lat, ≤ 20 MB)",
        type=["geojson", "json", "zip"],
        key="upload",
        help="A zipped shapefile is recognised and refused with advice: convert it to GeoJSON first.",
    )

reach_choice = reach_ui.reach_sidebar()

st.title("Frontline Freeze Explorer")
st.caption(
    f"If the war were frozen along the line of **{date}**, what would a demilitarised zone of a given width mean "
    f"on the ground? Frontline and occupied territory © DeepStateMap.live (shipped data to {layers.DATA_DATE})."
)
for n in notices:
    message("warning", n)

# --- the zone: standard (cached) or from an upload -----------------------------------------
as_line = upload_kind.startswith("a custom frontline")
scene = uploads.explorer_scene(date, width_km, split, as_line, upload)
figures = present.zone_figures(scene.front, scene.zone, scene.analysis, scene.label)
people = figures.people

# --- headline numbers ---------------------------------------------------------------------
for col, metric in zip(st.columns(5), present.explorer_metrics(figures), strict=True):
    col.metric(metric.label, metric.value, help=metric.help)
st.caption(present.people_caption(figures))

# --- the map: the page's full width and most of its height ------------------------------------
if scene.standard:
    layer = cached.zone_map_layer(date, width_km, split, scene.label)
else:  # an uploaded zone or line: not cached
    layer = mapglue.map_layer(maps.zone_layer(scene.zone, figures.towns, scene.label))
map_layers = [layer]
if scene.standard and reach_choice.on_map:
    map_layers.append(cached_reach.reach_map_layer(date, width_km, split, reach_choice.selected, reach_choice.options))
legend = maps.DEFAULT_LEGEND + maps.REACH_LEGEND if len(map_layers) > 1 else None
mapglue.show_map(date, map_layers, key=f"explorer_map_{date}", legend=legend, fill_height=True)

# --- what the zone holds --------------------------------------------------------------------
infra = figures.infrastructure
for r in infra[infra.kind == present.NUCLEAR].itertuples():
    st.warning(
        f"**{r.name}** ({r.detail}) lies inside the zone, "
        f"on the {present.side_label(r.side)} side, {r.km_to_line} km from the line."
    )
st.header(f"Settlements inside: {figures.settlements:,}")
st.dataframe(
    cached.towns_table(date, width_km, split)
    if scene.standard
    else tables.towns_table(figures.towns.head(200), cached.oblast_names()),
    hide_index=True,
    height=320,
    width="stretch",
    column_config=tables.TOWNS_COLUMNS,
)
reach_later = None
if scene.standard:
    reach_ui.reach_section(date, width_km, split, reach_choice)
    reach_later = reach_ui.reach_for_brief(date, width_km, split, reach_choice)
else:
    st.info("Reach after the pull-back is computed for zones of a width and split along the date's line.")
left, right = st.columns([3, 2], gap="medium")
with left:
    sites = infra[infra.kind != present.NUCLEAR]  # the nuclear plants are named above
    st.markdown(f"**Airports, air bases and power plants inside: {len(sites)}**")
    if len(sites):
        st.dataframe(
            tables.infrastructure_table(sites), hide_index=True, width="stretch", column_config=tables.INFRA_COLUMNS
        )
    st.markdown("**Oblasts affected**")
    st.dataframe(
        cached.oblasts_table(date, width_km, split)
        if scene.standard
        else cached.oblasts_table_of(date, people.by_oblast),
        hide_index=True,
        width="stretch",
        column_config=tables.OBLAST_COLUMNS,
    )
with right:  # population vs width: the same chart on every move (re-drawing it was most of a move's browser work)
    if scene.standard:
        lo, hi = state.NEGOTIATED_RANGE_KM
        st.markdown("**People inside the zone vs its width**")
        st.vega_lite_chart(cached.population_chart(date, split), width="stretch")
        st.caption(
            "Line: estimate (mean of two methods); band: the range over the real alternatives (where people are "
            f"placed, where the line is; Data & method); grey: the {lo}–{hi} km range "
            f"under negotiation. At **{width_km:g} km**: {present.people_short(people.estimate)} "
            f"({present.people_range_text(people.low, people.high)})."
        )

# --- export ---------------------------------------------------------------------------------
name = "custom_zone" if scene.zone.custom else f"zone_{width_km:g}km_split{round(split * 100)}_{date}"


def zone_fc() -> dict:
    feats = export.zone_features(scene.zone, None if proposal == "custom" else proposal, people=people)
    return export.feature_collection(
        feats + export.points_features(figures.towns, "settlement_inside"),
        attribution=layers.ATTRIBUTION,
        population_note=present.PRE_WAR_NOTE,
    )


brief_scene = cached.Scene(
    scene.front, scene.zone, scene.analysis, present.zone_label(scene.zone, scene.front, proposal), reach_later
)
downloads.brief_downloads(scene.front, [brief_scene], name, key="dl_brief")
d1, d2, d3 = st.columns(3)
with d1:
    downloads.geojson_download("⬇️ Zone and settlements (GeoJSON)", zone_fc, f"{name}.geojson", key="dl_geojson")
with d2:
    downloads.csv_download(
        "⬇️ Settlements inside (CSV)", lambda: figures.towns, f"{name}_settlements.csv", key="dl_towns"
    )
with d3:
    downloads.csv_download(
        "⬇️ Summary (CSV)", lambda: pd.DataFrame([present.summary_row(figures)]), f"{name}_summary.csv", key="dl_summary"
    )
st.caption(f"{zones.MODELLED_NOTE} {layers.ATTRIBUTION}.")
