"""The map widget, rendered once and reused: st_folium's component fed with cached strings.

``st_folium`` re-renders the whole folium map on every rerun (Jinja templates
compiled again, the same GeoJSON dumped again): about half of a slider move's
server time, for a base map that did not change. What it sends to the browser
is a handful of strings (the map script, header, HTML, asset links) that depend
only on the map, plus one string per dynamic layer and one for the layer
control. So here:

- ``render_base`` turns a base map into those strings once (the caller caches
  the result per date and page);
- ``render_layer`` turns a dynamic ``folium.FeatureGroup`` into the JS that adds
  it to the browser's map (the caller caches it per zone);
- ``show`` calls the st_folium component with the cached strings, so a rerun
  only joins strings.

The strings are made by streamlit-folium's own functions (pinned 0.27.4,
``requirements.txt``), so the browser side is unchanged: dynamic layers are
swapped in place (the user's zoom survives a slider move) and the map is
re-mounted only when the base map or ``key`` changes, as with ``st_folium``.
``tests/test_mapview.py`` checks the strings equal what ``st_folium`` sends.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from textwrap import dedent

import branca
import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf
from folium.map import Layer

MAP_VAR = "map_div"  # the browser-side name st_folium gives the map


@dataclass(frozen=True)
class RenderedMap:
    """What the st_folium component needs from a base map, rendered once.

    ``controls``: (name in the layer control, JS variable, is an overlay) of its layers."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: dict
    zoom: float | None
    controls: tuple[tuple[str, str, bool], ...]


@dataclass(frozen=True)
class MapLayer:
    """A dynamic layer rendered for the browser: its name, JS variable and the JS that adds it to the map."""

    name: str
    var: str
    js: str


def render_base(m: folium.Map) -> RenderedMap:
    """Render a base map to the strings st_folium would send (the same steps as ``st_folium``)."""
    m.get_root().render()
    m.render()
    html, header = sf._get_html(m), sf._get_header(m)
    script = sf._get_map_string(m)  # renames the elements' variables (map -> map_div, layers -> *_div_N)
    (s, w), (n, e) = m.get_bounds()
    bounds = {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}
    css, js = _asset_links(m)
    controls = tuple(
        (item.layer_name, item.get_name(), bool(item.overlay))
        for item in m._children.values()
        if isinstance(item, Layer) and item.control
    )
    return RenderedMap(script, header, html, sf.get_full_id(m), css, js, bounds, m.options.get("zoom"), controls)


def _asset_links(m: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """CSS and JS links of the map and its elements, deduplicated in order (as st_folium collects them)."""
    css, js = [], []
    stack = [m]
    while stack:
        el = stack.pop(0)
        if isinstance(el, branca.colormap.ColorMap):
            raise ValueError("colour maps need d3 from a CDN: not supported offline")
        if isinstance(el, folium.elements.JSCSSMixin):
            css += [href for _, href in el.default_css]
            js += [src for _, src in el.default_js]
        stack[:0] = list(getattr(el, "_children", {}).values())  # depth-first, children in order
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))


_hosts = threading.local()


def _host_map() -> folium.Map:
    """A bare map per thread to render layers on (building one compiled a dozen Jinja templates: ~9 ms)."""
    if not hasattr(_hosts, "map"):
        _hosts.map = folium.Map(tiles=None)
    return _hosts.map


def render_layer(fg: folium.FeatureGroup) -> MapLayer:
    """Render a feature group to the JS that adds it to the browser's map (st_folium's format).

    A bare host map (one per thread, the layer removed again after rendering) stands in for the base map
    while rendering (the JS names the map ``map_div`` either way), so shared cached maps are never modified."""
    token = fg._id[:12]  # unique per layer: two dynamic layers on one map never share a variable
    host = _host_map()
    fig = host.get_root()
    parts = (host, fig.header, fig.html, fig.script)
    before = [set(el._children) for el in parts]
    try:
        js = sf._get_feature_group_string(fg, host, idx=token)  # type: ignore[arg-type]
    finally:  # rendering also copied the layer's script into the host's figure: drop it (else it grows per layer)
        for el, keep in zip(parts, before, strict=True):
            for name in set(el._children) - keep:
                del el._children[name]
    return MapLayer(fg.layer_name, f"feature_group_feature_group_{token}", js)


class _BrowserMap:
    """Stands in for the map as a layer control's parent: the browser's map variable."""

    @staticmethod
    def get_name() -> str:
        return MAP_VAR


@lru_cache(maxsize=256)
def layer_control_js(entries: tuple[tuple[str, str, bool], ...]) -> str:
    """A collapsed layer control over (name, JS variable, is an overlay) layers (st_folium's format)."""
    ctl = folium.LayerControl(collapsed=True)
    ctl._id = "layer_control"
    ctl._parent = _BrowserMap()  # type: ignore[assignment]
    for name, var, overlay in entries:
        (ctl.overlays if overlay else ctl.base_layers)[name] = var
    return dedent(ctl._template.module.script(ctl)) + "\nwindow.layer_control = layer_control_layer_control;\n"


@lru_cache(maxsize=256)
def _instance_key(script: str, key: str | None) -> str:
    """The component's identity: it changes (and the map re-mounts) only with the base map or ``key``."""
    return sf.generate_js_hash(script, key, False)


def show(
    base: RenderedMap,
    layers: Iterable[MapLayer],
    key: str | None,
    height: int = 620,
    returned_objects: list[str] | None = None,
):
    """Draw ``base`` with ``layers`` on top; returns the chosen map events (st_folium's return value)."""
    layers = list(layers)
    returned = returned_objects or []
    defaults = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": base.bounds,
        "zoom": base.zoom,
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    hash_key = _instance_key(base.script, key)

    def on_change() -> None:  # as st_folium: the latest map events under the caller's key
        if key is not None:
            st.session_state[key] = st.session_state.get(hash_key, {})

    controls = base.controls + tuple((layer.name, layer.var, True) for layer in layers)
    return sf._component_func(
        script=base.script,
        header=base.header,
        html=base.html,
        id=base.map_id,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=returned,
        default={k: v for k, v in defaults.items() if k in returned},
        zoom=None,
        center=None,
        feature_group="".join(layer.js for layer in layers),
        return_on_hover=False,
        layer_control=layer_control_js(controls),
        pixelated=False,
        css_links=list(base.css_links),
        js_links=list(base.js_links),
        on_change=on_change,
        wrap_longitude=False,
    )


def clicked_point(value) -> tuple[float, float] | None:
    """The (lon, lat) of the last map click in ``value`` (what ``show`` returns with
    ``returned_objects=["last_clicked"]``), or None when there is none or it is malformed: the value comes
    from the browser, where any page script can post anything (``streamlit:setComponentValue`` with ``[1, 2, 3]``)."""
    click = value.get("last_clicked") if isinstance(value, dict) else None
    if not isinstance(click, dict):
        return None
    lng, lat = click.get("lng"), click.get("lat")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lng, lat)):
        return None
    if not (math.isfinite(lng) and math.isfinite(lat) and -180 <= lng <= 180 and -90 <= lat <= 90):
        return None
    return float(lng), float(lat)
