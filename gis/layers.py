"""Load the shipped layers of ``geodata/`` (lon/lat, EPSG:4326).

Everything is read lazily and cached per process: the files are small and
read-only. User-added occupied-territory snapshots live in ``user_data_dir()``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date as Date
from functools import cache, lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from gis import GisError

GEODATA_DIR = Path(__file__).resolve().parents[1] / "geodata"
DATA_DATE = "2026-08-22"  # newest shipped frontline
ATTRIBUTION = (
    "Occupied territory © DeepStateMap.live; boundaries © Minregion (CC BY-SA); settlements © GeoNames (CC BY 4.0); "
    "power plants: World Resources Institute, Global Power Plant Database (CC BY 4.0)"
)
USER_SOURCE = "user-added snapshot"
# The raw 2022-2025 API snapshots are used before this date, the daily files after (history.parquet).
DAILY_FROM = "2024-07-01"
HISTORY_WIDTHS_KM = (4, 5, 10, 15, 20, 25, 30, 40, 50)  # zone widths whose people history.parquet holds per date
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # used with fullmatch: no trailing newline, ASCII digits only
_USER_FILE_RE = re.compile(r"occupied_([0-9]{4}-[0-9]{2}-[0-9]{2})\.parquet")
USER_SNAPSHOT_MAX_BYTES = 50 * 1024 * 1024  # a stored (simplified, clipped) snapshot is ~100 KB


def parse_date(text: object) -> Date | None:
    """The calendar date of a text written exactly YYYY-MM-DD, else None (no week or basic ISO forms)."""
    if not isinstance(text, str) or not _DATE_RE.fullmatch(text):
        return None
    try:
        return Date.fromisoformat(text)
    except ValueError:  # e.g. 2026-02-30
        return None


def user_data_dir() -> Path:
    """Folder for snapshots added with ``python -m gis add-snapshot`` (env FFE_USER_DATA)."""
    return Path(os.environ.get("FFE_USER_DATA", GEODATA_DIR / "user"))


@cache
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


NUCLEAR_KIND = "nuclear power plant"  # infrastructure.parquet ``kind`` of the nuclear plants
ENERGY_KINDS = (
    "thermal power plant",
    "hydroelectric power plant",
    "pumped-storage power plant",
    "hydroelectric and pumped-storage power plant",
)
AIRPORT_KINDS = ("airport", "air base")


def infrastructure() -> gpd.GeoDataFrame:
    """One point per site: nuclear plants (GeoNuclearData, checked against WRI), thermal and hydro plants
    (WRI), airports and air bases (airportsdata at OurAirports' runways). Columns: name, kind (NUCLEAR_KIND,
    ENERGY_KINDS, AIRPORT_KINDS), code, detail, source, alias, status / status_date (e.g. the Kakhovka dam,
    destroyed 2023-06-06), capacity_mw, site_source, site_check_km."""
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


def borders() -> gpd.GeoDataFrame:
    """Ukraine's land borders with Russia (RUS) and Belarus (BLR): iso3, name, length_km, source (lon/lat lines,
    ``gis.build_borders``)."""
    return _read("borders.parquet")


@lru_cache(maxsize=1)
def borders_metric() -> dict[str, object]:
    """The borders as METRIC_CRS lines (m), by iso3."""
    from gis import crs

    b = borders()
    return dict(zip(b["iso3"], crs.to_metric(b.geometry.values), strict=True))


def korea_dmz() -> gpd.GeoDataFrame:
    """The Korean DMZ edges and Military Demarcation Line (reference)."""
    return _read("korea_dmz.parquet")


def pre2022_occupied() -> gpd.GeoDataFrame:
    """Pre-24-Feb-2022 occupied Donbas (ORDLO) and Crimea (reference)."""
    return _read("pre2022_occupied.parquet")


def settlements() -> gpd.GeoDataFrame:
    """One row per settlement (``gis.settlements``): settlement_id, name (official transliteration), alias,
    name_uk, population (2022 official for hromada centres, GeoNames otherwise), pop_source, kind, iso,
    radius_km of its extent, ..."""
    return _read("settlements.parquet")


def hromadas() -> pd.DataFrame:
    """The 1,469 hromadas of the KSE table: code, centre (official name, lon/lat), official 2022 total and
    urban population, settlements, area (km2), oblast iso; for plain cross-checks."""
    return _read_plain("hromadas.parquet")


def population_units() -> pd.DataFrame:
    """Population units (method, lon, lat, pop, iso) calibrated to 2022 oblast totals."""
    return _read_plain("population_units.parquet")


@cache
def _read_plain(name: str) -> pd.DataFrame:
    return pd.read_parquet(GEODATA_DIR / name)


def history() -> pd.DataFrame:
    """Per shipped date: occupied km2/%, frontline km, people in 4-50 km zones (split 0.5).

    Precomputed by ``gis.build_data`` with the same code as the live figures.
    """
    return _read_plain("history.parquet")


@lru_cache(maxsize=64)
def _load_user_snapshot(path: str, mtime_ns: int, size: int) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """One user snapshot file checked (cached per file version): (one-row frame, None), (frame, why it is not
    trusted) or (None, why it is skipped).

    A file is used only if its name and its date agree, the date is real and
    not in the future, and its polygon yields a front (``derive_sides``). It is
    trusted (``checked``: it may become the default date) only if it passes
    ``gis.snapshots.plausibility``, the checks ``add-snapshot`` applies without
    ``--force``; they are applied again here, so a file stored with ``--force``
    or copied in by hand is listed but never the default date.
    """
    from gis import crs
    from gis.frontline import derive_sides
    from gis.snapshots import plausibility

    name = Path(path).name
    m = _USER_FILE_RE.fullmatch(name)
    date = parse_date(m.group(1)) if m else None
    if date is None or date > Date.today():
        return (
            None,
            f"Skipped user snapshot {name}: the name must be occupied_YYYY-MM-DD.parquet with a real, past date.",
        )
    if size > USER_SNAPSHOT_MAX_BYTES:
        return None, f"Skipped user snapshot {name}: larger than {USER_SNAPSHOT_MAX_BYTES // 2**20} MB."
    try:
        gdf = gpd.read_parquet(path)
        if len(gdf) != 1 or list(gdf["date"]) != [m.group(1)] or (gdf.crs is not None and gdf.crs.to_epsg() != 4326):
            return None, f"Skipped user snapshot {name}: it must hold one row dated {m.group(1)} in EPSG:4326."
        geom = gdf.geometry.values[0]
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            return None, f"Skipped user snapshot {name}: its geometry is not a polygon."
        fill = _stored_fill(gdf)
        # the derivation layers.front will use (stored fill, else gaps only), so the checks see the same front
        sides = derive_sides(crs.to_metric(geom), ukraine_metric(), fill=None if fill is None else crs.to_metric(fill))
        check = plausibility(sides, m.group(1))
    except GisError as e:
        return None, f"Skipped user snapshot {name}: {e}"
    except Exception as e:  # a damaged file must not take the app down
        return None, f"Skipped user snapshot {name}: it cannot be read ({type(e).__name__})."
    out = gpd.GeoDataFrame(
        {"date": [m.group(1)], "source": [USER_SOURCE], "checked": [check.ok]}, geometry=[geom], crs="EPSG:4326"
    )
    if fill is not None:  # stored by add-snapshot; otherwise layers.front derives it
        out["line_fill"] = gpd.GeoSeries([fill], crs="EPSG:4326")
    if check.ok:
        return out, None
    return out, (
        f"User snapshot {m.group(1)} is listed but not used as the default date. It fails the plausibility "
        f"checks: {check.summary()}."
    )


def _stored_fill(gdf: gpd.GeoDataFrame):
    """The line fill add-snapshot stored with a snapshot, or None."""
    if "line_fill" not in gdf:
        return None
    fill = gdf["line_fill"].values[0]
    return None if fill is None or (isinstance(fill, float) and fill != fill) else fill


def _user_snapshots() -> tuple[gpd.GeoDataFrame | None, list[str]]:
    """The usable user snapshots (or None) and a notice per skipped file."""
    folder = user_data_dir()
    try:
        files = sorted(folder.glob("occupied_*.parquet")) if folder.is_dir() else []
        loaded = [_load_user_snapshot(str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files]
    except OSError as e:
        return None, [
            f"User snapshots in {folder} cannot be read ({e.strerror or type(e).__name__}); they are skipped."
        ]
    frames = [g for g, _ in loaded if g is not None]
    notices = [n for _, n in loaded if n is not None]
    return (pd.concat(frames, ignore_index=True) if frames else None), notices


def shipped_dates() -> set[str]:
    """The dates of the shipped occupied-territory snapshots."""
    return set(_read("occupied.parquet")["date"])


def user_snapshot_notices() -> list[str]:
    """Why user snapshot files (if any) are skipped, one notice per file."""
    return _user_snapshots()[1]


def occupied_history() -> gpd.GeoDataFrame:
    """All occupied-territory snapshots (date, source, geometry), shipped and user-added."""
    shipped = _read("occupied.parquet")
    user = _user_snapshots()[0]
    if user is None:
        return shipped
    merged = pd.concat([shipped[~shipped.date.isin(user.date)], user], ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326").sort_values("date").reset_index(drop=True)


def snapshot_version(date: str) -> str:
    """What identifies the snapshot now used for ``date``: 'shipped', or the user file's mtime and size
    (a cache keyed by it sees a replaced snapshot as new)."""
    path = user_data_dir() / f"occupied_{date}.parquet"
    try:
        st = path.stat()
    except OSError:
        return "shipped"
    return f"user:{st.st_mtime_ns}:{st.st_size}"


def dates() -> list[str]:
    """Available snapshot dates (YYYY-MM-DD), oldest first."""
    return sorted(occupied_history()["date"].tolist())


def latest_date() -> str:
    """The default date: the newest date whose snapshot is shipped or a user snapshot that passed the
    plausibility checks. A newer unchecked user snapshot is listed (``dates``) but never the default."""
    h = occupied_history()
    checked = h["checked"].eq(True) if "checked" in h else False
    trusted = h.loc[(h["source"] != USER_SOURCE) | checked, "date"]
    return str(trusted.max()) if len(trusted) else dates()[-1]


def check_date(date: str | None) -> str:
    """Validate a date string; None means the latest. Raises GisError."""
    if date is None:
        return latest_date()
    if parse_date(date) is None:
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


@cache
def ukraine_metric():
    """Ukraine's outline in METRIC_CRS (m)."""
    from gis import crs

    return crs.to_metric(ukraine().geometry.values[0])


def front(date: str | None = None):
    """The per-date context (sides, frontline) in METRIC_CRS, derived from the date's snapshot (~2 s).
    Not cached here: callers keep it (``ui.cached.get_front``, one per CLI run)."""
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


# --------------------------------------------------------------------------- other tracings of the line


@dataclass(frozen=True)
class AltLine:
    """Another reasonable tracing of a date's line, for the people range (METRIC_CRS): its line, simplified
    as the main one, and ``flip``, where its sides differ from the main line's (polygons)."""

    name: str  # "no_fill", "grey_occupied", "grey_controlled"
    line: BaseGeometry
    flip: BaseGeometry


ALT_LINE_LABELS = {
    "no_fill": "the line traced without the gap and water fill",
    "grey_occupied": "the grey zone counted as occupied",
    "grey_controlled": "the grey zone counted as Ukrainian-controlled",
}
GREYZONE_MAX_DAYS = 7  # a date uses the grey zone of a raw DeepStateMap snapshot up to this many days older


def alternative_lines(sides, ukraine_m: BaseGeometry, grey_m: BaseGeometry | None = None) -> list[AltLine]:
    """The date's other tracings (metric): without the line fill (gaps and water between occupied banks,
    ``gis.frontline``), and where a grey zone is known, with it counted to either side. A tracing that
    gives the same line and sides as ``sides`` is left out."""
    import shapely

    from gis.frontline import BUFFER_SIMPLIFY_M, derive_sides

    fill = sides.fill if sides.fill is not None else shapely.Polygon()
    cands = [("no_fill", sides.occupied, shapely.Polygon())]
    if grey_m is not None and not grey_m.is_empty:
        cands.append(("grey_occupied", shapely.union(sides.occupied, grey_m), fill))
        cands.append(("grey_controlled", shapely.difference(sides.occupied, grey_m), shapely.difference(fill, grey_m)))
    out = []
    main_line = shapely.simplify(sides.frontline, BUFFER_SIMPLIFY_M)
    for name, occ, f in cands:
        try:
            alt = derive_sides(occ, ukraine_m, fill=f)
        except GisError:
            continue
        flip = shapely.symmetric_difference(sides.occupied_side, alt.occupied_side)
        line = shapely.simplify(alt.frontline, BUFFER_SIMPLIFY_M)
        if shapely.area(flip) < 1.0 and line.equals(main_line):
            continue
        out.append(AltLine(name, line, flip))
    return out


def line_variants(front) -> tuple[AltLine, ...]:
    """A Front's other tracings of its date's line (metric): stored for shipped dates (``line_variants.parquet``,
    built by ``gis.build_data``), derived for user-added snapshots (no grey zone: without the fill only)."""
    from gis import crs

    date = front.date
    stored = _read("line_variants.parquet") if (GEODATA_DIR / "line_variants.parquet").exists() else None
    user = _user_snapshots()[0]
    if stored is not None and date in set(stored["date"]) and not (user is not None and date in set(user.date)):
        rows = stored[stored.date == date]
        return tuple(
            AltLine(n, crs.to_metric(line), crs.to_metric(flip))
            for n, line, flip in zip(rows.variant, rows.geometry, rows.flip, strict=True)
        )
    return tuple(alternative_lines(front.sides, front.ukraine))
