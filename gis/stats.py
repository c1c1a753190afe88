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
from gis.population import PopulationEstimate, PopulationIndex, distance_range_text
from gis.zones import SIDE_LABELS, Zone


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


@lru_cache(maxsize=16)
def occupied_summary(date: str) -> dict:
    """Occupied area (km2, equal-area) and share of Ukraine (%), frontline length (km)."""
    f = layers.front(date)
    occ_km2, ua_km2 = crs.area_km2([f.sides.occupied, f.ukraine])
    return {
        "occupied_km2": round(float(occ_km2), 1),
        "ukraine_km2": round(float(ua_km2), 1),
        "occupied_pct": round(100 * float(occ_km2 / ua_km2), 2),
        "frontline_km": round(float(crs.length_km(f.frontline)), 1),
    }


def population_index_for(front: Front) -> PopulationIndex:
    """The population and settlement precompute (about 0.5 s) for any Front, shipped or custom."""
    return PopulationIndex(
        layers.population_units(), front.frontline_simple, front.sides.occupied_side, layers.settlements()
    )


@lru_cache(maxsize=6)  # ~34 MB a date; as many as ui.common.get_population_index keeps
def population_index(date: str) -> PopulationIndex:
    """The per-date population precompute, cached."""
    return population_index_for(layers.front(date))


def towns_inside(front: Front, zone: Zone, index: PopulationIndex | None = None) -> pd.DataFrame:
    """Settlements with any part inside a zone, most people inside first (see PopulationIndex.towns_table)."""
    index = index or population_index(front.date)
    if is_custom(zone):
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
    order = np.lexsort((out["km_to_line"].to_numpy(), out["kind"].to_numpy() != "nuclear power plant"))
    return out.iloc[order].reset_index(drop=True)


def people_text(n: float, million: str = " million") -> str:
    """People for readers: 1,481,234 -> '1.48 million' (or '1.48 M' with ``million=" M"``);
    305,239 -> '305,200'; 4,288 -> '4,288'."""
    if n >= 1e6:
        return f"{n / 1e6:.2f}{million}"
    if n >= 1e4:
        return f"{round(n, -2):,.0f}"
    return f"{n:,.0f}"


def is_custom(zone: Zone) -> bool:
    """True for an uploaded/drawn zone polygon (no width/split)."""
    return not math.isfinite(zone.width_km)


@dataclass(frozen=True)
class ZoneAnalysis:
    """What a zone means on the ground: people (pre-war), towns, infrastructure."""

    population: PopulationEstimate
    towns: pd.DataFrame  # name, population, share_inside, people_inside, side, km_to_line, km_min, km_max, iso, ...
    infrastructure: pd.DataFrame  # plant, kind, reactors, capacity_mw, side, km_to_line


def analyse(front: Front, zone: Zone, index: PopulationIndex) -> ZoneAnalysis:
    """Population, towns and infrastructure for a width/split zone or a custom polygon."""
    if is_custom(zone):
        pop = index.estimate_mask(index.inside_polygon(shapely.union(zone.occupied, zone.controlled)))
    else:
        pop = index.estimate(zone.ru_depth_km, zone.ua_depth_km)
    return ZoneAnalysis(pop, towns_inside(front, zone, index), infrastructure_inside(front, zone))


def _records(df: pd.DataFrame) -> list[dict]:
    """DataFrame rows as JSON-safe dicts (NaN -> None, numpy scalars -> Python)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def zone_report(
    front: Front, zone: Zone, proposal: str | None = None, max_towns: int = 25, index: PopulationIndex | None = None
) -> dict:
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
        "zone_km2_by_side": {
            "occupied": round(zone.area_km2_occupied, 1),
            "ukraine_controlled": round(zone.area_km2_controlled, 1),
        },
        "occupied_km2": occ["occupied_km2"],
        "occupied_pct": occ["occupied_pct"],
        "population": {
            **pop.as_dict(),
            "settlements_count": len(towns),
            "settlements": _records(towns.head(max_towns).drop(columns=["lon", "lat"])),
        },
        "infrastructure": _records(a.infrastructure),
        "source": layers.ATTRIBUTION,
    }
    return report


def towns_near_line(
    front: Front,
    side: str = "ukraine_controlled",
    max_km: float = 50.0,
    n: int = 5,
    index: PopulationIndex | None = None,
) -> pd.DataFrame:
    """The ``n`` largest settlements whose centre lies on ``side`` within ``max_km`` of the line."""
    towns = (index or population_index(front.date)).towns(max_km, max_km)
    near = towns[(towns.side == side) & (towns.km_to_line <= max_km)]
    return near.sort_values("population", ascending=False).head(n).reset_index(drop=True)


def town_phrase(r) -> str:
    """'Kherson (305,239 people, 41 % inside, 2.1–9 km from the line)' for a towns-table row."""
    people = f"{r.population:,.0f} people" if r.population == r.population else "population unknown"
    share = "" if r.share_inside >= 0.995 else f", {r.share_inside:.0%} inside"
    return f"{r.name} ({people}{share}, {distance_range_text(r.km_min, r.km_max)} from the line)"


def summary_sentence(label: str, zone: Zone, analysis: ZoneAnalysis, key_towns: pd.DataFrame) -> str:
    """A plain-language line about a zone, generated from its numbers."""
    pop = analysis.population
    towns = analysis.towns
    parts = [
        f"The {label} moves Russian forces {zone.ru_depth_km:g} km back and Ukrainian forces "
        f"{zone.ua_depth_km:g} km back, "
        f"over {zone.area_km2:,.0f} km² holding about {pop.estimate / 1e3:,.0f} thousand pre-war residents "
        f"({pop.low / 1e3:,.0f}–{pop.high / 1e3:,.0f} thousand) in {len(towns):,} settlements"
    ]
    if len(towns):
        largest = towns.sort_values("population", ascending=False).head(3)
        parts[-1] += ", the largest " + ", ".join(town_phrase(r) for r in largest.itertuples())
    parts[-1] += "."
    if len(key_towns):
        dist = ", ".join(f"{r.name} {r.km_to_line + zone.ru_depth_km:.0f} km" for r in key_towns.itertuples())
        parts.append(
            f"Russian forces would then be at least this far from the centres of the main Ukrainian-held towns "
            f"near the line: {dist}."
        )
    infra = analysis.infrastructure
    if len(infra):
        parts.append(
            "It puts "
            + ", ".join(
                f"{r.name} ({SIDE_LABELS[r.side]} side, {r.km_to_line:g} km from the line)" for r in infra.itertuples()
            )
            + " inside the zone."
        )
    else:
        parts.append("No listed nuclear plant or airport lies inside it.")
    return " ".join(parts)
