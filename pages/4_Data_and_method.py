"""Data & method: where every layer comes from and how every number is computed."""

import pandas as pd
import streamlit as st

from gis import layers
from gis.crs import EQUAL_AREA_CRS, METRIC_PROJ
from gis.reach import MINSK_NOTE, ORDER_OF_MAGNITUDE, WEAPONS
from gis.zones import MODELLED_NOTE, PROPOSALS
from ui import page

page.page_setup("Data & method")
st.title("Data & method")
st.markdown((layers.GEODATA_DIR.parent / "docs" / "method.md").read_text(encoding="utf-8"))

st.header("Weapon classes (what a zone buys)")
st.table(
    [
        {
            "class": w.label,
            "default reach (km)": f"{w.reach_km:g}",
            "source": w.source,
            "Minsk II pull-back, each side (km)": "–" if w.minsk_pullback_km is None else f"{w.minsk_pullback_km:g}",
        }
        for w in WEAPONS.values()
    ]
)
st.caption(f"Reach figures are an {ORDER_OF_MAGNITUDE}. {MINSK_NOTE}")
st.header("Proposal presets")
st.table(
    [
        {
            "preset": p.label,
            "width (km)": f"{p.width_km:g}",
            "occupied-side share": f"{p.split:.0%}",
            "source": p.source,
        }
        for p in PROPOSALS.values()
    ]
)
st.caption(MODELLED_NOTE)
st.header("Coordinate reference systems")
st.markdown(
    f"* Buffers and distances: `{METRIC_PROJ}`\n* Areas: {EQUAL_AREA_CRS.name} (EPSG:3035)\n"
    "* Storage, map and export: WGS84 lon/lat (EPSG:4326), RFC 7946 GeoJSON."
)
st.header("Frontline length per date, before and after the line fill")
lines = layers.shipped_frontlines()
st.dataframe(
    pd.DataFrame(
        {
            "date": lines["date"],
            "before (km)": lines["length_km_before"],
            "now (km)": lines["length_km"],
            "line with occupied land within 1 km on both sides, before (%)": lines["both_sides_occupied_pct_before"],
            "now (%)": lines["both_sides_occupied_pct"],
            "pieces": lines["pieces"],
        }
    ),
    hide_index=True,
    height=300,
    width="stretch",
)
st.caption(
    "Lengths are geodesic (km). 'Before': the derivation without the line fill (gaps under 1 km and water "
    "between occupied banks counted as Ukrainian-held). Made by `python -m gis.build_data`; checked by "
    "tests/test_frontline_history.py."
)
st.header("Population: per-oblast scale factors of the two methods")
factors = pd.read_csv(layers.GEODATA_DIR / "population_scale_factors.csv")
factor_table = factors.pivot_table(index=["iso", "name_en"], columns="method", values="factor").reset_index()
st.dataframe(
    factor_table.rename(columns={"iso": "ISO", "name_en": "oblast"}),
    hide_index=True,
    width="stretch",
    height=35 * (len(factor_table) + 1) + 3,
    column_config={
        m: st.column_config.NumberColumn(f"{m} factor", format="%.3f") for m in ("settlements", "dasymetric")
    },
)
st.caption(
    "Factor = OCHA COD-PS 2022 oblast total / the method's units before that scaling (after fitting them to the "
    "hromada totals). Near 1 means no double counting and nobody missing."
)
st.header("Snapshot dates")
st.write(", ".join(layers.dates()))
