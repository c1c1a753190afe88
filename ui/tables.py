"""Tables as readers see them: columns named and sized, sides and distances worded (``gis.present``)."""

from __future__ import annotations

import pandas as pd
import shapely
import streamlit as st

from gis import crs, present
from gis.present import distance_range_text, side_label
from ui import cached

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
    "kind": st.column_config.TextColumn("kind", width=70),
    "side": st.column_config.TextColumn("side", width=140),
    "km from line": st.column_config.NumberColumn("km from line", format="%.1f", width=95),
}


def towns_table(towns: pd.DataFrame) -> pd.DataFrame:
    """The towns table as readers see it: name, people, % inside, side, distance range, oblast."""
    km = [distance_range_text(a, b) for a, b in zip(towns["km_min"], towns["km_max"], strict=True)]
    return pd.DataFrame(
        {
            "settlement": towns["name"],
            "people (2022)": towns["population"],
            "% inside": (100 * towns["share_inside"]).round(0),
            "side": towns["side"].map(side_label),
            "km from line": km,
            "oblast": towns["iso"].map(cached.oblast_names()),
        }
    )


def infrastructure_table(infra: pd.DataFrame) -> pd.DataFrame:
    """Infrastructure inside a zone as readers see it."""
    return pd.DataFrame(
        {
            "name": infra["name"],
            "kind": infra["kind"],
            "side": infra["side"].map(side_label),
            "km from line": infra["km_to_line"],
        }
    )


def oblasts_table(date: str, people_by_oblast: dict[str, float]) -> pd.DataFrame:
    """Oblasts touched by the occupation or the zone: % and km² occupied on ``date``, people in the zone;
    most people first."""
    by_obl = pd.DataFrame(people_by_oblast.items(), columns=["iso", "people_in_zone"])
    obl = cached.occupied_by_oblast(date).merge(by_obl, on="iso", how="outer")
    obl["people_in_zone"] = obl["people_in_zone"].fillna(0).round()  # absent from the estimate: no one inside;
    # whole people (a mean of two estimates is fractional: '6,848.356' read as a figure cut short)
    obl["oblast"] = obl["iso"].map(cached.oblast_names())
    return obl[["oblast", "occupied_pct", "occupied_km2", "people_in_zone"]].sort_values(
        "people_in_zone", ascending=False
    )


def gaps_table(cov) -> pd.DataFrame:
    """Unwatched stretches of line, longest first: km, and the lon/lat of each one's middle."""
    mids = crs.to_wgs84(shapely.line_interpolate_point(cov.gaps, 0.5, normalized=True)) if cov.gaps else []
    return pd.DataFrame(
        {"km": cov.gaps_km(), "lon": [round(p.x, 3) for p in mids], "lat": [round(p.y, 3) for p in mids]}
    )


def compare_table(a: present.ZoneFigures, b: present.ZoneFigures) -> pd.DataFrame:
    """The Compare page's table: one row per figure (``present.COMPARE_ROWS``), columns A, B and B − A."""
    rows = present.table([a, b], present.COMPARE_ROWS, difference=True)
    return pd.DataFrame(
        [[label, *cells] for label, cells, _ in rows],
        columns=["figure", f"A: {a.label}", f"B: {b.label}", present.DIFFERENCE_HEADER],
    )
