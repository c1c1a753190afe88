"""Data & method: where every layer comes from and how every number is computed."""

import streamlit as st

from gis import layers
from gis.crs import EQUAL_AREA_CRS, METRIC_PROJ
from gis.zones import MODELLED_NOTE, PROPOSALS
from ui import common as c

c.page_setup("Data & method")
st.title("Data & method")
st.markdown((layers.GEODATA_DIR.parent / "docs" / "method.md").read_text(encoding="utf-8"))

st.subheader("Proposal presets")
st.table([{"preset": p.label, "width (km)": p.width_km, "occupied-side share": f"{p.split:.0%}", "source": p.source}
          for p in PROPOSALS.values()])
st.caption(MODELLED_NOTE)
st.subheader("Coordinate reference systems")
st.markdown(f"* Buffers and distances: `{METRIC_PROJ}`\n* Areas: {EQUAL_AREA_CRS.name} (EPSG:3035)\n"
            "* Storage, map and export: WGS84 lon/lat (EPSG:4326), RFC 7946 GeoJSON.")
st.subheader("Snapshot dates")
st.write(", ".join(layers.dates()))
