"""ui.mapview sends the browser what st_folium would, from strings rendered once."""

import re

import folium
import pytest
import streamlit_folium as sf

from gis import layers, maps, zones
from ui import mapview

DATE = layers.DATA_DATE


def _st_folium_args(base: folium.Map, groups: list, monkeypatch) -> dict:
    """The arguments st_folium itself passes to its component for ``base`` + ``groups``."""
    seen = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kw: seen.update(kw))
    sf.st_folium(base, key="k", height=620, use_container_width=True, returned_objects=[],
                 feature_group_to_add=groups, layer_control=folium.LayerControl(collapsed=True))
    return seen


def _fg_names_normalised(js: str) -> str:
    """Dynamic layers' variables differ by design (st_folium numbers them, we name them by id)."""
    return re.sub(r"feature_group_(\d+|[0-9a-f]{12})(?![0-9a-f])", "feature_group_N", js)


@pytest.fixture(scope="module")
def zone(front):
    return zones.make_zone(front, 12.0, 0.5)


def test_base_map_strings_equal_st_folium(zone, monkeypatch):
    maps.use_local_leaflet()
    ours = mapview.render_base(maps.base_map(DATE))
    theirs = _st_folium_args(maps.base_map(DATE), [maps.zone_layer(zone, None, "Zone 12 km")], monkeypatch)
    assert ours.script == theirs["script"] and len(ours.script) > 10_000
    assert ours.header == theirs["header"] and ours.html == theirs["html"]
    assert list(ours.css_links) == theirs["css_links"] and list(ours.js_links) == theirs["js_links"]
    assert all(link.startswith(maps.LEAFLET_URL) for link in ours.js_links)  # offline Leaflet
    assert ours.map_id == theirs["id"] == "map_div"
    names = [name for name, _, _ in ours.controls]
    assert f"Frontline ({DATE})" in names and "Nuclear power plants" in names and "Basemap" not in names


def test_layer_and_layer_control_equal_st_folium(zone, monkeypatch):
    maps.use_local_leaflet()
    base = mapview.render_base(maps.base_map(DATE))
    layer = mapview.render_layer(maps.zone_layer(zone, None, "Zone 12 km"))
    theirs = _st_folium_args(maps.base_map(DATE), [maps.zone_layer(zone, None, "Zone 12 km")], monkeypatch)
    assert layer.name == "Zone 12 km" and layer.var in layer.js
    assert f"map_div.addLayer({layer.var})" in layer.js
    assert _fg_names_normalised(layer.js) == _fg_names_normalised(theirs["feature_group"])
    control = mapview.layer_control_js(base.controls + ((layer.name, layer.var, True),))
    assert _fg_names_normalised(control) == _fg_names_normalised(theirs["layer_control"])
    assert '"Zone 12 km"' in control and "window.layer_control" in control


def test_two_layers_get_distinct_variables(zone):
    a = mapview.render_layer(maps.zone_layer(zone, None, "A"))
    b = mapview.render_layer(maps.zone_layer(zone, None, "B"))
    assert a.var != b.var and b.var not in a.js


def test_adding_a_base_layer_is_one_line(monkeypatch):
    """A layer appended to maps.BASE_LAYERS is drawn and listed in the layer control."""
    maps.use_local_leaflet()
    extra = lambda date: folium.GeoJson(maps.infrastructure_geojson(), name="Extra test layer")  # noqa: E731
    monkeypatch.setattr(maps, "BASE_LAYERS", [*maps.BASE_LAYERS, extra])
    base = mapview.render_base(maps.base_map(DATE))
    assert "Extra test layer" in [name for name, _, _ in base.controls]
    assert base.script.count("L.geoJson(") == len(maps.BASE_LAYERS) - 1  # all but the tile layer
