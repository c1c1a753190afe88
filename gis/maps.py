"""Folium maps built from the layers and zones, simplified for the browser.

The map draws offline: Leaflet comes from the XStatic-Leaflet package, copied
into the app's ``static/`` folder and served by Streamlit at ``/app/static``;
no tiles are needed because Ukraine, its oblasts and towns form a vector
basemap. Online OpenStreetMap tiles are an optional layer only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template

from gis import crs, layers
from gis.zones import SIDE_LABELS, Zone

# One place for the colours (also used in the legend).
COLORS = {
    "occupied": "#b2182b", "frontline": "#67000d", "zone_occupied": "#f4a442", "zone_controlled": "#2b83ba",
    "greyzone": "#7f7f7f", "ukraine": "#f7f7f2", "oblast": "#8c8c8c", "town": "#333333", "npp": "#7b3294",
    "pre2022": "#000000", "posts": "#1a9850", "coverage": "#66bd63", "gap": "#d7191c",
}
# Simplification tolerances for the browser (m): about a screen pixel at zoom 7-8.
SIMPLIFY_BASE_M = 300.0
SIMPLIFY_ZONE_M = 100.0
OBLAST_SIMPLIFY_M = 1500.0  # the basemap's oblast outlines: reference only


def zone_simplify_m(depth_km: float) -> float:
    """Browser simplification for a zone part: 0.8 % of its depth, 5-100 m (keeps area within 0.5 %)."""
    return float(min(SIMPLIFY_ZONE_M, max(5.0, depth_km * 8.0)))
LEAFLET_URL = "/app/static/vendor/leaflet"


def install_leaflet_assets(static_dir: Path) -> Path:
    """Copy Leaflet from the installed XStatic-Leaflet package into ``static_dir/vendor/leaflet``."""
    import xstatic.pkg.leaflet as xs

    target = static_dir / "vendor" / "leaflet"
    if not (target / "leaflet.js").exists():
        shutil.copytree(xs.BASE_DIR, target, dirs_exist_ok=True)
    return target


def use_local_leaflet(base_url: str = LEAFLET_URL) -> None:
    """Point folium at the local Leaflet (and drop its other CDN assets, unused here)."""
    folium.Map.default_js = [("leaflet", f"{base_url}/leaflet.js")]
    folium.Map.default_css = [("leaflet_css", f"{base_url}/leaflet.css")]


# Coordinates sent to the browser are rounded to 1e-4 degrees (about 10 m).
BROWSER_GRID_DEG = 1e-4


def _ll(geom_m, tol_m: float):
    """Metric geometry -> simplified lon/lat geometry on a grid finer than the tolerance (smaller payload)."""
    grid = BROWSER_GRID_DEG if tol_m >= 50 else BROWSER_GRID_DEG / 10
    ll = crs.to_wgs84(shapely.simplify(geom_m, tol_m, preserve_topology=True))
    try:
        return shapely.set_precision(ll, grid)
    except shapely.errors.GEOSException:  # rare topology failures on thin slivers: just round (drawing needs no validity)
        return shapely.set_precision(ll, grid, mode="pointwise")


def _style(color: str, fill: str | None = None, weight: float = 1.0, opacity: float = 0.35, dash: str | None = None):
    style = {"color": color, "weight": weight, "fillColor": fill or color, "fillOpacity": opacity if fill else 0.0,
             "fill": fill is not None}
    if dash:
        style["dashArray"] = dash
    return lambda _feature: style


@lru_cache(maxsize=1)
def basemap_geojson() -> dict:
    """Simplified Ukraine outline and oblasts as GeoJSON dicts (cached)."""
    obl = layers.oblasts()
    obl_m = crs.to_metric(obl.geometry.values)
    obl_s = gpd.GeoDataFrame(obl[["iso", "name_en"]], geometry=list(_ll(obl_m, OBLAST_SIMPLIFY_M)), crs="EPSG:4326")
    towns = layers.settlements()
    towns = towns[towns.population >= 100_000]
    towns = towns.assign(label=[f"{p:,.0f} people (2022)" for p in towns.population])[["name", "label", "geometry"]]
    return {"oblasts": obl_s.__geo_interface__, "towns": towns.__geo_interface__}


@lru_cache(maxsize=1)
def infrastructure_geojson() -> dict:
    """Nuclear plants as GeoJSON points with a tooltip label."""
    infra = layers.infrastructure()
    infra = infra[infra.kind == "nuclear power plant"]
    labels = [f"{r.name}: {r.detail}" for r in infra.itertuples()]
    return gpd.GeoDataFrame({"label": labels}, geometry=infra.geometry.values, crs="EPSG:4326").__geo_interface__


@lru_cache(maxsize=16)
def date_geojson(date: str) -> dict:
    """Simplified occupied area and frontline for a date (cached)."""
    f = layers.front(date)
    occ = gpd.GeoDataFrame({"name": ["Occupied (DeepStateMap)"]}, geometry=[_ll(f.sides.occupied, SIMPLIFY_BASE_M)], crs="EPSG:4326")
    line = gpd.GeoDataFrame({"name": [f"Frontline {date}"]}, geometry=[_ll(f.frontline, SIMPLIFY_ZONE_M)], crs="EPSG:4326")
    x0, y0, x1, y1 = line.total_bounds
    return {"occupied": occ.__geo_interface__, "frontline": line.__geo_interface__, "bounds": [[y0, x0], [y1, x1]],
            "greyzone": _simplified(layers.greyzone()), "pre2022": _simplified(layers.pre2022_occupied())}


def _simplified(gdf: gpd.GeoDataFrame, tol_m: float = SIMPLIFY_BASE_M) -> dict:
    """A lon/lat layer simplified for the browser, as a GeoJSON dict."""
    geoms = _ll(crs.to_metric(gdf.geometry.values), tol_m)
    return gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=list(geoms), crs="EPSG:4326").__geo_interface__


def base_map(date: str, height_px: int = 620, legend: list | None = None) -> folium.Map:
    """The static map of a date: the ``BASE_LAYERS`` in order, a legend, the data credit; opens on the front."""
    m = folium.Map(location=[48.0, 35.6], zoom_start=6, tiles=None, control_scale=True,
                   prefer_canvas=False, min_zoom=4, max_zoom=13, height=height_px, zoom_snap=0.25)
    for make_layer in BASE_LAYERS:
        make_layer(date).add_to(m)
    Legend(legend_html(legend or DEFAULT_LEGEND)).add_to(m)
    m.fit_bounds(date_geojson(date)["bounds"])  # open on the front, not on all of Ukraine
    Attribution(f"Front {date} © DeepStateMap.live · Minregion · GeoNames").add_to(m)
    return m


# ---------------------------------------------------------------- the base map's layers, one builder each


def oblasts_layer(date: str) -> folium.GeoJson:
    """Ukraine's oblasts: the vector basemap (no tiles needed offline)."""
    return folium.GeoJson(basemap_geojson()["oblasts"], name="Basemap", control=False, interactive=False,
                          style_function=_style(COLORS["oblast"], COLORS["ukraine"], 0.7, 1.0))


def osm_tiles_layer(date: str) -> folium.TileLayer:
    """OpenStreetMap tiles, off by default: they load only online."""
    return folium.TileLayer("OpenStreetMap", name="OpenStreetMap tiles (online only)", show=False, overlay=True)


def occupied_layer(date: str) -> folium.GeoJson:
    return folium.GeoJson(date_geojson(date)["occupied"], name=f"Occupied territory ({date})", interactive=False,
                          style_function=_style(COLORS["occupied"], COLORS["occupied"], 0.5, 0.25))


def greyzone_layer(date: str) -> folium.GeoJson:
    return folium.GeoJson(date_geojson(date)["greyzone"], name="Grey zone (contested, 2025-08-03)", show=False,
                          style_function=_style(COLORS["greyzone"], COLORS["greyzone"], 0.5, 0.5))


def pre2022_layer(date: str) -> folium.GeoJson:
    return folium.GeoJson(date_geojson(date)["pre2022"], name="Pre-2022 occupied (ORDLO, Crimea)", show=False,
                          style_function=_style(COLORS["pre2022"], None, 1.5, dash="6 4"), interactive=False)


def frontline_layer(date: str) -> folium.GeoJson:
    return folium.GeoJson(date_geojson(date)["frontline"], name=f"Frontline ({date})",
                          style_function=_style(COLORS["frontline"], None, 2.2),
                          tooltip=folium.GeoJsonTooltip(["name"], labels=False))


def towns_layer(date: str) -> folium.GeoJson:
    """Cities of 100,000+ (GeoNames) as dots with a tooltip."""
    return folium.GeoJson(basemap_geojson()["towns"], name="Cities (100k+)", marker=folium.CircleMarker(radius=2.5, weight=1, fill=True),
                          style_function=_style(COLORS["town"], COLORS["town"], 1.0, 0.9),
                          tooltip=folium.GeoJsonTooltip(["name", "label"], labels=False))


def npp_layer(date: str) -> folium.GeoJson:
    return folium.GeoJson(infrastructure_geojson(), name="Nuclear power plants", marker=folium.CircleMarker(radius=7, weight=2, fill=True),
                          style_function=_style("#000000", COLORS["npp"], 2.0, 0.95),
                          tooltip=folium.GeoJsonTooltip(["label"], labels=False))


# The base map's layers, bottom to top: each entry builds one folium layer (or FeatureGroup) for a date.
# The pages render the base map once per date and page and reuse it (ui/common.base_map_for), so a
# static layer added here is drawn on every map and costs nothing per slider move.
BASE_LAYERS: list[Callable[[str], folium.map.Layer]] = [
    oblasts_layer, osm_tiles_layer, occupied_layer, greyzone_layer, pre2022_layer, frontline_layer, towns_layer, npp_layer,
]


def zone_layer(zone: Zone, towns: pd.DataFrame | None = None, label: str = "Zone",
               colors: tuple[str, str] = (COLORS["zone_occupied"], COLORS["zone_controlled"])) -> folium.FeatureGroup:
    """The zone (both sides) and the settlements inside it, as one feature group."""
    fg = folium.FeatureGroup(name=label, show=True)
    for (side, depth, geom, area), color in zip(zone.parts(), colors):
        if geom.is_empty:
            continue
        side_name = "occupied side" if side == "occupied" else "Ukrainian-controlled side"
        tol = zone_simplify_m(depth) if depth == depth else SIMPLIFY_ZONE_M  # NaN depth: custom zone
        folium.GeoJson(shapely.to_geojson(_ll(geom, tol)), style_function=_style(color, color, 1.0, 0.45),
                       tooltip=f"{label}, {side_name}: {depth:g} km deep, {area:,.0f} km²").add_to(fg)
    if towns is not None and len(towns):
        folium.GeoJson(towns_geojson(towns.head(MAX_TOWN_MARKERS)), marker=folium.CircleMarker(radius=3, weight=0.8, fill=True),
                       style_function=_style("#000000", "#ffffff", 0.8, 1.0),
                       tooltip=folium.GeoJsonTooltip(["label"], labels=False)).add_to(fg)
    return fg


MAX_TOWN_MARKERS = 300


def towns_geojson(towns: pd.DataFrame) -> dict:
    """Settlements inside a zone as GeoJSON points with a tooltip label."""
    from gis.stats import town_phrase

    labels = [f"{town_phrase(r)}, {SIDE_LABELS[r.side]} side" for r in towns.itertuples()]
    feats = [{"type": "Feature", "properties": {"label": lab}, "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}}
             for lab, lon, lat in zip(labels, towns["lon"], towns["lat"])]
    return {"type": "FeatureCollection", "features": feats}


class Attribution(MacroElement):
    """Adds a text to the map's attribution control (data credit and date)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix('Leaflet');
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


class Legend(MacroElement):
    """A legend box (HTML) in the map's top-right corner, over Russia rather than the front."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
          var legend = L.control({position: 'topright'});
          legend.onAdd = function() {
            var div = L.DomUtil.create('div', 'ffe-legend');
            div.style.cssText = 'background:rgba(255,255,255,.92);padding:6px 9px;font:12px/1.35 sans-serif;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3)';
            div.innerHTML = {{ this.html|tojson }};
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html: str):
        super().__init__()
        self._name = "Legend"
        self.html = html


def legend_html(entries: list[tuple[str, str, str]]) -> str:
    """An HTML legend: (label, colour, kind) with kind in fill/line/point."""
    rows = []
    for label, color, kind in entries:
        if kind == "line":
            sw = f'<span style="display:inline-block;width:18px;border-top:3px solid {color};margin-bottom:3px"></span>'
        elif kind == "point":
            sw = f'<span style="display:inline-block;width:9px;height:9px;border-radius:50%;background:{color};border:1px solid #000"></span>'
        else:
            sw = f'<span style="display:inline-block;width:16px;height:11px;background:{color};opacity:.75;border:1px solid {color}"></span>'
        rows.append(f'<div style="margin:2px 0">{sw}&nbsp;{label}</div>')
    return "".join(rows)


DEFAULT_LEGEND = [
    ("Frontline", COLORS["frontline"], "line"), ("Occupied territory", COLORS["occupied"], "fill"),
    ("Zone, occupied side", COLORS["zone_occupied"], "fill"), ("Zone, Ukrainian-controlled side", COLORS["zone_controlled"], "fill"),
    ("Settlement inside the zone", "#ffffff", "point"), ("Nuclear power plant", COLORS["npp"], "point"),
]


def coverage_layer(cov, label: str = "Monitoring") -> folium.FeatureGroup:
    """Watched area (green), gaps on the line (red) and posts (dots) of a ``monitoring.Coverage``."""
    fg = folium.FeatureGroup(name=label, show=True)
    if not cov.covered.is_empty:
        folium.GeoJson(shapely.to_geojson(_ll(cov.covered, SIMPLIFY_ZONE_M)), style_function=_style(COLORS["coverage"], COLORS["coverage"], 0.8, 0.3),
                       tooltip=f"Watched: {cov.zone_covered_pct:.1f} % of the zone, {cov.line_covered_pct:.1f} % of the line").add_to(fg)
    if cov.gaps:
        gaps = gpd.GeoDataFrame({"label": [f"Gap {i + 1}: {g.length / 1000:.1f} km of line unwatched" for i, g in enumerate(cov.gaps)]},
                                geometry=list(_ll(np.array(cov.gaps, dtype=object), 50.0)), crs="EPSG:4326")
        folium.GeoJson(gaps.__geo_interface__, style_function=_style(COLORS["gap"], None, 4.0),
                       tooltip=folium.GeoJsonTooltip(["label"], labels=False)).add_to(fg)
    if cov.posts.size:
        pts = crs.to_wgs84(cov.posts)
        data = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"label": f"Post {i + 1}"}, "geometry": {"type": "Point", "coordinates": [round(p.x, 5), round(p.y, 5)]}}
            for i, p in enumerate(pts)]}
        folium.GeoJson(data, marker=folium.CircleMarker(radius=2.5, weight=1, fill=True),
                       style_function=_style(COLORS["posts"], COLORS["posts"], 1.0, 1.0),
                       tooltip=folium.GeoJsonTooltip(["label"], labels=False)).add_to(fg)
    return fg


MONITORING_LEGEND = [
    ("Frontline", COLORS["frontline"], "line"), ("Watched area", COLORS["coverage"], "fill"),
    ("Unwatched stretch of line (gap)", COLORS["gap"], "line"), ("Monitoring post", COLORS["posts"], "point"),
    ("Zone, occupied side", COLORS["zone_occupied"], "fill"), ("Zone, Ukrainian-controlled side", COLORS["zone_controlled"], "fill"),
]
