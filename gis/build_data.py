"""Regenerate ``geodata/`` from the raw public inputs in ``../shared/data``.

Run ``python -m gis.build_data [--raw DIR]``. The app and the tests only read
the committed ``geodata/``; this script documents (and reproduces) how it was
made. See ``geodata/SOURCES.md`` for provenance and licences.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis import crs, population
from gis.frontline import clean_polygonal, derive_sides, make_front
from gis.layers import GEODATA_DIR

RAW_DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# Oblast outlines are simplified (topology-preserving, shared edges kept) to this (m).
OBLAST_SIMPLIFY_M = 50.0
# The raw 2022-2025 API snapshots are used before this date, the daily files after.
DAILY_FROM = "2024-07-01"

_OCCUPIED_NAME = re.compile(r"occupied|окупован|ордло|cadr|зайняті ворогом|^крим$", re.I)
_NOT_OCCUPIED = re.compile(r"liberated|звільнен|unknown|під питанням", re.I)


def _write(df: pd.DataFrame, name: str) -> None:
    path = GEODATA_DIR / name
    df.to_parquet(path, compression="zstd")
    print(f"  {name}: {len(df)} rows, {path.stat().st_size / 1024:.0f} KiB")


def build_oblasts(raw: Path) -> gpd.GeoDataFrame:
    """Oblasts with English names, ISO 3166-2 codes and OCHA 2022 population."""
    obl = gpd.read_file(raw / "admin" / "oblast.geojson", encoding="utf-8-sig")
    cw = pd.read_csv(raw / "admin" / "oblast_crosswalk.csv", encoding="utf-8-sig")
    obl = obl.merge(cw, left_on="ADMIN_1", right_on="ADMIN_1_oblast_geojson", how="left", validate="1:1")
    if obl["ISO_3166_2"].isna().any():
        raise SystemExit(f"oblast without crosswalk row: {obl.loc[obl.ISO_3166_2.isna(), 'ADMIN_1'].tolist()}")
    metric = crs.to_metric(shapely.make_valid(obl.geometry.values))
    simplified = shapely.make_valid(shapely.coverage_simplify(metric, OBLAST_SIMPLIFY_M))
    out = gpd.GeoDataFrame(
        {
            "iso": obl["ISO_3166_2"],
            "name_en": obl["name_en"],
            "name_uk": obl["ADMIN_1"],
            "pop_2022": obl["T_TL_2022_CODPS"].astype("int64"),
        },
        geometry=crs.to_wgs84(simplified),
        crs="EPSG:4326",
    )
    return out.sort_values("iso").reset_index(drop=True)


def _raw_snapshot_occupied(path: Path) -> shapely.Geometry:
    """Union of the occupied-layer polygons of one raw DeepStateMap API snapshot."""
    data = json.loads(gzip.decompress(path.read_bytes()))
    geoms = []
    for feat in data["features"]:
        name = " ".join(p.strip() for p in str(feat["properties"].get("name", "")).split("///"))
        if not _OCCUPIED_NAME.search(name) or _NOT_OCCUPIED.search(name):
            continue
        geom = shapely.force_2d(shapely.geometry.shape(feat["geometry"]))
        geoms.append(clean_polygonal(geom))
    return shapely.union_all(geoms)


def build_occupied_history(raw: Path, ukraine_ll: shapely.Geometry) -> gpd.GeoDataFrame:
    """Monthly occupied territory, 2022-04 to 2026-08-22, clipped to Ukraine."""
    rows = []
    for path in sorted((raw / "occupied" / "history_raw").glob("*.geojson.gz")):
        ts = int(path.name.split(".")[0])
        date = datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")
        if date < DAILY_FROM:
            rows.append((date, "DeepStateMap API snapshot (DanielRose2310/deepstatemaps-history)", _raw_snapshot_occupied(path)))
    for path in sorted((raw / "occupied" / "daily").glob("deepstatemap_data_*.geojson")):
        d = path.stem.split("_")[-1]
        date = f"{d[:4]}-{d[4:6]}-{d[6:]}"
        geom = shapely.union_all(gpd.read_file(path).geometry.values)
        rows.append((date, "DeepStateMap daily (cyterat/deepstate-map-data)", clean_polygonal(geom)))
    dates, sources, geoms = zip(*rows)
    clipped = shapely.intersection(np.array(geoms, dtype=object), ukraine_ll)
    return gpd.GeoDataFrame({"date": dates, "source": sources}, geometry=list(clipped), crs="EPSG:4326")


def build_frontlines(occupied: gpd.GeoDataFrame, ukraine_m: shapely.Geometry) -> gpd.GeoDataFrame:
    """The derived frontline (and its geodesic length, km) for every date."""
    fronts, lengths = [], []
    for date, geom in zip(occupied["date"], occupied.geometry):
        sides = derive_sides(crs.to_metric(geom), ukraine_m)
        fronts.append(crs.to_wgs84(sides.frontline))
        lengths.append(round(float(crs.length_km(sides.frontline)), 1))
        print(f"  {date}: frontline {lengths[-1]} km")
    return gpd.GeoDataFrame({"date": occupied["date"], "length_km": lengths}, geometry=fronts, crs="EPSG:4326")


HISTORY_WIDTHS_KM = (4, 5, 10, 15, 20, 25, 30, 40, 50)


def build_history(occupied: gpd.GeoDataFrame, ukraine_m: shapely.Geometry, units: pd.DataFrame) -> pd.DataFrame:
    """Per date: occupied km2 and %, frontline km, and people in zones of HISTORY_WIDTHS_KM (split 0.5)."""
    ua_km2 = float(crs.area_km2(ukraine_m))
    rows = []
    for date, source, geom in zip(occupied["date"], occupied["source"], occupied.geometry):
        sides = derive_sides(crs.to_metric(geom), ukraine_m)
        front = make_front(date, source, sides, ukraine_m)
        index = population.PopulationIndex(units, front.frontline_simple, sides.occupied_side)
        occ_km2 = float(crs.area_km2(sides.occupied))
        row = {"date": date, "source": source, "occupied_km2": round(occ_km2, 1), "occupied_pct": round(100 * occ_km2 / ua_km2, 2),
               "frontline_km": round(float(crs.length_km(sides.frontline)), 1)}
        for w in HISTORY_WIDTHS_KM:
            e = index.estimate(w / 2, w / 2, with_oblasts=False)
            row.update({f"pop_{w}km": round(e.estimate), f"pop_{w}km_low": round(e.low), f"pop_{w}km_high": round(e.high)})
        rows.append(row)
        print(f"  {date}: {row['occupied_pct']} % occupied, {row['frontline_km']} km, 25 km zone {row['pop_25km']:,} people")
    return pd.DataFrame(rows)


def build_points_and_lines(raw: Path) -> None:
    """Grey zone, nuclear plants and reference lines, lightly normalised."""
    grey = gpd.read_file(raw / "occupied" / "greyzone_20250803.geojson")
    grey = gpd.GeoDataFrame({"name": grey["name_en"], "date": "2025-08-03"}, geometry=shapely.make_valid(grey.geometry.values), crs="EPSG:4326")
    _write(grey, "greyzone.parquet")

    npp = pd.read_csv(raw / "infrastructure" / "nuclear_power_plants_UA.csv")
    npp["plant"] = npp["Name"].str.replace(r"-\d+$", "", regex=True)
    plants = npp.groupby("plant").agg(
        lat=("Latitude", "first"), lon=("Longitude", "first"), reactors=("Name", "count"),
        capacity_mw=("Capacity", "sum"), status=("Status", lambda s: ", ".join(sorted(set(s)))),
    ).reset_index()
    plants["kind"] = "nuclear power plant"
    _write(gpd.GeoDataFrame(plants, geometry=gpd.points_from_xy(plants.lon, plants.lat), crs="EPSG:4326"), "infrastructure.parquet")

    dmz = gpd.read_file(raw / "reference_lines" / "korea_dmz.geojson")
    dmz = gpd.GeoDataFrame({"name": ["Korean DMZ: " + str(t) for t in dmz["DISCLAIME1"]]}, geometry=dmz.geometry.values, crs="EPSG:4326")
    _write(dmz, "korea_dmz.parquet")
    pre = gpd.read_file(raw / "reference_lines" / "pre2022_occupied_ORDLO_Crimea_20250803.geojson")
    pre = gpd.GeoDataFrame({"name": pre["name_en"], "date": "2025-08-03"}, geometry=shapely.make_valid(pre.geometry.values), crs="EPSG:4326")
    _write(pre, "pre2022_occupied.parquet")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=RAW_DEFAULT, help="the shared/data folder")
    args = ap.parse_args(argv)
    raw: Path = args.raw
    GEODATA_DIR.mkdir(exist_ok=True)

    oblasts = build_oblasts(raw)
    _write(oblasts, "oblasts.parquet")
    ukraine_ll = shapely.make_valid(shapely.union_all(oblasts.geometry.values))
    _write(gpd.GeoDataFrame({"name": ["Ukraine"]}, geometry=[ukraine_ll], crs="EPSG:4326"), "ukraine.parquet")

    occupied = build_occupied_history(raw, ukraine_ll)
    _write(occupied, "occupied.parquet")
    _write(build_frontlines(occupied, crs.to_metric(ukraine_ll)), "frontline.parquet")

    build_points_and_lines(raw)
    settlements, units = population.build_population_tables(raw, oblasts)
    _write(settlements, "settlements.parquet")
    _write(units, "population_units.parquet")
    _write(build_history(occupied, crs.to_metric(ukraine_ll), units), "history.parquet")


if __name__ == "__main__":
    main()
