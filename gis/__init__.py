"""Frontline Freeze Explorer: the geospatial core (no Streamlit here).

Modules, one concern each: ``crs`` (projections), ``layers`` (shipped data),
``frontline`` (deriving the line), ``zones`` (buffer zones and proposals),
``population``, ``monitoring``, ``export``, ``maps`` (folium), ``cli``.
"""

__version__ = "0.1.0"


class GisError(ValueError):
    """An error whose message is meant for the user (CLI stderr, st.error)."""
