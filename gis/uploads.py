"""Parse user GeoJSON safely: size cap, encoding, structure, CRS, validity.

Everything here raises ``GisError`` with a message for the user; nothing is
executed or written. Invalid-but-repairable geometry is repaired with a notice.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gis import GisError, layers

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 20 MB, also Streamlit's server.maxUploadSize
MAX_FEATURES = 10_000
_GEOM_FAMILY = {"Point": "Point", "MultiPoint": "Point", "LineString": "LineString",
                "MultiLineString": "LineString", "Polygon": "Polygon", "MultiPolygon": "Polygon"}


@dataclass
class Upload:
    """Parsed geometries (lon/lat) and what was done to them."""

    geometries: list[BaseGeometry]
    properties: list[dict]
    notices: list[str] = field(default_factory=list)
    repaired: bool = False


def _decode(data: bytes) -> dict:
    if len(data) > MAX_UPLOAD_BYTES:
        raise GisError(f"The file is {len(data) / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
    if not data.strip():
        raise GisError("The file is empty.")
    if data[:2] == b"PK":
        raise GisError("This looks like a zip archive (e.g. a zipped shapefile). Upload GeoJSON (.geojson) instead.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GisError("The file is not UTF-8 text. GeoJSON must be UTF-8 encoded (RFC 7946).") from None
    try:
        obj = json.loads(text, parse_constant=lambda c: float("nan"))
    except (json.JSONDecodeError, RecursionError) as e:
        msg = getattr(e, "msg", "too deeply nested")
        raise GisError(f"The file is not valid JSON ({msg}{', line %d' % e.lineno if hasattr(e, 'lineno') else ''}).") from None
    if not isinstance(obj, dict) or "type" not in obj:
        raise GisError("The file is JSON but not GeoJSON (no 'type' member).")
    return obj


def _raw_features(obj: dict) -> list[dict]:
    kind = obj.get("type")
    if kind == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list):
            raise GisError("The FeatureCollection has no 'features' list.")
    elif kind == "Feature":
        feats = [obj]
    elif kind in _GEOM_FAMILY or kind == "GeometryCollection":
        feats = [{"type": "Feature", "properties": {}, "geometry": obj}]
    else:
        raise GisError(f"Unsupported GeoJSON type {str(kind)[:40]!r}.")
    if not feats:
        raise GisError("The file contains no features (empty FeatureCollection).")
    if len(feats) > MAX_FEATURES:
        raise GisError(f"The file has {len(feats)} features; the limit is {MAX_FEATURES}.")
    return feats


def _declared_crs(obj: dict) -> CRS | None:
    """The legacy GeoJSON 'crs' member, if it names something other than WGS84 lon/lat."""
    name = ((obj.get("crs") or {}).get("properties") or {}).get("name") if isinstance(obj.get("crs"), dict) else None
    if not name or re.search(r"CRS84$|EPSG:+4326$", str(name)):
        return None
    try:
        return CRS.from_user_input(str(name))
    except CRSError:
        raise GisError(f"Unknown coordinate reference system {str(name)[:60]!r}. Use WGS84 lon/lat (EPSG:4326).") from None


def _numbers(coords, depth: int = 0):
    """Yield the numbers of a nested GeoJSON coordinates array (bounded depth)."""
    if depth > 6:
        raise GisError("Coordinates are nested too deeply.")
    if isinstance(coords, (int, float)):
        yield float(coords)
    elif isinstance(coords, list):
        for c in coords:
            yield from _numbers(c, depth + 1)


def _to_geometry(raw: dict, i: int) -> BaseGeometry | None:
    geom = raw.get("geometry") if isinstance(raw, dict) else None
    if geom is None:
        return None
    if isinstance(geom, dict) and not all(math.isfinite(v) for v in _numbers(geom.get("coordinates"))):
        raise GisError("Some coordinates are NaN or infinite.")
    try:
        g = shape(geom)
    except Exception:  # shapely raises many kinds for malformed coordinates
        raise GisError(f"Feature {i + 1} has a malformed geometry.") from None
    return shapely.force_2d(g)


def _check_coords(geoms: list[BaseGeometry]) -> None:
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all():
        raise GisError("Some coordinates are NaN or infinite.")
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        raise GisError("Coordinates are outside lon/lat range: the file looks projected (metres). "
                       "Re-export it as WGS84 lon/lat (EPSG:4326) or declare its CRS.")


def read_geojson_bytes(data: bytes, kinds: tuple[str, ...] = ("Point", "LineString", "Polygon")) -> Upload:
    """Parse GeoJSON bytes into lon/lat geometries of the allowed families.

    ``kinds`` are geometry families ("Point", "LineString", "Polygon"; Multi* count
    with their family). Geometries must touch Ukraine. Raises GisError.
    """
    obj = _decode(data)
    source_crs = _declared_crs(obj)
    notices: list[str] = []
    geoms, props = [], []
    for i, raw in enumerate(_raw_features(obj)):
        g = _to_geometry(raw, i)
        if g is None or g.is_empty:
            notices.append(f"Feature {i + 1} has an empty geometry and was skipped.")
            continue
        fam = {_GEOM_FAMILY.get(p.geom_type) for p in shapely.get_parts(g)}
        if not fam <= set(kinds):
            raise GisError(f"Feature {i + 1} is a {g.geom_type}; this upload takes {' or '.join(kinds)} geometries.")
        geoms.append(g)
        props.append(raw.get("properties") or {} if isinstance(raw, dict) else {})
    if not geoms:
        raise GisError("The file has no non-empty geometry.")
    if source_crs is not None:
        tr = Transformer.from_crs(source_crs, 4326, always_xy=True)
        geoms = [shapely.transform(g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))) for g in geoms]
        notices.append(f"Reprojected from {source_crs.name} to WGS84 lon/lat.")
    _check_coords(geoms)
    repaired = False
    for i, g in enumerate(geoms):
        if not g.is_valid:
            geoms[i] = shapely.make_valid(g)
            repaired = True
            notices.append(f"Feature {i + 1} was invalid ({shapely.is_valid_reason(g)}) and was repaired.")
    check_in_ukraine(geoms)
    return Upload(geoms, props, notices, repaired)


def check_in_ukraine(geoms: list[BaseGeometry]) -> None:
    """Raise GisError unless every lon/lat geometry touches Ukraine (hints at swapped lon/lat)."""
    ua = layers.ukraine().geometry.values[0]
    hits = shapely.intersects(np.array(geoms, dtype=object), ua)
    if hits.any():
        outside = int((~hits).sum())
        if outside:
            raise GisError(f"{outside} of {len(geoms)} geometries lie outside Ukraine.")
        return
    swapped = [shapely.transform(g, lambda xy: xy[:, ::-1]) for g in geoms]
    if shapely.intersects(np.array(swapped, dtype=object), ua).all():
        raise GisError("The geometries lie outside Ukraine, but would fall inside it with lon and lat swapped: "
                       "GeoJSON coordinates are [longitude, latitude].")
    raise GisError("The geometries lie outside Ukraine.")

