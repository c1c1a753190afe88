"""History: how the occupied area, the frontline and a zone's population changed, month by month."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from gis import layers
from gis.build_data import HISTORY_WIDTHS_KM
from ui import common as c

c.page_setup("History")
c.init_state_from_url({"width": 25.0, "split": 50})

st.title("History of the line")
st.caption("Monthly DeepStateMap snapshots. Before July 2024 they come from raw DeepStateMap API snapshots "
           "(DanielRose2310/deepstatemaps-history), from July 2024 from the daily extracts (cyterat/deepstate-map-data): "
           "two sources, so small steps at the switch can be artefacts. One snapshot a month: faster changes are not visible. "
           f"Population: {c.PRE_WAR_LABEL}; zone split 50/50.")

width = st.select_slider("Zone width for the population chart (km, split 50/50)", HISTORY_WIDTHS_KM, value=25, key="hist_width")
hist = c.history_table()
cols = {"date": "date", "source": "source", "occupied_km2": "occupied km²", "occupied_pct": "occupied %",
        "frontline_km": "frontline km", f"pop_{width}km": f"people in {width} km zone",
        f"pop_{width}km_low": "low", f"pop_{width}km_high": "high"}
table = hist[list(cols)].rename(columns=cols)
table["date"] = pd.to_datetime(table["date"])

a, b, d = st.columns(3)
x = alt.X("date:T", title=None)
a.altair_chart(alt.Chart(table).mark_line(point=True).encode(x=x, y=alt.Y("occupied km²:Q", scale=alt.Scale(zero=False)),
                                                             tooltip=["date:T", "occupied km²", "occupied %"]).properties(title="Occupied area (km²)"), width="stretch")
b.altair_chart(alt.Chart(table).mark_line(point=True).encode(x=x, y=alt.Y("frontline km:Q", scale=alt.Scale(zero=False)),
                                                             tooltip=["date:T", "frontline km"]).properties(title="Frontline length (km)"), width="stretch")
people = f"people in {width} km zone"
band = alt.Chart(table).mark_area(opacity=0.25).encode(x=x, y=alt.Y("low:Q", title="people"), y2="high:Q")
d.altair_chart((band + alt.Chart(table).mark_line(point=True).encode(x=x, y=f"{people}:Q", tooltip=["date:T", people, "low", "high"]))
               .properties(title=f"People in a {width} km zone (pre-war)"), width="stretch")

st.subheader("The line on a chosen date")
dates = layers.dates()
chosen = st.select_slider("Date", dates, value=dates[-1], key="hist_date")
extra = [r for r in dates if r not in set(hist["date"])]
if extra:
    st.info(f"User-added snapshot(s) {', '.join(extra)}: shown on the map; not in the precomputed charts.")
zone = c.get_zone(chosen, float(width), 0.5)
analysis = c.get_analysis(chosen, float(width), 0.5)
m = st.columns(3)
m[0].metric("Zone area", f"{zone.area_km2:,.0f} km²")
m[1].metric("People inside (estimate)", c.fmt_people(analysis.population.estimate))
m[2].metric("Occupied", f"{c.occupied_summary(chosen)['occupied_pct']:.1f} %")
c.show_map(chosen, [c.zone_map_layer(chosen, float(width), 0.5, f"Zone {width} km on {chosen}")], key=f"history_map_{chosen}")
st.dataframe(table.assign(date=table["date"].dt.strftime("%Y-%m-%d")), hide_index=True)
c.csv_download("⬇️ History table (CSV)", lambda: hist, "frontline_history.csv", key="dl_hist")
