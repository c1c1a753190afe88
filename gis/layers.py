"""Load the shipped layers of ``geodata/`` (lon/lat, EPSG:4326).

Everything is read lazily and cached per process: the files are small and
read-only. User-added occupied-territory snapshots live in ``user_data_dir()``.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis import GisError

GEODATA_DIR = Path(__file__).resolve().parents[1] / "geodata"
DATA_DATE = "2026-08-22"  # newest shipped frontline
ATTRIBUTION = "Occupied territory © DeepStateMap.live; boundaries © Minregion (CC BY-SA); settlements © GeoNames (CC BY 4.0)"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def user_data_dir() -> Path:
    """Folder for snapshots added with ``python -m gis add-snapshot`` (env FFE_USER_DATA)."""
    return Path(os.environ.get("FFE_USER_DATA", GEODATA_DIR / "user"))


@lru_cache(maxsize=None)
def _read(name: str) -> gpd.GeoDataFrame:
    path = GEODATA_DIR / name
    if not path.exists():
        raise GisError(f"Missing data file {path}. Run `python -m gis.build_data` or restore geodata/.")
    return gpd.read_parquet(path)


def oblasts() -> gpd.GeoDataFrame:
    """27 oblasts (incl. AR Crimea, Kyiv city, Sevastopol): iso, name_en, name_uk, pop_2022."""
    return _read("oblasts.parquet")


def ukraine() -> gpd.GeoDataFrame:
    """Ukraine's outline (the union of the oblasts), one row."""
    return _read("ukraine.parquet")


def greyzone() -> gpd.GeoDataFrame:
    """Contested ('Unknown status') polygons of 2025-08-03."""
    return _read("greyzone.parquet")


def infrastructure() -> gpd.GeoDataFrame:
    """Nuclear power plants (one point per plant)."""
    return _read("infrastructure.parquet")


def water() -> gpd.GeoDataFrame:
    """OpenStreetMap water areas inside Ukraine (lakes, reservoirs, river areas of 0.1 km2+)."""
    return _read("water.parquet")


@lru_cache(maxsize=1)
def water_metric():
    """The water mask as one METRIC_CRS geometry (m), prepared."""
    import shapely

    from gis import crs

    geom = crs.to_metric(shapely.union_all(water().geometry.values))
    shapely.prepare(geom)
    return geom


def korea_dmz() -> gpd.GeoDataFrame:
    """The Korean DMZ edges and Military Demarcation Line (reference)."""
    return _read("korea_dmz.parquet")


def pre2022_occupied() -> gpd.GeoDataFrame:
    """Pre-24-Feb-2022 occupied Donbas (ORDLO) and Crimea (reference)."""
    return _read("pre2022_occupied.parquet")


def settlements() -> gpd.GeoDataFrame:
    """GeoNames settlements of 500+ people: geonameid, name, population, iso."""
    return _read("settlements.parquet")


def population_units() -> pd.DataFrame:
    """Population units (method, lon, lat, pop, iso) calibrated to 2022 oblast totals."""
    return _read_plain("population_units.parquet")


@lru_cache(maxsize=None)
def _read_plain(name: str) -> pd.DataFrame:
    return pd.read_parquet(GEODATA_DIR / name)


def history() -> pd.DataFrame:
    """Per shipped date: occupied km2/%, frontline km, people in 4-50 km zones (split 0.5).

    Precomputed by ``gis.build_data`` with the same code as the live figures.
    """
    return _read_plain("history.parquet")


def _user_snapshots() -> gpd.GeoDataFrame | None:
    folder = user_data_dir()
    files = sorted(folder.glob("occupied_*.parquet")) if folder.exists() else []
    if not files:
        return None
    return pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)


def occupied_history() -> gpd.GeoDataFrame:
    """All occupied-territory snapshots (date, source, geometry), shipped and user-added."""
    shipped = _read("occupied.parquet")
    user = _user_snapshots()
    if user is None:
        return shipped
    merged = pd.concat([shipped[~shipped.date.isin(user.date)], user], ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326").sort_values("date").reset_index(drop=True)


def dates() -> list[str]:
    """Available snapshot dates (YYYY-MM-DD), oldest first."""
    return sorted(occupied_history()["date"].tolist())


def latest_date() -> str:
    return dates()[-1]


def check_date(date: str | None) -> str:
    """Validate a date string; None means the latest. Raises GisError."""
    if date is None:
        return latest_date()
    if not isinstance(date, str) or not _DATE_RE.match(date):
        raise GisError(f"Date must look like YYYY-MM-DD, got {str(date)[:40]!r}.")
    available = dates()
    if date not in available:
        raise GisError(f"No snapshot for {date}. Available: {available[0]} … {available[-1]} ({len(available)} dates).")
    return date


def occupied(date: str | None = None) -> gpd.GeoDataFrame:
    """The occupied territory on a date (one row)."""
    date = check_date(date)
    h = occupied_history()
    return h[h.date == date].reset_index(drop=True)


def shipped_frontlines() -> gpd.GeoDataFrame:
    """Precomputed frontline (date, length_km, geometry) for every shipped date."""
    return _read("frontline.parquet")


@lru_cache(maxsize=None)
def ukraine_metric():
    """Ukraine's outline in METRIC_CRS (m)."""
    from gis import crs

    return crs.to_metric(ukraine().geometry.values[0])


@lru_cache(maxsize=16)
def front(date: str | None = None):
    """The per-date context (sides, frontline) in METRIC_CRS, derived once and cached (~0.5 s)."""
    from gis import crs
    from gis.frontline import derive_sides, make_front

    date = check_date(date)
    row = occupied(date).iloc[0]
    ua = ukraine_metric()
    fill = row.get("line_fill")
    if fill is None or (isinstance(fill, float) and fill != fill):  # snapshot without a stored fill
        sides = derive_sides(crs.to_metric(row.geometry), ua, water=water_metric())
    else:
        sides = derive_sides(crs.to_metric(row.geometry), ua, fill=crs.to_metric(fill))
    return make_front(date, row["source"], sides, ua)


USER_SOURCE = "user-added snapshot"
