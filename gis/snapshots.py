"""Validate and add a user's newer occupied-territory snapshot to the history.

A snapshot is checked for plausibility against the shipped dates before it is
stored (``plausibility``): its occupied area and frontline length must lie in
bands that every real date does, its polygon must have a bounded number of
parts and vertices, and it must not differ from the nearest shipped date by
more than a real month of war ever changed. Outside the bounds ``add_snapshot``
refuses with the figures unless ``force``; a forced snapshot is stored and
listed, but never becomes the default date (``gis.layers.latest_date``), which
applies the same checks when it loads the file.

Writing is safe against concurrent runs and planted files: one run per date at
a time (an exclusive ``flock`` on ``.occupied_<date>.lock``, opened without
following symlinks); the new file is written to a temporary file created
exclusively (``O_EXCL``, never through a symlink) in the target folder and
renamed over the target (``os.replace`` replaces a symlink, it never writes
through it); ``.partial`` files left by killed runs are removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from gis import GisError, crs, layers
from gis.frontline import Sides, clean_polygonal, derive_sides
from gis.uploads import read_geojson_file

# Plausibility bounds. Every shipped date (2022-04 ... 2026-08) lies well inside them: occupied
# 105,898-124,533 km2, frontline 921-2,425 km, 6-30 polygons, 8,138-10,417 vertices, and at most 13.6 %
# of the area changing hands between two monthly snapshots (April-May 2022; 10.5 % in the Kharkiv
# counter-offensive of September-October 2022).
AREA_KM2_RANGE = (50_000.0, 200_000.0)
FRONTLINE_KM_RANGE = (500.0, 3_000.0)
MAX_PARTS = 200  # separate polygons of the occupied territory
MAX_VERTICES = 30_000  # of the occupied territory (also the upload limit)
# The area that changed hands since the nearest shipped date (symmetric difference), as a share of that
# date's area: at most 10 % plus 5 % per month between the two dates, and never more than half.
CHANGE_SHARE_BASE = 0.10
CHANGE_SHARE_PER_MONTH = 0.05
CHANGE_SHARE_MAX = 0.50
_DAYS_PER_MONTH = 30.44

_PARTIAL_RE = re.compile(r"\.occupied_([0-9]{4}-[0-9]{2}-[0-9]{2})\..*partial")


@dataclass
class Plausibility:
    """The figures of a snapshot, the bounds it was checked against and what lies outside them."""

    date: str
    figures: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line: what is implausible, with the figures, and the latest shipped date's for comparison."""
        ref = layers.history().iloc[-1]
        return (
            f"{'; '.join(self.problems)}. For comparison, the latest shipped date {ref['date']} has "
            f"{ref['occupied_km2']:,.0f} km² occupied and a {ref['frontline_km']:,.0f} km frontline"
        )


def _count_parts_vertices(geom: BaseGeometry) -> tuple[int, int]:
    return int(shapely.get_num_geometries(geom)), int(shapely.get_num_coordinates(geom))


def _nearest_shipped(date: str) -> str:
    """The shipped date nearest to ``date`` (the earlier one on a tie)."""
    day = Date.fromisoformat(date)
    shipped = sorted(layers.shipped_dates())
    return min(shipped, key=lambda d: (abs((Date.fromisoformat(d) - day).days), d))


def check_shape(geom_lonlat: BaseGeometry, date: str) -> Plausibility:
    """The cheap checks, before any derivation: parts, vertices and area of the occupied polygon (lon/lat)."""
    result = Plausibility(date)
    area = float(crs.area_km2_lonlat(geom_lonlat)) if not geom_lonlat.is_empty else 0.0
    _check_polygon(result, geom_lonlat, area)
    return result


def _km2(x: float) -> str:
    """An area for a message: whole km² unless it is tiny (a zero-area sliver shows as 0.00)."""
    return f"{x:,.0f}" if x >= 10 else f"{x:.2f}"


def _check_polygon(result: Plausibility, geom: BaseGeometry, area_km2: float) -> None:
    """The occupied polygon's parts, vertices and area (km²) against their bounds."""
    parts, vertices = _count_parts_vertices(geom)
    result.figures.update(parts=parts, vertices=vertices, occupied_km2=round(area_km2, 1))
    if parts > MAX_PARTS:
        result.problems.append(f"{parts:,} separate polygons (at most {MAX_PARTS:,})")
    if vertices > MAX_VERTICES:
        result.problems.append(f"{vertices:,} vertices (at most {MAX_VERTICES:,})")
    _check_area(result, area_km2)


def _check_area(result: Plausibility, area_km2: float) -> None:
    lo, hi = AREA_KM2_RANGE
    if not lo <= area_km2 <= hi:
        result.problems.append(f"occupied area {_km2(area_km2)} km² (plausible {lo:,.0f}–{hi:,.0f} km²)")


def plausibility(sides: Sides, date: str) -> Plausibility:
    """All checks of a derived snapshot (``sides`` in METRIC_CRS) against the bands and the nearest shipped date."""
    result = Plausibility(date)
    occ = sides.occupied
    area = float(crs.area_km2(occ))
    line_km = float(crs.length_km(sides.frontline))
    _check_polygon(result, occ, area)
    result.figures["frontline_km"] = round(line_km, 1)
    lo, hi = FRONTLINE_KM_RANGE
    if not lo <= line_km <= hi:
        result.problems.append(f"frontline {line_km:,.0f} km (plausible {lo:,.0f}–{hi:,.0f} km)")
    if not result.problems:  # the costlier comparison only for a snapshot that is otherwise plausible
        _check_change(result, occ)
    return result


def _check_change(result: Plausibility, occ_m: BaseGeometry) -> None:
    near = _nearest_shipped(result.date)
    shipped = layers._read("occupied.parquet")  # the shipped geometry, also when a user file replaces the date
    near_m = crs.to_metric(shipped[shipped.date == near].geometry.values[0])
    near_km2 = float(crs.area_km2(near_m))
    changed = float(crs.area_km2(shapely.symmetric_difference(occ_m, near_m)))
    months = abs((Date.fromisoformat(result.date) - Date.fromisoformat(near)).days) / _DAYS_PER_MONTH
    allowed = min(CHANGE_SHARE_MAX, CHANGE_SHARE_BASE + CHANGE_SHARE_PER_MONTH * months)
    share = changed / near_km2
    result.figures.update(
        nearest_date=near, changed_km2=round(changed, 1), changed_pct=round(100 * share, 1), allowed_pct=100 * allowed
    )
    if share > allowed:
        result.problems.append(
            f"{changed:,.0f} km² ({share:.0%}) changed hands since the nearest shipped date {near} "
            f"(at most {allowed:.0%} for {months:.1f} months apart)"
        )


def _refuse(check: Plausibility) -> None:
    raise GisError(
        f"Not stored: the snapshot for {check.date} is implausible: {check.summary()}. "
        "Check the file, or give --force to store it anyway (it will not become the default date)."
    )


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


# ----------------------------------------------------------------------------- safe writing


def _open_nofollow(path: Path, flags: int) -> int:
    """os.open that refuses a symlink at ``path`` (GisError)."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise GisError(f"{path} is a symbolic link; refusing to follow it. Remove it and try again.") from None
        raise GisError(f"Cannot open {path}: {e.strerror or e}.") from None


@contextlib.contextmanager
def date_lock(folder: Path, date: str):
    """Hold the exclusive lock of ``date`` in ``folder``; GisError at once if another run holds it."""
    fd = _open_nofollow(folder / f".occupied_{date}.lock", os.O_RDWR | os.O_CREAT)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GisError(
                f"Another add-snapshot for {date} is running (it holds {folder / f'.occupied_{date}.lock'}); "
                "wait for it to finish, then try again."
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _try_lock(folder: Path, date: str) -> int | None:
    """The lock file's descriptor with the date's lock held, or None if another run holds it (or it is unsafe)."""
    try:
        fd = os.open(folder / f".occupied_{date}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def clean_partials(folder: Path, held_date: str | None = None) -> list[str]:
    """Remove ``.partial`` files that no running add-snapshot is writing; returns their names.

    A partial is stale when its date's lock is free (or is ``held_date``, held by the caller).
    Symlinks are removed as links; nothing is followed.
    """
    removed = []
    for path in sorted(folder.glob(".occupied_*partial")):
        m = _PARTIAL_RE.fullmatch(path.name)
        if m is None:
            continue
        fd = None if m.group(1) == held_date else _try_lock(folder, m.group(1))
        if m.group(1) != held_date and fd is None:
            continue  # being written by a running add-snapshot
        try:
            path.unlink()
            removed.append(path.name)
        except OSError:
            pass
        finally:
            if fd is not None:
                os.close(fd)
    return removed


def _write_exclusive(gdf: gpd.GeoDataFrame, folder: Path, target: Path) -> None:
    """Write ``gdf`` to a new temporary file in ``folder`` (created exclusively, never through a link),
    flush it to disk, and rename it over ``target``: never a half-written snapshot."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.stem}.", suffix=".partial")  # O_EXCL | O_NOFOLLOW
    try:
        os.fchmod(fd, 0o644)  # readable by the app processes, like the shipped files (mkstemp makes it 0600)
        with os.fdopen(fd, "wb") as f:
            gdf.to_parquet(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)  # replaces a planted symlink at target itself, never its target
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def add_snapshot(path: str | Path, date: str, replace: bool = False, force: bool = False) -> dict:
    """Validate, check, repair and store ``path`` as the occupied territory on ``date``.

    The file obeys the upload limits (gis.uploads, 20 MB). An implausible
    snapshot (``plausibility``) is refused unless ``force``. Returns a summary
    (date, occupied_km2, frontline_km, repaired, checked, problems, notices,
    removed_partials). Raises GisError.
    """
    date = check_new_date(date, replace)
    folder = layers.user_data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise GisError(f"Cannot create {folder}: {e.strerror or e}.") from None
    with date_lock(folder, date):
        removed = clean_partials(folder, held_date=date)
        date = check_new_date(date, replace)  # again under the lock: a run that just finished may have added it
        upload = read_geojson_file(path, kinds=("Polygon",))
        raw = upload.combined()
        geom = clean_polygonal(raw)
        quick = check_shape(geom, date)  # cheap: refuse thousands of squares before deriving a front from them
        if not quick.ok and not force:
            _refuse(quick)
        # the same derivation as the shipped dates (line fill with the water mask); raises if it is not a real front
        sides = derive_sides(crs.to_metric_densified(geom), layers.ukraine_metric(), water=layers.water_metric())
        check = plausibility(sides, date)
        if not check.ok and not force:
            _refuse(check)
        clipped = crs.to_wgs84(sides.occupied)
        gdf = gpd.GeoDataFrame({"date": [date], "source": [layers.USER_SOURCE]}, geometry=[clipped], crs="EPSG:4326")
        gdf["line_fill"] = gpd.GeoSeries([crs.to_wgs84(sides.fill)], crs="EPSG:4326")
        _write_exclusive(gdf, folder, folder / f"occupied_{date}.parquet")
    return {
        "date": date,
        "occupied_km2": round(float(crs.area_km2(sides.occupied)), 1),
        "frontline_km": round(float(crs.length_km(sides.frontline)), 1),
        "repaired": upload.repaired or not shapely.equals(raw, geom),
        "checked": check.ok,
        "problems": check.problems,
        "notices": upload.notices + ([] if check.ok else [f"Stored with --force: {check.summary()}."]),
        "removed_partials": removed,
    }
