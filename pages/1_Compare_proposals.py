"""Compare proposals: two zones side by side, the area one adds over the other, and their numbers."""

from __future__ import annotations

import streamlit as st

from gis import export, layers, present, reach, stats, zones
from ui import cached, cached_reach, downloads, mapglue, page, state, tables
from ui.messages import message

page.page_setup("Compare proposals")
notices = state.init_state_from_url({"width": 25.0, "split": 50})
date = st.session_state.get("date") or layers.latest_date()

st.title("Compare proposals")
st.caption(f"{zones.MODELLED_NOTE} Population: {present.PRE_WAR_NOTE}.")
for n in notices:
    message("warning", n)


def picker(col, name: str, default: str) -> tuple[str, float, float]:
    """A preset picker with custom width/split; returns (label, width_km, split)."""
    options = [*zones.PROPOSALS, "custom"]
    key = col.selectbox(
        f"Proposal {name}",
        options,
        index=options.index(default),
        key=f"cmp_{name}",
        format_func=lambda k: "Custom" if k == "custom" else zones.PROPOSALS[k].label,
    )
    if key == "custom":
        w = col.slider(f"Width {name} (km)", 1.0, 50.0, 10.0, 0.5, key=f"cmp_{name}_w")
        s = col.slider(f"Occupied-side share {name} (%)", 0, 100, 50, 5, key=f"cmp_{name}_s") / 100
        return f"custom {w:g} km zone", w, s
    p = zones.PROPOSALS[key]
    col.caption(p.source)
    return p.label, p.width_km, p.split


ca, cb, cd = st.columns([2, 2, 1])
label_a, w_a, s_a = picker(ca, "A", "russian")
label_b, w_b, s_b = picker(cb, "B", "ukrainian")
date = cd.selectbox("Frontline date", layers.dates()[::-1], index=layers.dates()[::-1].index(date), key="cmp_date")

front = cached.get_front(date)
reach_a = cached_reach.get_reach(date, w_a, s_a, reach.DEFAULT_WEAPONS, reach.ReachOptions())
reach_b = cached_reach.get_reach(date, w_b, s_b, reach.DEFAULT_WEAPONS, reach.ReachOptions())
fa = cached.get_figures(date, w_a, s_a, label_a, reach_a)
fb = cached.get_figures(date, w_b, s_b, label_b, reach_b)
za, zb = cached.get_zone(date, w_a, s_a), cached.get_zone(date, w_b, s_b)
key_towns = stats.towns_near_line(front, cached.get_population_index(date))
added, removed = zones.zone_difference(front, zb, za), zones.zone_difference(front, za, zb)

b_occ, b_ctl = present.ZONE_COLORS["B"]
a_occ, a_ctl = present.ZONE_COLORS["A"]
groups = [
    cached.zone_map_layer(date, w_b, s_b, f"B: {label_b}", with_towns=False, colors=present.ZONE_COLORS["B"]),
    cached.zone_map_layer(date, w_a, s_a, f"A: {label_a}", with_towns=False),
]
legend = [
    ("A, occupied side", a_occ, "fill"),
    ("A, Ukrainian side", a_ctl, "fill"),
    ("B adds, occupied side", b_occ, "fill"),
    ("B adds, Ukrainian side", b_ctl, "fill"),
]
mapglue.show_map(date, groups, key=f"compare_map_{date}", legend=legend, fill_height=True)

# The figures on the page's full width (four columns cut in half a page at 1024 px), then a sentence per zone.
st.table(tables.compare_table(fa, fb, present.reach_rows(reach.DEFAULT_WEAPONS)), hide_index=True)  # wraps, never cut
st.caption(
    f"B − A: B's figure minus A's, as written. B adds {added.area_km2:,.0f} km² of ground over A"
    + (f" and leaves out {removed.area_km2:,.0f} km² of A." if removed.area_km2 >= 1 else ".")
    + " Posts to watch a whole zone: hexagonal layout of discs, camera 4 km, radar 12 km "
    "(Monitoring page for details). Within reach: people (pre-war 2022) still within reach of the other side's "
    f"weapons after the pull-back (reach: an {reach.ORDER_OF_MAGNITUDE}; set your own on the Explorer)."
)
left, right = st.columns(2, gap="large")
for col, letter, f in ((left, "A", fa), (right, "B", fb)):
    col.markdown(f"**{letter}.** " + present.summary_sentence(f, key_towns))


def compare_fc() -> dict:
    diff = [
        dict(f, properties={**f["properties"], "layer": "difference_B_minus_A"})
        for f in export.zone_features(added, "B minus A")
    ]
    a, b = export.zone_features(za, label_a, people=fa.people), export.zone_features(zb, label_b, people=fb.people)
    return export.feature_collection(a + b + diff, attribution=layers.ATTRIBUTION, population_note=present.PRE_WAR_NOTE)


stem = f"compare_{w_a:g}km_vs_{w_b:g}km_{date}"
downloads.geojson_download(
    "⬇️ Both zones and their difference (GeoJSON)", compare_fc, f"{stem}.geojson", key="dl_compare"
)
scenes = [
    cached.Scene(front, za, cached.get_analysis(date, w_a, s_a), label_a, lambda: fa.within_reach),
    cached.Scene(front, zb, cached.get_analysis(date, w_b, s_b), label_b, lambda: fb.within_reach),
]
downloads.brief_downloads(front, scenes, stem, key="dl_cmp_brief")
