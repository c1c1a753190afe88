"""Compare proposals: two zones side by side, the area one adds over the other, and their numbers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gis import export, layers, maps, monitoring, stats, zones
from ui import common as c

c.page_setup("Compare proposals")
notices = c.init_state_from_url({"width": 25.0, "split": 50})
date = st.session_state.get("date") or layers.latest_date()

st.title("Compare proposals")
st.caption(zones.MODELLED_NOTE + " Population: " + c.PRE_WAR_LABEL + ".")
for n in notices:
    c.message("warning", n)


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

front = c.get_front(date)
za, zb = c.get_zone(date, w_a, s_a), c.get_zone(date, w_b, s_b)
aa, ab = c.get_analysis(date, w_a, s_a), c.get_analysis(date, w_b, s_b)
key_towns = stats.towns_near_line(front)

added, removed = zones.zone_difference(front, zb, za), zones.zone_difference(front, za, zb)

groups = [
    c.zone_map_layer(date, w_b, s_b, f"B: {label_b}", with_towns=False, colors=("#fdb863", "#92c5de")),
    c.zone_map_layer(date, w_a, s_a, f"A: {label_a}", with_towns=False),
]
legend = [
    ("A, occupied side", maps.COLORS["zone_occupied"], "fill"),
    ("A, Ukrainian side", maps.COLORS["zone_controlled"], "fill"),
    ("B adds, occupied side", "#fdb863", "fill"),
    ("B adds, Ukrainian side", "#92c5de", "fill"),
]
c.show_map(date, groups, key=f"compare_map_{date}", legend=legend, fill_height=True)


def posts_for(z, sensor: str) -> int:
    return monitoring.posts_for_area(z.area_km2, monitoring.SENSORS[sensor].range_km)


def row(z, a) -> dict:
    p = a.population
    znpp = "yes" if "Zaporizhzhia NPP" in set(a.infrastructure["name"]) else "no"
    airports = a.infrastructure[a.infrastructure.kind.isin(layers.AIRPORT_KINDS)]
    return {
        "width (km)": f"{z.width_km:g}",
        "pull-back, occupied side (km)": f"{z.ru_depth_km:g}",
        "pull-back, Ukrainian side (km)": f"{z.ua_depth_km:g}",
        "area, occupied side (km²)": f"{z.area_km2_occupied:,.0f}",
        "area, Ukrainian side (km²)": f"{z.area_km2_controlled:,.0f}",
        "area, total (km²)": f"{z.area_km2:,.0f}",
        "people (estimate)": f"{p.estimate:,.0f}",
        "people (range)": f"{p.low:,.0f} – {p.high:,.0f}",
        "settlements inside": f"{len(a.towns):,}",
        "Zaporizhzhia NPP inside": znpp,
        "airports and air bases inside": f"{len(airports)}"
        + (
            f" ({', '.join(airports['name'].head(4))}" + (", …)" if len(airports) > 4 else ")") if len(airports) else ""
        ),
        "camera posts to watch the whole zone": f"{posts_for(z, 'camera'):,}",
        "radar posts to watch the whole zone": f"{posts_for(z, 'radar_people'):,}",
    }


left, right = st.columns(2, gap="large")
with left:
    for label, z, a, color in ((label_a, za, aa, "A"), (label_b, zb, ab, "B")):
        st.markdown(f"**{color}.** " + stats.summary_sentence(label, z, a, key_towns))
with right:
    st.table(
        pd.DataFrame({"A: " + label_a: row(za, aa), "B: " + label_b: row(zb, ab)})
    )  # a table that wraps, never cut
    st.caption(
        f"B adds {added.area_km2:,.0f} km² over A"
        + (f" and leaves out {removed.area_km2:,.0f} km² of A." if removed.area_km2 >= 1 else ".")
        + " Posts to watch a whole zone: hexagonal layout of discs, camera 4 km, radar 12 km "
        "(Monitoring page for details)."
    )


def compare_fc() -> dict:
    diff = [
        dict(f, properties={**f["properties"], "layer": "difference_B_minus_A"})
        for f in export.zone_features(added, "B minus A")
    ]
    return export.feature_collection(
        export.zone_features(za, label_a) + export.zone_features(zb, label_b) + diff, attribution=layers.ATTRIBUTION
    )


with right:
    c.geojson_download(
        "⬇️ Both zones and their difference (GeoJSON)",
        compare_fc,
        f"compare_{w_a:g}km_vs_{w_b:g}km_{date}.geojson",
        key="dl_compare",
    )

c.brief_downloads(
    front, [(label_a, za, aa), (label_b, zb, ab)], f"compare_{w_a:g}km_vs_{w_b:g}km_{date}", key="dl_cmp_brief"
)
