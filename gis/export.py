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


def feature(geom_ll: BaseGeometry, properties: dict) -> dict:
    """One RFC 7946 Feature from a lon/lat geometry."""
    geom = shapely.orient_polygons(_round(geom_ll), exterior_cw=False)
    return {
        "type": "Feature",
        "properties": {k: _clean(v) for k, v in properties.items()},
        "geometry": mapping(geom) if not geom.is_empty else None,
    }


def feature_collection(features: list[dict], **meta) -> dict:
    """A FeatureCollection; ``meta`` (e.g. attribution) goes in foreign members."""
    return {"type": "FeatureCollection", **{k: _clean(v) for k, v in meta.items()}, "features": features}


def zone_features(zone: Zone, proposal: str | None = None, simplify_m: float = 0.0) -> list[dict]:
    """The zone's two sides as features (side, depth_km, area_km2, date, proposal, source)."""
    feats = []
    for side, depth, geom_m, area in zone.parts():
        if simplify_m:
            geom_m = shapely.simplify(geom_m, simplify_m)
        feats.append(
            feature(
                crs.to_wgs84(geom_m),
                {
                    "layer": "zone",
                    "side": side,
                    "depth_km": round(depth, 3),
                    "area_km2": round(area, 2),
                    "width_km": zone.width_km,
                    "split": zone.split,
                    "date": zone.date,
                    "proposal": proposal,
                    "source": layers.ATTRIBUTION,
                },
            )
        )
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
        )
    )
    feats += [
        feature(crs.to_wgs84(g), {"layer": "gap", "rank": i + 1, "length_km": round(g.length / 1000, 2)})
        for i, g in enumerate(cov.gaps)
    ]
    return feats
