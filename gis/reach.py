"""What a zone buys: who and what stays within reach of each weapon class after the pull-back.

Positions. Today each side's forces stand on the line, and Russia's also on its state border with Ukraine
(and on Belarus's, if counted). After the pull-back each side's forces stand at the far edge of the zone on
its own side: ``ru_depth_km`` beyond the line on the occupied side, ``ua_depth_km`` on the Ukrainian-controlled
side; with ``border_pullback`` Russian forces also stand ``ru_depth_km`` back from the state border. In the
Minsk II model (``minsk``) heavy weapons pull back further, each class to its own line (``Weapon.minsk_pullback_km``
each side), and reach is measured from that line.

Distance. A place ``d`` km from the line on one side is at least ``d + back`` km from any position ``back`` km
beyond the line on the other side (a straight path to it crosses the line), and ``d_border + back`` km from a
position ``back`` km behind a border. "Within reach" is ``distance <= reach``: exact where the line is straight,
and where it bends it counts a few more people within reach than a path around the bend would (never fewer).

Each population unit's side, distance to the line and distance to each border are computed once per date
(``ReachIndex``); a zone and a weapon are then thresholds on those arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from gis import GisError, crs, layers
from gis.frontline import Front
from gis.population import PopulationEstimate, PopulationIndex, distance_to_line_km
from gis.zones import SIDES, Zone

ORDER_OF_MAGNITUDE = "order of magnitude from public reporting; adjust it"
MIN_REACH_KM, MAX_REACH_KM = 1.0, 150.0  # within reach needs distances the population index keeps (160 km)


@dataclass(frozen=True)
class Weapon:
    """A weapon class: its reach (km) from where it stands, where the figure comes from, and its Minsk II
    pull-back line (km each side of the line; None: the class has none and stays at the zone's edge)."""

    key: str
    label: str
    reach_km: float
    source: str
    minsk_pullback_km: float | None = None


# ../shared/data/SOURCES.md, "Reach of weapons from the line" and "Minsk II".
WEAPONS: dict[str, Weapon] = {
    w.key: w
    for w in (
        Weapon(
            "drones",
            "Strike drones (FPV, fibre-optic)",
            20.0,
            "a 'kill zone' of 5-10 km in 2023, 20 km and in places 30-40 km by 2025 (The Moscow Times, 11 Oct 2025; "
            "Ukraine's commander-in-chief, 21 Jun 2025)",
        ),
        Weapon(
            "artillery",
            "Tube artillery (100 mm and more)",
            25.0,
            "152/155 mm guns reach about 20-30 km, up to ~40 km with assisted shells; Minsk II sized its pull-back "
            "of 25 km each side to it",
            25.0,
        ),
        Weapon("grad", "Grad-class rocket launchers", 35.0, "Minsk II pull-back for MLRS: 35 km each side", 35.0),
        Weapon(
            "heavy_rockets",
            "Heavy rockets (Smerch, Tornado-S)",
            70.0,
            "Uragan, Smerch and Tornado-S launchers; Minsk II pull-back for them and Tochka-U: 70 km each side",
            70.0,
        ),
        Weapon(
            "glide_bombs",
            "Guided glide bombs (UMPK)",
            70.0,
            "50-70 km from the launching aircraft, launched from behind the line (Ukrainian Air Force spokesman, "
            "Feb 2025; FAB-3000 with UMPK over 60 km, 2024)",
        ),
    )
}
DISTANCE_NOTE = (
    "Today forces stand on the line (and Russia's on its state border); after the pull-back at the far edge of "
    "the zone on their own side. A place d km from the line is within reach when d plus the other side's distance "
    "behind the line is at most the reach: exact where the line is straight; where it bends it counts a few more "
    "people within reach than a path around the bend would, never fewer."
)
MINSK_NOTE = (
    "Minsk II model (12 Feb 2015): troops leave the zone and heavy weapons pull back further, each class to its "
    "own line: artillery of 100 mm and more 25 km, Grad-class 35 km, heavy rocket launchers and Tochka-U 70 km "
    "each side."
)


def check_reach_km(reach_km: float) -> float:
    """A reach (km) between MIN_REACH_KM and MAX_REACH_KM; raises GisError."""
    try:
        r = float(reach_km)
    except (TypeError, ValueError):
        raise GisError("A reach must be a number of km.") from None
    if not math.isfinite(r) or not MIN_REACH_KM <= r <= MAX_REACH_KM:
        raise GisError(f"A reach must be between {MIN_REACH_KM:g} and {MAX_REACH_KM:g} km, got {reach_km}.")
    return r


def get_weapon(key: str, reach_km: float | None = None) -> Weapon:
    """A weapon class by key, optionally with its reach changed (km); raises GisError."""
    if key not in WEAPONS:
        raise GisError(f"Unknown weapon {str(key)[:40]!r}. Choose one of: {', '.join(WEAPONS)}.")
    w = WEAPONS[key]
    return w if reach_km is None else Weapon(w.key, w.label, check_reach_km(reach_km), w.source, w.minsk_pullback_km)


def any_weapon(reach_km: float) -> Weapon:
    """'Any weapon of N km' (a reach the reader sets)."""
    r = check_reach_km(reach_km)
    return Weapon("custom", f"Any weapon of {r:g} km", r, "the reader's figure")


@dataclass(frozen=True)
class ReachOptions:
    """``border_pullback``: Russian forces also pull back from the state border; ``belarus``: Belarus's border
    with Ukraine counts as a position too; ``minsk``: the Minsk II weapon-specific pull-back lines."""

    border_pullback: bool = False
    belarus: bool = False
    minsk: bool = False


@dataclass(frozen=True)
class Backs:
    """How far (km) each side's weapons of a class stand behind the line, and Russia's behind the border."""

    ru_km: float
    ua_km: float
    border_km: float


TODAY = Backs(0.0, 0.0, 0.0)


def backs_for_depths(ru_depth_km: float, ua_depth_km: float, weapon: Weapon, options: ReachOptions) -> Backs:
    """Where a class stands when Russian forces pull back ``ru_depth_km`` and Ukrainian ``ua_depth_km`` (km)."""
    ru, ua = ru_depth_km, ua_depth_km
    if options.minsk and weapon.minsk_pullback_km is not None:
        ru, ua = max(ru, weapon.minsk_pullback_km), max(ua, weapon.minsk_pullback_km)
    return Backs(ru, ua, ru if options.border_pullback else 0.0)


def backs_after(zone: Zone, weapon: Weapon, options: ReachOptions) -> Backs:
    """Where a class stands after the pull-back of ``zone`` (a width/split zone; GisError for an uploaded one)."""
    if zone.custom:
        raise GisError("Reach after a pull-back needs a zone of a width and split, not an uploaded polygon.")
    return backs_for_depths(zone.ru_depth_km, zone.ua_depth_km, weapon, options)


def border_isos(options: ReachOptions) -> tuple[str, ...]:
    """The borders Russian(-allied) forces stand on: Russia's, and Belarus's if counted."""
    return ("RUS", "BLR") if options.belarus else ("RUS",)


def km_to_positions(side: str, line_km, border_km: dict, backs: Backs, options: ReachOptions) -> np.ndarray:
    """km from places on ``side`` (``line_km`` from the line, ``border_km`` by border) to the other side's
    nearest position: Ukrainian positions for the occupied side; Russian ones (line and border) otherwise."""
    if side == "occupied":
        return np.asarray(line_km) + backs.ua_km
    d = np.asarray(line_km) + backs.ru_km
    for iso in border_isos(options):
        d = np.minimum(d, border_km[iso] + backs.border_km)
    return d


@dataclass(frozen=True)
class SideReach:
    """People (pre-war 2022 residents) on one side within reach of the other side's positions, and the
    settlements (name, population, km_from_positions) and infrastructure (name, kind, km_from_positions) there."""

    people: PopulationEstimate
    towns: pd.DataFrame | None = None
    infrastructure: pd.DataFrame | None = None


@dataclass(frozen=True)
class WeaponReach:
    """A weapon class today (on the line and the border) and after the pull-back, for both sides (by ``SIDES``)."""

    weapon: Weapon
    after_backs: Backs
    today: dict[str, SideReach]
    after: dict[str, SideReach]

    def out_of_reach(self, side: str) -> float:
        """People on ``side`` the pull-back moves out of this class's reach (the estimate, people)."""
        return self.today[side].people.estimate - self.after[side].people.estimate


class ReachIndex:
    """Per date: every population unit's, settlement's and infrastructure site's distance (km) to each border,
    beside their side and distance to the line from the population index."""

    def __init__(self, front: Front, index: PopulationIndex):
        if index.line_key != front.line_key:
            raise GisError("This population index was built for another frontline; build one for this line.")
        self.index = index
        lines = layers.borders_metric()
        self.unit_border_km = {iso: distance_to_line_km(index.x, index.y, g) for iso, g in lines.items()}
        centre_border = {iso: distance_to_line_km(index.cx, index.cy, g) for iso, g in lines.items()}
        self.town_border_km = {iso: self._nearest_part(self.unit_border_km[iso], centre_border[iso]) for iso in lines}
        infra = layers.infrastructure()
        x, y = crs.metric_xy(infra.geometry.x.to_numpy(), infra.geometry.y.to_numpy())
        self.infra = pd.DataFrame({"name": infra["name"].to_numpy(), "kind": infra["kind"].to_numpy()})
        self.infra_occupied = shapely.contains_xy(front.sides.occupied_side, x, y)
        self.infra_line_km = distance_to_line_km(x, y, front.frontline)
        self.infra_border_km = {iso: distance_to_line_km(x, y, g) for iso, g in lines.items()}

    def _nearest_part(self, unit_km: np.ndarray, centre_km: np.ndarray) -> np.ndarray:
        """Per settlement, the least of its extent's unit distances (km); its centre's where it has no extent."""
        ix = self.index
        out = np.full(len(ix.town_pop), np.inf)
        np.minimum.at(out, ix.town_of, unit_km[ix.town_units])
        return np.where(ix.town_pop > 0, out, centre_km)

    def people(self, side: str, weapon: Weapon, backs: Backs, options: ReachOptions) -> PopulationEstimate:
        """People on ``side`` within ``weapon``'s reach of the other side's positions (``backs``)."""
        ix = self.index
        on_side = ix.occupied if side == "occupied" else ~ix.occupied
        km = km_to_positions(side, ix.dist_km, self.unit_border_km, backs, options)
        return ix.estimate_mask(on_side & (km <= weapon.reach_km), with_oblasts=False)

    def towns(self, side: str, weapon: Weapon, backs: Backs, options: ReachOptions) -> pd.DataFrame:
        """Settlements (centre on ``side``) with any part within reach: name, population, km_from_positions
        (its nearest part; km), iso, largest first."""
        ix = self.index
        km = km_to_positions(side, ix.town_km_min, self.town_border_km, backs, options)
        on_side = ix.centre_occupied if side == "occupied" else ~ix.centre_occupied
        rows = np.flatnonzero(on_side & (km <= weapon.reach_km))
        col = ix.town_columns
        out = pd.DataFrame(
            {
                "name": col["name"][rows],
                "population": col["population"][rows],
                "km_from_positions": np.round(km[rows], 1),
                "iso": col["iso"][rows],
            }
        )
        return out.sort_values(["population", "name"], ascending=[False, True], na_position="last").reset_index(
            drop=True
        )

    def infrastructure(self, side: str, weapon: Weapon, backs: Backs, options: ReachOptions) -> pd.DataFrame:
        """Listed infrastructure on ``side`` within reach: name, kind, km_from_positions (km), nearest first."""
        km = km_to_positions(side, self.infra_line_km, self.infra_border_km, backs, options)
        on_side = self.infra_occupied if side == "occupied" else ~self.infra_occupied
        rows = np.flatnonzero(on_side & (km <= weapon.reach_km))
        out = self.infra.iloc[rows].assign(km_from_positions=np.round(km[rows], 1))
        return out.sort_values("km_from_positions").reset_index(drop=True)

    def side_reach(self, side: str, weapon: Weapon, backs: Backs, options: ReachOptions, lists: bool) -> SideReach:
        people = self.people(side, weapon, backs, options)
        if not lists:
            return SideReach(people)
        args = (side, weapon, backs, options)
        return SideReach(people, self.towns(*args), self.infrastructure(*args))


def reach_at(
    rindex: ReachIndex, weapon: Weapon, backs: Backs, options: ReachOptions, lists: bool = True
) -> dict[str, SideReach]:
    """Both sides (by ``SIDES``) within ``weapon``'s reach of the other side's positions at ``backs``
    (``TODAY``: on the line and the border); ``lists``: with the towns and infrastructure."""
    return {s: rindex.side_reach(s, weapon, backs, options, lists) for s in SIDES}


def weapon_reach(
    rindex: ReachIndex,
    zone: Zone,
    weapon: Weapon,
    options: ReachOptions = ReachOptions(),
    lists: bool = True,
    today: dict[str, SideReach] | None = None,
) -> WeaponReach:
    """A class today and after ``zone``'s pull-back, both sides; ``today``: ``reach_at(.., TODAY, ..)`` if kept
    (it does not depend on the zone)."""
    after = backs_after(zone, weapon, options)
    today = today if today is not None else reach_at(rindex, weapon, TODAY, options, lists)
    return WeaponReach(weapon, after, today, reach_at(rindex, weapon, after, options, lists))


def tradeoff(
    rindex: ReachIndex, weapon: Weapon, options: ReachOptions, split: float, widths_km=range(1, 51)
) -> pd.DataFrame:
    """For each total width (km): people inside the zone and people on each side still within ``weapon``'s
    reach after the pull-back (estimates, people)."""
    rows = []
    for w in widths_km:
        backs = backs_for_depths(split * w, (1 - split) * w, weapon, options)
        row = {"width_km": w, "people_in_zone": rindex.index.estimate(split * w, (1 - split) * w, False).estimate}
        row.update({s: rindex.people(s, weapon, backs, options).estimate for s in SIDES})
        rows.append(row)
    return pd.DataFrame(rows)


def reach_band(front: Front, weapon: Weapon, backs: Backs, options: ReachOptions) -> dict[str, object]:
    """Where ``weapon`` still reaches from the other side's positions, by side (metric polygons): on the occupied
    side within ``reach - ua_km`` of the line; on the Ukrainian-controlled side within ``reach - ru_km`` of the
    line or ``reach - border_km`` of a border."""

    def near_line(km: float, side: object) -> object:
        return shapely.intersection(front.buffer(km * 1000), side) if km > 0 else shapely.Polygon()

    occ = near_line(weapon.reach_km - backs.ua_km, front.sides.occupied_side)
    ctl = near_line(weapon.reach_km - backs.ru_km, front.sides.controlled)
    border_km = weapon.reach_km - backs.border_km
    if border_km > 0:
        lines = layers.borders_metric()
        near = shapely.union_all([shapely.buffer(lines[iso], border_km * 1000) for iso in border_isos(options)])
        ctl = shapely.union(ctl, shapely.intersection(near, front.sides.controlled))
    return {"occupied": occ, "ukraine_controlled": ctl}
