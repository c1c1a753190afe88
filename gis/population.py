"""Population inside a zone: two independent estimates and an honest range.

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

Once per frontline date, ``PopulationIndex`` precomputes every unit's side and
distance to the line (km); any zone (ru_km on the occupied side, ua_km on the
controlled side) is then a vectorised lookup. ``estimate`` is the mean of the
two methods, ``low``/``high`` their minimum and maximum.
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
    """Hromadas (code, centre x/y, total/urban/rural people, iso) with their approximate area
    (the Voronoi cell of the centre, clipped to its oblast; metric)."""
    h = pd.read_csv(
        raw / "population" / "kse_hromadas_full_dataset.csv",
        usecols=["hromada_code", "lat_center", "lon_center", "total_popultaion_2022", "urban_popultaion_2022.x"],
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
            "x": hx,
            "y": hy,
            "iso": iso,
            "cell": cells,
            "total": h.total_popultaion_2022.astype(float),
            "rural": (h.total_popultaion_2022 - h["urban_popultaion_2022.x"]).clip(lower=0).astype(float),
        }
    )


def _rural_grid(h: pd.DataFrame, ukraine_m: BaseGeometry) -> tuple[pd.DataFrame, np.ndarray]:
    """Each hromada's rural people spread evenly on a GRID_M grid over its cell.

    Returns (units x, y, pop, iso) and the mask of hromadas whose cell caught no grid point.
    """
    xmin, ymin, xmax, ymax = ukraine_m.bounds
    gx, gy = np.meshgrid(np.arange(xmin, xmax, GRID_M), np.arange(ymin, ymax, GRID_M))
    grid = shapely.points(gx.ravel(), gy.ravel())
    cell_idx, grid_idx = shapely.STRtree(grid).query(h.cell.to_numpy(), predicate="contains")
    counts = np.bincount(cell_idx, minlength=len(h))
    per_pt = h.rural.to_numpy() / np.maximum(counts, 1)
    xy = shapely.get_coordinates(grid[grid_idx])
    units = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "pop": per_pt[cell_idx], "iso": h.iso.to_numpy()[cell_idx]})
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
    raw: Path, oblasts: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (settlements, population units, per-oblast scale factors) from the raw inputs.

    Units: method, lon, lat, pop (people, scaled to the OCHA 2022 oblast totals), iso,
    settlement_id (the settlement a unit belongs to, -1 for rural grid points).
    """
    obl_m = crs.to_metric(oblasts.geometry.values)
    isos = oblasts["iso"].to_numpy()
    totals = oblasts.set_index("iso")["pop_2022"].astype(float)
    ukraine = shapely.union_all(obl_m)

    h = _hromada_cells(raw, obl_m, isos)
    settlements = build_settlements(
        raw, oblasts, lambda pts: _assign_iso(pts, obl_m, isos), dict(zip(h.hromada_code, h.cell, strict=True))
    )
    su = settlement_units(settlements, ukraine)
    su["iso"] = su.settlement_id.map(settlements.set_index("settlement_id").iso)
    factor, remainder = hromada_calibration(settlements, h)
    su["pop"] *= su.settlement_id.map(factor).to_numpy()
    m1 = pd.concat([su, remainder.assign(settlement_id=-1)], ignore_index=True).assign(method="settlements")

    # dasymetric: the towns' official urban people over their extents (as in m1), the
    # rest of each hromada (its rural people) on the grid, or at its centre if no grid point fell in
    centre_ids = set(
        settlements.loc[settlements.hromada_centre & (settlements.kind == "city or town"), "settlement_id"]
    )
    wide = settlement_units(settlements[settlements.settlement_id.isin(centre_ids)], ukraine, profile="wide")
    wide["iso"] = wide.settlement_id.map(settlements.set_index("settlement_id").iso)
    grid, empty = _rural_grid(h, ukraine)
    # people at the hromada centre: rural people of cells without grid points, and the urban
    # people of village hromadas (a town that is not the hromada's centre)
    town_codes = set(settlements.loc[settlements.settlement_id.isin(centre_ids), "hromada_code"])
    at_centre = np.where(empty, h.rural, 0.0) + np.where(h.hromada_code.isin(town_codes), 0.0, h.total - h.rural)
    stranded = pd.DataFrame({"x": h.x, "y": h.y, "pop": at_centre, "iso": h.iso})
    fallback = su[su.iso.isin(NOT_IN_HROMADA_TABLE)]
    m2 = pd.concat(
        [wide, grid.assign(settlement_id=-1), stranded.assign(settlement_id=-1), fallback], ignore_index=True
    ).assign(method="dasymetric")

    units = pd.concat([m1, m2], ignore_index=True)
    units = units[units["pop"] > 0].reset_index(drop=True)
    factors = scale_factors(units, totals)
    units = _scale_to_totals(units, totals)
    lon, lat = crs.transform_xy(crs.METRIC_CRS, crs.WGS84, units.x.to_numpy(), units.y.to_numpy())
    out = pd.DataFrame(
        {
            "method": units["method"],
            "lon": np.asarray(lon, "float64"),
            "lat": np.asarray(lat, "float64"),
            "pop": units["pop"].astype("float32"),
            "iso": units["iso"],
            "settlement_id": units["settlement_id"].astype("int32"),
        }
    )
    settlements.attrs.pop("cells", None)
    return settlements, out, factors


# --------------------------------------------------------------------------- runtime


@dataclass(frozen=True)
class PopulationEstimate:
    """People (pre-war 2022 residents) inside a zone."""

    estimate: float
    low: float
    high: float
    occupied: float  # estimate on the occupied side
    ukraine_controlled: float  # estimate on the controlled side
    by_method: dict[str, float] = field(default_factory=dict)
    by_oblast: dict[str, float] = field(default_factory=dict)  # iso -> estimate

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
        }


def distance_to_line_km(
    x: np.ndarray, y: np.ndarray, line_m: BaseGeometry, max_km: float = MAX_DISTANCE_KM
) -> np.ndarray:
    """Distance (km) from metric points to a metric line; inf beyond ``max_km``.

    Uses an STRtree of the line's segments so it scales to 10^5 points.
    """
    coords_list = [shapely.get_coordinates(g) for g in shapely.get_parts(line_m)]
    segs = [shapely.linestrings(np.stack([c[:-1], c[1:]], axis=1)) for c in coords_list if len(c) > 1]
    tree = shapely.STRtree(np.concatenate(segs))
    pts = shapely.points(x, y)
    (pi, _), dist = tree.query_nearest(pts, max_distance=max_km * 1000.0, return_distance=True, all_matches=False)
    out = np.full(len(x), np.inf)
    out[pi] = dist / 1000.0
    return out


class PopulationIndex:
    """Per-date precompute: each unit's side and distance to the frontline, and per
    settlement the distance range of its extent (km) and its centre's side and distance."""

    def __init__(
        self,
        units: pd.DataFrame,
        frontline_m: BaseGeometry,
        occupied_side_m: BaseGeometry,
        settlements: gpd.GeoDataFrame | None = None,
        line_key: str = "",
    ):
        self.line_key = line_key  # the line this index was built for (Front.line_key)
        self.units = units.reset_index(drop=True)
        x, y = crs.metric_xy(units["lon"].to_numpy(), units["lat"].to_numpy())
        self.x, self.y = x, y
        self.dist_km = distance_to_line_km(x, y, frontline_m)
        shapely.prepare(occupied_side_m)
        self.occupied = shapely.contains_xy(occupied_side_m, x, y)
        self.pop = units["pop"].to_numpy(np.float64)
        self.method_idx = units["method"].map({m: i for i, m in enumerate(METHODS)}).to_numpy()
        self.iso = units["iso"].to_numpy()
        self.settlements = settlements
        if settlements is not None:
            self._index_settlements(settlements, frontline_m, occupied_side_m)

    def _index_settlements(
        self, settlements: gpd.GeoDataFrame, frontline_m: BaseGeometry, occupied_side_m: BaseGeometry
    ) -> None:
        n = len(settlements)
        sid = self.units["settlement_id"].to_numpy() if "settlement_id" in self.units else np.full(len(self.pop), -1)
        self.town_units = np.flatnonzero((self.method_idx == 0) & (sid >= 0))  # the settlements method's extents
        self.town_of = sid[self.town_units]
        d = self.dist_km[self.town_units]
        self.town_pop = np.bincount(self.town_of, weights=self.pop[self.town_units], minlength=n)
        self.town_km_min = np.full(n, np.inf)
        self.town_km_max = np.full(n, -np.inf)
        np.minimum.at(self.town_km_min, self.town_of, d)
        np.maximum.at(self.town_km_max, self.town_of, d)
        self.cx, self.cy = crs.metric_xy(settlements.geometry.x.to_numpy(), settlements.geometry.y.to_numpy())
        self.centre_km = distance_to_line_km(self.cx, self.cy, frontline_m)
        self.centre_occupied = shapely.contains_xy(occupied_side_m, self.cx, self.cy)
        no_extent = self.town_pop <= 0  # population unknown: the centre stands for the place
        self.town_km_min[no_extent] = self.centre_km[no_extent]
        self.town_km_max[no_extent] = self.centre_km[no_extent]
        # the settlements' columns as plain arrays, read once (towns_table runs on every new width)
        self.town_columns = {c: settlements[c].to_numpy() for c in ("name", "iso", "pop_source", "alias")}
        self.town_columns.update(
            population=settlements["population"].to_numpy(float),
            lon=settlements.geometry.x.to_numpy(),
            lat=settlements.geometry.y.to_numpy(),
        )

    def inside(self, ru_km: float, ua_km: float) -> np.ndarray:
        """Boolean mask of units inside the zone (distance within the side's depth)."""
        depth = np.where(self.occupied, ru_km, ua_km)
        return self.dist_km <= depth

    def estimate(self, ru_km: float, ua_km: float, with_oblasts: bool = True) -> PopulationEstimate:
        """The population estimate (people) for a zone of the given depths (km)."""
        return self.estimate_mask(self.inside(ru_km, ua_km), with_oblasts)

    def inside_polygon(self, zone_m: BaseGeometry) -> np.ndarray:
        """Boolean mask of units inside an arbitrary metric polygon (custom zones)."""
        shapely.prepare(zone_m)
        return shapely.contains_xy(zone_m, self.x, self.y)

    def estimate_mask(self, mask: np.ndarray, with_oblasts: bool = True) -> PopulationEstimate:
        """The estimate (people) for the units selected by ``mask``."""
        key = self.method_idx[mask] * 2 + self.occupied[mask]
        t = np.bincount(key, weights=self.pop[mask], minlength=4).reshape(2, 2)
        per_method = t.sum(axis=1)
        by_side = t.mean(axis=0)
        by_oblast: dict[str, float] = {}
        if with_oblasts:
            s = pd.Series(self.pop[mask] / len(METHODS)).groupby(self.iso[mask]).sum()
            by_oblast = s.to_dict()
        return PopulationEstimate(
            estimate=float(per_method.mean()),
            low=float(per_method.min()),
            high=float(per_method.max()),
            occupied=float(by_side[1]),
            ukraine_controlled=float(by_side[0]),
            by_method=dict(zip(METHODS, map(float, per_method), strict=True)),
            by_oblast=by_oblast,
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

        Columns: name, population (the whole settlement, people, 2022 where official),
        share_inside (0-1 of its extent), people_inside, side (of its centre), km_to_line
        (centre), km_min / km_max (nearest and farthest part of its extent), iso, oblast,
        pop_source, alias, lon, lat. A settlement of unknown population is inside when its
        centre is.
        """
        col = self.town_columns
        m = unit_mask[self.town_units]
        inside_pop = np.bincount(self.town_of[m], weights=self.pop[self.town_units][m], minlength=len(self.town_pop))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(self.town_pop > 0, inside_pop / self.town_pop, centre_in.astype(float))
        rows = np.flatnonzero(share > 0)
        population = col["population"][rows]
        out = pd.DataFrame(
            {
                "name": col["name"][rows],
                "population": population,
                "share_inside": np.round(share[rows], 4),
                "people_inside": np.round(population * share[rows]),
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


def _finite(km: np.ndarray) -> np.ndarray:
    """Distances rounded to 0.1 km, NaN where beyond MAX_DISTANCE_KM (never inf in JSON)."""
    return np.where(np.isfinite(km), np.round(km, 1), np.nan)
