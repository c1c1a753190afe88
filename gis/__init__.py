"""Frontline Freeze Explorer: the geospatial core (no Streamlit here).

Modules, one concern each, in the order data flows through them:

- ``crs``: the metric and equal-area projections and transforms;
- ``layers``: the shipped data of ``geodata/`` (and user snapshots), read once per process;
- ``uploads``: user GeoJSON read, bounded and repaired; ``snapshots``: a user's newer snapshot stored;
- ``frontline``: the line and the two sides from an occupied polygon (a custom line is a ``Front`` marked custom);
- ``zones``: buffer zones by side and the proposal presets;
- ``settlements`` and ``population``: one row per place, the per-date people precompute and lookups;
- ``stats``: people, towns and infrastructure inside a zone; occupation per date;
- ``reach``: who and what stays within reach of each weapon class after the pull-back (line and borders);
- ``monitoring``: sensors, posts, coverage and gaps;
- ``present``: the ONE builder of a zone's figures, and how figures are worded, formatted and coloured;
- ``export`` (RFC 7946 GeoJSON), ``maps`` and ``maptools.js`` (the offline folium map), ``brief`` (PDF/PNG);
- ``cli`` (``python -m gis``), ``build_data`` (rebuilds ``geodata/`` from ../shared/data) and ``build_borders``.

Caching: ``gis`` keeps only what it reads from the shipped files (``lru_cache`` on functions of no
argument but a file name); everything that depends on a date, zone or setting is a pure function of its
arguments, cached once by the caller (``ui/cached.py`` with bounded ``max_entries``; the CLI runs once).
"""

__version__ = "0.1.0"


class GisError(ValueError):
    """An error whose message is meant for the user (CLI stderr, st.error)."""
