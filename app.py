"""Explorer: slide the zone width and watch the zone, its people and towns follow."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gis import crs, export, layers, maps, stats, zones
from ui import common as c

c.page_setup("Explorer")
notices = c.init_state_from_url({"width": 25.0, "split": 50})

st.sidebar.header("Zone")
date, width_km, split, proposal = c.zone_controls()
c.write_state_to_url()
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

st.title("Frontline Freeze Explorer")
st.caption(
    f"If the war were frozen along the line of **{date}**, what would a demilitarised zone of a given width mean "
    f"on the ground? Frontline and occupied territory © DeepStateMap.live (shipped data to {layers.DATA_DATE})."
)
for n in notices:
    c.message("warning", n)

# --- the zone: standard (cached) or from an upload -----------------------------------------
front, index = c.get_front(date), c.get_population_index(date)
zone, analysis, label = None, None, f"Zone {width_km:g} km"
if upload is not None:
    data = upload.getvalue()
    try:
        if upload_kind.startswith("a custom frontline"):
            line_m, up_notices = c.upload_geometry_m(data, ("LineString",))
            front, index = c.custom_front_for(date, c.file_hash(data), line_m)
            zone, label = zones.make_zone(front, width_km, split), f"Zone {width_km:g} km along the uploaded line"
            analysis = stats.analyse(front, zone, index)
        else:
            poly_m, up_notices = c.upload_geometry_m(data, ("Polygon",))
            (zone, analysis), label = c.custom_zone_for(date, c.file_hash(data), poly_m), "Uploaded zone"
        for n in up_notices:
            c.message("info", n)
        c.message("success", f"Analysing the uploaded file {upload.name!r}: {label.lower()}.")
    except Exception as e:  # the upload's error boundary: a message, and the standard zone
        c.error_box(e, f"Could not use {upload.name!r}: ", " The standard zone is shown instead.")
        front, index, zone, label = c.get_front(date), c.get_population_index(date), None, f"Zone {width_km:g} km"
if zone is None:
    zone, analysis = c.get_zone(date, width_km, split), c.get_analysis(date, width_km, split)
# The download buttons' callables below keep this script's globals for as long as the session lives (also
# in the reconnect window after the reader has left); not the date's population index (~35 MB) with them.
del index
custom = stats.is_custom(zone)
pop = analysis.population.as_dict()
occ = c.occupied_summary(date)

# --- headline numbers ---------------------------------------------------------------------
m = st.columns(5)
if custom:
    m[0].metric("Zone", "uploaded polygon")
else:
    m[0].metric(
        "Pull-back (km)",
        f"{zone.ru_depth_km:g} + {zone.ua_depth_km:g}",
        help="Depth of the zone on the occupied side / on the Ukrainian-controlled side: how far each "
        "side's forces pull back.",
    )
m[1].metric(
    "Zone area",
    f"{zone.area_km2:,.0f} km²",
    help=f"Occupied side {zone.area_km2_occupied:,.0f} km², Ukrainian-controlled side "
    f"{zone.area_km2_controlled:,.0f} km² (equal-area CRS).",
)
m[2].metric(
    "People inside (estimate)",
    c.fmt_people(pop["estimate"]),
    help=f"{c.fmt_people_range(pop['low'], pop['high']).capitalize()}: {c.PRE_WAR_LABEL}.",
)
line_km = occ["frontline_km"] if front.source != "uploaded line" else float(crs.length_km(front.frontline))
m[3].metric("Frontline length" if front.source != "uploaded line" else "Uploaded line", f"{line_km:,.0f} km")
m[4].metric(
    "Occupied",
    f"{occ['occupied_pct']:.1f} %",
    help=f"{occ['occupied_km2']:,.0f} km² of Ukraine on {date} (DeepStateMap).",
)
st.caption(
    f"People: **{c.fmt_people(pop['estimate'])}** ({c.fmt_people_range(pop['low'], pop['high'])}) — "
    f"{c.fmt_people(pop['occupied'])} on the occupied side, {c.fmt_people(pop['ukraine_controlled'])} "
    "on the Ukrainian-controlled side; "
    f"{c.PRE_WAR_LABEL}. Areas: {zone.area_km2_occupied:,.0f} km² occupied side, "
    f"{zone.area_km2_controlled:,.0f} km² Ukrainian side."
)

# --- the map: the page's full width and most of its height ------------------------------------
standard = not custom and front.source != "uploaded line"  # else an uploaded zone or line: not cached
layer = (
    c.zone_map_layer(date, width_km, split, label)
    if standard
    else c.map_layer(maps.zone_layer(zone, analysis.towns, label))
)
c.show_map(date, [layer], key=f"explorer_map_{date}", fill_height=True)

# --- what the zone holds --------------------------------------------------------------------
infra = analysis.infrastructure
for r in infra[infra.kind == "nuclear power plant"].itertuples():
    st.warning(
        f"**{r.name}** ({r.detail}) lies inside the zone, "
        f"on the {c.side_label(r.side)} side, {r.km_to_line} km from the line."
    )
towns = analysis.towns
st.subheader(f"Settlements inside: {len(towns):,}")
st.dataframe(
    c.towns_table(towns.head(200)), hide_index=True, height=320, width="stretch", column_config=c.TOWNS_COLUMNS
)
left, right = st.columns([3, 2], gap="medium")
with left:
    airports = infra[infra.kind != "nuclear power plant"]
    st.markdown(f"**Airports and air bases inside: {len(airports)}**")
    if len(airports):
        st.dataframe(c.infrastructure_table(airports), hide_index=True, width="stretch", column_config=c.INFRA_COLUMNS)
    by_obl = pd.DataFrame(pop["by_oblast"].items(), columns=["iso", "people_in_zone"])
    obl = c.occupied_by_oblast(date).merge(by_obl, on="iso", how="outer")
    obl["people_in_zone"] = obl["people_in_zone"].fillna(0)  # an oblast absent from the estimate has no one inside
    obl["oblast"] = obl["iso"].map(c.oblast_names())
    st.markdown("**Oblasts affected**")
    st.dataframe(
        obl[["oblast", "occupied_pct", "occupied_km2", "people_in_zone"]].sort_values(
            "people_in_zone", ascending=False
        ),
        hide_index=True,
        width="stretch",
        column_config=c.OBLAST_COLUMNS,
    )
with right:  # population vs width: the same chart on every move (re-drawing it was most of a move's browser work)
    if standard:
        st.markdown("**People inside the zone vs its width**")
        st.vega_lite_chart(c.population_chart(date, split), width="stretch")
        st.caption(
            f"Line: estimate (mean of two methods); band: the range between them; grey: the "
            f"{c.NEGOTIATED_RANGE_KM[0]}–{c.NEGOTIATED_RANGE_KM[1]} km range under negotiation. "
            f"At **{width_km:g} km**: {c.fmt_people(pop['estimate'])} ({c.fmt_people_range(pop['low'], pop['high'])})."
        )

# --- export ---------------------------------------------------------------------------------
name = "custom_zone" if custom else f"zone_{width_km:g}km_split{round(split * 100)}_{date}"


def zone_fc() -> dict:
    feats = export.zone_features(zone, None if proposal == "custom" else proposal)
    return export.feature_collection(
        feats + export.points_features(analysis.towns, "settlement_inside"),
        attribution=layers.ATTRIBUTION,
        population_note=c.PRE_WAR_LABEL,
    )


def summary_df() -> pd.DataFrame:
    row = {
        "date": date,
        "width_km": zone.width_km,
        "split": zone.split,
        "zone_km2": round(zone.area_km2, 1),
        "zone_km2_occupied": round(zone.area_km2_occupied, 1),
        "zone_km2_controlled": round(zone.area_km2_controlled, 1),
    }
    row.update({f"people_{k}": v for k, v in pop.items() if not isinstance(v, (dict, str))})
    return pd.DataFrame([row])


shown = zones.PROPOSALS[proposal].label if proposal in zones.PROPOSALS and label == f"Zone {width_km:g} km" else label
c.brief_downloads(front, [(shown, zone, analysis)], name, key="dl_brief")
d1, d2, d3 = st.columns(3)
with d1:
    c.geojson_download("⬇️ Zone and settlements (GeoJSON)", zone_fc, f"{name}.geojson", key="dl_geojson")
with d2:
    c.csv_download("⬇️ Settlements inside (CSV)", lambda: analysis.towns, f"{name}_settlements.csv", key="dl_towns")
with d3:
    c.csv_download("⬇️ Summary (CSV)", summary_df, f"{name}_summary.csv", key="dl_summary")
st.caption(zones.MODELLED_NOTE + " " + layers.ATTRIBUTION + ".")
