"""RFC 7946 GeoJSON and CSV writers.

RFC 7946: WGS84 lon/lat only (no ``crs`` member), exterior rings
counter-clockwise, holes clockwise, 6 decimals (~0.1 m) by default.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from gis import GisError, crs, layers
from gis.population import PopulationEstimate
from gis.zones import Zone

COORD_DECIMALS = 6


def _clean(value):
    """JSON-safe property value (numpy scalars -> Python, NaN -> None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _round(geom_ll: BaseGeometry) -> BaseGeometry:
    """Snap to a 1e-6 degree grid, keeping the geometry valid (repairs slivers the snap creates)."""
    try:
        return shapely.set_precision(geom_ll, 10**-COORD_DECIMALS)
    except shapely.errors.GEOSException:  # rare topology failures on thin slivers
        return shapely.make_valid(shapely.transform(geom_ll, lambda xy: np.round(xy, COORD_DECIMALS)))


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of ``geom`` (a Polygon or MultiPolygon; empty if it has none): differences and the
    grid snap can leave stray lines and points in a GeometryCollection, which shapefiles and GeoPackages refuse."""
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon) or geom.is_empty:
        return geom
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
    polys = [q for p in parts for q in (shapely.get_parts(p) if isinstance(p, shapely.MultiPolygon) else [p])]
    polys = [q for q in polys if isinstance(q, shapely.Polygon) and q.area > 0]
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def feature(geom_ll: BaseGeometry, properties: dict, polygon: bool = False) -> dict:
    """One RFC 7946 Feature from a lon/lat geometry; ``polygon``: keep only its polygons (``polygonal``)."""
    geom = _round(geom_ll)
    if polygon:
        geom = polygonal(geom)
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    return {
        "type": "Feature",
        "properties": {k: _clean(v) for k, v in properties.items()},
        "geometry": mapping(geom) if not geom.is_empty else None,
    }


def feature_collection(features: list[dict], **meta) -> dict:
    """A FeatureCollection; ``meta`` (e.g. attribution) goes in foreign members."""
    return {"type": "FeatureCollection", **{k: _clean(v) for k, v in meta.items()}, "features": features}


def zone_features(
    zone: Zone, proposal: str | None = None, simplify_m: float = 0.0, people: PopulationEstimate | None = None
) -> list[dict]:
    """The zone's two sides as (Multi)Polygon features (side, depth_km, area_km2, date, proposal, source) and,
    given the zone's ``people``, the pre-war residents of each side (``people``) and of the whole zone
    (``zone_people``, ``zone_people_low``, ``zone_people_high``)."""
    feats = []
    for side, depth, geom_m, area in zone.parts():
        if simplify_m:
            geom_m = shapely.simplify(geom_m, simplify_m)
        props = {
            "layer": "zone",
            "side": side,
            "depth_km": round(depth, 3),
            "area_km2": round(area, 2),
            "width_km": zone.width_km,
            "split": zone.split,
            "date": zone.date,
            "proposal": proposal,
        }
        if people is not None:
            props |= {
                "people": round(people.occupied if side == "occupied" else people.ukraine_controlled),
                "zone_people": round(people.estimate),
                "zone_people_low": round(people.low),
                "zone_people_high": round(people.high),
            }
        feats.append(feature(crs.to_wgs84(geom_m), {**props, "source": layers.ATTRIBUTION}, polygon=True))
    return feats


def gdf_features(gdf, layer: str) -> list[dict]:
    """Features from a lon/lat GeoDataFrame; its columns become properties."""
    props = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    return [
        feature(g, {"layer": layer, **p, "source": layers.ATTRIBUTION})
        for g, p in zip(gdf.geometry.values, props, strict=True)
    ]


def points_features(df: pd.DataFrame, layer: str) -> list[dict]:
    """Point features from a DataFrame with lon/lat columns."""
    rest = df.drop(columns=["lon", "lat"]).to_dict("records")
    return [
        feature(shapely.Point(lon, lat), {"layer": layer, **p})
        for lon, lat, p in zip(df["lon"], df["lat"], rest, strict=True)
    ]


def dumps(fc: dict) -> str:
    """Serialise compactly (UTF-8 text)."""
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":"))


def write_geojson(fc: dict, path: str | Path) -> Path:
    """Write a FeatureCollection; raises GisError if the path is not writable."""
    path = Path(path)
    try:
        path.write_text(dumps(fc), encoding="utf-8")
    except OSError as e:
        raise GisError(f"Cannot write {path}: {e.strerror or e}.") from None
    return path


def coverage_features(cov) -> list[dict]:
    """Posts (points), watched area (polygon) and gaps (lines, km) of a ``monitoring.Coverage``."""
    feats = [feature(crs.to_wgs84(p), {"layer": "post", "index": i}) for i, p in enumerate(cov.posts)]
    feats.append(
        feature(
            crs.to_wgs84(shapely.simplify(cov.covered, 20)),
            {"layer": "coverage", "zone_covered_pct": cov.zone_covered_pct, "line_covered_pct": cov.line_covered_pct},
            polygon=True,
        )
    )
    feats += [
        feature(crs.to_wgs84(g), {"layer": "gap", "rank": i + 1, "length_km": round(g.length / 1000, 2)})
        for i, g in enumerate(cov.gaps)
    ]
    return feats
