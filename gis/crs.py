"""Coordinate reference systems and the transforms between them.

* ``METRIC_CRS``: a transverse Mercator centred on the front (35.5 E, 48.5 N,
  scale 1). Its point scale factor is 1 + (dlon*cos(lat))^2/2, so along the
  whole front (31-40.5 E) the distance error stays below 0.2 %. All buffers and
  distances are computed here, in metres.
* ``EQUAL_AREA_CRS``: ETRS89 / LAEA Europe (EPSG:3035). All areas (km2).
* ``WGS84``: lon/lat for storage, the browser and RFC 7946 export.
* ``CEA_CRS``: Lambert cylindrical equal-area on the WGS84 ellipsoid, for the
  area of user shapes of any extent (the whole world, the poles), where
  EPSG:3035 and the metric CRS do not reach.

RFC 7946 edges are straight in lon/lat. Reprojecting only the vertices of a
long edge would replace that path by a straight line in the target CRS (a
pole-to-pole strip collapses), so user shapes are densified in lon/lat first
(``densify_lonlat``).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from pyproj import CRS, Transformer

WGS84 = CRS.from_epsg(4326)
METRIC_PROJ = "+proj=tmerc +lat_0=48.5 +lon_0=35.5 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
METRIC_CRS = CRS.from_proj4(METRIC_PROJ)
EQUAL_AREA_CRS = CRS.from_epsg(3035)
CEA_CRS = CRS.from_proj4("+proj=cea +lon_0=0 +lat_ts=0 +ellps=WGS84 +units=m +no_defs")
DENSIFY_DEG = 0.05  # lon/lat edge length before reprojection: ~5 km, < 1 m off the true path in METRIC_CRS
DENSIFY_MAX_ADDED = 10_000  # vertices added at most: a longer step beyond 500 degrees of edges (bounds the work)


# pyproj keeps its PROJ objects per thread and re-creates a transformer (and a CRS) the first time
# another thread uses it: ~10 ms each. Streamlit runs every rerun in a new thread, so a slider move
# paid that three times (to metric, to lon/lat, to equal-area: ~40 ms of a 130 ms move). All
# transforms therefore run in one long-lived worker thread, where each transformer is made once.
_PROJ_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyproj")


def _new_proj_thread() -> None:
    """A forked child has the executor but not its thread: give it its own."""
    global _PROJ_THREAD
    _PROJ_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyproj")


os.register_at_fork(after_in_child=_new_proj_thread)
_TRANSFORMERS: dict[tuple[int, int], tuple[CRS, CRS, Transformer]] = {}


def _transformer(src: CRS, dst: CRS) -> Transformer:
    """A lon/lat-ordered transformer from ``src`` to ``dst``, made once per pair (keyed by object: hashing
    a pyproj CRS exports its WKT; the CRSs are kept in the entry so their ids stay theirs)."""
    key = (id(src), id(dst))
    if key not in _TRANSFORMERS:
        _TRANSFORMERS[key] = (src, dst, Transformer.from_crs(src, dst, always_xy=True))
    return _TRANSFORMERS[key][2]


def transform_xy(src: CRS, dst: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y arrays from ``src`` to ``dst`` (one of the module's CRS constants), in the PROJ worker thread."""

    def run():
        out_x, out_y = _transformer(src, dst).transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(out_x), np.asarray(out_y)

    return _PROJ_THREAD.submit(run).result()


def _transform(geoms, src: CRS, dst: CRS):
    return shapely.transform(geoms, lambda xy: np.column_stack(transform_xy(src, dst, xy[:, 0], xy[:, 1])))


def to_metric(geoms):
    """lon/lat geometry (or array of them) -> METRIC_CRS metres."""
    return _transform(geoms, WGS84, METRIC_CRS)


def densify_lonlat(geoms, max_step_deg: float = DENSIFY_DEG, max_added: int = DENSIFY_MAX_ADDED):
    """Lon/lat geometry with extra vertices so no edge is longer than ``max_step_deg`` degrees.

    The step grows when the edges are so long in total that more than
    ``max_added`` vertices would be added, which bounds the work for any input.
    """
    total_deg = float(np.sum(shapely.length(geoms)))
    return shapely.segmentize(geoms, max(max_step_deg, total_deg / max_added))


def to_metric_densified(geoms):
    """User lon/lat geometry (edges straight in lon/lat, RFC 7946) -> METRIC_CRS, densified first."""
    return to_metric(densify_lonlat(geoms))


def area_km2_lonlat(geoms) -> float | np.ndarray:
    """Area in km2 of lon/lat geometry of any extent (poles and the whole world included), densified first."""
    return shapely.area(_transform(densify_lonlat(geoms), WGS84, CEA_CRS)) / 1e6


def to_wgs84(geoms):
    """METRIC_CRS geometry (or array) -> lon/lat."""
    return _transform(geoms, METRIC_CRS, WGS84)


def metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat arrays (degrees) -> METRIC_CRS x, y arrays (m)."""
    return transform_xy(WGS84, METRIC_CRS, lon, lat)


def area_km2(metric_geoms) -> float | np.ndarray:
    """Area in km2 of METRIC_CRS geometry, measured in the equal-area CRS."""
    ea = _transform(metric_geoms, METRIC_CRS, EQUAL_AREA_CRS)
    return shapely.area(ea) / 1e6


def length_km(metric_geoms) -> float | np.ndarray:
    """Geodesic length in km of METRIC_CRS line geometry."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    ll = to_wgs84(metric_geoms)
    if isinstance(ll, np.ndarray):
        return np.array([geod.geometry_length(g) / 1e3 for g in ll])
    return geod.geometry_length(ll) / 1e3
