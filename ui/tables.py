"""Tables as readers see them: columns named and sized, sides and distances worded (``gis.present``)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import shapely
import streamlit as st

from gis import crs, present, reach
from gis.present import distance_range_text, side_label

# Every column has a pixel width: a column without one is sized by measuring all its cells, which
# formats every number again in each reader's browser on every slider move.
TOWNS_COLUMNS = {
    "settlement": st.column_config.TextColumn("settlement", width=190),
    "people (2022)": st.column_config.NumberColumn(
        "people (2022)",
        format="localized",
        width=110,
        help="The whole settlement's population: 2022 official (State Statistics) for "
        "hromada centres, GeoNames otherwise.",
    ),
    "% inside": st.column_config.ProgressColumn(
        "% inside",
        format="%.0f%%",
        min_value=0,
        max_value=100,
        width=150,
        help="Share of the settlement's extent (and people) inside the zone.",
    ),
    "side": st.column_config.TextColumn("side", width=170),
    "km from line": st.column_config.TextColumn(
        "km from line", width=110, help="Nearest and farthest part of the settlement."
    ),
    "oblast": st.column_config.TextColumn("oblast", width=180),
}
# Pixel widths: the oblast and airport tables sit in 3/5 of the page beside a chart and must fit
# uncut at 1280 px (about 500 px for each table).
OBLAST_COLUMNS = {
    "oblast": st.column_config.TextColumn("oblast", width=190),
    "occupied_pct": st.column_config.NumberColumn("% occupied", format="%.1f", width=85),
    "occupied_km2": st.column_config.NumberColumn("occupied km²", format="localized", width=100),
    "people_in_zone": st.column_config.NumberColumn(
        "people in zone",
        format="localized",
        width=115,
        help="Estimate (mean of the two methods), pre-war 2022 residents.",
    ),
}
INFRA_COLUMNS = {
    "name": st.column_config.TextColumn("name", width=190),
    "kind": st.column_config.TextColumn("kind", width=105),
    "side": st.column_config.TextColumn("side", width=140),
    "km from line": st.column_config.NumberColumn("km from line", format="%.1f", width=95),
}


def arrow(table: pd.DataFrame) -> pa.Table:
    """A table as st.dataframe sends it: kept as Arrow, a rerun does not convert the same rows again."""
    return pa.Table.from_pandas(table, preserve_index=False)


def towns_table(towns: pd.DataFrame, oblast_names: dict[str, str]) -> pd.DataFrame:
    """The towns table as readers see it: name, people, % inside, side, distance range, oblast (``oblast_names``:
    ISO code -> name)."""
    km = [distance_range_text(a, b) for a, b in zip(towns["km_min"], towns["km_max"], strict=True)]
    return pd.DataFrame(
        {
            "settlement": towns["name"],
            "people (2022)": towns["population"],
            "% inside": (100 * towns["share_inside"]).round(0),
            "side": towns["side"].map(side_label),
            "km from line": km,
            "oblast": towns["iso"].map(oblast_names),
        }
    )


def infrastructure_table(infra: pd.DataFrame) -> pd.DataFrame:
    """Infrastructure inside a zone as readers see it."""
    return pd.DataFrame(
        {
            "name": infra["name"],
            "kind": infra["kind"].map(lambda k: present.INFRA_KIND_LABELS.get(k, k)),
            "side": infra["side"].map(side_label),
            "km from line": infra["km_to_line"],
        }
    )


def gaps_table(cov) -> pd.DataFrame:
    """Unwatched stretches of line, longest first: km, and the lon/lat of each one's middle."""
    mids = crs.to_wgs84(shapely.line_interpolate_point(cov.gaps, 0.5, normalized=True)) if cov.gaps else []
    return pd.DataFrame(
        {"km": cov.gaps_km(), "lon": [round(p.x, 3) for p in mids], "lat": [round(p.y, 3) for p in mids]}
    )


def _people_col(label: str, help_text: str | None = None):
    return st.column_config.NumberColumn(label, format="localized", width=95, help=help_text)


REACH_COLUMNS = {
    "weapon class": st.column_config.TextColumn("weapon class", width=240),
    "reach (km)": st.column_config.NumberColumn(
        "reach (km)", format="%g", width=70, help="Order of magnitude from public reporting; adjust it in the sidebar."
    ),
    "UA side today": _people_col(
        "UA side today",
        "Ukrainian-controlled side within reach of Russian positions on the "
        "line and the border today (people, pre-war 2022).",
    ),
    "UA side after": _people_col("UA side after", "…after the pull-back: Russian positions at the zone's far edge."),
    "UA side out of reach": _people_col("UA side out of reach", "What the zone buys: people moved out of reach."),
    "occupied today": _people_col("occupied today", "Occupied side within reach of Ukrainian positions today."),
    "occupied after": _people_col("occupied after", "…after the pull-back."),
    "occupied out of reach": _people_col("occupied out of reach"),
}
REACH_TOWN_COLUMNS = {
    "settlement": st.column_config.TextColumn("settlement", width=170),
    "people (2022)": st.column_config.NumberColumn("people (2022)", format="localized", width=110),
    "km from positions": st.column_config.NumberColumn(
        "km from positions", format="%.1f", width=130, help="From its nearest part to the nearest position."
    ),
    "oblast": st.column_config.TextColumn("oblast", width=170),
}
REACH_INFRA_COLUMNS = {
    "name": st.column_config.TextColumn("name", width=200),
    "kind": st.column_config.TextColumn("kind", width=130),
    "km from positions": st.column_config.NumberColumn("km from positions", format="%.1f", width=130),
}


def reach_table(weapons, today_all: dict, after: pd.Series) -> pd.DataFrame:
    """Per class: people within reach today and after on each side, and how many the pull-back moves out (to the
    nearest hundred, as the other people figures); ``today_all``: each class's reach today by key; ``after``: the
    reach curve's row at the zone's width."""
    rows = []
    for w in weapons:
        row = {"weapon class": w.label, "reach (km)": w.reach_km}
        for side, name in (("ukraine_controlled", "UA side"), ("occupied", "occupied")):
            now, then = today_all[w.key][side].people.estimate, after[reach.curve_column(w.key, side)]
            row |= {
                f"{name} today": round(now, -2),
                f"{name} after": round(then, -2),
                f"{name} out of reach": round(now - then, -2),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def reach_towns_table(towns: pd.DataFrame, oblast_names: dict[str, str]) -> pd.DataFrame:
    """Settlements within reach as readers see them."""
    return pd.DataFrame(
        {
            "settlement": towns["label"],
            "people (2022)": towns["population"],
            "km from positions": towns["km_from_positions"],
            "oblast": towns["iso"].map(oblast_names),
        }
    )


def reach_infrastructure_table(infra: pd.DataFrame) -> pd.DataFrame:
    """Infrastructure within reach as readers see it."""
    return pd.DataFrame({"name": infra["name"], "kind": infra["kind"], "km from positions": infra["km_from_positions"]})


def compare_table(a: present.ZoneFigures, b: present.ZoneFigures, extra: tuple[present.Row, ...] = ()) -> pd.DataFrame:
    """The Compare page's table: one row per figure (``present.COMPARE_ROWS`` and ``extra``), columns A, B, B − A."""
    rows = present.table([a, b], present.COMPARE_ROWS + extra, difference=True)
    return pd.DataFrame(
        [[label, *cells] for label, cells, _ in rows],
        columns=["figure", f"A: {a.label}", f"B: {b.label}", present.DIFFERENCE_HEADER],
    )
