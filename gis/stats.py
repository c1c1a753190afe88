"""Numbers about a date and a zone: occupation per date, and the people, towns and infrastructure
inside a zone. Pure functions of a ``Front`` and a ``Zone`` (callers cache them: ``ui.cached``).
How these numbers are worded and assembled into a zone's figures is ``gis.present``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from gis import GisError, crs, layers
from gis.frontline import Front
from gis.population import PopulationEstimate, PopulationIndex
from gis.zones import Zone


@lru_cache(maxsize=1)
def oblasts_metric() -> np.ndarray:
    """Oblast polygons in METRIC_CRS, in ``layers.oblasts()`` order."""
    return crs.to_metric(layers.oblasts().geometry.values)


def occupied_by_oblast(front: Front) -> pd.DataFrame:
    """Per oblast touched by the occupation on the front's date: occupied km2, oblast km2, % occupied."""
    f = front
    obl = layers.oblasts()
    occ = shapely.intersection(oblasts_metric(), f.sides.occupied)
    df = pd.DataFrame(
        {
            "iso": obl["iso"],
            "oblast": obl["name_en"],
            "occupied_km2": crs.area_km2(occ),
            "oblast_km2": crs.area_km2(oblasts_metric()),
        }
    )
    df["occupied_pct"] = 100 * df.occupied_km2 / df.oblast_km2
    df = df[df.occupied_km2 >= 0.5].sort_values("occupied_km2", ascending=False)
    return df.round({"occupied_km2": 0, "oblast_km2": 0, "occupied_pct": 1}).reset_index(drop=True)


def occupied_summary(front: Front) -> dict:
    """Occupied area (km2, equal-area) and share of Ukraine (%) on the front's date, its line's length (km)."""
    occ_km2, ua_km2 = front.occupied_km2, front.ukraine_km2
    return {
        "occupied_km2": round(occ_km2, 1),
        "ukraine_km2": round(ua_km2, 1),
        "occupied_pct": round(100 * occ_km2 / ua_km2, 2),
        "frontline_km": round(front.frontline_km, 1),
    }


def population_index(front: Front) -> PopulationIndex:
    """The population and settlement precompute (about 2 s) for a Front, shipped or custom: each unit's side
    and distance to *this* front's line, and to the date's other tracings of it (``layers.line_variants``; none
    for a custom line) for the range. Keyed to the line, so it cannot serve another one."""
    return PopulationIndex(
        layers.population_units(),
        front.frontline_simple,
        front.sides.occupied_side,
        layers.settlements(),
        line_variants=() if front.custom else layers.line_variants(front),
        line_key=front.line_key,
    )


def check_index(front: Front, index: PopulationIndex | None) -> PopulationIndex:
    """``index`` if it was built for ``front``'s line; raises GisError otherwise (never another line's people)."""
    if index is None:
        raise GisError("People need the population index of this frontline (stats.population_index(front)).")
    if index.line_key != front.line_key:
        raise GisError("This population index was built for another frontline; build one for this line.")
    return index


def towns_inside(front: Front, zone: Zone, index: PopulationIndex) -> pd.DataFrame:
    """Settlements with any part inside a zone, most people inside first (see PopulationIndex.towns_table)."""
    index = check_index(front, index)
    if zone.custom:
        return index.towns_in_polygon(shapely.union(zone.occupied, zone.controlled))
    return index.towns(zone.ru_depth_km, zone.ua_depth_km)


@lru_cache(maxsize=1)
def _infrastructure_metric() -> np.ndarray:
    """The listed infrastructure's points in METRIC_CRS (m), in layers.infrastructure() order."""
    return np.asarray(crs.to_metric(layers.infrastructure().geometry.values))


def infrastructure_inside(front: Front, zone: Zone) -> pd.DataFrame:
    """Listed infrastructure (nuclear plants, airports) inside the zone: name, kind, detail,
    side, km_to_line (km), lon, lat; plants first, then by distance to the line."""
    infra, pts = layers.infrastructure(), _infrastructure_metric()
    in_occ = shapely.intersects(zone.occupied, pts)
    inside = in_occ | shapely.intersects(zone.controlled, pts)
    rows = np.flatnonzero(inside)
    out = pd.DataFrame(
        {
            "name": infra["name"].to_numpy()[rows],
            "kind": infra["kind"].to_numpy()[rows],
            "detail": infra["detail"].to_numpy()[rows],
            "side": np.where(in_occ[rows], "occupied", "ukraine_controlled"),
            "km_to_line": np.round(shapely.distance(pts[rows], front.frontline) / 1000, 1),
            "lon": infra.geometry.x.to_numpy()[rows],
            "lat": infra.geometry.y.to_numpy()[rows],
        }
    )
    order = np.lexsort((out["km_to_line"].to_numpy(), out["kind"].to_numpy() != layers.NUCLEAR_KIND))
    return out.iloc[order].reset_index(drop=True)


@dataclass(frozen=True)
class ZoneAnalysis:
    """What a zone means on the ground: people (pre-war), towns, infrastructure."""

    population: PopulationEstimate
    towns: pd.DataFrame  # name, population, share_inside, people_inside, side, km_to_line, km_min, km_max, iso, ...
    infrastructure: pd.DataFrame  # name, kind, detail, side, km_to_line, lon, lat (infrastructure_inside)


def analyse(front: Front, zone: Zone, index: PopulationIndex) -> ZoneAnalysis:
    """Population, towns and infrastructure for a width/split zone or a custom polygon; ``index`` must be
    ``population_index(front)`` (GisError otherwise)."""
    index = check_index(front, index)
    if zone.custom:
        pop = index.estimate_mask(index.inside_polygon(shapely.union(zone.occupied, zone.controlled)))
    else:
        pop = index.estimate(zone.ru_depth_km, zone.ua_depth_km)
    return ZoneAnalysis(pop, towns_inside(front, zone, index), infrastructure_inside(front, zone))


def towns_near_line(
    front: Front, index: PopulationIndex, side: str = "ukraine_controlled", max_km: float = 50.0, n: int = 5
) -> pd.DataFrame:
    """The ``n`` largest settlements whose centre lies on ``side`` within ``max_km`` (km) of the line."""
    towns = check_index(front, index).towns(max_km, max_km)
    near = towns[(towns.side == side) & (towns.km_to_line <= max_km)]
    return near.sort_values("population", ascending=False).head(n).reset_index(drop=True)
