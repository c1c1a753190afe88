"""ui.mapview sends the browser what st_folium would, from strings rendered once."""

import json
import re

import folium
import pytest
import shapely
import streamlit_folium as sf

from gis import crs, layers, maps, present, zones
from ui import mapview

DATE = layers.DATA_DATE


def _st_folium_args(base: folium.Map, groups: list, monkeypatch) -> dict:
    """The arguments st_folium itself passes to its component for ``base`` + ``groups``."""
    seen = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kw: seen.update(kw))
    sf.st_folium(
        base,
        key="k",
        height=620,
        use_container_width=True,
        returned_objects=[],
        feature_group_to_add=groups,
        layer_control=folium.LayerControl(collapsed=True),
    )
    return seen


def _fg_names_normalised(js: str) -> str:
    """Dynamic layers' variables differ by design (st_folium numbers them, we name them by id)."""
    return re.sub(r"feature_group_(\d+|[0-9a-f]{12})(?![0-9a-f])", "feature_group_N", js)


@pytest.fixture(scope="module")
def zone(front):
    return zones.make_zone(front, 12.0, 0.5)


def test_base_map_strings_equal_st_folium(front, zone, monkeypatch):
    maps.use_local_leaflet()
    ours = mapview.render_base(maps.base_map(front))
    theirs = _st_folium_args(maps.base_map(front), [maps.zone_layer(zone, None, "Zone 12 km")], monkeypatch)
    assert ours.script == theirs["script"] and len(ours.script) > 10_000
    assert ours.header == theirs["header"] and ours.html == theirs["html"]
    assert list(ours.css_links) == theirs["css_links"] and list(ours.js_links) == theirs["js_links"]
    assert all(link.startswith(maps.LEAFLET_URL) for link in ours.js_links)  # offline Leaflet
    assert ours.map_id == theirs["id"] == "map_div"
    names = [name for name, _, _ in ours.controls]
    assert f"Frontline ({DATE})" in names and "Nuclear power plants" in names and "Basemap" not in names


def test_layer_and_layer_control_equal_st_folium(front, zone, monkeypatch):
    maps.use_local_leaflet()
    base = mapview.render_base(maps.base_map(front))
    layer = mapview.render_layer(maps.zone_layer(zone, None, "Zone 12 km"))
    theirs = _st_folium_args(maps.base_map(front), [maps.zone_layer(zone, None, "Zone 12 km")], monkeypatch)
    assert layer.name == "Zone 12 km" and layer.var in layer.js
    assert f"map_div.addLayer({layer.var})" in layer.js
    assert _fg_names_normalised(layer.js) == _fg_names_normalised(theirs["feature_group"])
    control = mapview.layer_control_js((*base.controls, (layer.name, layer.var, True)))
    assert _fg_names_normalised(control) == _fg_names_normalised(theirs["layer_control"])
    assert '"Zone 12 km"' in control and "window.layer_control" in control


def test_two_layers_get_distinct_variables(zone):
    a = mapview.render_layer(maps.zone_layer(zone, None, "A"))
    b = mapview.render_layer(maps.zone_layer(zone, None, "B"))
    assert a.var != b.var and b.var not in a.js


def test_adding_a_base_layer_is_one_line(front, monkeypatch):
    """A layer appended to maps.BASE_LAYERS is drawn and listed in the layer control."""
    maps.use_local_leaflet()
    extra = lambda date: folium.GeoJson(maps.infrastructure_geojson(), name="Extra test layer")  # noqa: E731
    monkeypatch.setattr(maps, "BASE_LAYERS", [*maps.BASE_LAYERS, extra])
    base = mapview.render_base(maps.base_map(front))
    controls = {name: var for name, var, _ in base.controls}
    assert "Extra test layer" in controls and f"{controls['Extra test layer']}.addTo(map_div)" in base.script
    shown = [var for name, var, _ in base.controls if not name.startswith(("OpenStreetMap", "Grey zone", "Pre-2022"))]
    assert all(f"{var}.addTo(map_div)" in base.script for var in shown)  # every layer shown at opening is drawn


def test_base_map_has_place_names_towns_airports_and_their_legend(front):
    maps.use_local_leaflet()
    base = mapview.render_base(maps.base_map(front))
    names = [name for name, _, _ in base.controls]
    assert {"Place names", "Towns and cities (dot size: people)", "Airports and air bases"} <= set(names)
    assert "Kramatorsk Airport" in base.script and "UKCK" in base.script  # name and code in the tooltip
    assert "Airport or air base" in base.script and "\\u003cdetails open" in base.script  # a legend entry; it folds
    assert "https://" not in "".join(base.js_links + base.css_links)  # nothing from a CDN: works offline


def test_place_list_ranks_the_main_cities_first():
    p = maps.places()
    tier0 = {n for n, t in zip(p["name"], p["tier"], strict=True) if t == 0}
    assert {
        "Kherson",
        "Zaporizhzhia",
        "Kharkiv",
        "Donetsk",
        "Dnipro",
        "Mykolaiv",
        "Luhansk",
        "Kramatorsk",
        "Melitopol",
        "Mariupol",
    } <= tier0  # labelled at the opening view
    s = layers.settlements()
    major = set(s.loc[s.oblast_centre | (s.population >= 50_000), "name"])
    assert tier0 == major
    assert p["tier"] == sorted(p["tier"])  # most important first: the label placement relies on the order
    assert all(pop is None or pop >= 1000 for pop, t in zip(p["pop"], p["tier"], strict=True) if t > 0)
    i, j = p["name"].index("Kharkiv"), p["name"].index("Kramatorsk")
    assert p["r"][i] > p["r"][j] > 0  # dots sized by population


def test_zone_layer_is_one_element_with_the_zone_and_its_towns(zone, pop_index, front):
    from gis import stats

    towns = stats.towns_inside(front, zone, pop_index)
    layer = mapview.render_layer(maps.zone_layer(zone, towns, "Zone 12 km"))
    assert layer.js.count("FFE.zone(") == 1 and "L.geoJson" not in layer.js  # no per-feature folium objects
    data = json.loads(json.loads(re.search(r"FFE\.zone\(map_div, \w+, JSON\.parse\((.*)\)\);", layer.js).group(1)))
    assert [p["c"] for p in data["parts"]] == [*present.ZONE_COLORS["A"]]
    drawn = [shapely.from_geojson(json.dumps(p["g"])) for p in data["parts"]]
    area = sum(crs.area_km2([crs.to_metric(g) for g in drawn]))
    assert abs(area - zone.area_km2) / zone.area_km2 < 0.005  # simplified for the browser, same area
    assert len(data["towns"]["tip"]) == min(len(towns), maps.MAX_TOWN_MARKERS)
    first = towns.iloc[0]
    tip = data["towns"]["tip"][0]
    assert first["name"] in tip and f"{first['population']:,.0f} people (2022)" in tip
    assert "side" in tip and "from the line" in tip and "inside the zone" in tip


def test_zone_dots_thin_out_at_country_scale_and_line_and_plants_sit_above_the_zone(front):
    """Issue 22: a zone's settlement dots show by size from the zoom of their tier (only towns of 10,000+ at the
    opening view); the frontline and the plants are drawn in panes above the zone fills, the plants named;
    the map opens clear of the legend with a 'Reset view' button, and lets pinch zoom."""
    zooms = maps.dot_zoom([500, 1_500, 6_000, 15_000, 60_000, float("nan")]).tolist()
    assert zooms == [9.0, 9.0, 7.5, 6.5, 0.0, 9.0]
    script = mapview.render_base(maps.base_map(front)).script
    assert '"pane": "ffeLines"' in script and '"pane": "ffePlants"' in script
    assert "FFE.home(map_div" in script and "map_div.fitBounds(" not in script  # no animated fit to undo a view
    assert '"Zaporizhzhia NPP"' in script.split("FFE.labels(")[-1]  # the plants among the place names
    assert "meta[name=viewport]" in maps.MAPTOOLS_JS  # the helper lifts folium's ban on pinch zoom
