"""Folium maps built from the layers and zones, simplified for the browser.

The map draws offline: Leaflet comes from the XStatic-Leaflet package, copied
into the app's ``static/`` folder and served by Streamlit at ``/app/static``;
no tiles are needed because Ukraine, its oblasts and towns form a vector
basemap. Online OpenStreetMap tiles are an optional layer only.
"""

from __future__ import annotations

import json
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
from gis.frontline import Front
from gis.present import COLORS, ZONE_COLORS, distance_range_text, side_label
from gis.zones import Zone

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


def _ll(geom_m, tol_m: float, keep_topology: bool = True):
    """Metric geometry -> simplified lon/lat geometry on a grid finer than the tolerance (smaller payload).
    Simplified in metres first (fewer vertices to reproject), then each vertex rounded on its own: drawing
    needs no validity, and a topology-preserving rounding cost several times more (and failed on slivers).
    ``keep_topology=False`` (per-move layers): plain Douglas-Peucker, 3-4x faster, same area within 0.01 %."""
    grid = BROWSER_GRID_DEG if tol_m >= 50 else BROWSER_GRID_DEG / 10
    ll = crs.to_wgs84(shapely.simplify(geom_m, tol_m, preserve_topology=keep_topology))
    return shapely.set_precision(ll, grid, mode="pointwise")


def _style(
    color: str,
    fill: str | None = None,
    weight: float = 1.0,
    opacity: float = 0.35,
    dash: str | None = None,
    pane: str | None = None,
):
    """A folium style function; ``pane``: a point marker's pane (folium passes the style to the marker)."""
    style = {
        "color": color,
        "weight": weight,
        "fillColor": fill or color,
        "fillOpacity": opacity if fill else 0.0,
        "fill": fill is not None,
    }
    if dash:
        style["dashArray"] = dash
    if pane:
        style["pane"] = pane
    return lambda _feature: style


@lru_cache(maxsize=1)
def basemap_geojson() -> dict:
    """Simplified oblasts (the vector basemap) as a GeoJSON dict (cached)."""
    obl = layers.oblasts()
    obl_m = crs.to_metric(obl.geometry.values)
    obl_s = gpd.GeoDataFrame(obl[["iso", "name_en"]], geometry=list(_ll(obl_m, OBLAST_SIMPLIFY_M)), crs="EPSG:4326")
    return {"oblasts": obl_s.__geo_interface__}


@lru_cache(maxsize=1)
def infrastructure_geojson() -> dict:
    """Nuclear plants as GeoJSON points with a tooltip label."""
    infra = layers.infrastructure()
    infra = infra[infra.kind == layers.NUCLEAR_KIND]
    labels = [f"{r.name}: {r.detail}" for r in infra.itertuples()]
    return gpd.GeoDataFrame({"label": labels}, geometry=infra.geometry.values, crs="EPSG:4326").__geo_interface__


@lru_cache(maxsize=1)
def energy_geojson() -> dict:
    """Thermal, hydroelectric and pumped-storage plants (WRI) as GeoJSON points with a tooltip label."""
    infra = layers.infrastructure()
    infra = infra[infra.kind.isin(layers.ENERGY_KINDS)]
    labels = [f"{r.name}: {r.kind}, {r.detail}" for r in infra.itertuples()]
    return gpd.GeoDataFrame({"label": labels}, geometry=infra.geometry.values, crs="EPSG:4326").__geo_interface__


def date_geojson(front: Front) -> dict:
    """What the base map draws of a date (simplified for the browser): occupied area, frontline, bounds,
    grey zone, pre-2022 occupied; with the ``date``."""
    f, date = front, front.date
    occ = gpd.GeoDataFrame(
        {"name": ["Occupied (DeepStateMap)"]}, geometry=[_ll(f.sides.occupied, SIMPLIFY_BASE_M)], crs="EPSG:4326"
    )
    line = gpd.GeoDataFrame(
        {"name": [f"Frontline {date}"]}, geometry=[_ll(f.frontline, SIMPLIFY_ZONE_M)], crs="EPSG:4326"
    )
    x0, y0, x1, y1 = line.total_bounds
    return {
        "occupied": occ.__geo_interface__,
        "frontline": line.__geo_interface__,
        "bounds": [[y0, x0], [y1, x1]],
        "greyzone": _simplified(layers.greyzone()),
        "pre2022": _simplified(layers.pre2022_occupied()),
        "date": date,
    }


def _simplified(gdf: gpd.GeoDataFrame, tol_m: float = SIMPLIFY_BASE_M) -> dict:
    """A lon/lat layer simplified for the browser, as a GeoJSON dict."""
    geoms = _ll(crs.to_metric(gdf.geometry.values), tol_m)
    return gpd.GeoDataFrame(
        gdf.drop(columns=gdf.geometry.name), geometry=list(geoms), crs="EPSG:4326"
    ).__geo_interface__


def base_map(
    front: Front,
    height_px: int = 620,
    legend: list | None = None,
    fill_height: bool = False,
    view_key: str | None = None,
) -> folium.Map:
    """The static map of a date: the map helpers, the ``BASE_LAYERS`` in order, a legend (the page's entries,
    then the base map's), the data credit; opens on the front, clear of the legend, with a 'Reset view' button.
    ``fill_height``: the map fills its frame's height (the page sizes the frame with CSS) instead of
    ``height_px``. ``view_key``: maps of this name keep the reader's view while the page lives (e.g. History's
    map from date to date)."""
    m = folium.Map(
        location=[48.0, 35.6],
        zoom_start=6,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        min_zoom=4,
        max_zoom=13,
        height=height_px,
        zoom_snap=0.25,
    )
    MapTools(fill_height).add_to(m)
    geo = date_geojson(front)
    for make_layer in BASE_LAYERS:
        make_layer(geo).add_to(m)
    Legend(legend_html([*(legend or DEFAULT_LEGEND), *BASE_LEGEND])).add_to(m)
    # open on the front (not all of Ukraine), clear of the legend, or on the reader's kept view; not folium's
    # fit_bounds, whose zoom animation would end after (and undo) the kept view
    Home(geo["bounds"], view_key).add_to(m)
    Attribution(f"Front {front.date} © DeepStateMap.live · Minregion · GeoNames · airportsdata · WRI").add_to(m)
    return m


# ---------------------------------------------------------------- the base map's layers, one builder each


def oblasts_layer(geo: dict) -> folium.GeoJson:
    """Ukraine's oblasts: the vector basemap (no tiles needed offline)."""
    return folium.GeoJson(
        basemap_geojson()["oblasts"],
        name="Basemap",
        control=False,
        interactive=False,
        style_function=_style(COLORS["oblast"], COLORS["ukraine"], 0.7, 1.0),
    )


def osm_tiles_layer(geo: dict) -> folium.TileLayer:
    """OpenStreetMap tiles, off by default: they load only online."""
    return folium.TileLayer("OpenStreetMap", name="OpenStreetMap tiles (online only)", show=False, overlay=True)


def occupied_layer(geo: dict) -> folium.GeoJson:
    return folium.GeoJson(
        geo["occupied"],
        name=f"Occupied territory ({geo['date']})",
        interactive=False,
        style_function=_style(COLORS["occupied"], COLORS["occupied"], 0.5, 0.25),
    )


def greyzone_layer(geo: dict) -> folium.GeoJson:
    return folium.GeoJson(
        geo["greyzone"],
        name="Grey zone (contested, 2025-08-03)",
        show=False,
        style_function=_style(COLORS["greyzone"], COLORS["greyzone"], 0.5, 0.5),
    )


def pre2022_layer(geo: dict) -> folium.GeoJson:
    return folium.GeoJson(
        geo["pre2022"],
        name="Pre-2022 occupied (ORDLO, Crimea)",
        show=False,
        style_function=_style(COLORS["pre2022"], None, 1.5, dash="6 4"),
        interactive=False,
    )


def frontline_layer(geo: dict) -> folium.GeoJson:
    return folium.GeoJson(
        geo["frontline"],
        name=f"Frontline ({geo['date']})",
        style_function=_style(COLORS["frontline"], None, 2.2),
        tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        pane="ffeLines",  # above the zone fills (gis/maptools.js)
    )


def towns_layer(geo: dict) -> FfeLayer:
    """Towns of 1,000+ people (``places()``, shipped with ``MapTools``) as dots sized by population, more
    of them as the reader zooms in; hovering shows name, people (2022) and oblast."""
    return FfeLayer("Towns and cities (dot size: people)", "FFE.towns({map})")


def place_names_layer(geo: dict) -> FfeLayer:
    """Names of the nuclear plants, of the main cities (oblast centres, 50,000+ people) at the opening view,
    smaller towns as the reader zooms in (``TOWN_TIERS``), and oblast names; placed without overlaps
    (gis/maptools.js)."""
    obl = oblast_label_points()
    data = {
        "name": obl["name"].tolist(),
        "lat": _round(obl["lat"], 3),
        "lon": _round(obl["lon"], 3),
        "zooms": OBLAST_LABEL_ZOOMS,
    }
    npp = layers.infrastructure()
    npp = npp[npp.kind == layers.NUCLEAR_KIND]
    plants = {"name": npp["name"].tolist(), "lat": _round(npp.geometry.y, 4), "lon": _round(npp.geometry.x, 4)}
    return FfeLayer("Place names", f"FFE.labels({{map}}, {_js(data)}, {_js(plants)})")


def airports_layer(geo: dict) -> FfeLayer:
    """Airports and air bases (airportsdata): a plane symbol with name, kind and code."""
    a = layers.infrastructure()
    a = a[a.kind.isin(AIRPORT_KINDS)]
    data = {
        "name": a["name"].tolist(),
        "lat": _round(a.geometry.y, 4),
        "lon": _round(a.geometry.x, 4),
        "tip": [f"<b>{_esc(r.name)}</b><br>{_esc(r.kind)}, {_esc(r.code)}" for r in a.itertuples()],
    }
    return FfeLayer("Airports and air bases", f"FFE.airports({{map}}, {_js(data)})")


def energy_layer(geo: dict) -> folium.GeoJson:
    """Thermal, hydroelectric and pumped-storage plants (Global Power Plant Database, WRI): a brown dot; the
    tooltip gives kind, capacity and events since the source (the Kakhovka dam)."""
    return folium.GeoJson(
        energy_geojson(),
        name="Thermal and hydro power plants",
        marker=folium.CircleMarker(radius=4.5, weight=1.5, fill=True),
        style_function=_style("#000000", COLORS["energy"], 1.5, 0.95),
        tooltip=folium.GeoJsonTooltip(["label"], labels=False),
    )


def npp_layer(geo: dict) -> folium.GeoJson:
    return folium.GeoJson(
        infrastructure_geojson(),
        name="Nuclear power plants",
        marker=folium.CircleMarker(radius=7, weight=2, fill=True),
        style_function=_style("#000000", COLORS["npp"], 2.0, 0.95, pane="ffePlants"),  # above the zone fills
        tooltip=folium.GeoJsonTooltip(["label"], labels=False),
    )


# The base map's layers, bottom to top: each entry builds one folium layer (or FeatureGroup) from a date's
# ``date_geojson``.
# The pages render the base map once per date and page and reuse it (ui/cached.base_map_for), so a
# static layer added here is drawn on every map and costs nothing per slider move.
BASE_LAYERS: list[Callable[[dict], folium.map.Layer]] = [
    oblasts_layer,
    osm_tiles_layer,
    occupied_layer,
    greyzone_layer,
    pre2022_layer,
    frontline_layer,
    towns_layer,
    energy_layer,
    npp_layer,
    airports_layer,
    place_names_layer,
]

AIRPORT_KINDS = ("airport", "air base")
# Town tiers: (people at least, dot shown from zoom, name shown from zoom). The opening view of the front is
# at zoom ~6.5-7.5; oblast centres count as the first tier whatever their size.
TOWN_TIERS = (
    (50_000, 0.0, 0.0),
    (20_000, 6.5, 7.5),
    (10_000, 6.5, 8.0),
    (5_000, 7.5, 8.75),
    (2_000, 8.0, 9.5),
    (1_000, 9.0, 10.25),
)
OBLAST_LABEL_ZOOMS = (5.0, 9.0)  # oblast names from/to these zooms


def town_radius_px(people) -> np.ndarray:
    """Dot radius (px) for a population: its area grows with the number of people (1.7 px at 1,000, 9.7 at 1.4 M)."""
    return np.round(np.minimum(10.0, 1.5 + 0.22 * np.sqrt(np.asarray(people, dtype=float) / 1000.0)), 1)


@lru_cache(maxsize=1)
def places() -> dict:
    """Settlements of 1,000+ people (and oblast centres) as columns for the browser, most important first
    (tier, then people): name, lat, lon, pop (None if unknown), figure (the name saying what ``pop`` is where it
    is an urban hromada's total, "Kherson urban hromada"; else None), obl (index into ``oblast_names()``),
    r (dot radius, px), tier (index into ``TOWN_TIERS``; 0: oblast centre or 50,000+ people)."""
    s = layers.settlements()
    s = s[(s.population >= TOWN_TIERS[-1][0]) | s.oblast_centre].copy()
    pop = s.population.fillna(0).to_numpy()
    major = s.oblast_centre.to_numpy(dtype=bool) | (pop >= TOWN_TIERS[0][0])
    tier = np.select([major] + [pop >= t[0] for t in TOWN_TIERS[1:]], list(range(len(TOWN_TIERS))), len(TOWN_TIERS) - 1)
    s = s.assign(_tier=tier, _pop=pop).sort_values(["_tier", "_pop"], ascending=[True, False])
    iso_index = {iso: i for i, iso in enumerate(layers.oblasts()["iso"])}
    return {
        "name": s["name"].tolist(),
        "lat": _round(s.geometry.y, 3),
        "lon": _round(s.geometry.x, 3),
        "pop": [None if p != p else int(p) for p in s.population],
        "figure": [lab if lab != n else None for lab, n in zip(s["label"], s["name"], strict=True)],
        "obl": [iso_index.get(i, -1) for i in s.iso],
        "r": town_radius_px(s._pop.clip(lower=1000)).tolist(),
        "tier": s._tier.astype(int).tolist(),
    }


@lru_cache(maxsize=1)
def oblast_names() -> list[str]:
    """Oblast names in ``layers.oblasts()`` order (the towns' ``obl`` index)."""
    return layers.oblasts()["name_en"].tolist()


@lru_cache(maxsize=1)
def oblast_label_points() -> pd.DataFrame:
    """Where each oblast's name goes: the pole of inaccessibility of its largest part (lon/lat);
    not for the cities with oblast status (Kyiv, Sevastopol), which are labelled as cities."""
    from shapely.ops import polylabel

    obl = layers.oblasts()
    obl = obl[obl.name_en.str.contains("Oblast|Republic")]
    rows = []
    for name, geom in zip(obl.name_en, crs.to_metric(obl.geometry.values), strict=True):
        largest = max(shapely.get_parts(geom), key=lambda g: g.area)
        pt = crs.to_wgs84(polylabel(largest, tolerance=1000.0))
        rows.append({"name": name.replace("Autonomous Republic of Crimea", "Crimea"), "lon": pt.x, "lat": pt.y})
    return pd.DataFrame(rows)


def _round(values, digits: int) -> list[float]:
    return [round(float(v), digits) for v in values]


def _js(obj) -> str:
    """Compact JSON for embedding in the map's script."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _esc(text) -> str:
    """HTML-escape a tooltip text."""
    import html

    return html.escape(str(text))


MAPTOOLS_JS = (Path(__file__).with_name("maptools.js")).read_text(encoding="utf-8")
MAPTOOLS_CSS = """
.ffe-label { position: absolute; white-space: nowrap; line-height: 1; color: #1b1b1b;
  font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }
.ffe-city { font-weight: 700; }
.ffe-town { font-weight: 400; color: #303030; }
.ffe-oblast { font-weight: 600; color: #7d7d7d; letter-spacing: 1.5px; }
.ffe-airport { position: absolute; width: 14px; height: 14px; font: 11px/14px sans-serif; text-align: center;
  color: #0b3d91; background: #fff; border: 1px solid #0b3d91; border-radius: 50%; box-shadow: 0 0 2px rgba(0,0,0,.3); }
.leaflet-container .leaflet-control-attribution, .leaflet-container .leaflet-control-scale-line { font-size: 11px; }
.ffe-dot-hover .leaflet-tooltip:not(.ffe-tip) { display: none; }
.ffe-legend summary { cursor: pointer; font-weight: 600; }
.ffe-legend details:not([open]) summary { margin: 0; }
.ffe-plant { font-weight: 700; color: #5e2477; }
.ffe-home a { font: bold 18px/30px sans-serif; text-decoration: none; color: #1b1b1b; }
/* The map lets the page scroll: one finger scrolls the page, two move and zoom the map (FFE.gestures). */
.leaflet-container.leaflet-touch-drag.leaflet-touch-zoom { touch-action: pan-x pan-y; }
.ffe-hint { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); z-index: 1000;
  padding: 6px 10px; border-radius: 4px; background: rgba(0,0,0,.72); color: #fff; font: 14px/1.3 sans-serif;
  pointer-events: none; opacity: 0; transition: opacity .2s; white-space: nowrap; }
/* A narrow map (phone): the credit wraps beside the scale bar instead of covering it. */
@media (max-width: 560px) {
  .leaflet-bottom.leaflet-right { max-width: calc(100% - 140px); }
  .leaflet-control-attribution { white-space: normal; line-height: 1.25; font-size: 10px !important; }
}
"""


# A map that fills the page: its frame (the st_folium iframe) is as tall as the screen below the page's top.
# The map's own script gives the frame this rule once (FFE.fillFrame): a style element the page re-rendered
# on every slider move resized the map each time (~0.07 s of the browser's CPU per move).
FILL_FRAME_CSS = (
    "iframe.ffe-fill { height: max(440px, calc(100vh - 320px)) !important; }"
    # a phone: the map leaves room for the page around it (a swipe over it scrolls the page too)
    " @media (max-width: 640px) { iframe.ffe-fill { height: 60vh !important; min-height: 360px; } }"
)


class MapTools(MacroElement):
    """The map helpers (gis/maptools.js), their CSS and the place list the town and name layers share
    (``places()``, ``TOWN_TIERS``, oblast names), once per base map, before its layers.

    ``fill_height``: the map fills the page's height (``FILL_FRAME_CSS``) instead of its fixed height."""

    _template = Template("""
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}{{ this.js }}
        FFE.init({{ this._parent.get_name() }}, {{ this.places }}, {{ this.fill_css }});
        {% endmacro %}
    """)

    def __init__(self, fill_height: bool = False):
        super().__init__()
        self._name = "MapTools"
        self.js = MAPTOOLS_JS
        self.places = _js({**places(), "tiers": TOWN_TIERS, "oblasts": oblast_names()})
        self.css = MAPTOOLS_CSS + ("#map_div { height: 100vh !important; }" if fill_height else "")
        self.fill_css = _js(FILL_FRAME_CSS if fill_height else None)


class FfeLayer(folium.map.Layer):
    """A layer made by a gis/maptools.js function: ``call`` is its JS with ``{map}`` for the map variable
    (an overlay listed in the layer control)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.call.replace('{map}', this._parent.get_name()) }};
        {% endmacro %}
    """)

    def __init__(self, name: str, call: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "FfeLayer"
        self.call = call


def zone_layer(
    zone: Zone,
    towns: pd.DataFrame | None = None,
    label: str = "Zone",
    colors: tuple[str, str] = ZONE_COLORS["A"],
) -> folium.FeatureGroup:
    """The zone (both sides) and the settlements inside it, as one feature group holding ONE element
    (``ZoneShapes``): the two parts as GeoJSON geometries and the towns as dot columns, drawn by
    ``FFE.zone`` (a few folium objects per move cost more to build and render than the data itself)."""
    fg = folium.FeatureGroup(name=label, show=True)
    parts = []
    for (side, depth, geom, area), color in zip(zone.parts(), colors, strict=True):
        if geom.is_empty:
            continue
        side_name = "occupied side" if side == "occupied" else "Ukrainian-controlled side"
        tol = zone_simplify_m(depth) if depth == depth else SIMPLIFY_ZONE_M  # NaN depth: custom zone
        tip = (
            f"{label}, {side_name}: {depth:g} km deep, {area:,.0f} km²"
            if depth == depth
            else f"{label}, {side_name}: {area:,.0f} km²"
        )
        parts.append(
            f'{{"g":{shapely.to_geojson(_ll(geom, tol, keep_topology=False))},"c":{_js(color)},"t":{_js(_esc(tip))}}}'
        )
    dots = _js(zone_towns(towns.head(MAX_TOWN_MARKERS))) if towns is not None and len(towns) else "null"
    ZoneShapes(f'{{"parts":[{",".join(parts)}],"towns":{dots}}}').add_to(fg)
    return fg


MAX_TOWN_MARKERS = 300


def zone_towns(towns: pd.DataFrame) -> dict:
    """Settlements inside a zone as dot columns (lat, lon, r, tip) for ``FFE.zone``: the tooltip gives name,
    people (2022), side, km from the line and the share inside the zone."""
    tips = []
    cols = [
        towns[c].to_numpy(dtype)
        for c, dtype in (
            ("name", object),
            ("population", float),
            ("side", object),
            ("km_min", float),
            ("km_max", float),
            ("share_inside", float),
        )
    ]
    for name, pop, side, km_min, km_max, share in zip(
        *cols, strict=True
    ):  # plain arrays: itertuples is slow on Arrow strings
        people = f"{pop:,.0f} people (2022)" if pop == pop else "population unknown"
        tips.append(
            f"<b>{_esc(name)}</b><br>{people}<br>{side_label(side)} side, "
            f"{distance_range_text(km_min, km_max)} from the line<br>{share:.0%} inside the zone"
        )
    return {
        "lat": _round(towns["lat"], 4),
        "lon": _round(towns["lon"], 4),
        "r": (town_radius_px(towns["population"].fillna(0).clip(lower=1000)) + 1).tolist(),
        "dz": dot_zoom(towns["population"]).tolist(),
        "tip": tips,
    }


def dot_zoom(people) -> np.ndarray:
    """The zoom from which a settlement's dot shows (``TOWN_TIERS``): at country scale only the towns of 10,000+,
    the smaller ones as the reader zooms in (hundreds of dots would hide the zone)."""
    pop = np.nan_to_num(np.asarray(people, dtype=float), nan=0.0)
    zooms = np.full(len(pop), TOWN_TIERS[-1][1])
    for least, dot_from, _ in reversed(TOWN_TIERS):
        zooms[pop >= least] = dot_from
    return zooms


class ZoneShapes(MacroElement):
    """One zone's parts and towns, pre-serialised (``data``: a JSON string), drawn into the feature group.
    The browser reads the data with JSON.parse (faster than parsing the same object as JavaScript)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        FFE.zone({{ this._parent._parent.get_name() }}, {{ this._parent.get_name() }}, JSON.parse({{ this.data_js }}));
        {% endmacro %}
    """)

    def __init__(self, data: str):
        super().__init__()
        self._name = "ZoneShapes"
        self.data_js = json.dumps(data)  # a JS string literal holding the JSON

    def render(self, **kwargs) -> None:
        """Nothing to do ahead: the map widget renders the script macro itself (ui/mapview.render_layer,
        st_folium). branca's render would copy the script into the figure as a new Jinja template, i.e.
        compile ~100 KB of data as a template (~5 ms per zone)."""


class Home(MacroElement):
    """The opening view on ``bounds`` ([[s, w], [n, e]]) clear of the legend, a 'Reset view' button, and with
    ``view_key`` the reader's view kept between maps of that name (``FFE.home``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        FFE.home({{ this._parent.get_name() }}, {{ this.bounds }}, {{ this.view_key }});
        {% endmacro %}
    """)

    def __init__(self, bounds, view_key: str | None = None):
        super().__init__()
        self._name = "Home"
        self.bounds = _js(bounds)
        self.view_key = _js(view_key)


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
    """A compact legend (HTML) in the map's top-right corner, over Russia rather than the front; it folds
    (a <details> element: click 'Legend')."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
          var legend = L.control({position: 'topright'});
          legend.onAdd = function() {
            var div = L.DomUtil.create('div', 'ffe-legend');
            div.style.cssText = 'background:rgba(255,255,255,.92);padding:4px 8px;font:11px/1.3 '
                'sans-serif;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:210px';
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            var details = div.querySelector('details'), map = {{ this._parent.get_name() }};
            if (map.getSize().x < {{ this.fold_below_px }}) { details.open = false; }  // a narrow map: folded
            details.addEventListener('toggle', function () { map.fire('ffe:relayout'); });  // labels move aside
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html: str, fold_below_px: int = 760):
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.fold_below_px = fold_below_px


def legend_html(entries: list[tuple[str, str, str]]) -> str:
    """A foldable HTML legend: (label, colour, kind) with kind in fill/line/point/airport."""
    rows = []
    for label, color, kind in entries:
        if kind == "line":
            sw = f'<span style="display:inline-block;width:16px;border-top:3px solid {color};margin-bottom:3px"></span>'
        elif kind == "point":
            sw = (
                '<span style="display:inline-block;width:8px;height:8px;border-radius:50%;'
                f'background:{color};border:1px solid #000;margin:0 4px"></span>'
            )
        elif kind == "airport":
            sw = f'<span style="display:inline-block;width:16px;text-align:center;color:{color}">&#9992;</span>'
        else:
            sw = (
                '<span style="display:inline-block;width:16px;height:10px;'
                f'background:{color};opacity:.75;border:1px solid {color}"></span>'
            )
        rows.append(f'<div style="margin:1px 0;white-space:nowrap">{sw}&nbsp;{label}</div>')
    return f"<details open><summary>Legend</summary>{''.join(rows)}</details>"


# A page's legend entries come first, then the base map's (on every map).
DEFAULT_LEGEND = [
    ("Zone, occupied side", COLORS["zone_occupied"], "fill"),
    ("Zone, Ukrainian-controlled side", COLORS["zone_controlled"], "fill"),
    ("Settlement inside the zone", "#ffffff", "point"),
]
REACH_LEGEND = [
    ("Still within Russian reach (class in sidebar)", COLORS["reach_russian"], "fill"),
    ("Still within Ukrainian reach", COLORS["reach_ukrainian"], "fill"),
]
BASE_LEGEND = [
    ("Frontline", COLORS["frontline"], "line"),
    ("Occupied territory", COLORS["occupied"], "fill"),
    ("Town (dot size: people)", COLORS["town"], "point"),
    ("Nuclear power plant", COLORS["npp"], "point"),
    ("Thermal or hydro power plant", COLORS["energy"], "point"),
    ("Airport or air base", COLORS["airport"], "airport"),
]


def reach_layer(band: dict, label: str) -> folium.FeatureGroup:
    """Where a weapon class still reaches after the pull-back (``reach.reach_band``): on each side, a hatched-
    looking outline band (dashed edge, light fill) in the colour of the side whose weapons reach it."""
    fg = folium.FeatureGroup(name=label, show=True)
    for side, color, whose in (
        ("ukraine_controlled", COLORS["reach_russian"], "Russian"),
        ("occupied", COLORS["reach_ukrainian"], "Ukrainian"),
    ):
        geom = band[side]
        if geom.is_empty:
            continue
        folium.GeoJson(
            shapely.to_geojson(_ll(geom, SIMPLIFY_BASE_M, keep_topology=False)),
            style_function=_style(color, color, 1.6, 0.12, dash="5 4"),
            tooltip=f"{label}: within reach of {whose} positions after the pull-back ({side_label(side)} side)",
            interactive=True,
        ).add_to(fg)
    return fg


def coverage_layer(cov, label: str = "Monitoring") -> folium.FeatureGroup:
    """Watched area (green), gaps on the line (red) and posts (dots) of a ``monitoring.Coverage``."""
    fg = folium.FeatureGroup(name=label, show=True)
    if not cov.covered.is_empty:
        folium.GeoJson(
            shapely.to_geojson(_ll(cov.covered, SIMPLIFY_ZONE_M)),
            style_function=_style(COLORS["coverage"], COLORS["coverage"], 0.8, 0.3),
            tooltip=f"Watched: {cov.zone_covered_pct:.1f} % of the zone, {cov.line_covered_pct:.1f} % of the line",
        ).add_to(fg)
    if cov.gaps:
        gaps = gpd.GeoDataFrame(
            {"label": [f"Gap {i + 1}: {g.length / 1000:.1f} km of line unwatched" for i, g in enumerate(cov.gaps)]},
            geometry=list(_ll(np.array(cov.gaps, dtype=object), 50.0)),
            crs="EPSG:4326",
        )
        folium.GeoJson(
            gaps.__geo_interface__,
            style_function=_style(COLORS["gap"], None, 4.0),
            tooltip=folium.GeoJsonTooltip(["label"], labels=False),
        ).add_to(fg)
    if cov.posts.size:
        pts = crs.to_wgs84(cov.posts)
        data = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"label": f"Post {i + 1}"},
                    "geometry": {"type": "Point", "coordinates": [round(p.x, 5), round(p.y, 5)]},
                }
                for i, p in enumerate(pts)
            ],
        }
        folium.GeoJson(
            data,
            marker=folium.CircleMarker(radius=2.5, weight=1, fill=True),
            style_function=_style(COLORS["posts"], COLORS["posts"], 1.0, 1.0),
            tooltip=folium.GeoJsonTooltip(["label"], labels=False),
        ).add_to(fg)
    return fg


MONITORING_LEGEND = [
    ("Watched area", COLORS["coverage"], "fill"),
    ("Unwatched stretch of line (gap)", COLORS["gap"], "line"),
    ("Monitoring post", COLORS["posts"], "point"),
    ("Zone, occupied side", COLORS["zone_occupied"], "fill"),
    ("Zone, Ukrainian-controlled side", COLORS["zone_controlled"], "fill"),
]
