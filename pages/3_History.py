"""History: how the occupied area, the frontline and a zone's population changed, month by month."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from gis import layers, present
from gis.layers import DAILY_FROM, HISTORY_WIDTHS_KM
from ui import cached, downloads, mapglue, page, state

page.page_setup("History")
state.init_state_from_url({"width": 25.0, "split": 50})

st.title("History of the line")
st.caption(
    "Monthly DeepStateMap snapshots. Before July 2024 they come from raw DeepStateMap API snapshots "
    "(DanielRose2310/deepstatemaps-history), from July 2024 from the daily extracts (cyterat/deepstate-map-data): "
    "two sources, so small steps at the switch can be artefacts. One snapshot a month: faster changes are not visible. "
    f"Population: {present.PRE_WAR_NOTE}; zone split 50/50."
)

width = st.select_slider(
    "Zone width for the population chart (km, split 50/50)", HISTORY_WIDTHS_KM, value=25, key="hist_width"
)
hist = cached.history_table()
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
CHART_KEYS = ("hist_click_area", "hist_click_line", "hist_click_people")
dates = layers.dates()


def clicked_date(event) -> str | None:
    """The snapshot date a chart click selected (None if no click)."""
    points = ((event or {}).get("selection") or {}).get("month") or []
    if not points or "date" not in points[0]:
        return None
    clicked = pd.to_datetime(points[0]["date"], unit="ms" if isinstance(points[0]["date"], (int, float)) else None)
    return nearest_snapshot(clicked)


def nearest_snapshot(day) -> str:
    """The snapshot date nearest to ``day`` (a date, typed or picked)."""
    return min(dates, key=lambda d: abs(pd.Timestamp(d) - pd.Timestamp(day)))


# A new click on a month of a chart picks that date (before the date picker is drawn, so it can be set).
for key in CHART_KEYS:
    picked = clicked_date(st.session_state.get(key))
    if picked and st.session_state.get(f"_{key}") != picked:  # a new click, not the same one again
        st.session_state[f"_{key}"] = picked
        st.session_state["hist_day"] = pd.Timestamp(picked).date()
if "hist_day" not in st.session_state:
    st.session_state["hist_day"] = pd.Timestamp(layers.latest_date()).date()  # never an unchecked user snapshot
chosen = nearest_snapshot(st.session_state["hist_day"])
CHOSEN = pd.DataFrame({"date": [pd.Timestamp(chosen)], "label": [chosen]})


def month_chart(y: alt.Y, tooltip: list, title: str | list[str], band: alt.Chart | None = None) -> alt.LayerChart:
    """A monthly line; a click on a month selects it; a dashed rule where the two sources switch; the chosen
    date marked by a solid rule and its date."""
    x = alt.X("date:T", title=None)
    line = alt.Chart(table).mark_line().encode(x=x, y=y)
    points = alt.Chart(table).mark_point(filled=True, size=40).encode(x=x, y=y, tooltip=tooltip).add_params(CLICK)
    rule = alt.Chart(SWITCH).mark_rule(strokeDash=[4, 3], color="#555").encode(x="date:T")
    text = (
        alt.Chart(SWITCH)
        .mark_text(align="left", dx=3, dy=-4, fontSize=10, color="#555")
        .encode(x="date:T", y=alt.value(8), text="label:N")
    )
    mark = alt.Chart(CHOSEN).mark_rule(color=present.COLORS["frontline"], strokeWidth=2).encode(x="date:T")
    late = chosen > dates[len(dates) // 2]  # the date's label on the side of its rule with room for it
    mark_text = (
        alt.Chart(CHOSEN)
        .mark_text(
            align="right" if late else "left",
            dx=-4 if late else 4,
            dy=16,  # below the 'source switch' label
            fontSize=11,
            fontWeight="bold",
            color=present.COLORS["frontline"],
        )
        .encode(x="date:T", y=alt.value(8), text="label:N")
    )
    layers_ = [band] if band is not None else []
    return alt.layer(*layers_, line, points, rule, text, mark, mark_text).properties(title=title)


a, b, d = st.columns(3)
people = f"people in {width} km zone"
band = (
    alt.Chart(table)
    .mark_area(opacity=0.25)
    .encode(x=alt.X("date:T", title=None), y=alt.Y("low:Q", title="people"), y2="high:Q")
)
charts = [  # a click on a month is read from their state at the top of the page
    a.altair_chart(
        month_chart(
            alt.Y("occupied km²:Q", scale=alt.Scale(zero=False)),
            ["date:T", "occupied km²", "occupied %"],
            "Occupied area (km²)",
        ),
        width="stretch",
        on_select="rerun",
        key=CHART_KEYS[0],
    ),
    b.altair_chart(
        month_chart(
            alt.Y("frontline km:Q", scale=alt.Scale(zero=False)), ["date:T", "frontline km"], "Frontline length (km)"
        ),
        width="stretch",
        on_select="rerun",
        key=CHART_KEYS[1],
    ),
    d.altair_chart(
        month_chart(
            alt.Y(f"{people}:Q", title="people"),
            ["date:T", people, "low", "high"],
            [f"People in a {width} km zone", "(pre-war residents)"],  # two lines: never cut with '…'
            band,
        ),
        width="stretch",
        on_select="rerun",
        key=CHART_KEYS[2],
    ),
]
st.caption(
    f"Click a month on a chart to open its map below. Dashed line: from {DAILY_FROM[:7]} the snapshots come from the "
    "daily extracts instead of the raw API snapshots."
)

st.header("The line on a chosen date")
pick, shown = st.columns([1, 2])
pick.date_input(
    "Date (type or pick; the nearest monthly snapshot is shown)",
    min_value=pd.Timestamp(dates[0]).date(),
    max_value=pd.Timestamp(dates[-1]).date(),
    key="hist_day",
    format="YYYY-MM-DD",
)
shown.markdown(f"**Snapshot shown: {chosen}** (marked on the charts above).")
note = present.partial_note(hist)
if note:
    st.caption(note)
extra = [r for r in dates if r not in set(hist["date"])]
if extra:
    st.info(f"User-added snapshot(s) {', '.join(extra)}: shown on the map; not in the precomputed charts.")
zone = cached.get_zone(chosen, float(width), 0.5)
analysis = cached.get_analysis(chosen, float(width), 0.5)
m = st.columns(3)
m[0].metric("Zone area", f"{zone.area_km2:,.0f} km²")
m[1].metric("People inside (estimate)", present.people_short(analysis.population.estimate))
m[2].metric("Occupied", f"{cached.occupied_summary(chosen)['occupied_pct']:.1f} %")
mapglue.show_map(
    chosen,
    [cached.zone_map_layer(chosen, float(width), 0.5, f"Zone {width} km on {chosen}")],
    key=f"history_map_{chosen}",
    view_key="history",  # the reader's zoom and place stay from date to date
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
downloads.csv_download("⬇️ History table (CSV)", lambda: hist, "frontline_history.csv", key="dl_hist")
