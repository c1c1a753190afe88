"""Charts as Vega-Lite specs (Altair), built from ``gis`` tables."""

from __future__ import annotations

import altair as alt
import pandas as pd
from streamlit import dataframe_util

from gis.present import COLORS
from gis.reach import curve_column
from ui.state import NEGOTIATED_RANGE_KM


def with_arrow_datasets(spec: dict) -> dict:
    """``spec`` with its datasets already in Arrow IPC bytes, as ``st.vega_lite_chart`` sends them: the cached
    spec is then not converted again on every rerun (py-spy: ~3 ms a chart per rerun)."""
    datasets = {
        name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(rows))
        for name, rows in spec.get("datasets", {}).items()
    }
    return {**spec, "datasets": datasets} if datasets else spec


def population_chart(curve: pd.DataFrame) -> dict:
    """People vs total zone width (estimate line, range band, the range under negotiation shaded) from
    ``PopulationIndex.curve`` (people per width in km). It does not depend on the width shown, so a slider
    move sends the browser the same chart and the browser does not draw it again (the page states the width)."""
    x = alt.X("width_km:Q", title="total zone width (km)")
    shade = _negotiated_shade()
    band = (
        alt.Chart(curve)
        .mark_area(opacity=0.25)
        .encode(x=x, y=alt.Y("low:Q", title="people (pre-war 2022 residents)"), y2="high:Q")
    )
    tooltip = [
        alt.Tooltip("width_km", title="width (km)"),
        alt.Tooltip("estimate", format=",.0f"),
        alt.Tooltip("low", format=",.0f"),
        alt.Tooltip("high", format=",.0f"),
    ]
    line = alt.Chart(curve).mark_line().encode(x=x, y="estimate:Q", tooltip=tooltip)
    return with_arrow_datasets((shade + band + line).properties(height=260).to_dict())


def _negotiated_shade() -> alt.Chart:
    """The grey band of the widths under negotiation (km)."""
    lo, hi = NEGOTIATED_RANGE_KM
    return (
        alt.Chart(pd.DataFrame({"from": [lo], "to": [hi]}))
        .mark_rect(color="#999999", opacity=0.15)
        .encode(x="from:Q", x2="to:Q")
    )


def tradeoff_chart(curve: pd.DataFrame, weapon) -> dict:
    """What a wider zone costs and buys, by total width (``reach.reach_curve``: people inside the zone; people
    still within ``weapon``'s reach after the pull-back on each side)."""
    curve = curve[curve.index == curve.index.astype(int)]  # whole km: the chart's data is sent on every rerun
    names = {
        "inside the zone": curve["in_zone"],
        "within Russian reach (Ukrainian-controlled side)": curve[curve_column(weapon.key, "ukraine_controlled")],
        "within Ukrainian reach (occupied side)": curve[curve_column(weapon.key, "occupied")],
    }
    long = pd.concat(
        [pd.DataFrame({"width_km": curve.index, "what": k, "people": v.to_numpy().round()}) for k, v in names.items()]
    )
    shade = _negotiated_shade()
    colours = alt.Scale(domain=list(names), range=["#444444", COLORS["reach_russian"], COLORS["reach_ukrainian"]])
    legend = alt.Legend(orient="top-right", title=None, labelLimit=400, fillColor="#ffffffdd", padding=4)
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("width_km:Q", title="total zone width (km)"),
            y=alt.Y("people:Q", title="people (pre-war 2022)"),
            color=alt.Color("what:N", scale=colours, legend=legend),
            tooltip=["width_km", "what", alt.Tooltip("people", format=",.0f")],
        )
    )
    return with_arrow_datasets((shade + lines).properties(height=300).to_dict())
