"""Numbers about a date and a zone, shared by the CLI and the pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from gis import crs, layers
from gis.frontline import Front
from gis.population import PopulationEstimate, PopulationIndex, settlements_inside, settlements_table
from gis.zones import Zone


@lru_cache(maxsize=1)
def oblasts_metric() -> np.ndarray:
    """Oblast polygons in METRIC_CRS, in ``layers.oblasts()`` order."""
    return crs.to_metric(layers.oblasts().geometry.values)


@lru_cache(maxsize=16)
def occupied_by_oblast(date: str) -> pd.DataFrame:
    """Per oblast touched by the occupation: occupied km2, oblast km2, % occupied."""
    f = layers.front(date)
    obl = layers.oblasts()
    occ = shapely.intersection(oblasts_metric(), f.sides.occupied)
    df = pd.DataFrame({
        "iso": obl["iso"], "oblast": obl["name_en"],
        "occupied_km2": crs.area_km2(occ), "oblast_km2": crs.area_km2(oblasts_metric()),
    })
    df["occupied_pct"] = 100 * df.occupied_km2 / df.oblast_km2
    df = df[df.occupied_km2 >= 0.5].sort_values("occupied_km2", ascending=False)
    return df.round({"occupied_km2": 0, "oblast_km2": 0, "occupied_pct": 1}).reset_index(drop=True)


@lru_cache(maxsize=16)
def occupied_summary(date: str) -> dict:
    """Occupied area (km2, equal-area) and share of Ukraine (%), frontline length (km)."""
    f = layers.front(date)
    occ_km2, ua_km2 = crs.area_km2([f.sides.occupied, f.ukraine])
    return {"occupied_km2": round(float(occ_km2), 1), "ukraine_km2": round(float(ua_km2), 1),
            "occupied_pct": round(100 * float(occ_km2 / ua_km2), 2),
            "frontline_km": round(float(crs.length_km(f.frontline)), 1)}


def population_index_for(front: Front) -> PopulationIndex:
    """The population precompute (about 0.5 s) for any Front, shipped or custom."""
    return PopulationIndex(layers.population_units(), front.frontline_simple, front.sides.occupied_side)


@lru_cache(maxsize=16)
def population_index(date: str) -> PopulationIndex:
    """The per-date population precompute, cached."""
    return population_index_for(layers.front(date))


def towns_inside(front: Front, zone: Zone) -> pd.DataFrame:
    """GeoNames settlements inside a width/split zone, largest first."""
    return settlements_inside(layers.settlements(), front.frontline_simple, front.sides.occupied_side,
                              zone.ru_depth_km, zone.ua_depth_km)


def infrastructure_inside(front: Front, zone: Zone) -> pd.DataFrame:
    """Listed infrastructure (nuclear plants) inside the zone, with side and km to the line."""
    infra = layers.infrastructure()
    pts = crs.to_metric(infra.geometry.values)
    in_occ = shapely.intersects(zone.occupied, pts)
    in_ctl = shapely.intersects(zone.controlled, pts)
    out = infra.loc[in_occ | in_ctl, ["plant", "kind", "reactors", "capacity_mw"]].copy()
    out["side"] = np.where(in_occ[in_occ | in_ctl], "occupied", "ukraine_controlled")
    out["km_to_line"] = np.round(shapely.distance(pts[in_occ | in_ctl], front.frontline) / 1000, 1)
    return out.reset_index(drop=True)


def is_custom(zone: Zone) -> bool:
    """True for an uploaded/drawn zone polygon (no width/split)."""
    return not math.isfinite(zone.width_km)


def towns_in_polygon(front: Front, zone: Zone) -> pd.DataFrame:
    """GeoNames settlements inside an arbitrary zone polygon, largest first."""
    settlements = layers.settlements()
    pts = crs.to_metric(settlements.geometry.values)
    in_occ = shapely.intersects(zone.occupied, pts)
    in_any = in_occ | shapely.intersects(zone.controlled, pts)
    km = np.full(len(pts), np.nan)
    km[in_any] = shapely.distance(pts[in_any], front.frontline_simple) / 1000
    return settlements_table(settlements, in_any, in_occ, km)


@dataclass(frozen=True)
class ZoneAnalysis:
    """What a zone means on the ground: people (pre-war), towns, infrastructure."""

    population: PopulationEstimate
    towns: pd.DataFrame  # name, population, side, km_to_line, iso, lon, lat
    infrastructure: pd.DataFrame  # plant, kind, reactors, capacity_mw, side, km_to_line


def analyse(front: Front, zone: Zone, index: PopulationIndex) -> ZoneAnalysis:
    """Population, towns and infrastructure for a width/split zone or a custom polygon."""
    if is_custom(zone):
        pop = index.estimate_mask(index.inside_polygon(shapely.union(zone.occupied, zone.controlled)))
        towns = towns_in_polygon(front, zone)
    else:
        pop = index.estimate(zone.ru_depth_km, zone.ua_depth_km)
        towns = towns_inside(front, zone)
    return ZoneAnalysis(pop, towns, infrastructure_inside(front, zone))


def _records(df: pd.DataFrame) -> list[dict]:
    """DataFrame rows as JSON-safe dicts (NaN -> None, numpy scalars -> Python)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def zone_report(front: Front, zone: Zone, proposal: str | None = None, max_towns: int = 25,
                index: PopulationIndex | None = None) -> dict:
    """The JSON-able summary printed by ``python -m gis stats``."""
    occ = occupied_summary(front.date)
    a = analyse(front, zone, index or population_index(front.date))
    pop, towns = a.population, a.towns
    report = {
        "date": front.date,
        "proposal": proposal,
        "width_km": zone.width_km,
        "split": zone.split,
        "ru_depth_km": round(zone.ru_depth_km, 3),
        "ua_depth_km": round(zone.ua_depth_km, 3),
        "frontline_km": round(float(crs.length_km(front.frontline)), 1),
        "zone_km2": round(zone.area_km2, 1),
        "zone_km2_by_side": {"occupied": round(zone.area_km2_occupied, 1),
                             "ukraine_controlled": round(zone.area_km2_controlled, 1)},
        "occupied_km2": occ["occupied_km2"],
        "occupied_pct": occ["occupied_pct"],
        "population": {**pop.as_dict(),
                       "settlements_count": int(len(towns)),
                       "settlements": _records(towns.head(max_towns).drop(columns=["lon", "lat"]))},
        "infrastructure": _records(a.infrastructure),
        "source": layers.ATTRIBUTION,
    }
    return report


def towns_near_line(front: Front, side: str = "ukraine_controlled", max_km: float = 30.0, n: int = 3) -> pd.DataFrame:
    """The ``n`` largest settlements on ``side`` within ``max_km`` of the line (GeoNames)."""
    towns = settlements_inside(layers.settlements(), front.frontline_simple, front.sides.occupied_side, max_km, max_km)
    return towns[towns.side == side].head(n).reset_index(drop=True)


def summary_sentence(label: str, zone: Zone, analysis: ZoneAnalysis, key_towns: pd.DataFrame) -> str:
    """A plain-language line about a zone, generated from its numbers."""
    pop = analysis.population
    towns = analysis.towns
    parts = [f"The {label} moves Russian forces {zone.ru_depth_km:g} km back and Ukrainian forces {zone.ua_depth_km:g} km back, "
             f"over {zone.area_km2:,.0f} km² holding about {pop.estimate / 1e3:,.0f} thousand pre-war residents "
             f"({pop.low / 1e3:,.0f}–{pop.high / 1e3:,.0f} thousand) in {len(towns):,} settlements"]
    if len(towns):
        parts[-1] += ", the largest " + ", ".join(towns["name"].head(3))
    parts[-1] += "."
    if len(key_towns):
        dist = ", ".join(f"{r.name} {r.km_to_line + zone.ru_depth_km:.0f} km" for r in key_towns.itertuples())
        parts.append(f"Russian forces would then be at least this far from the main Ukrainian-held towns near the line: {dist}.")
    infra = analysis.infrastructure
    if len(infra):
        parts.append("It puts " + ", ".join(f"the {r.plant} nuclear plant ({r.side.replace('_', ' ')} side)" for r in infra.itertuples())
                     + " inside the zone.")
    else:
        parts.append("No nuclear plant lies inside it.")
    return " ".join(parts)
