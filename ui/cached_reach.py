"""The cached calls into ``gis.reach`` (what a zone buys), bounded and keyed per snapshot version as in
``ui.cached``: per date the distances to the line and borders, per split and setting the people still within
reach at every width, per move only the chosen class's towns."""

from __future__ import annotations

import pyarrow as pa
import shapely

from gis import maps, reach
from ui import charts, mapview, tables
from ui.cached import (
    DATES_KEPT,
    LAYERS_KEPT,
    ZONES_KEPT,
    get_front,
    get_population_index,
    get_zone,
    oblast_names,
    per_snapshot,
)


@per_snapshot(DATES_KEPT, spinner="Measuring distances to the borders…")
def get_reach_index(date: str) -> reach.ReachIndex:
    """The date's distances of every place to the line and the borders (``reach.ReachIndex``)."""
    return reach.ReachIndex(get_front(date), get_population_index(date))


@per_snapshot(64)
def get_reach_today(date: str, weapon: reach.Weapon, options: reach.ReachOptions, lists: bool) -> dict:
    """Both sides within a class's reach of today's positions (the line and the border): width-independent."""
    return reach.reach_at(get_reach_index(date), weapon, reach.TODAY, options, lists)


@per_snapshot(ZONES_KEPT)
def get_reach(
    date: str,
    width_km: float,
    split: float,
    weapons: tuple[reach.Weapon, ...],
    options: reach.ReachOptions,
    lists_for: str | None = None,
) -> tuple[reach.WeaponReach, ...]:
    """Each class today and after the zone's pull-back; towns and infrastructure only for ``lists_for`` (a key)."""
    today = {w.key: get_reach_today(date, w, options, w.key == lists_for) for w in weapons}
    return reach.reach_all(get_reach_index(date), get_zone(date, width_km, split), weapons, options, lists_for, today)


@per_snapshot(DATES_KEPT)
def _band_pieces(date: str):
    return reach.band_pieces(get_front(date).frontline)


@per_snapshot(32)
def _border_band(date: str, km: float, options: reach.ReachOptions):
    """Width-independent unless Russian forces pull back from the border too."""
    return reach.border_band(get_front(date).sides.controlled, km, options)


@per_snapshot(LAYERS_KEPT)
def reach_map_layer(
    date: str, width_km: float, split: float, weapon: reach.Weapon, options: reach.ReachOptions
) -> mapview.MapLayer:
    """Where ``weapon`` still reaches after the pull-back (``reach.reach_band``), as a browser layer."""
    front, pieces = get_front(date), _band_pieces(date)
    backs = reach.backs_after(get_zone(date, width_km, split), weapon, options)
    ctl = reach.line_band(pieces, front.sides.controlled, weapon.reach_km - backs.ru_km)
    band = {
        "occupied": reach.line_band(pieces, front.sides.occupied_side, weapon.reach_km - backs.ua_km),
        "ukraine_controlled": shapely.union(ctl, _border_band(date, weapon.reach_km - backs.border_km, options)),
    }
    return mapview.render_layer(maps.reach_layer(band, f"{weapon.label} ({weapon.reach_km:g} km)"))


@per_snapshot(64)
def get_reach_today_all(date: str, weapons: tuple[reach.Weapon, ...], options: reach.ReachOptions) -> dict:
    """``get_reach_today`` of several classes (people only), by class key: one cache lookup per rerun."""
    return {w.key: get_reach_today(date, w, options, False) for w in weapons}


@per_snapshot(64)
def get_reach_curve(date: str, split: float, weapons: tuple[reach.Weapon, ...], options: reach.ReachOptions):
    """People inside the zone and still within each class's reach, by width (``reach.reach_curve``)."""
    return reach.reach_curve(get_reach_index(date), weapons, options, split)


@per_snapshot(64)
def get_weapon_reach(
    date: str, width_km: float, split: float, weapon: reach.Weapon, options: reach.ReachOptions
) -> reach.WeaponReach:
    """One class today and after the zone's pull-back, with its towns and infrastructure."""
    zone, rindex = get_zone(date, width_km, split), get_reach_index(date)
    return reach.weapon_reach(rindex, zone, weapon, options, today=get_reach_today(date, weapon, options, True))


@per_snapshot(64)
def tradeoff_chart(
    date: str, split: float, weapons: tuple[reach.Weapon, ...], key: str, options: reach.ReachOptions
) -> dict:
    """People inside the zone and still within class ``key``'s reach, by width (``charts.tradeoff_chart``)."""
    curve = get_reach_curve(date, split, weapons, options)
    weapon = next(w for w in weapons if w.key == key)
    return charts.tradeoff_chart(curve, weapon)


@per_snapshot(ZONES_KEPT)
def reach_table(
    date: str, width_km: float, split: float, weapons: tuple[reach.Weapon, ...], options: reach.ReachOptions
) -> pa.Table:
    """The Explorer's table of classes at a width (``tables.reach_table``: from the per-split curve)."""
    after = get_reach_curve(date, split, weapons, options).loc[width_km]
    return tables.arrow(tables.reach_table(weapons, get_reach_today_all(date, weapons, options), after))


@per_snapshot(ZONES_KEPT)
def reach_towns_tables(
    date: str, width_km: float, split: float, weapon: reach.Weapon, options: reach.ReachOptions
) -> dict[str, pa.Table]:
    """The chosen class's settlements still within reach after the pull-back, largest 100 by side."""
    after = get_weapon_reach(date, width_km, split, weapon, options).after
    return {
        side: tables.arrow(tables.reach_towns_table(r.towns.head(100), oblast_names())) for side, r in after.items()
    }
