"""The map on a page: the date's base map (rendered once, ``ui.cached``) with the page's layers on top."""

from __future__ import annotations

import folium

from ui import cached, mapview


def map_layer(fg: folium.FeatureGroup) -> mapview.MapLayer:
    """An uncached browser layer (e.g. an uploaded zone)."""
    return mapview.render_layer(fg)


def show_map(
    date: str,
    layers: list[mapview.MapLayer],
    key: str,
    legend: list | None = None,
    height: int = 620,
    returned_objects: list[str] | None = None,
    fill_height: bool = False,
    view_key: str | None = None,
):
    """The date's base map (rendered once) with ``layers`` on top; a rerun swaps only the layers
    (the map keeps the user's zoom). Returns the map events named in ``returned_objects``.
    ``fill_height``: the map fills the screen below the page's top (gis.maps.FILL_FRAME_CSS) instead of
    ``height`` px. ``view_key``: maps of this name keep the reader's view (``gis.maps.base_map``)."""
    base = cached.base_map_for(date, tuple(map(tuple, legend)) if legend else None, fill_height, view_key)
    return mapview.show(base, layers, key=key, height=height, returned_objects=returned_objects)
