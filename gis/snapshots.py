"""Validate and add a user's newer occupied-territory snapshot to the history."""

from __future__ import annotations

import os
from datetime import date as Date
from pathlib import Path

import geopandas as gpd
import shapely

from gis import GisError, crs, layers
from gis.frontline import clean_polygonal, derive_sides
from gis.uploads import read_geojson_file


def check_new_date(date: object, replace: bool = False) -> str:
    """A snapshot date to add: exactly YYYY-MM-DD, a real day, not in the future, and new
    unless ``replace``. Raises GisError."""
    day = layers.parse_date(date)
    if day is None:
        raise GisError(f"Date must be a real day written YYYY-MM-DD (e.g. 2026-09-01), got {str(date)[:40]!r}.")
    if day > Date.today():
        raise GisError(f"Date {date} is in the future (today is {Date.today().isoformat()}).")
    if date in layers.dates() and not replace:
        kind = "a shipped" if date in layers.shipped_dates() else "an added"
        raise GisError(f"There is already {kind} snapshot for {date}; give --replace to replace it.")
    return str(date)


def add_snapshot(path: str | Path, date: str, replace: bool = False) -> dict:
    """Validate, repair and store ``path`` as the occupied territory on ``date``.

    The file obeys the upload limits (gis.uploads, 20 MB). Returns a summary
    (date, occupied_km2, frontline_km, repaired, notices). Raises GisError.
    """
    date = check_new_date(date, replace)
    upload = read_geojson_file(path, kinds=("Polygon",))
    raw = upload.combined()
    geom = clean_polygonal(raw)
    # the same derivation as the shipped dates (line fill with the water mask); raises if it is not a real front
    sides = derive_sides(crs.to_metric_densified(geom), layers.ukraine_metric(), water=layers.water_metric())
    clipped = crs.to_wgs84(sides.occupied)
    folder = layers.user_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    gdf = gpd.GeoDataFrame({"date": [date], "source": [layers.USER_SOURCE]}, geometry=[clipped], crs="EPSG:4326")
    gdf["line_fill"] = gpd.GeoSeries([crs.to_wgs84(sides.fill)], crs="EPSG:4326")
    target = folder / f"occupied_{date}.parquet"
    partial = folder / f".occupied_{date}.parquet.partial"
    gdf.to_parquet(partial)
    os.replace(partial, target)  # never a half-written snapshot
    return {
        "date": date,
        "occupied_km2": round(float(crs.area_km2(sides.occupied)), 1),
        "frontline_km": round(float(crs.length_km(sides.frontline)), 1),
        "repaired": upload.repaired or not shapely.equals(raw, geom),
        "notices": upload.notices,
    }
