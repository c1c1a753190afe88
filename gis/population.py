"""Population inside a zone: two estimates and a range from real alternatives.

Population units are points carrying a number of pre-war (2022) residents.
Both methods put each city's and town's official 2022 population over its
extent (``gis.settlements``: about 2,500 people per km², clipped to its
hromada), so a zone edge crossing a city counts the part inside. They differ
in how a town is spread and where everybody else lives:

* method ``settlements``: the settlement list (hromada-centre towns with their
  official urban population spread *evenly* over their disc; GeoNames villages
  of 500+ people as points; city districts removed). In each hromada the places
  that are not its centre are scaled together to what the hromada's 2022 total
  leaves over (towns GeoNames lists inside a city's urban count go down,
  villages stand in for the unlisted ones under 500 people), then each oblast is
  scaled to its OCHA COD-PS 2022 total;
* method ``dasymetric``: towns spread with a density *falling off* from the
  centre (to zero at 1.5 x the disc's radius); each of the 1,469 hromadas
  (State Statistics, 1 Jan 2022) spreads its rural population evenly on a
  ``GRID_M`` grid over an approximate hromada area (the Voronoi cell of its
  centre, clipped to its oblast); Kyiv city, Crimea and Sevastopol, absent from
  the hromada table, use the settlements units. Also scaled to the OCHA totals.

Nothing is placed on water (the water mask, applied when the units are built).
Once per frontline date, ``PopulationIndex`` precomputes every unit's side and
distance to the line (km) and keeps each settlement's extent on the side of its
centre (renormalised per settlement, so every total is kept); any zone (ru_km on
the occupied side, ua_km on the controlled side) is then a vectorised lookup.
``estimate`` is the mean of the two methods; ``low``/``high`` the smallest and
largest count over every combination of the range's alternatives: where people
are placed (``PLACEMENTS``) and where the line is (the date's other tracings,
``layers.line_variants``), each kept as a people-by-distance curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gis import crs
from gis.settlements import build_settlements, settlement_units

METHODS = ("settlements", "dasymetric")
GRID_M = 2500.0  # rural population grid spacing (m)
MAX_DISTANCE_KM = 160.0  # units farther than this from the line get distance inf
NOT_IN_HROMADA_TABLE = ("UA-30", "UA-40", "UA-43")  # Kyiv city, Sevastopol, Crimea


# --------------------------------------------------------------------------- build


def _assign_iso(points_m: np.ndarray, oblasts_m: np.ndarray, isos: np.ndarray) -> np.ndarray:
    """Oblast ISO code of each metric point (nearest oblast if it falls just outside)."""
    tree = shapely.STRtree(oblasts_m)
    idx = tree.query_nearest(points_m, all_matches=False)[1]
    return isos[idx]


def scale_factors(units: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """Per (method, oblast): the factor that makes the units sum to the OCHA 2022 total."""
    sums = units.groupby(["method", "iso"])["pop"].sum().rename("units_sum").reset_index()
    sums["ocha_2022"] = sums["iso"].map(totals)
    sums["factor"] = sums["ocha_2022"] / sums["units_sum"]
    return sums


def _scale_to_totals(units: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """Scale each (method, oblast) group so it sums to the oblast total (people)."""
    sums = units.groupby(["method", "iso"])["pop"].transform("sum")
    units["pop"] = units["pop"] * units["iso"].map(totals) / sums
    return units


def _hromada_cells(raw: Path, obl_m: np.ndarray, isos: np.ndarray) -> pd.DataFrame:
    """Hromadas (code, centre name, lon/lat, x/y, total/urban/rural people, n_settlements, area, iso) with
    their approximate area (the Voronoi cell of the centre, clipped to its oblast; metric)."""
    h = pd.read_csv(
        raw / "population" / "kse_hromadas_full_dataset.csv",
        usecols=[
            "hromada_code",
            "hromada_center",
            "lat_center",
            "lon_center",
            "total_popultaion_2022",
            "urban_popultaion_2022.x",
            "n_settlements",
            "square",
        ],
    )
    hx, hy = crs.metric_xy(h.lon_center, h.lat_center)
    # a few hromadas share a centre: nudge repeats 10 m apart so Voronoi has distinct sites
    hx = hx + 10.0 * h.groupby(["lon_center", "lat_center"]).cumcount().to_numpy()
    centres = shapely.points(hx, hy)
    iso = _assign_iso(centres, obl_m, isos)
    ukraine = shapely.union_all(obl_m)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=ukraine, ordered=True))
    obl_of = dict(zip(isos, obl_m, strict=True))
    cells = shapely.intersection(cells, np.array([obl_of[i] for i in iso], dtype=object))
    return pd.DataFrame(
        {
            "hromada_code": h.hromada_code,
            "centre_uk": h.hromada_center,
            "lon": h.lon_center,
            "lat": h.lat_center,
            "x": hx,
            "y": hy,
            "iso": iso,
            "cell": cells,
            "total": h.total_popultaion_2022.astype(float),
            "urban": h["urban_popultaion_2022.x"].astype(float),
            "rural": (h.total_popultaion_2022 - h["urban_popultaion_2022.x"]).clip(lower=0).astype(float),
            "n_settlements": h.n_settlements,
            "area_km2": h.square,
        }
    )


def hromada_table(h: pd.DataFrame) -> pd.DataFrame:
    """The shipped hromada table (``geodata/hromadas.parquet``): code, centre (official name, lon/lat),
    official 2022 total and urban population, settlements, area, oblast. For plain cross-checks:
    the sum of the totals of the hromadas whose centre lies in a zone (``hromada_centre_count``)."""
    from gis.settlements import official_name

    return pd.DataFrame(
        {
            "hromada_code": h.hromada_code,
            "centre": [official_name(c) for c in h.centre_uk],
            "lon": h.lon,
            "lat": h.lat,
            "total_2022": h.total.astype("int64"),
            "urban_2022": h.urban.astype("int64"),
            "n_settlements": h.n_settlements,
            "area_km2": h.area_km2,
            "iso": h.iso,
        }
    )


def _rural_grid(
    h: pd.DataFrame, ukraine_m: BaseGeometry, water_m: BaseGeometry | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each hromada's rural people spread evenly on a GRID_M grid over the land of its cell.

    Returns (units x, y, pop, pop_area, iso) and the mask of hromadas whose cell caught no land grid
    point. ``pop_area`` spreads the hromada's *total* evenly instead (the range's placement "spread over
    the hromada's area").
    """
    xmin, ymin, xmax, ymax = ukraine_m.bounds
    gx, gy = np.meshgrid(np.arange(xmin, xmax, GRID_M), np.arange(ymin, ymax, GRID_M))
    gx, gy = gx.ravel(), gy.ravel()
    if water_m is not None:
        land = ~shapely.contains_xy(water_m, gx, gy)
        gx, gy = gx[land], gy[land]
    grid = shapely.points(gx, gy)
    cell_idx, grid_idx = shapely.STRtree(grid).query(h.cell.to_numpy(), predicate="contains")
    counts = np.bincount(cell_idx, minlength=len(h))
    per_pt = h.rural.to_numpy() / np.maximum(counts, 1)
    per_pt_area = h.total.to_numpy() / np.maximum(counts, 1)
    xy = shapely.get_coordinates(grid[grid_idx])
    units = pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "pop": per_pt[cell_idx],
            "pop_area": per_pt_area[cell_idx],
            "iso": h.iso.to_numpy()[cell_idx],
        }
    )
    return units, counts == 0


def hromada_calibration(settlements: gpd.GeoDataFrame, h: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Fit the settlements to each hromada's 2022 total (no double counting, nobody missing).

    The urban population of a city hromada already counts the towns around its centre,
    which GeoNames lists again; villages under 500 people are not listed at all. So in
    each hromada's area, the settlements that are not its centre are scaled together to
    what its total leaves over (down or up); a hromada with no such settlement keeps that
    remainder at its centre. Returns (factor per settlement_id, extra units x, y, pop, iso).
    """
    x, y = crs.metric_xy(settlements.geometry.x, settlements.geometry.y)
    cell_idx, pt_idx = shapely.STRtree(shapely.points(x, y)).query(h.cell.to_numpy(), predicate="contains")
    cell = np.full(len(settlements), -1)
    cell[pt_idx] = cell_idx
    # a centre belongs to its own hromada even where its point lies in a neighbour's cell
    code_to_cell = pd.Series(np.arange(len(h)), index=h.hromada_code)
    centre = settlements.hromada_centre.to_numpy()
    cell[centre] = settlements.hromada_code[centre].map(code_to_cell).to_numpy()
    pop = np.nan_to_num(settlements.population.to_numpy(float))
    inside = cell >= 0
    centres_pop = np.bincount(cell[inside & centre], weights=pop[inside & centre], minlength=len(h))
    others_pop = np.bincount(cell[inside & ~centre], weights=pop[inside & ~centre], minlength=len(h))
    room = np.clip(h.total.to_numpy() - centres_pop, 0, None)
    factor = np.where(others_pop > 0, room / np.maximum(others_pop, 1), 1.0)
    per_settlement = np.where(inside & ~centre, factor[np.maximum(cell, 0)], 1.0)
    left = np.where(others_pop > 0, 0.0, room)
    extra = pd.DataFrame({"x": h.x, "y": h.y, "pop": left, "iso": h.iso})
    return pd.Series(per_settlement, index=settlements.settlement_id.to_numpy()), extra


def build_population_tables(
    raw: Path, oblasts: gpd.GeoDataFrame, water_m: BaseGeometry | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (settlements, population units, per-oblast scale factors, hromadas) from the raw inputs.

    Units: method, lon, lat, pop (people, scaled to the OCHA 2022 oblast totals), pop_area and pop_centre
    (the dasymetric units' people if each hromada's total were spread evenly over its land, or put at its
    centre: two of the range's placements; also scaled),
    iso, settlement_id (the settlement a unit belongs to, -1 for rural grid points). Nothing is placed
    on ``water_m`` (metric water mask) except a settlement point with no land in its extent.
    """
    obl_m = crs.to_metric(oblasts.geometry.values)
    isos = oblasts["iso"].to_numpy()
    totals = oblasts.set_index("iso")["pop_2022"].astype(float)
    ukraine = shapely.union_all(obl_m)

    h = _hromada_cells(raw, obl_m, isos)
    cells = dict(zip(h.hromada_code, h.cell, strict=True))
    settlements = build_settlements(raw, oblasts, lambda pts: _assign_iso(pts, obl_m, isos), cells)
    su = settlement_units(settlements, ukraine, cells, water_m)
    su["iso"] = su.settlement_id.map(settlements.set_index("settlement_id").iso)
    factor, remainder = hromada_calibration(settlements, h)
    su["pop"] *= su.settlement_id.map(factor).to_numpy()
    m1 = pd.concat([su, remainder.assign(settlement_id=-1)], ignore_index=True).assign(method="settlements")
    m2 = _dasymetric_units(settlements, su, h, ukraine, cells, water_m)
    units, factors = _scaled_units(m1, m2, totals)
    return settlements, units, factors, hromada_table(h)


def _dasymetric_units(
    settlements: gpd.GeoDataFrame, su: pd.DataFrame, h: pd.DataFrame, ukraine, cells: dict, water_m
) -> pd.DataFrame:
    """The dasymetric method's units: the towns' official urban people over their (wide) extents, the rest of
    each hromada (its rural people) on the grid, or at its centre if no grid point fell in; Kyiv city, Crimea
    and Sevastopol from the settlements units ``su``."""
    centre_ids = set(
        settlements.loc[settlements.hromada_centre & (settlements.kind == "city or town"), "settlement_id"]
    )
    wide = settlement_units(
        settlements[settlements.settlement_id.isin(centre_ids)], ukraine, cells, water_m, profile="wide"
    )
    wide["iso"] = wide.settlement_id.map(settlements.set_index("settlement_id").iso)
    grid, empty = _rural_grid(h, ukraine, water_m)
    # people at the hromada centre: rural people of cells without grid points, and the urban
    # people of village hromadas (a town that is not the hromada's centre)
    town_codes = set(settlements.loc[settlements.settlement_id.isin(centre_ids), "hromada_code"])
    at_centre = np.where(empty, h.rural, 0.0) + np.where(h.hromada_code.isin(town_codes), 0.0, h.total - h.rural)
    stranded = pd.DataFrame(
        {
            "x": h.x,
            "y": h.y,
            "pop": at_centre,
            "pop_area": np.where(empty, h.total, 0.0),
            "pop_centre": h.total,
            "iso": h.iso,
        }
    )
    fallback = su[su.iso.isin(NOT_IN_HROMADA_TABLE)]
    return pd.concat(
        [
            wide.assign(pop_area=0.0, pop_centre=0.0),
            grid.assign(settlement_id=-1, pop_centre=0.0),
            stranded.assign(settlement_id=-1),
            fallback.assign(pop_area=fallback["pop"], pop_centre=fallback["pop"]),
        ],
        ignore_index=True,
    ).assign(method="dasymetric")


def _scaled_units(m1: pd.DataFrame, m2: pd.DataFrame, totals: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both methods' units scaled to the OCHA oblast ``totals`` (and their scale factors), as stored (lon/lat)."""
    units = pd.concat([m1.assign(pop_area=0.0, pop_centre=0.0), m2], ignore_index=True)
    units = units[(units["pop"] > 0) | (units["pop_area"] > 0) | (units["pop_centre"] > 0)].reset_index(drop=True)
    factors = scale_factors(units, totals)
    units = _scale_to_totals(units, totals)
    for col in ("pop_area", "pop_centre"):
        sums = units.groupby(["method", "iso"])[col].transform("sum")
        units[col] = np.where(sums > 0, units[col] * units["iso"].map(totals) / sums, 0.0)
    lon, lat = crs.transform_xy(crs.METRIC_CRS, crs.WGS84, units.x.to_numpy(), units.y.to_numpy())
    out = pd.DataFrame(
        {
            "method": units["method"],
            "lon": np.asarray(lon, "float64"),
            "lat": np.asarray(lat, "float64"),
            "pop": units["pop"].astype("float32"),
            "pop_area": units["pop_area"].astype("float32"),
            "pop_centre": units["pop_centre"].astype("float32"),
            "iso": units["iso"],
            "settlement_id": units["settlement_id"].astype("int32"),
        }
    )
    return out, factors


# --------------------------------------------------------------------------- runtime

# The range's alternatives. Where people are placed: the two methods above; "points": the settlements
# method with every settlement's people at its centre point; "hromada_centres": each hromada's 2022 total
# at its centre (the plain centroid count); "hromada_area": each hromada's total spread evenly over the
# land of its approximate area (the last two scaled to the OCHA oblast totals like the methods). Where the
# line is: the main tracing and the date's others (``layers.alternative_lines``: without the gap and water
# fill; the grey zone counted to either side where it is known).
PLACEMENTS = ("settlements", "dasymetric", "points", "hromada_centres", "hromada_area")
PLACEMENT_LABELS = {
    "settlements": "settlements, towns over compact extents",
    "dasymetric": "towns over wide extents, rural people on a grid",
    "points": "every settlement at its centre point",
    "hromada_centres": "each hromada's people at its centre",
    "hromada_area": "each hromada's people spread over its area",
}
MAIN_LINE = "main"
COMPONENTS = {"placement": "where people are placed", "line_fill": "gap and water fill", "grey_zone": "grey zone"}
CURVE_BIN_KM = 0.025  # people-by-distance curves of the alternatives: 25 m steps, linear in between


@dataclass(frozen=True)
class PopulationEstimate:
    """People (pre-war 2022 residents) inside a zone.

    ``estimate`` is the mean of the two methods on the date's line; ``low``/``high`` the smallest and
    largest count over every combination of the alternatives (where people are placed x where the line
    is); ``components`` the (low, high) each kind of alternative gives alone, the others at their central
    choice; ``by_placement`` each placement on the main line; ``by_line`` the estimate on each tracing."""

    estimate: float
    low: float
    high: float
    occupied: float  # estimate on the occupied side
    ukraine_controlled: float  # estimate on the controlled side
    by_method: dict[str, float] = field(default_factory=dict)
    by_oblast: dict[str, float] = field(default_factory=dict)  # iso -> estimate
    by_placement: dict[str, float] = field(default_factory=dict)
    by_line: dict[str, float] = field(default_factory=dict)
    components: dict[str, tuple[float, float]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        r = lambda v: round(v)  # noqa: E731 - people are whole numbers
        return {
            "estimate": r(self.estimate),
            "low": r(self.low),
            "high": r(self.high),
            "occupied": r(self.occupied),
            "ukraine_controlled": r(self.ukraine_controlled),
            "by_method": {k: r(v) for k, v in self.by_method.items()},
            "by_oblast": {k: r(v) for k, v in sorted(self.by_oblast.items(), key=lambda kv: -kv[1]) if v >= 0.5},
            "by_placement": {k: r(v) for k, v in self.by_placement.items()},
            "by_line": {k: r(v) for k, v in self.by_line.items()},
            "range_components": {k: {"low": r(lo), "high": r(hi)} for k, (lo, hi) in self.components.items()},
        }


def _segments(line_m: BaseGeometry) -> np.ndarray:
    """The line's straight segments as LineStrings."""
    coords_list = [shapely.get_coordinates(g) for g in shapely.get_parts(line_m)]
    segs = [shapely.linestrings(np.stack([c[:-1], c[1:]], axis=1)) for c in coords_list if len(c) > 1]
    return np.concatenate(segs) if segs else np.array([], dtype=object)


# Nearest-segment searches are much cheaper with a small search radius: points are searched in bands of
# their own limit (km).
_BANDS_KM = (2.0, 5.0, 10.0, 20.0, 40.0, 80.0, MAX_DISTANCE_KM)


def _nearest_km(pts: np.ndarray, segs: np.ndarray, limit_km: np.ndarray | float = MAX_DISTANCE_KM) -> np.ndarray:
    """Distance (km) from metric points (shapely Points) to the nearest of ``segs``; inf where beyond the
    point's ``limit_km`` (a number or one per point; at most MAX_DISTANCE_KM) or without segments."""
    out = np.full(len(pts), np.inf)
    if len(segs) == 0 or len(pts) == 0:
        return out
    limit = np.broadcast_to(np.minimum(np.asarray(limit_km, float), MAX_DISTANCE_KM), (len(pts),))
    tree = shapely.STRtree(segs)
    lo = -np.inf
    for hi in _BANDS_KM:
        sel = np.flatnonzero((limit > lo) & (limit <= hi))
        lo = hi
        if len(sel) == 0:
            continue
        (pi, _), dist = tree.query_nearest(pts[sel], max_distance=hi * 1000.0, return_distance=True, all_matches=False)
        d = dist / 1000.0
        out[sel[pi]] = np.where(d <= limit[sel[pi]], d, np.inf)
    return out


def distance_to_line_km(
    x: np.ndarray, y: np.ndarray, line_m: BaseGeometry, max_km: float = MAX_DISTANCE_KM, pts: np.ndarray | None = None
) -> np.ndarray:
    """Distance (km) from metric points to a metric line; inf beyond ``max_km``.

    Uses an STRtree of the line's segments so it scales to 10^5 points; points farther than ``max_km``
    from the line's bounding box are not searched.
    """
    segs = _segments(line_m)
    out = np.full(len(x), np.inf)
    if len(segs) == 0:
        return out
    x0, y0, x1, y1 = shapely.total_bounds(segs)
    m = max_km * 1000.0
    near = np.flatnonzero((x >= x0 - m) & (x <= x1 + m) & (y >= y0 - m) & (y <= y1 + m))
    pts = shapely.points(x[near], y[near]) if pts is None else pts[near]
    out[near] = _nearest_km(pts, segs, max_km)
    return out


def alt_distance_km(
    pts: np.ndarray, d_main_km: np.ndarray, main_m: BaseGeometry, alt_m: BaseGeometry, tol_m: float = 100.0
) -> np.ndarray:
    """Distance (km) to another tracing ``alt_m`` of the line, from the distances ``d_main_km`` of the points
    ``pts`` to the main one: the two share most of their segments (within ``tol_m``, the simplification of
    both), so a point is searched only for the alternative's own segments nearer than its main distance,
    and measured again where its nearest main segment is not on the alternative. Points beyond
    MAX_DISTANCE_KM of the main line stay inf."""
    main_segs, alt_segs = _segments(main_m), _segments(alt_m)
    if len(alt_segs) == 0:
        return np.full(len(pts), np.inf)
    mid = lambda segs: shapely.line_interpolate_point(segs, 0.5, normalized=True)  # noqa: E731
    new = alt_segs[_nearest_km(mid(alt_segs), main_segs, tol_m / 1000) * 1000 > tol_m]
    gone = main_segs[_nearest_km(mid(main_segs), alt_segs, tol_m / 1000) * 1000 > tol_m]
    out = np.asarray(d_main_km, float).copy()
    near = np.flatnonzero(np.isfinite(out))
    if len(new):
        out[near] = np.minimum(out[near], _nearest_km(pts[near], new, d_main_km[near]))
    if len(gone):
        again = near[np.isfinite(_nearest_km(pts[near], gone, d_main_km[near] + 1e-6))]
        out[again] = _nearest_km(pts[again], alt_segs)
    return out


def _contains(geom: BaseGeometry, pts_tree: shapely.STRtree, n: int) -> np.ndarray:
    """Mask of the ``n`` points of ``pts_tree`` inside a (multi)polygon of thin, scattered parts (a tree
    query per part: much faster than a point-in-polygon test of every point)."""
    out = np.zeros(n, bool)
    parts = shapely.get_parts(geom)
    parts = parts[shapely.area(parts) > 0] if len(parts) else parts
    if len(parts):
        out[pts_tree.query(parts, predicate="contains")[1]] = True
    return out


def _cumulative(d_km: np.ndarray, side: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """People by distance, per side (0 controlled, 1 occupied): shape (2, bins + 1), [s, k] the people of side
    s closer than k x CURVE_BIN_KM (float32)."""
    nb = int(np.ceil(MAX_DISTANCE_KM / CURVE_BIN_KM)) + 1
    ok = np.isfinite(d_km) & (weights != 0)
    b = np.minimum((d_km[ok] / CURVE_BIN_KM).astype(np.int64), nb - 1)
    h = np.bincount(side[ok].astype(np.int64) * nb + b, weights=weights[ok], minlength=2 * nb).reshape(2, nb)
    return np.concatenate([np.zeros((2, 1)), np.cumsum(h, axis=1)], axis=1).astype(np.float32)


def _at(cum: np.ndarray, depth_km: float) -> np.ndarray:
    """A cumulative curve's people within ``depth_km`` (linear within a bin); ``cum`` shape (..., bins + 1)."""
    k = max(depth_km, 0.0) / CURVE_BIN_KM
    last = cum.shape[-1] - 1
    if k >= last:
        return cum[..., last].astype(np.float64)
    i = int(k)
    f = k - i
    return cum[..., i] + f * (cum[..., i + 1].astype(np.float64) - cum[..., i])


class PopulationIndex:
    """Per-date precompute: each unit's side and distance to the frontline; each settlement's extent kept on
    the side of its centre; per settlement the distance range of its extent (km) and its centre's side and
    distance; the range's alternatives as people-by-distance curves.

    ``line_variants`` (``layers.AltLine``: name, line, flip) are the date's other tracings of the line;
    none for a user's own line. Every width is then a lookup: the two methods by a mask over the units (for
    the by-side and by-oblast figures), the alternatives from the curves.
    """

    def __init__(
        self,
        units: pd.DataFrame,
        frontline_m: BaseGeometry,
        occupied_side_m: BaseGeometry,
        settlements: gpd.GeoDataFrame | None = None,
        line_variants=(),
        line_key: str = "",
    ):
        self.line_key = line_key  # the line this index was built for (Front.line_key)
        self.units = units.reset_index(drop=True)
        x, y = crs.metric_xy(units["lon"].to_numpy(), units["lat"].to_numpy())
        self.x, self.y = x, y
        pts = shapely.points(x, y)
        self.dist_km = distance_to_line_km(x, y, frontline_m, pts=pts)
        shapely.prepare(occupied_side_m)
        self.occupied = shapely.contains_xy(occupied_side_m, x, y)
        self.pop = units["pop"].to_numpy(np.float64)
        zero = np.zeros(len(units), np.float32)
        self.pop_area = units["pop_area"].to_numpy(np.float32) if "pop_area" in units else zero
        self.pop_centre = units["pop_centre"].to_numpy(np.float32) if "pop_centre" in units else zero
        self.method_idx = units["method"].map({m: i for i, m in enumerate(METHODS)}).to_numpy()
        self.iso = units["iso"].to_numpy()
        self.sid = units["settlement_id"].to_numpy() if "settlement_id" in units else np.full(len(x), -1)
        self.settlements = settlements
        self.line_names = (MAIN_LINE,)
        if settlements is not None:
            self._index_settlements(settlements, frontline_m, occupied_side_m)
        self._curves(frontline_m, line_variants, pts)

    def _index_settlements(
        self, settlements: gpd.GeoDataFrame, frontline_m: BaseGeometry, occupied_side_m: BaseGeometry
    ) -> None:
        n = len(settlements)
        sid = self.sid
        self.cx, self.cy = crs.metric_xy(settlements.geometry.x.to_numpy(), settlements.geometry.y.to_numpy())
        self.centre_km = distance_to_line_km(self.cx, self.cy, frontline_m)
        self.centre_occupied = shapely.contains_xy(occupied_side_m, self.cx, self.cy)
        # each settlement's extent (both methods) on its centre's side: what the other side would have held
        # goes to the settlement's own side, so every settlement (and hromada) total is kept
        ext = np.flatnonzero(sid >= 0)
        key = self.method_idx[ext] * n + sid[ext]
        same = self.occupied[ext] == self.centre_occupied[sid[ext]]
        total = np.bincount(key, weights=self.pop[ext], minlength=2 * n)
        kept = np.bincount(key, weights=self.pop[ext] * same, minlength=2 * n)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(kept > 0, total / kept, 1.0)
        self.pop[ext] = np.where(kept[key] > 0, self.pop[ext] * same * factor[key], self.pop[ext])
        self.town_units = ext[self.method_idx[ext] == 0]  # the settlements method's extents
        self.town_of = sid[self.town_units]
        w = self.pop[self.town_units]
        d = np.where(w > 0, self.dist_km[self.town_units], np.nan)
        self.town_pop = np.bincount(self.town_of, weights=w, minlength=n)
        self.town_km_min = np.full(n, np.inf)
        self.town_km_max = np.full(n, -np.inf)
        np.fmin.at(self.town_km_min, self.town_of, d)
        np.fmax.at(self.town_km_max, self.town_of, d)
        no_extent = self.town_pop <= 0  # population unknown: the centre stands for the place
        self.town_km_min[no_extent] = self.centre_km[no_extent]
        self.town_km_max[no_extent] = self.centre_km[no_extent]
        # the unit nearest each settlement's centre (the centre itself unless it is on water)
        d2 = (self.x[self.town_units] - self.cx[self.town_of]) ** 2 + (
            self.y[self.town_units] - self.cy[self.town_of]
        ) ** 2
        order = np.lexsort((d2, self.town_of))
        first = np.unique(self.town_of[order], return_index=True)
        self.centre_unit = np.full(n, -1)
        self.centre_unit[first[0]] = self.town_units[order][first[1]]
        # the settlements' columns as plain arrays, read once (towns_table runs on every new width)
        cols = ("name", "iso", "pop_source", "alias", "label", "figure", "own_source")
        self.town_columns = {c: settlements[c].to_numpy() for c in cols if c in settlements}
        own = settlements["own_population"] if "own_population" in settlements else settlements["population"]
        if "own_source" in settlements:  # the source of the figure a row shows
            src = settlements["own_source"]
            self.town_columns["pop_source"] = np.where(src.notna(), src, settlements["pop_source"]).astype(object)
        self.town_columns.update(
            population=settlements["population"].to_numpy(float),
            shown=np.where(own.notna(), own, settlements["population"]).astype(float),
            lon=settlements.geometry.x.to_numpy(),
            lat=settlements.geometry.y.to_numpy(),
        )

    # ------------------------------------------------------------------ the range's curves

    def _placement_weights(self) -> np.ndarray:
        """Per placement (PLACEMENTS order), each unit's people (float64, shape (placements, units))."""
        m0, m1 = self.method_idx == 0, self.method_idx == 1
        points = np.where(m0 & (self.sid < 0), self.pop, 0.0)
        if self.settlements is not None:
            has = self.centre_unit >= 0
            np.add.at(points, self.centre_unit[has], self.town_pop[has])
        else:
            points = np.where(m0, self.pop, 0.0)
        return np.stack(
            [np.where(m0, self.pop, 0.0), np.where(m1, self.pop, 0.0), points, self.pop_centre, self.pop_area]
        )

    def _curves(self, frontline_m: BaseGeometry, line_variants, pts: np.ndarray) -> None:
        """People-by-distance curves per (line, placement, side), and the per-placement weights a custom
        polygon needs (only the two that are not the methods themselves are kept)."""
        w = self._placement_weights()
        self._points_w = w[2].astype(np.float32)
        lines = [(MAIN_LINE, self.dist_km, self.occupied)]
        pts_tree = shapely.STRtree(pts) if len(line_variants) else None
        for alt in line_variants:
            side = self.occupied ^ _contains(alt.flip, pts_tree, len(pts))
            lines.append((alt.name, alt_distance_km(pts, self.dist_km, frontline_m, alt.line), side))
        self.line_names = tuple(name for name, _, _ in lines)
        self.curves = np.stack([np.stack([_cumulative(d, side, wp) for wp in w]) for _, d, side in lines])

    def _combinations(self, ru_km: float, ua_km: float) -> np.ndarray:
        """People for every (line, placement), shape (lines, placements), from the curves."""
        return _at(self.curves[:, :, 1], ru_km) + _at(self.curves[:, :, 0], ua_km)

    # ------------------------------------------------------------------ lookups

    def inside(self, ru_km: float, ua_km: float) -> np.ndarray:
        """Boolean mask of units inside the zone (distance within the side's depth)."""
        depth = np.where(self.occupied, ru_km, ua_km)
        return self.dist_km <= depth

    def estimate(self, ru_km: float, ua_km: float, with_oblasts: bool = True) -> PopulationEstimate:
        """The population estimate (people) for a zone of the given depths (km)."""
        combos = self._combinations(ru_km, ua_km)
        return self.estimate_mask(self.inside(ru_km, ua_km), with_oblasts, combos)

    def inside_polygon(self, zone_m: BaseGeometry) -> np.ndarray:
        """Boolean mask of units inside an arbitrary metric polygon (custom zones)."""
        shapely.prepare(zone_m)
        return shapely.contains_xy(zone_m, self.x, self.y)

    def estimate_mask(
        self, mask: np.ndarray, with_oblasts: bool = True, combos: np.ndarray | None = None
    ) -> PopulationEstimate:
        """The estimate (people) for the units selected by ``mask``. ``combos`` (lines x placements, from
        the curves) gives the line alternatives of a width/split zone; without it (a custom polygon) the
        range covers where people are placed only."""
        key = self.method_idx[mask] * 2 + self.occupied[mask]
        t = np.bincount(key, weights=self.pop[mask], minlength=4).reshape(2, 2)
        per_method = t.sum(axis=1)
        by_side = t.mean(axis=0)
        by_oblast: dict[str, float] = {}
        if with_oblasts:
            s = pd.Series(self.pop[mask] / len(METHODS)).groupby(self.iso[mask]).sum()
            by_oblast = s.to_dict()
        if combos is None:
            placed = np.array(
                [
                    *per_method,
                    float(self._points_w[mask].sum(dtype=np.float64)),
                    float(self.pop_centre[mask].sum(dtype=np.float64)),
                    float(self.pop_area[mask].sum(dtype=np.float64)),
                ]
            )[None, :]
            names = (MAIN_LINE,)
        else:
            placed = combos.copy()
            placed[0, :2] = per_method  # the methods on the main line: exact
            names = self.line_names
        estimate = float(per_method.mean())
        by_line = {n: float(placed[i, :2].mean()) for i, n in enumerate(names)}
        components = {"placement": (float(placed[0].min()), float(placed[0].max()))}
        fill = [by_line[n] for n in (MAIN_LINE, "no_fill") if n in by_line]
        grey = [by_line[n] for n in (MAIN_LINE, "grey_occupied", "grey_controlled") if n in by_line]
        if len(fill) > 1:
            components["line_fill"] = (min(fill), max(fill))
        if len(grey) > 1:
            components["grey_zone"] = (min(grey), max(grey))
        return PopulationEstimate(
            estimate=estimate,
            low=min(float(placed.min()), estimate),
            high=max(float(placed.max()), estimate),
            occupied=float(by_side[1]),
            ukraine_controlled=float(by_side[0]),
            by_method=dict(zip(METHODS, map(float, per_method), strict=True)),
            by_oblast=by_oblast,
            by_placement=dict(zip(PLACEMENTS, map(float, placed[0]), strict=True)),
            by_line=by_line,
            components=components,
        )

    def curve(self, split: float, widths_km=range(1, 51)) -> pd.DataFrame:
        """Population (estimate, low, high; people) for each total width W (km)."""
        rows = []
        for w in widths_km:
            e = self.estimate(split * w, (1 - split) * w, with_oblasts=False)
            rows.append(
                {
                    "width_km": w,
                    "estimate": e.estimate,
                    "low": e.low,
                    "high": e.high,
                    "occupied": e.occupied,
                    "ukraine_controlled": e.ukraine_controlled,
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ settlements

    def towns(self, ru_km: float, ua_km: float) -> pd.DataFrame:
        """Settlements with any part inside a width/split zone (see ``towns_table``)."""
        centre_in = self.centre_km <= np.where(self.centre_occupied, ru_km, ua_km)
        return self.towns_table(self.inside(ru_km, ua_km), centre_in)

    def towns_in_polygon(self, zone_m: BaseGeometry) -> pd.DataFrame:
        """Settlements with any part inside an arbitrary metric zone polygon."""
        shapely.prepare(zone_m)
        return self.towns_table(self.inside_polygon(zone_m), shapely.contains_xy(zone_m, self.cx, self.cy))

    def towns_table(self, unit_mask: np.ndarray, centre_in: np.ndarray) -> pd.DataFrame:
        """Settlements touched by a zone, most people inside first.

        Columns: name (as tables show it: "Kherson urban hromada" where the row's figure is the hromada's
        urban total), place (the settlement's name), figure ("settlement": its own population;
        "urban hromada"), population (the figure the row shows, people, 2022 where official),
        share_inside (0-1 of its extent's people), people_inside (population x share),
        people_inside_by_side ({"occupied": n, "ukraine_controlled": n}), side (of its centre), km_to_line
        (centre), km_min / km_max (nearest and farthest part of its extent), iso, pop_source (of the figure
        shown), alias, lon, lat. A settlement of unknown population is inside when its centre is.
        """
        col = self.town_columns
        n = len(self.town_pop)
        m = unit_mask[self.town_units]
        units = self.town_units[m]
        by_side = np.bincount(
            self.town_of[m] * 2 + self.occupied[units], weights=self.pop[units], minlength=2 * n
        ).reshape(n, 2)
        inside_pop = by_side.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(self.town_pop > 0, inside_pop / self.town_pop, centre_in.astype(float))
            share_occ = np.where(self.town_pop > 0, by_side[:, 1] / self.town_pop, share * self.centre_occupied)
        rows = np.flatnonzero(share > 0)
        shown = col["shown"][rows]
        people = np.round(shown * share[rows])
        occ = np.round(shown * share_occ[rows])
        occ = np.where(np.isnan(occ), np.nan, np.minimum(occ, people))
        names = col.get("label", col["name"])
        out = pd.DataFrame(
            {
                "name": names[rows],
                "place": col["name"][rows],
                "figure": col["figure"][rows] if "figure" in col else "settlement",
                "population": shown,
                "share_inside": np.round(share[rows], 4),
                "people_inside": people,
                "people_inside_by_side": _by_side_dicts(people, occ),
                "side": np.where(self.centre_occupied[rows], "occupied", "ukraine_controlled"),
                "km_to_line": _finite(self.centre_km[rows]),
                "km_min": _finite(self.town_km_min[rows]),
                "km_max": _finite(self.town_km_max[rows]),
                "iso": col["iso"][rows],
                "pop_source": col["pop_source"][rows],
                "alias": col["alias"][rows],
                "lon": col["lon"][rows],
                "lat": col["lat"][rows],
            }
        )
        return out.sort_values(["people_inside", "population"], ascending=False, na_position="last").reset_index(
            drop=True
        )


def _by_side_dicts(people: np.ndarray, occupied: np.ndarray) -> list[dict]:
    """{"occupied": n, "ukraine_controlled": n} per row (None where the people are unknown)."""
    known = ~np.isnan(people)
    occ = np.where(known, occupied, 0).astype(np.int64).tolist()
    ctl = np.where(known, people - occupied, 0).astype(np.int64).tolist()
    return [
        {"occupied": o, "ukraine_controlled": c} if k else {"occupied": None, "ukraine_controlled": None}
        for o, c, k in zip(occ, ctl, known.tolist(), strict=True)
    ]


def _finite(km: np.ndarray) -> np.ndarray:
    """Distances rounded to 0.1 km, NaN where beyond MAX_DISTANCE_KM (never inf in JSON)."""
    return np.where(np.isfinite(km), np.round(km, 1), np.nan)


def hromada_centre_count(hromadas: pd.DataFrame, zone_m: BaseGeometry) -> float:
    """The plain cross-check: the sum of the official 2022 totals of the hromadas whose centre (KSE's
    coordinates) lies inside ``zone_m`` (metric)."""
    x, y = crs.metric_xy(hromadas["lon"].to_numpy(), hromadas["lat"].to_numpy())
    shapely.prepare(zone_m)
    return float(hromadas["total_2022"].to_numpy()[shapely.contains_xy(zone_m, x, y)].sum())
