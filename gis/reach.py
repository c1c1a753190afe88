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
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gis import GisError, crs, layers
from gis.frontline import Front, line_pieces
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
DEFAULT_WEAPONS = tuple(WEAPONS.values())
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
        self.infra_name, self.infra_kind = infra["name"].to_numpy(), infra["kind"].to_numpy()
        self.infra_occupied = shapely.contains_xy(front.sides.occupied_side, x, y)
        self.infra_line_km = distance_to_line_km(x, y, front.frontline)
        self.infra_border_km = {iso: distance_to_line_km(x, y, g) for iso, g in lines.items()}

    def _nearest_part(self, unit_km: np.ndarray, centre_km: np.ndarray) -> np.ndarray:
        """Per settlement, the least of its extent's unit distances (km); its centre's where it has no extent."""
        ix = self.index
        out = np.full(len(ix.town_pop), np.inf)
        np.minimum.at(out, ix.town_of, unit_km[ix.town_units])
        return np.where(ix.town_pop > 0, out, centre_km)

    def unit_km(self, side: str, backs: Backs, options: ReachOptions) -> np.ndarray:
        """Each population unit's km to the other side's nearest position; inf for units not on ``side``."""
        ix = self.index
        km = km_to_positions(side, ix.dist_km, self.unit_border_km, backs, options)
        return np.where(ix.occupied == (side == "occupied"), km, np.inf)

    def people(
        self, side: str, weapon: Weapon, backs: Backs, options: ReachOptions, unit_km: np.ndarray | None = None
    ) -> PopulationEstimate:
        """People on ``side`` within ``weapon``'s reach of the other side's positions (``backs``); ``unit_km``:
        ``unit_km(side, backs, options)`` if already computed (classes that stand alike share it)."""
        km = self.unit_km(side, backs, options) if unit_km is None else unit_km
        return self.index.estimate_mask(km <= weapon.reach_km, with_oblasts=False)

    def towns(self, side: str, weapon: Weapon, backs: Backs, options: ReachOptions) -> pd.DataFrame:
        """Settlements (centre on ``side``) with any part within reach: name (the place), label and figure (as
        the towns table shows them: "Kherson urban hromada" where the figure is the urban hromada's total),
        population (that figure), km_from_positions (its nearest part; km), iso; largest first."""
        ix = self.index
        km = km_to_positions(side, ix.town_km_min, self.town_border_km, backs, options)
        on_side = ix.centre_occupied if side == "occupied" else ~ix.centre_occupied
        rows = np.flatnonzero(on_side & (km <= weapon.reach_km))
        col = ix.town_columns
        pop = col["shown"][rows]
        rows = rows[np.argsort(-np.nan_to_num(pop, nan=-1.0), kind="stable")]  # largest first, unknown last
        return pd.DataFrame(
            {
                "name": col["name"][rows],
                "label": col["label"][rows],
                "figure": col["figure"][rows],
                "population": col["shown"][rows],
                "km_from_positions": np.round(km[rows], 1),
                "iso": col["iso"][rows],
            }
        )

    def infrastructure(self, side: str, weapon: Weapon, backs: Backs, options: ReachOptions) -> pd.DataFrame:
        """Listed infrastructure on ``side`` within reach: name, kind, km_from_positions (km), nearest first."""
        km = km_to_positions(side, self.infra_line_km, self.infra_border_km, backs, options)
        on_side = self.infra_occupied if side == "occupied" else ~self.infra_occupied
        rows = np.flatnonzero(on_side & (km <= weapon.reach_km))
        rows = rows[np.argsort(km[rows], kind="stable")]
        return pd.DataFrame(
            {"name": self.infra_name[rows], "kind": self.infra_kind[rows], "km_from_positions": np.round(km[rows], 1)}
        )

    def side_reach(
        self, side: str, weapon: Weapon, backs: Backs, options: ReachOptions, lists: bool, unit_km=None
    ) -> SideReach:
        people = self.people(side, weapon, backs, options, unit_km)
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


def reach_all(
    rindex: ReachIndex,
    zone: Zone,
    weapons: tuple[Weapon, ...],
    options: ReachOptions,
    lists_for: str | None,
    today: dict[str, dict[str, SideReach]],
) -> tuple[WeaponReach, ...]:
    """``weapon_reach`` for several classes (``today``: each class's ``reach_at(.., TODAY, ..)`` by key); classes
    that stand alike after the pull-back share one distance array per side. Lists only for ``lists_for``."""
    unit_km: dict[tuple[str, Backs], np.ndarray] = {}
    out = []
    for w in weapons:
        after = backs_after(zone, w, options)
        sides = {}
        for s in SIDES:
            if (s, after) not in unit_km:
                unit_km[s, after] = rindex.unit_km(s, after, options)
            km = unit_km[s, after]
            sides[s] = rindex.side_reach(s, w, after, options, w.key == lists_for, km)
        out.append(WeaponReach(w, after, today[w.key], sides))
    return tuple(out)


WIDTHS_KM = tuple(np.arange(1.0, 50.25, 0.5))  # the slider's widths (km)


def curve_column(key: str, side: str) -> str:
    """The ``reach_curve`` column of class ``key`` on ``side``."""
    return f"{key} {side}"


def reach_curve(
    rindex: ReachIndex, weapons: tuple[Weapon, ...], options: ReachOptions, split: float, widths_km=WIDTHS_KM
) -> pd.DataFrame:
    """What each width costs and buys (people, estimates), by total width (km): one row per width with the
    people inside the zone ("in_zone") and a column per class and side (``curve_column``) of people still
    within the class's reach after the pull-back. Computed once per split and setting: a move is a lookup."""
    rows = []
    for w in widths_km:
        unit_km: dict[tuple[str, Backs], np.ndarray] = {}
        row: dict = {"in_zone": rindex.index.estimate(split * w, (1 - split) * w, with_oblasts=False).estimate}
        for weapon in weapons:
            backs = backs_for_depths(split * w, (1 - split) * w, weapon, options)
            for s in SIDES:
                if (s, backs) not in unit_km:
                    unit_km[s, backs] = rindex.unit_km(s, backs, options)
                row[curve_column(weapon.key, s)] = rindex.people(s, weapon, backs, options, unit_km[s, backs]).estimate
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(widths_km, name="width_km"))


# The band is drawn at country scale: its lines are simplified by this much before buffering (a 1 km error on a
# band of 10-150 km; people and towns within reach use the exact distances).
BAND_SIMPLIFY_M = 1000.0


def band_pieces(line: BaseGeometry) -> np.ndarray:
    """A line simplified for drawing a band (``BAND_SIMPLIFY_M``), cut into pieces for buffering."""
    return line_pieces(shapely.simplify(line, BAND_SIMPLIFY_M))


def line_band(pieces: np.ndarray, side: BaseGeometry, km: float) -> BaseGeometry:
    """The part of ``side`` within ``km`` of the line whose ``band_pieces`` are given (empty for km <= 0)."""
    if km <= 0:
        return shapely.Polygon()
    return shapely.intersection(shapely.union_all(shapely.buffer(pieces, km * 1000, quad_segs=4)), side)


def border_band(controlled: BaseGeometry, km: float, options: ReachOptions) -> BaseGeometry:
    """The Ukrainian-controlled side within ``km`` of the borders Russian(-allied) forces stand on."""
    if km <= 0:
        return shapely.Polygon()
    pieces = np.concatenate([_border_pieces()[iso] for iso in border_isos(options)])
    return shapely.intersection(shapely.union_all(shapely.buffer(pieces, km * 1000, quad_segs=4)), controlled)


def reach_band(front: Front, weapon: Weapon, backs: Backs, options: ReachOptions) -> dict[str, BaseGeometry]:
    """Where ``weapon`` still reaches from the other side's positions, by side (metric polygons): on the occupied
    side within ``reach - ua_km`` of the line; on the Ukrainian-controlled side within ``reach - ru_km`` of the
    line or ``reach - border_km`` of a border."""
    pieces = band_pieces(front.frontline)
    occ = line_band(pieces, front.sides.occupied_side, weapon.reach_km - backs.ua_km)
    ctl = line_band(pieces, front.sides.controlled, weapon.reach_km - backs.ru_km)
    near_border = border_band(front.sides.controlled, weapon.reach_km - backs.border_km, options)
    return {"occupied": occ, "ukraine_controlled": shapely.union(ctl, near_border)}


@lru_cache(maxsize=1)
def _border_pieces() -> dict[str, np.ndarray]:
    """Each border as ``band_pieces``."""
    return {iso: band_pieces(g) for iso, g in layers.borders_metric().items()}
