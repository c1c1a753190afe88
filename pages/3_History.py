"""History: how the occupied area, the frontline and a zone's population changed, month by month."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from gis import layers
from gis.build_data import DAILY_FROM, HISTORY_WIDTHS_KM
from ui import common as c

c.page_setup("History")
c.init_state_from_url({"width": 25.0, "split": 50})

st.title("History of the line")
st.caption(
    "Monthly DeepStateMap snapshots. Before July 2024 they come from raw DeepStateMap API snapshots "
    "(DanielRose2310/deepstatemaps-history), from July 2024 from the daily extracts (cyterat/deepstate-map-data): "
    "two sources, so small steps at the switch can be artefacts. One snapshot a month: faster changes are not visible. "
    f"Population: {c.PRE_WAR_LABEL}; zone split 50/50."
)

width = st.select_slider(
    "Zone width for the population chart (km, split 50/50)", HISTORY_WIDTHS_KM, value=25, key="hist_width"
)
hist = c.history_table()
cols = {
    "date": "date",
    "source": "source",
    "occupied_km2": "occupied km²",
    "occupied_pct": "occupied %",
    "frontline_km": "frontline km",
    f"pop_{width}km": f"people in {width} km zone",
    f"pop_{width}km_low": "low",
    f"pop_{width}km_high": "high",
}
table = hist[list(cols)].rename(columns=cols)
table["date"] = pd.to_datetime(table["date"])

SWITCH = pd.DataFrame({"date": [pd.Timestamp(DAILY_FROM)], "label": ["source switch"]})
CLICK = alt.selection_point(fields=["date"], on="click", nearest=True, name="month")


def month_chart(y: alt.Y, tooltip: list, title: str, band: alt.Chart | None = None) -> alt.LayerChart:
    """A monthly line; a click on a month selects it; a dashed rule where the two sources switch."""
    x = alt.X("date:T", title=None)
    line = alt.Chart(table).mark_line().encode(x=x, y=y)
    points = alt.Chart(table).mark_point(filled=True, size=40).encode(x=x, y=y, tooltip=tooltip).add_params(CLICK)
    rule = alt.Chart(SWITCH).mark_rule(strokeDash=[4, 3], color="#555").encode(x="date:T")
    text = (
        alt.Chart(SWITCH)
        .mark_text(align="left", dx=3, dy=-4, fontSize=10, color="#555")
        .encode(x="date:T", y=alt.value(8), text="label:N")
    )
    layers_ = [band] if band is not None else []
    return alt.layer(*layers_, line, points, rule, text).properties(title=title)


def clicked_date(event) -> str | None:
    """The snapshot date a chart click selected (None if no click)."""
    points = ((event or {}).get("selection") or {}).get("month") or []
    if not points or "date" not in points[0]:
        return None
    clicked = pd.to_datetime(points[0]["date"], unit="ms" if isinstance(points[0]["date"], (int, float)) else None)
    return min(layers.dates(), key=lambda d: abs(pd.Timestamp(d) - clicked))


a, b, d = st.columns(3)
people = f"people in {width} km zone"
band = (
    alt.Chart(table)
    .mark_area(opacity=0.25)
    .encode(x=alt.X("date:T", title=None), y=alt.Y("low:Q", title="people"), y2="high:Q")
)
events = [
    a.altair_chart(
        month_chart(
            alt.Y("occupied km²:Q", scale=alt.Scale(zero=False)),
            ["date:T", "occupied km²", "occupied %"],
            "Occupied area (km²)",
        ),
        width="stretch",
        on_select="rerun",
        key="hist_click_area",
    ),
    b.altair_chart(
        month_chart(
            alt.Y("frontline km:Q", scale=alt.Scale(zero=False)), ["date:T", "frontline km"], "Frontline length (km)"
        ),
        width="stretch",
        on_select="rerun",
        key="hist_click_line",
    ),
    d.altair_chart(
        month_chart(
            alt.Y(f"{people}:Q", title="people"),
            ["date:T", people, "low", "high"],
            f"People in a {width} km zone (pre-war)",
            band,
        ),
        width="stretch",
        on_select="rerun",
        key="hist_click_people",
    ),
]
st.caption(
    f"Click a month on a chart to open its map below. Dashed line: from {DAILY_FROM[:7]} the snapshots come from the "
    "daily extracts instead of the raw API snapshots."
)

st.subheader("The line on a chosen date")
dates = layers.dates()
for key, event in zip(("area", "line", "people"), events, strict=True):
    picked = clicked_date(event)
    if picked and st.session_state.get(f"_hist_click_{key}") != picked:  # a new click, not the same one again
        st.session_state[f"_hist_click_{key}"] = picked
        st.session_state["hist_date"] = picked
if st.session_state.get("hist_date") not in dates:
    st.session_state["hist_date"] = layers.latest_date()
chosen = st.select_slider("Date", dates, key="hist_date")
extra = [r for r in dates if r not in set(hist["date"])]
if extra:
    st.info(f"User-added snapshot(s) {', '.join(extra)}: shown on the map; not in the precomputed charts.")
zone = c.get_zone(chosen, float(width), 0.5)
analysis = c.get_analysis(chosen, float(width), 0.5)
m = st.columns(3)
m[0].metric("Zone area", f"{zone.area_km2:,.0f} km²")
m[1].metric("People inside (estimate)", c.fmt_people(analysis.population.estimate))
m[2].metric("Occupied", f"{c.occupied_summary(chosen)['occupied_pct']:.1f} %")
c.show_map(
    chosen, [c.zone_map_layer(chosen, float(width), 0.5, f"Zone {width} km on {chosen}")], key=f"history_map_{chosen}"
)
HISTORY_COLUMNS = {"source": st.column_config.TextColumn("source", width=230)} | {
    name: st.column_config.NumberColumn(name, format=fmt)
    for name, fmt in [
        ("occupied km²", "localized"),
        ("occupied %", "%.2f"),
        ("frontline km", "%.1f"),
        (f"people in {width} km zone", "localized"),
        ("low", "localized"),
        ("high", "localized"),
    ]
}
st.dataframe(
    table.assign(date=table["date"].dt.strftime("%Y-%m-%d"), **{"occupied km²": table["occupied km²"].round()}),
    hide_index=True,
    column_config=HISTORY_COLUMNS,
    width="stretch",
)
c.csv_download("⬇️ History table (CSV)", lambda: hist, "frontline_history.csv", key="dl_hist")
