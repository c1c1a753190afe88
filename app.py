"""Frontline Freeze Explorer: `streamlit run app.py`.

The entry point only sets up the page and the navigation; each page lives in
``pages/`` and wires widgets to the ``gis`` library.
"""

import streamlit as st

st.set_page_config(page_title="Frontline Freeze Explorer", page_icon="🗺️", layout="wide")

nav = st.navigation([
    st.Page("pages/explorer.py", title="Explorer", icon="🗺️", default=True),
    st.Page("pages/method.py", title="Data & method", icon="📖"),
])
nav.run()
