"""Validate and add a user's newer occupied-territory snapshot to the history."""

from __future__ import annotations

from datetime import date as Date
from pathlib import Path

import geopandas as gpd
import shapely

from gis import GisError, crs, layers
from gis.frontline import clean_polygonal, derive_sides
from gis.uploads import read_geojson_bytes

MAX_SNAPSHOT_BYTES = 50 * 1024 * 1024


def add_snapshot(path: str | Path, date: str) -> dict:
    """Validate, repair and store ``path`` as the occupied territory on ``date``.

    Returns a summary (date, occupied_km2, frontline_km, repaired). Raises GisError.
    """
    try:
        Date.fromisoformat(date)
    except (TypeError, ValueError):
        raise GisError(f"Date must look like YYYY-MM-DD, got {str(date)[:40]!r}.") from None
    path = Path(path)
    if not path.is_file():
        raise GisError(f"No such file: {path}.")
    if path.stat().st_size > MAX_SNAPSHOT_BYTES:
        raise GisError(f"{path.name} is larger than {MAX_SNAPSHOT_BYTES // 2**20} MB.")
    upload = read_geojson_bytes(path.read_bytes(), kinds=("Polygon",))
    raw = shapely.union_all(upload.geometries)
    geom = clean_polygonal(raw)
    sides = derive_sides(crs.to_metric(geom), layers.ukraine_metric())  # raises if it is not a real front
    clipped = crs.to_wgs84(sides.occupied)
    folder = layers.user_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    gdf = gpd.GeoDataFrame({"date": [date], "source": [layers.USER_SOURCE]}, geometry=[clipped], crs="EPSG:4326")
    gdf.to_parquet(folder / f"occupied_{date}.parquet")
    layers.front.cache_clear()
    return {"date": date, "occupied_km2": round(float(crs.area_km2(sides.occupied)), 1),
            "frontline_km": round(float(crs.length_km(sides.frontline)), 1),
            "repaired": upload.repaired or not raw.equals(geom), "notices": upload.notices}
